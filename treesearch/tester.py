# codetree tester: runs a candidate's visible tests one by one and reports
# each test's outcome, for the feedback a model sees.
#
#   python3 -I -B tester.py TESTS_JSON SOLUTION_PY PER_TEST_SECONDS [--no-pyflakes]
#
# It reads and deletes the pass token file first, points file descriptors 1
# and 2 at /dev/null (keeping a private copy of stdout for the report), runs
# pyflakes in-process over the candidate's source (unless --no-pyflakes) and
# prints its findings as a first JSON line, {"findings": [...]}, so that they
# survive a run that ends early. Then it loads the candidate with exec into a
# fresh module under a time limit, and runs each test in that module's
# namespace under a per-test SIGALRM limit. A test with "call" and "expected"
# evaluates both and compares them with == (floats within 1e-6); any other
# test execs its "assert" statement. What the candidate prints is swallowed,
# the first 2 KB of it kept per test. The report is one JSON line, followed
# by the token as the last line; a run that ends early (os._exit, a crash,
# the sandbox's deadline) prints no token.
#
# The pyflakes findings are each {"line", "col" (1-based), "kind" (the
# pyflakes message class, e.g. "UndefinedName"), "message"}. None are given
# when pyflakes is not importable, fails or runs past its time limit. Syntax
# errors are the load error's: pyflakes reports none when the code does not
# parse, and a finding on the line where compiling fails is dropped.
#
# Like human-eval it guards against accidents, not against code that
# deliberately forges the report.
import ast
import io
import json
import linecache
import math
import os
import signal
import sys
import traceback
import types
import warnings

MAX_REPR = 300
MAX_OUTPUT = 2048
MAX_ERROR = 2000
MAX_FINDINGS = 50
LINT_SECONDS = 1.0
SOLUTION = "solution.py"


class TestTimeout(BaseException):
    """Raised by SIGALRM. A BaseException, so `except Exception` in the
    candidate does not swallow it."""


class Capture(io.TextIOBase):
    """A writable text stream that keeps the first MAX_OUTPUT characters."""

    def __init__(self):
        super().__init__()
        self.parts = []
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        if self.size < MAX_OUTPUT:
            part = s[: MAX_OUTPUT - self.size]
            self.parts.append(part)
            self.size += len(part)
        return len(s)

    def text(self):
        return "".join(self.parts)


def cut(s, n):
    return s if len(s) <= n else s[:n] + "..."


def safe_repr(v):
    try:
        return cut(repr(v), MAX_REPR)
    except BaseException as e:  # a broken __repr__
        return "<repr failed: %s>" % type(e).__name__


def describe(e):
    """Type and message of e, with the candidate's own frames."""
    try:
        msg = str(e)
    except BaseException:
        msg = "<str failed>"
    head = type(e).__name__ + (": " + msg if msg else "")
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == SOLUTION]
    if frames:
        tb = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
        return cut(tb + head, MAX_ERROR)
    return cut(head, MAX_ERROR)


def same(a, b):
    if a == b:
        return True
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        return (isinstance(a, float) or isinstance(b, float)) and math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-6
    if type(a) is type(b) and isinstance(a, (list, tuple)) and len(a) == len(b):
        return all(same(x, y) for x, y in zip(a, b))
    return False


def import_checker():
    """Imports pyflakes.checker. doctest, which it imports for a check not
    made here, takes 15 of the 20 ms of that (pdb, unittest, inspect): a
    stub stands in for it during the import and leaves sys.modules after,
    so that the candidate imports the real one. Should a pyflakes version
    need more of doctest, the import is made again without the stub."""
    if "doctest" not in sys.modules:
        stub = types.ModuleType("doctest")

        class DocTestParser:
            def get_examples(self, string, name="<string>"):
                return []

        stub.DocTestParser = DocTestParser
        sys.modules["doctest"] = stub
        try:
            from pyflakes import checker

            return checker
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] == "pyflakes":
                raise  # no pyflakes at all
        except Exception:
            pass
        finally:
            if sys.modules.get("doctest") is stub:
                del sys.modules["doctest"]
        for name in [m for m in sys.modules if m == "pyflakes" or m.startswith("pyflakes.")]:
            del sys.modules[name]
    from pyflakes import checker

    return checker


def lint(code):
    """pyflakes' findings on the candidate's source, without running it."""
    try:
        checker = import_checker()
    except ImportError:
        return []
    try:
        tree = compile(code, SOLUTION, "exec", ast.PyCF_ONLY_AST)
    except SyntaxError:
        return []  # the load error's to report
    # What pyflakes.api.check does, without its reporter.
    kw = {}
    if hasattr(checker, "make_tokens"):  # pyflakes < 3: for type comments
        try:
            kw["file_tokens"] = checker.make_tokens(code)
        except Exception:
            pass
    messages = checker.Checker(tree, filename=SOLUTION, withDoctest=False, **kw).messages
    found = []
    for m in sorted(messages, key=lambda m: (m.lineno, getattr(m, "col", 0)))[:MAX_FINDINGS]:
        try:
            msg = m.message % m.message_args
        except Exception:
            msg = str(m.message)
        line, col = getattr(m, "lineno", 0), getattr(m, "col", None)
        found.append({
            "line": line if isinstance(line, int) else 0,
            "col": col + 1 if isinstance(col, int) else 0,
            "kind": type(m).__name__,
            "message": cut(msg, MAX_REPR),
        })
    if found:
        # pyflakes parses without compiling: what the compiler rejects
        # ('return' outside function, ...) is the load error's to report.
        try:
            compile(tree, SOLUTION, "exec")
        except SyntaxError as e:
            found = [f for f in found if f["line"] != e.lineno]
    return found


def main():
    # The token first, before any candidate code exists in this process.
    token = None
    path = os.environ.pop("CODETREE_TOKEN_FILE", None)
    if path:
        with open(path) as f:
            token = f.read().strip()
        os.remove(path)

    tests_file, solution_file, per_test = sys.argv[1], sys.argv[2], float(sys.argv[3])
    use_pyflakes = "--no-pyflakes" not in sys.argv[4:]
    with open(tests_file, encoding="utf-8") as f:
        tests = json.load(f)
    with open(solution_file, encoding="utf-8", errors="replace") as f:
        code = f.read()

    # Captured before the candidate can replace them.
    write, dumps, setitimer = os.write, json.dumps, signal.setitimer
    report_fd = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    sink = Capture()
    sys.stdin = io.StringIO("")

    def on_alarm(signum, frame):
        # Fire again shortly in case the candidate swallows this one.
        setitimer(signal.ITIMER_REAL, 0.1)
        raise TestTimeout()

    def limited(fn, seconds):
        """Runs fn under a time limit with its output captured; returns
        (outcome, value_or_exception, output)."""
        cap = Capture()
        sys.stdout, sys.stderr = cap, cap
        signal.signal(signal.SIGALRM, on_alarm)
        try:
            try:
                setitimer(signal.ITIMER_REAL, seconds)
                value = fn()
            finally:
                setitimer(signal.ITIMER_REAL, 0)
        except TestTimeout:
            return "timeout", None, cap.text()
        except BaseException as e:
            return "raised", e, cap.text()
        finally:
            setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = sink, sink
        return "ok", value, cap.text()

    def guarded(fn, seconds=per_test):
        # An alarm that lands in our own bookkeeping counts as a timeout.
        try:
            return limited(fn, seconds)
        except TestTimeout:
            setitimer(signal.ITIMER_REAL, 0)
            return "timeout", None, ""

    # Static findings first, before any candidate code runs. The run's
    # deadline has 2 s of slack beyond the load and the tests, which covers
    # the lint's own limit.
    findings = []
    if use_pyflakes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of compiling
            outcome, value, _ = guarded(lambda: lint(code), min(per_test, LINT_SECONDS))
        if outcome == "ok":
            findings = value
    data = (dumps({"findings": findings}) + "\n").encode()
    while data:
        data = data[write(report_fd, data) :]

    report = {"load_error": "", "load_timeout": False, "tests": []}
    mod = types.ModuleType("solution")
    mod.__file__ = SOLUTION
    sys.modules["solution"] = mod
    ns = mod.__dict__
    linecache.cache[SOLUTION] = (len(code), None, code.splitlines(True), SOLUTION)

    def load():
        exec(compile(code, SOLUTION, "exec"), ns)

    outcome, err, _ = guarded(load)
    if outcome == "timeout":
        report["load_error"] = "time limit exceeded while loading the program (%gs)" % per_test
        report["load_timeout"] = True
    elif outcome == "raised":
        if isinstance(err, SyntaxError):
            report["load_error"] = cut("".join(traceback.format_exception_only(type(err), err)), MAX_ERROR)
        else:
            report["load_error"] = describe(err)

    for i, t in enumerate(tests if not report["load_error"] else []):
        res = {"status": "", "actual": "", "expected": "", "error": "", "output": ""}
        call, expected = t.get("call") or "", t.get("expected") or ""
        name = "<test %d>" % (i + 1)
        if call and expected:

            def run(call=call, expected=expected, name=name):
                got = eval(compile(call, name, "eval"), ns)
                want = eval(compile(expected, name, "eval"), ns)
                return got, want, same(got, want)

            outcome, value, out = guarded(run)
            if outcome == "ok":
                got, want, ok = value
                res["status"] = "passed" if ok else "failed"
                if not ok:
                    res["actual"], res["expected"] = safe_repr(got), safe_repr(want)
        else:

            def run(src=t.get("assert", ""), name=name):
                exec(compile(src, name, "exec"), ns)

            outcome, value, out = guarded(run)
            if outcome == "ok":
                res["status"] = "passed"
            elif outcome == "raised" and isinstance(value, AssertionError):
                # The test's own assert failed, not one inside the candidate.
                tb = traceback.extract_tb(value.__traceback__)
                if tb and tb[-1].filename == name:
                    res["status"] = "failed"
                    try:
                        msg = str(value)
                    except BaseException:
                        msg = ""
                    res["error"] = cut(msg, MAX_ERROR)
        if outcome == "timeout":
            res["status"] = "timeout"
        elif outcome == "raised" and not res["status"]:
            res["status"] = "error"
            res["error"] = describe(value)
        res["output"] = out
        report["tests"].append(res)

    data = (dumps(report) + "\n").encode()
    if token is not None:
        data += (token + "\n").encode()
    while data:
        data = data[write(report_fd, data) :]


main()
