package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"
)

// UIDSpan is the number of distinct uids the runner cycles through: job ID
// runs as uid UIDBase + ID%UIDSpan.
const UIDSpan = 10000

// Defaults for jobs that leave a limit unset.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultOutputLimit = 1 << 20
)

// ErrNotReady is returned by Serve when the runner cannot run jobs here
// (not root, missing capabilities, no work folder); the Hello it wrote
// says why.
var ErrNotReady = errors.New("runner not ready")

// spareThreads is how many OS threads Serve makes the runtime start before
// the first job (see reserveThreads); a runner uses about 7.
const spareThreads = 16

// maxJobLine bounds one Job line; a longer line is answered with an anomaly.
const maxJobLine = 256 << 20

// Config configures a Server. Main builds it from flags and the
// environment; tests build it by hand.
type Config struct {
	// UIDBase: job ID runs as uid and gid UIDBase + ID%UIDSpan.
	UIDBase uint32
	// WorkDir is where job folders (job-<ID>) are made. Job uids must be
	// able to reach it.
	WorkDir string
	// ScrubDirs are the writable folders from which every file a job's uid
	// owns is removed after the job.
	ScrubDirs []string
	// Need lists commands that must be found in PATH; Hello reports the
	// missing ones.
	Need []string
	// MaxJobs makes Serve return after that many jobs; 0 means no limit.
	MaxJobs int
	// Env is the base environment of every job: in Main, the runner's own.
	Env []string
	// OOMFile is the cgroup file holding the "oom_kill N" counter (see
	// DetectOOMFile); empty disables OOM detection.
	OOMFile string
	// KillWait bounds how long the runner keeps killing the processes of a
	// job's uid, and then waits for its output pipes to close, before it
	// gives up and reports the container unclean.
	KillWait time.Duration
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Version is echoed in Hello.
	Version string
	// Socket, when set, is a unix socket that Main connects to and
	// serves jobs over instead of its standard input and output (see
	// serveMain).
	Socket string
}

// DefaultConfig returns the configuration used in containers, without Env
// and OOMFile, which Main fills in.
func DefaultConfig() Config {
	return Config{
		UIDBase:   20000,
		WorkDir:   "/tmp",
		ScrubDirs: []string{"/tmp", "/dev/shm", "/dev/mqueue"},
		KillWait:  2 * time.Second,
		Version:   "dev",
	}
}

// Server runs jobs. Serve runs them one at a time. Run calls may overlap
// only for jobs whose uids differ (IDs that differ modulo UIDSpan), and an
// OOM kill during overlapping jobs is then reported for each of them.
type Server struct {
	cfg Config
	log *slog.Logger
}

// NewServer returns a Server for cfg.
func NewServer(cfg Config) *Server {
	if cfg.KillWait <= 0 {
		cfg.KillWait = DefaultConfig().KillWait
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := becomeSubreaper(); err != nil {
		// Then the container's init reaps orphans, a moment later.
		log.Warn("runner", "err", err)
	}
	return &Server{cfg: cfg, log: log}
}

// Hello checks that jobs can run here and says so.
func (s *Server) Hello() Hello {
	h := Hello{Ready: true, Version: s.cfg.Version, OOMFile: s.cfg.OOMFile}
	path := envValue(s.cfg.Env, "PATH")
	for _, name := range s.cfg.Need {
		if _, err := lookPath(name, path, "/"); err != nil {
			h.Missing = append(h.Missing, name)
		}
	}
	var reasons []string
	if euid := os.Geteuid(); euid != 0 {
		reasons = append(reasons, fmt.Sprintf("runner runs as uid %d, not 0: it cannot switch jobs to their own uids", euid))
	} else if missing, err := missingCaps(); err != nil {
		reasons = append(reasons, err.Error())
	} else if len(missing) > 0 {
		reasons = append(reasons, "runner lacks capabilities "+strings.Join(missing, ", "))
	}
	if fi, err := os.Stat(s.cfg.WorkDir); err != nil || !fi.IsDir() {
		reasons = append(reasons, fmt.Sprintf("work folder %q is not a folder", s.cfg.WorkDir))
	}
	if len(reasons) > 0 {
		h.Ready = false
		h.Reason = strings.Join(reasons, "; ")
	}
	return h
}

// Serve writes a Hello to out, then reads Jobs, one JSON line each, from
// in and writes one Report line per job to out, in order, after the Chunk
// lines of the job's export if it asked for one (see Output). It returns nil
// at the end of in or after Config.MaxJobs jobs, ErrNotReady (wrapped) when
// the Hello said not ready, and ctx's error if ctx ends (checked between
// jobs and during a job, not while blocked reading in). It sets the
// process's RLIMIT_CORE to 0 so that jobs never dump core, and starts the
// OS threads the runner may need while a job fills the pids limit.
func (s *Server) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	return s.ServeOn(ctx, out, in, out)
}

// ServeOn is Serve with the Hello written to hello rather than out.
func (s *Server) ServeOn(ctx context.Context, hello io.Writer, in io.Reader, out io.Writer) error {
	enc := json.NewEncoder(out)
	h := s.Hello()
	if err := json.NewEncoder(hello).Encode(h); err != nil {
		return fmt.Errorf("write hello: %w", err)
	}
	if !h.Ready {
		return fmt.Errorf("%w: %s", ErrNotReady, h.Reason)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		s.log.Warn("cannot disable core dumps", "err", err)
	}
	reserveThreads(spareThreads)
	s.log.Info("runner ready", "version", h.Version, "uid_base", s.cfg.UIDBase, "oom_file", s.cfg.OOMFile, "missing", h.Missing)
	br := bufio.NewReaderSize(in, 1<<20)
	for done := 0; s.cfg.MaxJobs <= 0 || done < s.cfg.MaxJobs; {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, readErr := readLine(br)
		received := time.Now()
		if tooLong || len(bytes.TrimSpace(line)) > 0 {
			var rep Report
			if tooLong {
				rep = badJob(0, fmt.Errorf("job line longer than %d bytes", maxJobLine))
			} else {
				rep = s.runLine(ctx, line, func(c Chunk) error { return enc.Encode(chunkLine{Chunk: &c}) })
			}
			stampPhases(&rep, received)
			if err := enc.Encode(rep); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			done++
		}
		switch {
		case readErr == io.EOF:
			return nil
		case readErr != nil:
			return fmt.Errorf("read job: %w", readErr)
		}
	}
	return nil
}

// runLine decodes one job line and runs it; emit sends its exported files.
func (s *Server) runLine(ctx context.Context, line []byte, emit func(Chunk) error) Report {
	var job Job
	if err := json.Unmarshal(line, &job); err != nil {
		// Recover the ID if the line has one, so the harness can match.
		var id struct {
			ID uint64 `json:"id"`
		}
		_ = json.Unmarshal(line, &id)
		s.log.Warn("bad job line", "job", id.ID, "err", err)
		return badJob(id.ID, fmt.Errorf("decode job: %w", err))
	}
	return s.RunExport(ctx, job, emit)
}

// badJob answers a job line the runner could not read. Nothing ran, so the
// container is still clean.
func badJob(id uint64, err error) Report {
	return Report{ID: id, ExitCode: -1, StartError: "bad job line", Anomaly: err.Error(), Clean: true}
}

// readLine reads up to and including the next newline. A line longer than
// maxJobLine is consumed and reported as tooLong, without its bytes.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong && len(line)+len(chunk) > maxJobLine {
			tooLong, line = true, nil
		}
		if !tooLong {
			line = append(line, chunk...)
		}
		if err != bufio.ErrBufferFull {
			return line, tooLong, err
		}
	}
}
