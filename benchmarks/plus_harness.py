# codetree EvalPlus harness: scores a program on a problem's base and plus
# inputs the way EvalPlus (evalplus/eval/__init__.py, unsafe_execute) does,
# in one sandbox run. Two modes:
#
#   python3 plus_harness.py reference
#       Runs reference.py (the reference solution) on every input of
#       inputs.json and prints the expected outputs: a MARK line of JSON
#       (counts and the reference's time on each input) and a line of
#       base64(zlib(pickle(oracle))), where oracle holds each input and each
#       expected output pickled on its own.
#
#   python3 plus_harness.py sample
#       Scores program.py against oracle.bin (the reference run's oracle,
#       compressed): the base inputs, then the plus inputs, each phase in a
#       fresh child process that execs the program in a fresh namespace,
#       calls the entry point on a fresh copy of each input in order, and
#       stops at the first failure. The parent, which never runs the
#       program, enforces each input's time limit and the phase's budget
#       with SIGKILL, and prints a MARK line of JSON with the verdict.
#
# config.json gives the entry point, the dataset ("humaneval" or "mbpp",
# which selects EvalPlus's special oracles), the task number (MBPP+ input
# conversions), atol, and for samples the per-input time limits and the
# per-phase budgets in seconds.
#
#   python3 plus_harness.py samples
#       Scores the samples of a batch (samples.json lists their folders,
#       each as sample mode's files) as the sandbox runner's batch zygote
#       (internal/runner/batch.go): started as root, it reads every sample's
#       files, then for each sample the runner announces on fd 3 scores it
#       as sample mode does, each phase's child switched to the sample's
#       own uid, HOME and TMPDIR before it runs anything of the program;
#       it writes the sample's index on fd 4, and the runner kills every
#       process of that uid and removes its files before the next sample.
#
# reference and sample modes read and delete $CODETREE_TOKEN_FILE first and
# print the token as the last line of stdout only after a complete run; in
# sample mode the child that runs the program has no copy of it. samples
# mode reads the token only once the runner says no sample process is left
# (the end of fd 3), so no program ever has it.
import base64
import builtins
import hashlib
import importlib.machinery
import io
import json
import math
import mmap
import os
import pickle
import select
import shutil  # reliability_guard's: imported once, not in every child
import signal
import struct
import sys
import tempfile
import time
import zlib

MARK = "CODETREE-PLUS "
ERROR_MARK = "CODETREE-PLUS-ERROR "
INF = float("inf")

# EvalPlus's special oracles (evalplus/eval/_special_oracle.py).
MBPP_OUTPUT_NOT_NONE_TASKS = ["check_str", "text_match_three", "text_starta_endb"]
MBPP_OUTPUT_SET_EQ_TASKS = [
    "similar_elements",  # Mbpp/2
    "find_char_long",  # Mbpp/7
    "common_in_nested_lists",  # Mbpp/111
    "extract_singly",  # Mbpp/140
    "larg_nnum",  # Mbpp/232
    "intersection_array",  # Mbpp/249
    "find_dissimilar",  # Mbpp/579
    "Diff",  # Mbpp/769
]
MBPP_SPECIAL = ["are_equivalent", "sum_div", "surface_Area", "digit_distance_nums"]

# Expected outputs that take more memory than this, compared by == only
# (no tolerance, no special oracle), are stored as digests instead of the
# value: HumanEval/15's outputs alone pickle to about 147 MB.
DIGEST_THRESHOLD = 64 * 1024


class HarnessError(Exception):
    pass


def _poly(xs, x):
    # HumanEval/32 (find_zero).
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def _surface_Area(base_edge, height):
    # Mbpp/581: height is the perpendicular height of the pyramid.
    slant_height = math.sqrt((base_edge / 2) ** 2 + height**2)
    base_area = base_edge**2
    lateral_area = 4 * (base_edge * slant_height) / 2
    return round(base_area + lateral_area)


def _digit_distance_nums(num1, num2):
    # Mbpp/558: pad the shorter number with zeros.
    s1, s2 = str(num1), str(num2)
    n = max(len(s1), len(s2))
    s1, s2 = s1.zfill(n), s2.zfill(n)
    return sum(abs(int(a) - int(b)) for a, b in zip(s1, s2))


# ---------------------------------------------------------------- inputs


def mbpp_deserialize(task, inputs):
    # MBPP+ stores tuples, sets and complex numbers as JSON lists and
    # strings; EvalPlus converts them back per task
    # (evalplus/data/mbpp.py, mbpp_deserialize_inputs).
    if task in (2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470,
                560, 579, 596, 616, 630, 726, 740, 744, 809):
        return [[tuple(lst) for lst in inp] for inp in inputs]
    if task in (63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473,
                614, 780):
        return [[[tuple(lst) for lst in lst_lst] for lst_lst in inp] for inp in inputs]
    if task in (75, 413, 444, 753):
        return [[[tuple(lst) for lst in inp[0]]] + [inp[1]] for inp in inputs]
    if task in (106, 750):
        return [[inp[0]] + [tuple(inp[1])] for inp in inputs]
    if task == 115:
        return [[[set(item) if isinstance(item, list) and len(item) else {}
                  for item in inp[0]]] for inp in inputs]
    if task == 124:
        return [(float(inp[0]), complex(inp[1])) for inp in inputs]
    if task in (250, 405, 446, 617, 720, 763, 808):
        return [[tuple(inp[0])] + [inp[1]] for inp in inputs]
    if task in (259, 401, 445):
        out = [[[tuple(lst) for lst in lst_lst] for lst_lst in inp] for inp in inputs]
        return [[tuple(lst) for lst in inp] for inp in out]
    if task == 278:
        out = [[[tuple(item) if isinstance(item, list) else item for item in inp[0]]]
               for inp in inputs]
        return [[tuple(lst) for lst in inp] for inp in out]
    if task == 307:
        return [[tuple(inp[0])] + [inp[1], inp[2]] for inp in inputs]
    if task == 722:
        return [[{k: tuple(v) for k, v in inp[0].items()}] + inp[1:] for inp in inputs]
    if task == 252:
        return [[complex(inp[0])] for inp in inputs]
    if task in (580, 615, 791):
        def to_tuple(x):
            if isinstance(x, list):
                return tuple([to_tuple(i) for i in x])
            return x
        return [to_tuple(inp) for inp in inputs]
    return inputs


# ------------------------------------------------------------ comparison


def is_floats(x):
    # EvalPlus: a float, or a non-empty list or tuple of floats.
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


class _NotNumeric(Exception):
    pass


def _as_array(x):
    # What numpy.asarray makes of x, restricted to what allclose accepts:
    # (shape, flat values). Raises for ragged nests and non-numbers, where
    # numpy.allclose raises or works on object arrays that fail.
    if isinstance(x, (list, tuple)):
        if not x:
            return (0,), []
        parts = [_as_array(e) for e in x]
        shape = parts[0][0]
        if any(p[0] != shape for p in parts):
            raise _NotNumeric("inhomogeneous shape")
        return (len(x),) + shape, [v for p in parts for v in p[1]]
    if isinstance(x, bool):
        return (), [int(x)]
    if isinstance(x, int):
        if not -(2**63) <= x < 2**64:
            raise _NotNumeric("integer out of range")  # an object array
        return (), [x]
    if isinstance(x, (float, complex)):
        return (), [x]
    raise _NotNumeric(type(x).__name__)


def _isclose(a, b, rtol, atol):
    # numpy.isclose with equal_nan=False.
    try:
        finite = math.isfinite(abs(a)) and math.isfinite(abs(b))
    except OverflowError:
        finite = False
    if finite:
        try:
            return abs(a - b) <= atol + rtol * abs(b)
        except OverflowError:
            return False
    return a == b


def allclose(a, b, rtol, atol):
    # numpy.allclose(a, b, rtol, atol) in pure Python (the image has no
    # numpy), with numpy's broadcasting.
    sa, fa = _as_array(a)
    sb, fb = _as_array(b)
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + sa
    sb = (1,) * (nd - len(sb)) + sb
    shape = []
    for x, y in zip(sa, sb):
        if x != y and x != 1 and y != 1:
            raise _NotNumeric("shapes do not broadcast")
        shape.append(y if x == 1 else x)
    if sa == sb:
        return all(_isclose(x, y, rtol, atol) for x, y in zip(fa, fb))

    def strides(s):
        st, acc = [], 1
        for d in reversed(s):
            st.append(0 if d == 1 else acc)
            acc *= d
        return st[::-1]

    ta, tb = strides(sa), strides(sb)
    total = 1
    for d in shape:
        total *= d
    for flat in range(total):
        ia = ib = 0
        rem = flat
        for k in range(nd - 1, -1, -1):
            idx = rem % shape[k]
            rem //= shape[k]
            ia += idx * ta[k]
            ib += idx * tb[k]
        if not _isclose(fa[ia], fb[ib], rtol, atol):
            return False
    return True


class _NotDigestable(Exception):
    pass


def canonical_digest(x, strict):
    # sha256 of an encoding under which two values made of None, numbers,
    # strings, bytes, lists and tuples encode the same exactly when == holds
    # between them: 2 == 2.0 == True encode alike, a list never equals a
    # tuple. With strict (the expected side), a value that this cannot
    # capture (NaN, dicts, sets, other types) raises _NotDigestable; on the
    # program's side such parts encode to something no expected value has.
    h = hashlib.sha256()
    put = h.update
    stack = [x]
    while stack:
        v = stack.pop()
        if isinstance(v, bytes) and type(v) is _Close:
            put(v)
            continue
        if v is None:
            put(b"N")
        elif isinstance(v, int):  # bool too
            put(b"i%x;" % int(v))
        elif isinstance(v, float):
            if v != v:
                if strict:
                    raise _NotDigestable("nan")
                put(b"?nan;")
            elif v.is_integer():
                put(b"i%x;" % int(v))
            else:
                put(b"f" + v.hex().encode() + b";")
        elif isinstance(v, complex):
            if v.imag == 0:
                stack.append(v.real)
            elif v != v:
                if strict:
                    raise _NotDigestable("nan")
                put(b"?nan;")
            else:
                put(b"c")
                stack.append(_Close(b";"))
                stack.append(v.imag)
                stack.append(_Close(b","))
                stack.append(v.real)
        elif isinstance(v, str):
            e = v.encode("utf-8", "surrogatepass")
            put(b"s%d:" % len(e))
            put(e)
        elif isinstance(v, bytes):
            put(b"b%d:" % len(v))
            put(v)
        elif isinstance(v, (list, tuple)):
            if isinstance(v, list):
                put(b"[%d:" % len(v))
                stack.append(_Close(b"]"))
            else:
                put(b"(%d:" % len(v))
                stack.append(_Close(b")"))
            stack.extend(reversed(v))
        else:
            if strict:
                raise _NotDigestable(type(v).__name__)
            put(b"?" + type(v).__name__.encode() + b";")
    return h.hexdigest()


class _Close(bytes):
    # A delimiter pushed on canonical_digest's stack.
    pass


class Digest:
    # An expected output stored as digests; compared by == only. kind is
    # "str" (sha is the sha256 of the UTF-8 text) or "canon" (sha is
    # canonical_digest, rep is repr_digest: the fast path).
    __slots__ = ("kind", "length", "sha", "rep")

    def __init__(self, kind, length, sha, rep=None):
        self.kind, self.length, self.sha, self.rep = kind, length, sha, rep

    def __reduce__(self):
        return (Digest, (self.kind, self.length, self.sha, self.rep))

    def matches(self, out):
        if self.kind == "str":
            if not isinstance(out, str) or len(out) != self.length:
                return False
            return hashlib.sha256(out.encode("utf-8", "surrogatepass")).hexdigest() == self.sha
        if self.length >= 0 and (not isinstance(out, (list, tuple, bytes)) or len(out) != self.length):
            return False
        if self.rep is not None and repr_digest(out) == self.rep:
            return True
        return canonical_digest(out, strict=False) == self.sha


def repr_digest(x):
    # sha256 of the type and repr of x, a list or tuple a chunk of elements
    # at a time (a whole repr can take gigabytes). For values of the
    # builtin types an expected output is made of (no NaN), equal reprs
    # mean ==; unequal reprs decide nothing (2 == 2.0), and the canonical
    # digest then does. None when repr fails (ints of over 4300 digits).
    h = hashlib.sha256()
    try:
        h.update(type(x).__name__.encode() + b":")
        if type(x) in (list, tuple):
            for i in range(0, len(x), 1024):
                h.update(repr(x[i:i + 1024]).encode("utf-8", "surrogatepass"))
        else:
            h.update(repr(x).encode("utf-8", "surrogatepass"))
    except ValueError:
        return None
    return h.hexdigest()


def larger_than(x, limit):
    # Whether x takes more than limit bytes of memory (shared parts counted
    # each time), looking no further than it takes to tell.
    total = 0
    stack = [x]
    while stack:
        v = stack.pop()
        total += sys.getsizeof(v)
        if total > limit:
            return True
        if isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
    return False


def make_digest(out):
    if isinstance(out, str):
        return Digest("str", len(out), hashlib.sha256(out.encode("utf-8", "surrogatepass")).hexdigest())
    if not isinstance(out, (list, tuple, bytes, int, float, complex)):
        return None
    try:
        sha = canonical_digest(out, strict=True)
    except _NotDigestable:
        return None
    length = len(out) if isinstance(out, (list, tuple, bytes)) else -1
    return Digest("canon", length, sha, repr_digest(out))


class Checker:
    # EvalPlus's comparison for one phase (one untrusted_check call): atol
    # is per phase because EvalPlus raises it to 1e-6 for good once an
    # expected output is a float.
    def __init__(self, dataset, entry_point, atol):
        self.dataset = dataset
        self.entry_point = entry_point
        self.atol = atol

    def check(self, out, exp, inp):
        # Returns None when out is right, else a reason.
        ep = self.entry_point
        if isinstance(exp, Digest):
            # Only outputs compared by == are digested.
            return None if exp.matches(out) else "wrong output"
        exact_match = out == exp
        if self.dataset == "mbpp":
            if ep == "are_equivalent":  # Mbpp/164
                exact_match = True
            elif ep == "sum_div":  # Mbpp/295
                exact_match = exact_match or out == 0
            elif ep == "surface_Area":  # Mbpp/581
                exact_match = exact_match or abs(out - _surface_Area(*inp())) <= self.atol
            elif ep == "digit_distance_nums":  # Mbpp/558
                exact_match = exact_match or out == _digit_distance_nums(*inp())
            elif ep in MBPP_OUTPUT_SET_EQ_TASKS:
                exact_match = set(out) == set(exp)
            elif ep in MBPP_OUTPUT_NOT_NONE_TASKS:
                # exp is whether the reference's output was not None.
                if isinstance(out, bool):
                    exact_match = out == exp
                else:
                    exact_match = exp == (out is not None)
        if self.dataset == "humaneval" and ep == "find_zero":  # HumanEval/32
            if abs(_poly(*inp(), out)) <= self.atol:
                return None
            return "wrong output: |poly(x)| > %g" % self.atol
        if self.atol == 0 and is_floats(exp):
            self.atol = 1e-6  # EvalPlus enforces it for float outputs
        if not exact_match and self.atol != 0:
            if type(out) is not type(exp):
                return "wrong output: %s instead of %s" % (type(out).__name__, type(exp).__name__)
            if isinstance(exp, (list, tuple)) and len(out) != len(exp):
                return "wrong output: length %d instead of %d" % (len(out), len(exp))
            try:
                close = allclose(out, exp, 1e-07, self.atol)
            except (_NotNumeric, TypeError, ValueError, OverflowError):
                close = False
            return None if close else "wrong output (not within atol %g)" % self.atol
        return None if exact_match else "wrong output"


# ---------------------------------------------------------------- runtime


class _Sink(io.StringIO):
    # EvalPlus's swallow_io stream: writes vanish, reads fail.
    def write(self, s):
        return len(s)

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


def read_token():
    # The token goes into a bytearray that the child zeroes, so that the
    # program never has it in memory.
    path = os.environ.pop("CODETREE_TOKEN_FILE", None)
    if not path:
        return None
    buf = bytearray(512)
    fd = os.open(path, os.O_RDONLY)
    try:
        n = os.readv(fd, [buf])
    finally:
        os.close(fd)
    os.remove(path)
    return buf, n


def print_token(token):
    if token is None:
        return
    buf, n = token
    sys.stdout.write("\n" + bytes(buf[:n]).decode().strip() + "\n")
    sys.stdout.flush()


def emit(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def exc_text(e):
    try:
        text = str(e)
    except BaseException:
        text = ""
    msg = "%s: %s" % (type(e).__name__, text) if text else type(e).__name__
    msg = " ".join(msg.split())
    return msg[:500]


class SubprocessGuard:
    """A meta path finder that sets subprocess.Popen to None when, if ever,
    subprocess is imported: the module a program gets is the one
    EvalPlus's eager import leaves, but the zygote does not import
    subprocess, and with it threading, whose fork handler costs every
    forked child about 4 ms and 140 page faults."""

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
    """subprocess.Popen = None, at import time (SubprocessGuard)."""
    if "subprocess" in sys.modules:
        sys.modules["subprocess"].Popen = None
    else:
        sys.meta_path.insert(0, SubprocessGuard())


def reliability_guard():
    # EvalPlus's reliability_guard (evalplus/eval/utils.py): not a sandbox
    # (the container is), but programs that call what it disables fail
    # under EvalPlus and so fail here.
    try:
        import resource

        limit = 4 * 1024 * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_STACK)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_STACK, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass
    import faulthandler

    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir",
                 "fchdir", "setuid", "fork", "forkpty", "killpg", "rename",
                 "renames", "truncate", "replace", "unlink", "fchmod", "fchown",
                 "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown",
                 "getcwd", "chdir"):
        setattr(os, name, None)
    builtins.open = None
    import shutil

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    guard_subprocess()
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


# -------------------------------------------------------------- reference


def run_reference(cfg):
    with open("inputs.json") as f:
        raw = json.load(f)
    base, plus = raw["base"], raw["plus"]
    if len(base) != cfg["n_base"] or len(plus) != cfg["n_plus"]:
        raise HarnessError("inputs.json holds %d base and %d plus inputs, want %d and %d"
                           % (len(base), len(plus), cfg["n_base"], cfg["n_plus"]))
    dataset, ep, atol = cfg["dataset"], cfg["entry_point"], cfg["atol"]
    if dataset == "mbpp":
        base = mbpp_deserialize(cfg["task"], base)
        plus = mbpp_deserialize(cfg["task"], plus)
    inputs = [pickle.dumps(inp) for inp in list(base) + list(plus)]
    del raw, base, plus
    with open("reference.py") as f:
        code = f.read()

    sink = _Sink()
    real = sys.stdout, sys.stderr, sys.stdin
    sys.stdout = sys.stderr = sys.stdin = sink
    try:
        g = {}
        try:
            exec(compile(code, "reference.py", "exec"), g)
            fn = g[ep]
        except BaseException as e:
            raise HarnessError("reference solution does not load: " + exc_text(e))
        not_none = dataset == "mbpp" and ep in MBPP_OUTPUT_NOT_NONE_TASKS
        digestable = atol == 0 and not (
            (dataset == "mbpp" and (ep in MBPP_SPECIAL or ep in MBPP_OUTPUT_SET_EQ_TASKS or not_none))
            or (dataset == "humaneval" and ep == "find_zero"))
        times, expected, digests = [], [], 0
        saw_float = False  # in this phase: EvalPlus's atol is 1e-6 after one
        for i, blob in enumerate(inputs):
            if i == cfg["n_base"]:
                saw_float = False
            args = pickle.loads(blob)
            try:
                t0 = time.perf_counter()
                out = fn(*args)
                times.append(time.perf_counter() - t0)
            except BaseException as e:
                raise HarnessError("reference solution raised on %s: %s" % (name_input(i, cfg["n_base"]), exc_text(e)))
            if not_none:
                out = out is not None
            p = None
            saw_float = saw_float or is_floats(out)
            if digestable and not saw_float and larger_than(out, DIGEST_THRESHOLD):
                d = make_digest(out)
                if d is not None:
                    p = pickle.dumps(d)
                    digests += 1
            if p is None:
                try:
                    p = pickle.dumps(out)
                except Exception as e:
                    raise HarnessError("reference output on %s cannot be pickled: %s" % (name_input(i, cfg["n_base"]), exc_text(e)))
            expected.append(p)
            del out, args
    finally:
        sys.stdout, sys.stderr, sys.stdin = real
    payload = zlib.compress(pickle.dumps({"n_base": cfg["n_base"], "inputs": inputs, "expected": expected}), 6)
    emit({"n_base": cfg["n_base"], "n_plus": cfg["n_plus"], "times": times, "digests": digests})
    sys.stdout.write(base64.b64encode(payload).decode() + "\n")
    sys.stdout.flush()


def name_input(i, n_base):
    return "base input %d" % i if i < n_base else "plus input %d" % (i - n_base)


# ----------------------------------------------------------------- sample


def become(sample):
    """Switches this child, forked by the root zygote, to the sample's uid
    (no capability left) and its HOME and TMPDIR, for good."""
    uid = sample["uid"]
    if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
        raise HarnessError("bad sample uid %r" % (uid,))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise HarnessError("uid switch to %d failed" % uid)
    os.environ["HOME"] = sample["home"]
    os.environ["PWD"] = sample["dir"]
    os.environ["TMPDIR"] = sample["tmpdir"]
    tempfile.tempdir = None


# The lists a batch's zygote holds of every sample (samples mode), which
# each child empties: the other samples' programs and expected outputs are
# not its own.
FORGET = []


def child_phase(w, shm, token, code, cfg, inputs, expected, lo, hi, sample=None):
    # Runs in the forked child; never returns. Reports one JSON line on w:
    # {"status": "pass"}, {"status": "fail", "index": i, "reason": ...}, or
    # {"status": "error", ...} when the harness itself failed. With a
    # sample (samples mode), it first becomes the sample's uid.
    write, _exit, dumps = os.write, os._exit, json.dumps
    pack_into, monotonic, loads = struct.pack_into, time.monotonic, pickle.loads
    limits = cfg["limits"]

    def report(obj):
        write(w, (dumps(obj) + "\n").encode())
        _exit(0)

    try:
        if sample is not None:
            os.closerange(3, w)  # every descriptor above 2 but w
            os.closerange(w + 1, os.sysconf("SC_OPEN_MAX"))
            for seq in FORGET:
                seq.clear()
            become(sample)
        if token is not None:
            token[0][:] = bytes(len(token[0]))
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.stdout = sys.stderr = sys.stdin = _Sink()
        os.chdir(tempfile.mkdtemp(prefix="run-"))
        reliability_guard()
        checker = Checker(cfg["dataset"], cfg["entry_point"], cfg["atol"])
        program = compile(code, "program.py", "exec")
    except SyntaxError as e:
        report({"status": "fail", "index": -1, "reason": exc_text(e) + " while loading the program"})
    except BaseException as e:
        report({"status": "error", "reason": exc_text(e)})

    # From here on, anything that goes wrong is the program's doing.
    i = -1
    try:
        g = {}
        try:
            exec(program, g)
        except BaseException as e:
            report({"status": "fail", "index": -1, "reason": exc_text(e) + " while loading the program"})
        fn = g.get(cfg["entry_point"])
        if fn is None:
            report({"status": "fail", "index": -1,
                    "reason": "the program does not define %s" % cfg["entry_point"]})
        for i in range(lo, hi):
            args = loads(inputs[i])
            pack_into("=dq", shm, 0, monotonic() + limits[i], i)
            try:
                out = fn(*args)
            except BaseException as e:
                pack_into("=d", shm, 0, INF)
                report({"status": "fail", "index": i, "reason": "raised " + exc_text(e)})
            pack_into("=d", shm, 0, INF)
            del args
            try:
                reason = checker.check(out, loads(expected[i]), lambda: loads(inputs[i]))
            except BaseException as e:
                reason = "wrong output (%s)" % exc_text(e)
            if reason is not None:
                report({"status": "fail", "index": i, "reason": reason})
            del out
    except BaseException as e:
        report({"status": "fail", "index": i, "reason": exc_text(e)})
    report({"status": "pass"})


def run_phase(token, code, cfg, inputs, expected, lo, hi, budget, sample=None):
    shm = mmap.mmap(-1, 16)
    struct.pack_into("=dq", shm, 0, INF, -1)
    r, w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        child_phase(w, shm, token, code, cfg, inputs, expected, lo, hi, sample)
        os._exit(3)  # not reached
    os.close(w)
    os.set_blocking(r, False)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    phase_deadline = start + budget
    buf = b""
    eof = False
    killed = None  # "timeout" or "budget"
    status = None
    while True:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid:
            status = st
            break
        now = time.monotonic()
        deadline = struct.unpack_from("=d", shm, 0)[0]
        over = now >= phase_deadline
        if not over and now >= deadline:
            # Confirm against a torn read: the child writes it often.
            time.sleep(0.001)
            over = struct.unpack_from("=d", shm, 0)[0] == deadline
        if over:
            killed = "budget" if now >= phase_deadline else "timeout"
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        wait = max(0.0, min(phase_deadline, deadline, now + 0.25) - now)
        fds = [] if eof else [r]
        if pidfd is not None:
            fds.append(pidfd)
        if fds:
            ready, _, _ = select.select(fds, [], [], wait)
        else:
            time.sleep(min(wait, 0.005))
            ready = []
        if r in ready:
            try:
                chunk = os.read(r, 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                eof = True
                if pidfd is None:
                    wait_briefly(pid)
            elif chunk:
                buf += chunk
    while True:
        try:
            chunk = os.read(r, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        buf += chunk
    os.close(r)
    if pidfd is not None:
        os.close(pidfd)
    index = struct.unpack_from("=q", shm, 8)[0]
    in_call = struct.unpack_from("=d", shm, 0)[0] != INF
    shm.close()

    if killed is not None:
        return {"status": "timeout", "index": index,
                "reason": "timed out" + ("" if killed == "timeout" else " (phase budget)")}
    msg = None
    for line in buf.decode("utf-8", "replace").splitlines():
        if line.startswith("{"):
            try:
                msg = json.loads(line)
            except ValueError:
                pass
    if msg is not None and msg.get("status") != "error":
        return msg
    if msg is not None:
        raise HarnessError("harness child failed: " + msg.get("reason", ""))
    # The child died without reporting: the program exited or was killed.
    if os.WIFSIGNALED(status):
        what = "killed by signal %d" % os.WTERMSIG(status)
    else:
        what = "exited with status %d" % os.WEXITSTATUS(status)
    if index < 0:
        return {"status": "fail", "index": -1, "reason": "the program " + what + " while loading"}
    return {"status": "fail", "index": index, "reason": "the program " + what,
            "where": "during" if in_call else "after"}


def wait_briefly(pid):
    # Without a pidfd: the pipe closed, so the child is ending; give it a
    # moment so that the next waitpid sees it.
    for _ in range(20):
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.0005)


def load_sample(cfg):
    """Reads a sample's oracle and program from the current folder and
    deletes them (and config.json), so that no program can read them."""
    with open("oracle.bin", "rb") as f:
        oracle = pickle.loads(zlib.decompress(f.read()))
    if len(oracle["inputs"]) != len(cfg["limits"]) or oracle["n_base"] != cfg["n_base"]:
        raise HarnessError("oracle.bin does not match config.json")
    with open("program.py") as f:
        code = f.read()
    # What the program could read is gone before it runs.
    for name in ("oracle.bin", "config.json", "program.py"):
        try:
            os.remove(name)
        except OSError:
            pass
    return oracle, code


def run_sample(cfg, token):
    score_sample(cfg, *load_sample(cfg), token)


def score_sample(cfg, oracle, code, token, sample=None):
    inputs, expected, n_base = oracle["inputs"], oracle["expected"], oracle["n_base"]
    result = {"status": "pass", "base": "pass", "plus": "pass", "index": -1, "reason": ""}
    phases = (("base", 0, n_base, cfg["budgets"][0]), ("plus", n_base, len(inputs), cfg["budgets"][1]))
    for name, lo, hi, budget in phases:
        if hi <= lo:
            continue
        r = run_phase(token, code, cfg, inputs, expected, lo, hi, budget, sample)
        if r["status"] == "pass":
            continue
        result.update(status=r["status"], index=r["index"], reason=r["reason"],
                      where=r.get("where", "on"), phase=name)
        result[name] = r["status"]
        if name == "base":
            result["plus"] = "skipped"
        break
    emit(result)


def run_samples():
    """Scores the samples of a batch as the runner's zygote: samples.json
    lists their folders, each holding a sample's config.json, oracle.bin
    and program.py; the runner announces each sample on fd 3 and hears it
    is done on fd 4. One report line per sample, in order; then the token."""
    fds = os.environ.pop("CODETREE_BATCH_FDS", "")
    try:
        ctl_fd, done_fd = (int(x) for x in fds.split(","))
    except ValueError:
        raise HarnessError("samples mode runs as the sandbox runner's batch job")
    token_file = os.environ.pop("CODETREE_TOKEN_FILE", None)
    with open("samples.json") as f:
        folders = json.load(f)
    top = os.getcwd()
    # Every sample's files are read and deleted before any program runs
    # (and no sample can enter this folder anyway).
    samples = []
    for folder in folders:
        os.chdir(os.path.join(top, folder))
        with open("config.json") as f:
            cfg = json.load(f)
        samples.append((cfg,) + load_sample(cfg))
        os.chdir(top)
    done = [False] * len(samples)
    FORGET.append(samples)
    with os.fdopen(ctl_fd, "rb") as ctl:
        for line in iter(ctl.readline, b""):
            sample = json.loads(line)
            i = sample["index"]
            if not isinstance(i, int) or not 0 <= i < len(samples) or done[i]:
                raise HarnessError("bad sample %r" % (sample,))
            if i != sum(done):
                raise HarnessError("sample %d out of order" % i)
            cfg, oracle, code = samples[i]
            score_sample(cfg, oracle, code, None, sample)
            done[i] = True
            os.write(done_fd, b"%d\n" % i)
    os.close(done_fd)
    if not all(done):
        raise HarnessError("the runner ran %d of %d samples" % (sum(done), len(done)))
    # Every sample process is gone now: the token may enter this memory.
    os.environ["CODETREE_TOKEN_FILE"] = token_file or ""
    return read_token()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    token = None if mode == "samples" else read_token()
    try:
        if mode == "samples":
            print_token(run_samples())
            return
        with open("config.json") as f:
            cfg = json.load(f)
        if mode == "reference":
            run_reference(cfg)
        elif mode == "sample":
            run_sample(cfg, token)
        else:
            raise HarnessError("unknown mode %r" % mode)
    except HarnessError as e:
        sys.stdout.write(ERROR_MARK + json.dumps(str(e)) + "\n")
        sys.stdout.flush()
        sys.exit(2)
    print_token(token)


if __name__ == "__main__":
    main()
