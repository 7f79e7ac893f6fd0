package runner

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
)

// MaybeMain turns the current binary into the runner when its first
// argument is ArgRunner: it runs Main and exits. Otherwise it returns, so a
// test binary can call it first thing in TestMain.
func MaybeMain() {
	if len(os.Args) > 1 && os.Args[1] == ArgRunner {
		os.Exit(Main(os.Args[2:]))
	}
}

// Main runs the runner with the arguments that follow ArgRunner and
// returns its exit code: 0 at the end of its input (or after -max-jobs
// jobs), 1 when it cannot run jobs, 2 for bad flags. Jobs are read from
// standard input and reports written to standard output; diagnostics go to
// standard error.
func Main(args []string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := parseFlags(args)
	if err != nil {
		// The harness waits for a Hello: tell it why none is coming.
		_ = json.NewEncoder(os.Stdout).Encode(Hello{Version: buildVersion(), Reason: err.Error()})
		log.Error("runner flags", "err", err)
		return 2
	}
	cfg.Env = os.Environ()
	cfg.OOMFile = DetectOOMFile()
	cfg.Logger = log
	cfg.Version = buildVersion()
	err = serveMain(context.Background(), NewServer(cfg))
	switch {
	case errors.Is(err, ErrNotReady):
		log.Error("runner not ready", "err", err)
		return 1
	case err != nil:
		log.Error("runner stopped", "err", err)
		return 1
	}
	return 0
}

func parseFlags(args []string) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet(ArgRunner, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error goes to Hello.Reason and the log
	uidBase := fs.Uint("uid-base", uint(cfg.UIDBase), "a job runs as uid and gid uid-base + id % 10000")
	fs.StringVar(&cfg.WorkDir, "work", cfg.WorkDir, "folder where job folders are made")
	scrub := fs.String("scrub", strings.Join(cfg.ScrubDirs, ","), "comma-separated writable folders scrubbed of a job's files after it")
	need := fs.String("need", "", "comma-separated commands that must be found in PATH")
	fs.IntVar(&cfg.MaxJobs, "max-jobs", 0, "exit after this many jobs (0: no limit)")
	fs.StringVar(&cfg.Socket, "socket", "", "unix socket to serve jobs over (default: standard input and output)")
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("parse runner flags: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("parse runner flags: unexpected arguments %q", fs.Args())
	}
	if *uidBase == 0 || *uidBase > 1<<31-UIDSpan {
		return Config{}, fmt.Errorf("parse runner flags: -uid-base %d out of range", *uidBase)
	}
	cfg.UIDBase = uint32(*uidBase)
	cfg.ScrubDirs = splitList(*scrub)
	cfg.Need = splitList(*need)
	return cfg, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// buildVersion names the build: the module version, plus the VCS revision
// when the binary was built from a checkout.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
