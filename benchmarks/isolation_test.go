package benchmarks

import (
	"strings"
	"testing"
)

// polluterSolution is a correct solution of humanEvalProblem that leaves
// all it can behind for the samples after it: marker files in /tmp,
// /dev/shm, its working folder and its TMPDIR, a SysV shared memory
// segment, a POSIX message queue, and a setsid() child that keeps writing
// markers. It asserts that its writes worked, so that the test cannot
// pass because nothing was polluted.
const polluterSolution = `import os, posix, time, ctypes
def add(a, b):
    return a + b
_dirs = ["/tmp", "/dev/shm", ".", os.environ["TMPDIR"]]
def _mark(tag):
    for d in _dirs:
        try:
            with open(os.path.join(d, "codetree-marker-%s-%d" % (tag, posix.getpid())), "w") as f:
                f.write("x")
        except OSError:
            pass
_mark("main")
assert any(n.startswith("codetree-marker-") for n in os.listdir("/tmp"))
assert any(n.startswith("codetree-marker-") for n in os.listdir("."))
_libc = ctypes.CDLL(None, use_errno=True)
assert _libc.shmget(0x5eed0000 + posix.getpid() % 65536, 4096, 0o1666) >= 0
try:
    _libc.mq_open.restype = ctypes.c_int
    _libc.mq_open(b"/codetree-marker-%d" % posix.getpid(), os.O_CREAT | os.O_RDWR, 0o666, None)
except AttributeError:
    pass
_r, _w = os.pipe()
if posix.fork() == 0:
    os.setsid()
    os.write(_w, b"x")
    while True:
        _mark("daemon")
        time.sleep(0.005)
assert os.read(_r, 1) == b"x"
time.sleep(0.05)
`

// probeSolution is a correct solution of humanEvalProblem that fails when
// it sees anything of another sample: a file in /tmp, /dev/shm or
// /dev/mqueue that is neither root's nor its own (but its batch's job
// folder, which it cannot enter), a marker name anywhere there, anything
// in its working folder or TMPDIR, a process of another uid than root and
// its own, or a SysV IPC object. It also checks that it runs as no
// privileged uid and has no way to the pass token.
const probeSolution = `import os
def add(a, b):
    return a + b
_me = os.getuid()
_seen = []
assert _me != 0 and os.geteuid() != 0, "runs as root"
_home = os.environ["HOME"]
_job = _home.rsplit("-s", 1)[0]
for _top in ("/tmp", "/dev/shm", "/dev/mqueue"):
    for _root, _ds, _fs in os.walk(_top):
        for _n in _ds + _fs:
            _p = os.path.join(_root, _n)
            try:
                _st = os.lstat(_p)
            except OSError:
                continue
            if "marker" in _n or (_st.st_uid not in (0, _me) and _p != _job):
                _seen.append("%s (uid %d)" % (_p, _st.st_uid))
_seen += ["cwd: " + n for n in os.listdir(".")]
_seen += ["TMPDIR: " + n for n in os.listdir(os.environ["TMPDIR"])]
for _pid in os.listdir("/proc"):
    if not _pid.isdigit():
        continue
    try:
        with open("/proc/%s/status" % _pid) as f:
            _uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
    except (OSError, IndexError):
        continue
    if any(int(u) not in (0, _me) for u in _uids):
        _seen.append("process %s of uid %s" % (_pid, _uids[0]))
for _kind in ("shm", "msg", "sem"):
    try:
        with open("/proc/sysvipc/" + _kind) as f:
            _rows = f.read().splitlines()[1:]
    except OSError:
        continue
    _seen += ["SysV %s: %s" % (_kind, r) for r in _rows if r.strip()]
try:
    open(os.path.join(_job, ".codetree-token")).read()
    _seen.append("read the pass token")
except OSError:
    pass
assert not _seen, _seen
`

// TestBatchIsolation runs batches that mix polluters and probes in every
// batch position: every probe must pass, whatever ran before it in its
// batch (issue 13: a verdict must not depend on the batch).
func TestBatchIsolation(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	e := NewEvaluator(sb, EvalOptions{})
	p := humanEvalProblem()
	const size = 16
	// Polluters at even positions in one batch, odd ones in the next,
	// then a batch of one probe after a batch of polluters.
	layouts := []string{
		strings.Repeat("Pp", size/2),
		strings.Repeat("pP", size/2),
		"PPPPPPPP",
		"p",
		"PpppPPpp",
	}
	for _, layout := range layouts {
		items := make([]Item, len(layout))
		for i, c := range layout {
			code := probeSolution
			if c == 'P' {
				code = polluterSolution
			}
			items[i] = Item{Problem: p, Sample: Sample{TaskID: p.ID(), Solution: code}}
		}
		vs, err := e.EvaluateBatch(t.Context(), items)
		if err != nil {
			t.Fatalf("batch %s: %v", layout, err)
		}
		for i, v := range vs {
			kind := "probe"
			if layout[i] == 'P' {
				kind = "polluter"
			}
			if !v.Passed {
				t.Errorf("batch %s, %s at position %d: %s", layout, kind, i, v.Result)
			}
		}
	}
}

// TestBatchVerdictsIndependent scores the same samples alone and in one
// batch with polluters around them: the verdicts must be the same.
func TestBatchVerdictsIndependent(t *testing.T) {
	t.Parallel()
	sb := newTestSandbox(t)
	e := NewEvaluator(sb, EvalOptions{})
	p := humanEvalProblem()
	samples := []Sample{
		{Completion: "    return a + b\n"},
		{Completion: "    return a - b\n"},
		{Completion: "    import os\n    return len(os.listdir('.')) + a + b\n"},
		{Completion: "    import os\n    assert not [n for n in os.listdir('/tmp') if 'marker' in n]\n    return a + b\n"},
	}
	var items []Item
	for _, s := range samples {
		s.TaskID = p.ID()
		items = append(items, Item{Problem: p, Sample: Sample{TaskID: p.ID(), Solution: polluterSolution}}, Item{Problem: p, Sample: s})
	}
	batch, err := e.EvaluateBatch(t.Context(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range samples {
		s.TaskID = p.ID()
		alone, err := e.Evaluate(t.Context(), p, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := batch[2*i+1]; got.Result != alone.Result {
			t.Errorf("sample %d: %q in a batch, %q alone", i, got.Result, alone.Result)
		}
	}
}

// plusPolluter and plusProbe are solutions of plusProblem for the plus
// harness, which disables open() before the program loads (EvalPlus's
// guard) and gives each sample a working folder in its TMPDIR: the
// polluter leaves markers in /tmp and /dev/shm and a setsid() child
// writing more; the probe fails on any marker there, and on any process of
// another uid than root and its own.
const (
	plusPolluter = `import os, posix, time
def _mark(tag):
    for d in ("/tmp", "/dev/shm"):
        fd = os.open(os.path.join(d, "codetree-marker-%s-%d" % (tag, posix.getpid())), os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)
_mark("main")
if posix.fork() == 0:
    os.setsid()
    while True:
        _mark("daemon")
        time.sleep(0.005)
time.sleep(0.05)
def shift(xs, k):
    return sorted(x + k for x in xs)
`
	plusProbe = `import io, os
_me = os.getuid()
_seen = [d + "/" + n for d in ("/tmp", "/dev/shm") for n in os.listdir(d) if "marker" in n]
for _pid in os.listdir("/proc"):
    if _pid.isdigit():
        try:
            with io.open("/proc/%s/status" % _pid) as f:
                _uid = [l.split()[1] for l in f if l.startswith("Uid:")][0]
        except (OSError, IndexError):
            continue
        if int(_uid) not in (0, _me):
            _seen.append("process %s of uid %s" % (_pid, _uid))
assert _me != 0 and not _seen, _seen
def shift(xs, k):
    return sorted(x + k for x in xs)
`
)

// TestPlusBatchIsolation: the plus harness's batches isolate samples as
// harness.py's do, polluters and probes in alternating positions.
func TestPlusBatchIsolation(t *testing.T) {
	t.Parallel()
	sb := plusSandbox(t)
	e := NewEvaluator(sb, EvalOptions{})
	p := plusProblem("Test/isolation")
	for _, layout := range []string{"PpPpPp", "pPpPpP"} {
		items := make([]Item, len(layout))
		for i, c := range layout {
			code := plusProbe
			if c == 'P' {
				code = plusPolluter
			}
			items[i] = Item{Problem: p, Sample: Sample{TaskID: p.ID(), Solution: code}}
		}
		vs, err := e.EvaluateBatch(t.Context(), items)
		if err != nil {
			t.Fatalf("batch %s: %v", layout, err)
		}
		for i, v := range vs {
			if v.Plus == nil || !v.Passed || !v.Plus.Passed {
				t.Errorf("batch %s, position %d (%c): %s (plus %+v)", layout, i, layout[i], v.Result, v.Plus)
			}
		}
	}
}
