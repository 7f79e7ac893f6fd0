package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testZygote is a minimal batch zygote: for each sample it forks a child
// that switches to the sample's uid, prints what of other samples it can
// see in the scrub folders, leaves files there and in its folders, and
// leaves a setsid() child writing more (which the runner must kill and,
// once it is a zombie, reap: no process of another sample, not even a
// zombie, may be in /proc); then it prints the token.
const testZygote = `import json, os, sys, time
scrub = sys.argv[1:]
out = os.fdopen(1, "w", buffering=1)
with os.fdopen(3, "rb") as ctl:
    for line in iter(ctl.readline, b""):
        s = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os.setgroups([]); os.setgid(s["uid"]); os.setuid(s["uid"])
            os.chdir(s["dir"])
            seen = [n for d in scrub for n in os.listdir(d) if "marker" in n]
            seen += os.listdir(".") + os.listdir(s["tmpdir"])
            block = s["uid"] - s["index"]  # this job's sample uids
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    uid = os.stat("/proc/" + pid).st_uid
                except OSError:
                    continue
                if block <= uid < block + 64 and uid != s["uid"]:
                    seen.append("process of uid %d" % uid)  # a zombie counts
            out.write("sample %d uid %d sees %s\n" % (s["index"], os.getuid(), sorted(seen)))
            def mark():
                for d in scrub + [".", s["tmpdir"]]:
                    open(os.path.join(d, "marker-%d-%d" % (s["index"], os.getpid())), "w").close()
            mark()
            if os.fork() == 0:
                os.setsid()
                while True:
                    mark()
                    time.sleep(0.005)
            time.sleep(0.02)
            os._exit(0)
        os.waitpid(pid, 0)
        os.write(4, b"%d\n" % s["index"])
os.close(4)
print(open(os.environ["CODETREE_TOKEN_FILE"]).read())
`

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3 for the test zygote")
	}
	return py
}

func TestRunBatchIsolatesSamples(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	py := needPython(t)
	const n = 5
	job := Job{
		ID:      lastJobID.Add(1),
		Command: []string{py, "-I", "zygote.py", e.tmp, e.shm},
		Files:   map[string][]byte{"zygote.py": []byte(testZygote)},
		Token:   "tok-123",
		Samples: n,
	}
	rep := e.run(t, job)
	checkOK(t, rep)
	lines := strings.Split(strings.TrimSpace(string(rep.Stdout)), "\n")
	if len(lines) != n+1 || lines[n] != "tok-123" {
		t.Fatalf("stdout = %q (stderr %q), want %d sample lines and the token", rep.Stdout, rep.Stderr, n)
	}
	for i := range n {
		uid, err := e.srv.sampleUID(job.ID, i)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("sample %d uid %d sees []", i, uid); lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
		if pids, err := liveProcs(uid); err != nil || len(pids) > 0 {
			t.Errorf("after the batch, processes of sample uid %d: %v (err %v)", uid, pids, err)
		}
		if _, err := os.Lstat(e.jobDir(job.ID) + fmt.Sprintf("-s%d", i)); !os.IsNotExist(err) {
			t.Errorf("sample %d folder still there (lstat: %v)", i, err)
		}
	}
	for _, d := range []string{e.tmp, e.shm} {
		if left, _ := filepath.Glob(filepath.Join(d, "marker-*")); len(left) > 0 {
			t.Errorf("markers left in %s: %v", d, left)
		}
	}
}

func TestRunBatchDeadline(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	py := needPython(t)
	// The zygote never answers: the runner kills it and the first sample.
	zygote := `import json, os, time
s = json.loads(os.fdopen(3, "rb").readline())
if os.fork() == 0:
    os.setgroups([]); os.setgid(s["uid"]); os.setuid(s["uid"])
    os.setsid()
    time.sleep(600)
time.sleep(600)
`
	job := Job{
		ID:      lastJobID.Add(1),
		Command: []string{py, "-I", "zygote.py"},
		Files:   map[string][]byte{"zygote.py": []byte(zygote)},
		Samples: 3,
		Timeout: 500 * time.Millisecond,
	}
	start := time.Now()
	rep := e.run(t, job)
	if !rep.TimedOut || !rep.Clean || rep.Signal != 9 {
		t.Errorf("TimedOut %v Clean %v Signal %d Anomaly %q; want a clean kill at the deadline", rep.TimedOut, rep.Clean, rep.Signal, rep.Anomaly)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("batch took %v past a 500ms deadline", d)
	}
	uid, _ := e.srv.sampleUID(job.ID, 0)
	if pids, err := liveProcs(uid); err != nil || len(pids) > 0 {
		t.Errorf("processes of sample uid %d left: %v (err %v)", uid, pids, err)
	}
}

func TestRunBatchTooLarge(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep := e.run(t, Job{Command: sh("true"), Samples: MaxSamples + 1})
	if rep.Started || !strings.Contains(rep.StartError, "at most") {
		t.Errorf("Started %v StartError %q; want a start error", rep.Started, rep.StartError)
	}
}
