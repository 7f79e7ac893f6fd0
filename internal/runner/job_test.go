package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkOK fails unless the job started, ran to its own end and left the
// container clean.
func checkOK(t *testing.T, rep Report) {
	t.Helper()
	if !rep.Started || rep.StartError != "" {
		t.Errorf("Started = %v, StartError = %q; want a started job", rep.Started, rep.StartError)
	}
	if !rep.Clean || rep.Anomaly != "" {
		t.Errorf("Clean = %v, Anomaly = %q; want clean", rep.Clean, rep.Anomaly)
	}
	if rep.TimedOut || rep.OutputExceeded || rep.OOMKilled {
		t.Errorf("TimedOut %v OutputExceeded %v OOMKilled %v; want none", rep.TimedOut, rep.OutputExceeded, rep.OOMKilled)
	}
}

func TestRunResults(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tests := []struct {
		name       string
		job        Job
		exit, sig  int
		out, errs  string
		maxElapsed time.Duration
	}{
		{name: "echo", job: Job{Command: sh("echo hi; echo oops >&2")}, out: "hi\n", errs: "oops\n"},
		{name: "exit code", job: Job{Command: sh("exit 3")}, exit: 3},
		{name: "signal", job: Job{Command: sh("kill -TERM $$")}, exit: -1, sig: 15},
		{name: "stdin is empty", job: Job{Command: sh("cat; echo done")}, out: "done\n", maxElapsed: 5 * time.Second},
		{name: "PATH from job env", job: Job{Command: []string{"/bin/sh", "-c", `echo "$PATH"`}, Env: []string{"PATH=/x:/bin"}}, out: "/x:/bin\n"},
		{name: "kill -1 from the job", job: Job{Command: sh(`sh -c 'kill -KILL -1'; echo survived`)}, exit: -1, sig: 9, maxElapsed: 4 * time.Second},
		{name: "no core file", job: Job{Command: sh("ulimit -c")}, out: "0\n"},
		{name: "relative command", job: Job{Command: []string{"./run.sh"}, Files: map[string][]byte{"run.sh": []byte("#!/bin/sh\necho x\n")}, Env: []string{"PATH=/bin"}},
			exit: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			rep := e.run(t, tt.job)
			elapsed := time.Since(begin)
			if tt.name == "relative command" {
				// Files are written 0644: not executable, so not startable.
				if rep.Started || !strings.Contains(rep.StartError, "not executable") || !rep.Clean {
					t.Errorf("Started %v StartError %q Clean %v; want a start error", rep.Started, rep.StartError, rep.Clean)
				}
				return
			}
			checkOK(t, rep)
			if rep.ExitCode != tt.exit || rep.Signal != tt.sig {
				t.Errorf("ExitCode %d Signal %d, want %d %d", rep.ExitCode, rep.Signal, tt.exit, tt.sig)
			}
			if string(rep.Stdout) != tt.out || string(rep.Stderr) != tt.errs {
				t.Errorf("stdout %q stderr %q, want %q %q", rep.Stdout, rep.Stderr, tt.out, tt.errs)
			}
			if rep.Duration <= 0 || rep.Duration > elapsed {
				t.Errorf("Duration %v, want in (0, %v]", rep.Duration, elapsed)
			}
			if tt.maxElapsed > 0 && elapsed > tt.maxElapsed {
				t.Errorf("took %v, want under %v", elapsed, tt.maxElapsed)
			}
		})
	}
}

func TestRunIdentityAndEnv(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	job := Job{
		ID:      lastJobID.Add(1),
		Command: sh(`id -u; id -g; id -G; pwd; echo "$HOME $TMPDIR $PWD $FOO $LANG"; grep -E '^Cap(Eff|Prm):' /proc/self/status; nice; env | cut -d= -f1 | grep -vx SHLVL | sort | tr '\n' ' '`),
		Env:     []string{"FOO=1", "FOO=2", "LANG=C"},
	}
	rep := e.run(t, job)
	checkOK(t, rep)
	dir, uid := e.jobDir(job.ID), rep.UID
	want := fmt.Sprintf("%d\n%d\n%d\n%s\n%s %s/.tmp %s 2 C\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n0\nFOO HOME LANG PATH PWD TMPDIR ", uid, uid, uid, dir, dir, dir, dir)
	// dash adds SHLVL? It does not; bash would. Accept both.
	got := strings.Replace(string(rep.Stdout), "SHLVL ", "", 1)
	// Nice 0, or JobNice once the job has run for JobNiceAfter (a slow machine).
	got = strings.Replace(got, fmt.Sprintf("\n%d\nFOO", JobNice), "\n0\nFOO", 1)
	want = strings.Replace(want, "SHLVL ", "", 1)
	if got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunFiles(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	t.Run("written and owned", func(t *testing.T) {
		t.Parallel()
		rep := e.run(t, Job{
			Files:   map[string][]byte{"a.txt": []byte("A"), "sub/dir/b.txt": []byte("B"), "./c": nil},
			Token:   "tok-123",
			Command: sh(`cat a.txt sub/dir/b.txt; echo; stat -c '%a %u %g %n' a.txt sub sub/dir/b.txt c . "$CODETREE_TOKEN_FILE"; cat "$CODETREE_TOKEN_FILE"`),
		})
		checkOK(t, rep)
		u := rep.UID
		want := fmt.Sprintf("AB\n644 %[1]d %[1]d a.txt\n755 %[1]d %[1]d sub\n644 %[1]d %[1]d sub/dir/b.txt\n644 %[1]d %[1]d c\n700 %[1]d %[1]d .\n600 %[1]d %[1]d %[2]s\ntok-123",
			u, filepath.Join(e.tmp, fmt.Sprintf("job-%d", rep.ID), tokenFile))
		if string(rep.Stdout) != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", rep.Stdout, want)
		}
	})
	bad := []struct {
		name  string
		files map[string][]byte
		cmd   []string
		want  string
	}{
		{"absolute", map[string][]byte{"/etc/x": nil}, sh("true"), "absolute"},
		{"dotdot", map[string][]byte{"../x": nil}, sh("true"), `".."`},
		{"inner dotdot", map[string][]byte{"a/../b": nil}, sh("true"), `".."`},
		{"trailing dotdot", map[string][]byte{"a/..": nil}, sh("true"), `".."`},
		{"empty name", map[string][]byte{"": nil}, sh("true"), "bad file name"},
		{"the folder", map[string][]byte{"./": nil}, sh("true"), "job folder"},
		{"file and folder", map[string][]byte{"a": nil, "a/b": nil}, sh("true"), "write a/b"},
		{"token clash", map[string][]byte{tokenFile: nil}, sh("true"), "token"},
		{"not found", nil, []string{"no-such-command-xyz"}, "not found"},
		{"not found in job PATH", nil, []string{"sh"}, "not found"},
		{"empty command", nil, nil, "empty command"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := Job{Files: tt.files, Command: tt.cmd, Token: "t"}
			if tt.name == "not found in job PATH" {
				job.Env = []string{"PATH=/nonexistent"}
			}
			rep := e.run(t, job)
			if rep.Started || !strings.Contains(rep.StartError, tt.want) || rep.ExitCode != -1 {
				t.Errorf("Started %v StartError %q ExitCode %d; want not started, error containing %q", rep.Started, rep.StartError, rep.ExitCode, tt.want)
			}
			if !rep.Clean || rep.Anomaly != "" {
				t.Errorf("Clean %v Anomaly %q; a job's bad input is not a runner anomaly", rep.Clean, rep.Anomaly)
			}
		})
	}
}

func TestRunLeftoverJobFolder(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	victim := filepath.Join(t.TempDir(), "victim")
	mustMkdir(t, victim, 0o755)
	if err := os.WriteFile(filepath.Join(victim, "keep"), []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := lastJobID.Add(1)
	if err := os.Symlink(victim, e.jobDir(id)); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, Job{ID: id, Command: sh("pwd; echo x > f"), Files: map[string][]byte{"g": []byte("g")}})
	if !rep.Started || rep.ExitCode != 0 || string(rep.Stdout) != e.jobDir(id)+"\n" || !rep.Clean {
		t.Errorf("report %+v; want a clean run in a fresh folder", rep)
	}
	if !strings.Contains(rep.Anomaly, "leftover") {
		t.Errorf("Anomaly %q, want it to mention the leftover", rep.Anomaly)
	}
	entries, err := os.ReadDir(victim)
	if err != nil || len(entries) != 1 || entries[0].Name() != "keep" {
		t.Errorf("symlink target changed: %v %v", entries, err)
	}
}

func TestRunKills(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tests := []struct {
		name     string
		job      Job
		timedOut bool
	}{
		{"timeout", Job{Command: sh("sleep 30"), Timeout: 100 * time.Millisecond}, true},
		{"timeout ignoring TERM", Job{Command: sh(`trap "" TERM INT HUP; sleep 30`), Timeout: 100 * time.Millisecond}, true},
		{"many children at timeout", Job{Command: sh("for i in $(seq 40); do sleep 30 & done; sleep 30"), Timeout: 300 * time.Millisecond}, true},
		{"setsid orphan", Job{Command: sh("setsid sleep 30 & echo ok")}, false},
		{"double-forked orphan holding stdout", Job{Command: sh("(sleep 30 &); echo ok")}, false},
		{"orphan closing its outputs", Job{Command: sh("setsid sleep 30 >/dev/null 2>&1 </dev/null & echo ok")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			rep := e.run(t, tt.job)
			elapsed := time.Since(begin)
			if !rep.Started || !rep.Clean || rep.Anomaly != "" || rep.TimedOut != tt.timedOut {
				t.Errorf("Started %v Clean %v Anomaly %q TimedOut %v; want started, clean, TimedOut %v", rep.Started, rep.Clean, rep.Anomaly, rep.TimedOut, tt.timedOut)
			}
			if tt.timedOut {
				if rep.Signal != 9 || rep.ExitCode != -1 {
					t.Errorf("Signal %d ExitCode %d, want SIGKILL", rep.Signal, rep.ExitCode)
				}
				if rep.Duration < tt.job.Timeout || rep.Duration > tt.job.Timeout+time.Second {
					t.Errorf("Duration %v, want just past %v", rep.Duration, tt.job.Timeout)
				}
			} else if rep.ExitCode != 0 || string(rep.Stdout) != "ok\n" {
				t.Errorf("ExitCode %d stdout %q, want 0 and ok", rep.ExitCode, rep.Stdout)
			}
			if elapsed > 5*time.Second {
				t.Errorf("took %v: the runner waited for the job's orphans", elapsed)
			}
		})
	}
}

func TestRunOutputLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const limit = 4096
	tests := []struct {
		name              string
		cmd               []string
		outTrunc, errTrun bool
		outLen, errLen    int
	}{
		{"flood without newlines", sh("cat /dev/zero"), true, false, limit, 0},
		{"flood of lines", []string{"yes"}, true, false, limit, 0},
		{"stderr flood", sh("yes >&2"), false, true, 0, limit},
		{"flood from a background process", sh("(yes &); sleep 30"), true, false, limit, 0},
		{"exactly the limit", sh(fmt.Sprintf("head -c %d /dev/zero; head -c %d /dev/zero >&2", limit, limit)), false, false, limit, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			rep := e.run(t, Job{Command: tt.cmd, OutputLimit: limit, Timeout: 20 * time.Second})
			if elapsed := time.Since(begin); elapsed > 5*time.Second {
				t.Errorf("took %v: the flood was not stopped at once", elapsed)
			}
			exceeded := tt.outTrunc || tt.errTrun
			if rep.OutputExceeded != exceeded || rep.StdoutTruncated != tt.outTrunc || rep.StderrTruncated != tt.errTrun {
				t.Errorf("OutputExceeded %v StdoutTruncated %v StderrTruncated %v, want %v %v %v",
					rep.OutputExceeded, rep.StdoutTruncated, rep.StderrTruncated, exceeded, tt.outTrunc, tt.errTrun)
			}
			if len(rep.Stdout) != tt.outLen || len(rep.Stderr) != tt.errLen {
				t.Errorf("kept %d+%d bytes, want %d+%d", len(rep.Stdout), len(rep.Stderr), tt.outLen, tt.errLen)
			}
			if rep.TimedOut || !rep.Clean || rep.Anomaly != "" {
				t.Errorf("TimedOut %v Clean %v Anomaly %q", rep.TimedOut, rep.Clean, rep.Anomaly)
			}
		})
	}
}

func TestRunScrub(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	shared := filepath.Join(e.tmp, "shared") // root's, writable by all
	mustMkdir(t, shared, os.ModeSticky|0o777)
	keep := filepath.Join(shared, "keep")
	if err := os.WriteFile(keep, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, Job{
		Env: []string{"T=" + e.tmp, "S=" + e.shm},
		Command: sh(`set -e
echo x > "$T/f"
mkdir -p "$T/d/e" && echo y > "$T/d/e/g" && chmod 000 "$T/d/e" "$T/d"
ln -s /etc/passwd "$T/link"
echo z > "$S/h" && mkfifo "$S/fifo"
echo w > "$T/shared/w"
echo done`),
	})
	checkOK(t, rep)
	if string(rep.Stdout) != "done\n" {
		t.Fatalf("job did not finish its writes: stdout %q stderr %q", rep.Stdout, rep.Stderr)
	}
	for _, p := range []string{"f", "d", "link", "shared/w"} {
		if _, err := os.Lstat(filepath.Join(e.tmp, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the scrub (lstat: %v)", p, err)
		}
	}
	for _, p := range []string{"h", "fifo"} {
		if _, err := os.Lstat(filepath.Join(e.shm, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the scrub (lstat: %v)", p, err)
		}
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "k" {
		t.Errorf("a file the job did not own was touched: %q %v", b, err)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Errorf("symlink target gone: %v", err)
	}
}

func TestRunOOMCounter(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// The fake counter is world-writable so that a job can stand in for
	// the kernel.
	rep := e.run(t, Job{Command: sh(`printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n' > "$F"`), Env: []string{"F=" + e.oom}})
	if !rep.OOMKilled || !rep.Clean {
		t.Errorf("OOMKilled %v Clean %v, want an OOM kill reported", rep.OOMKilled, rep.Clean)
	}
	rep = e.run(t, Job{Command: sh("true")})
	if rep.OOMKilled {
		t.Error("OOMKilled with an unchanged counter")
	}
}

func TestRunSysvIPC(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("needs ipcmk (util-linux)")
	}
	e := newTestEnv(t)
	rep := e.run(t, Job{Command: sh("ipcmk -M 4096 && ipcmk -Q && ipcmk -S 1")})
	checkOK(t, rep)
	if n := bytes.Count(rep.Stdout, []byte(" id: ")); n != 3 {
		t.Fatalf("job made %d IPC objects, want 3: %q %q", n, rep.Stdout, rep.Stderr)
	}
	if objs, err := sysvObjects(rep.UID); err != nil || len(objs) != 0 {
		t.Errorf("SysV IPC objects of uid %d left: %v (err %v)", rep.UID, objs, err)
	}
}

func TestRunCanceled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	job := Job{ID: lastJobID.Add(1), Command: sh("sleep 30"), Timeout: 10 * time.Second}
	begin := time.Now()
	rep := e.srv.Run(ctx, job)
	if time.Since(begin) > 5*time.Second || !strings.Contains(rep.Anomaly, "canceled") || rep.TimedOut {
		t.Errorf("report %+v after %v; want a prompt kill with a canceled anomaly", rep, time.Since(begin))
	}
	if pids, _ := liveProcs(rep.UID); len(pids) > 0 {
		t.Errorf("processes left: %v", pids)
	}
}
