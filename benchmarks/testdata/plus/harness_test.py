# Tests of plus_harness.py's comparison pieces, run in the sandbox by
# TestPlusHarnessPython. The allclose cases were checked against
# numpy.allclose(rtol=1e-07) of numpy 1.24 (the image has no numpy).
import pickle

import plus_harness as H

inf, nan = float("inf"), float("nan")
failures = []
checks = 0


def check(name, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append("%s: got %r, want %r" % (name, got, want))


def allclose(a, b, atol):
    try:
        return H.allclose(a, b, 1e-07, atol)
    except (H._NotNumeric, TypeError, ValueError, OverflowError):
        return False  # numpy raises: the output fails


# (a, b, atol, numpy's answer)
ALLCLOSE = [
    (1.0, 1.0000001, 0.0, True), (1.0, 1.001, 1e-4, False), (1.0, 1.00005, 1e-4, True),
    (0.0, -0.0, 0.0, True), (inf, inf, 1e-6, True), (-inf, inf, 1e-6, False),
    (nan, nan, 1e-6, False), (1e300, 1e300 * (1 + 1e-8), 0.0, True),
    ([1.0, 2.0], [1.0, 2.0000001], 1e-6, True), ([1.0, 2.0], [1.0, 2.1], 1e-6, False),
    ([], [], 1e-6, True), ([[1.0], [3.0]], [[1.0, 1.0], [3.0, 3.0]], 1e-6, True),
    ([[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0]], 1e-6, False), (["a"], ["a"], 1e-6, False),
    ("1.0", "1.0", 1e-6, False), (None, None, 1e-6, False), ({"a": 1.0}, {"a": 1.0}, 1e-6, False),
    (1 + 2j, 1 + 2.0000001j, 1e-6, True), (1 + 2j, 1 + 3j, 1e-6, False),
    (2**70, 2**70, 1e-6, False), (2**63, 2**63, 1e-6, True), (10**20, 10**20 + 1, 1e-6, False), (2**62, 2**62 + 1, 1e-6, True),
    ([True, False], [1.0, 0.0], 1e-6, True), (1e-5, 0.0, 1e-6, False), (0.0, 1e-7, 1e-6, True),
    ([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0], 1e-6, False), ([1.0, 2.0, 3.0], [1.0, 2.0], 1e-6, False),
]
for i, (a, b, atol, want) in enumerate(ALLCLOSE):
    check("allclose %d %r %r" % (i, a, b), allclose(a, b, atol), want)

check("is_floats float", H.is_floats(1.0), True)
check("is_floats list", H.is_floats([1.0, 2.0]), True)
check("is_floats mixed", H.is_floats([1.0, 2]), False)
check("is_floats empty", H.is_floats([]), False)
check("is_floats tuple", H.is_floats((0.5,)), True)


def digest_equal(exp, out):
    d = H.make_digest(exp)
    assert d is not None, exp
    d = pickle.loads(pickle.dumps(d))
    return d.matches(out)


# The digests agree with == on values of builtin types.
PAIRS = [
    ("abc", "abc"), ("abc", "abd"), ("é\ud800", "é\ud800"), ([1, 2, 3], [1.0, 2.0, 3.0]),
    ([1, 2, 3], (1, 2, 3)), ([1, [2, "x"]], [1, [2, "x"]]), ([1, [2, "x"]], [1, [2, "y"]]),
    ([True, 0], [1, False]), ([0.5, -0.0], [0.5, 0.0]), ([inf], [inf]), ([inf], [-inf]),
    ([2**80], [2**80]), ([2**80], [2**80 + 1]), ([10**5000], [10**5000]), ([1 + 0j], [1]),
    ([1 + 2j], [1 + 2j]), ([1 + 2j], [1 - 2j]), ([None, b"x"], [None, b"x"]), ([b"x"], ["x"]),
    ([[1, 2], [3]], [[1, 2, 3]]), ([], []), ([], ()), ([1, 2], [1, 2, 3]), ([1.5], [1.5000001]),
    ([1, 2], [1, {2}]), ([(1, "a")], [[1, "a"]]),
]
for i, (exp, out) in enumerate(PAIRS):
    check("digest pair %d" % i, digest_equal(exp, out), exp == out)
for exp in ([nan], {1, 2}, [{"a": 1}], [object()]):
    check("no digest of %r" % (exp,), H.make_digest(exp), None)


def run_check(dataset, ep, atol, out, exp, inp):
    c = H.Checker(dataset, ep, atol)
    return c.check(out, exp, lambda: inp)


check("exact", run_check("humaneval", "f", 0, [1, 2], [1, 2], []), None)
check("exact wrong", run_check("humaneval", "f", 0, [1, 2], [2, 1], []), "wrong output")
check("int for float", run_check("humaneval", "f", 0, 3, 3.0, []), None)
check("float within 1e-6", run_check("humaneval", "f", 0, 1.0000005, 1.0, []), None)
check("float outside 1e-6", run_check("humaneval", "f", 0, 1.00001, 1.0, []) is not None, True)
check("float type", run_check("humaneval", "f", 1e-4, 1, 1.00001, []) is not None, True)
c = H.Checker("humaneval", "f", 0)
c.check(1.0, 1.0, lambda: [])
check("atol raised for the phase", c.atol, 1e-6)
check("find_zero", run_check("humaneval", "find_zero", 1e-4, 2.0, 1.0, [[-2, 1]]), None)
check("find_zero wrong", run_check("humaneval", "find_zero", 1e-4, 1.0, 2.0, [[-2, 1]]) is not None, True)
check("find_zero elsewhere", run_check("mbpp", "find_zero", 1e-4, 2.0, 1.0, [[-2, 1]]) is not None, True)
check("set eq", run_check("mbpp", "similar_elements", 0, [5, 4], (4, 5), []), None)
check("set eq wrong", run_check("mbpp", "similar_elements", 0, [5], (4, 5), []), "wrong output")
check("not none", run_check("mbpp", "check_str", 0, "match", True, []), None)
check("not none bool", run_check("mbpp", "check_str", 0, False, True, []), "wrong output")
check("not none None", run_check("mbpp", "check_str", 0, None, False, []), None)
check("surface_Area", run_check("mbpp", "surface_Area", 1e-4, H._surface_Area(3, 4), 33, [3, 4]), None)
check("digit_distance_nums", run_check("mbpp", "digit_distance_nums", 0, H._digit_distance_nums(123, 5), 99, [123, 5]), None)
check("sum_div zero", run_check("mbpp", "sum_div", 0, 0, 7, []), None)
check("are_equivalent", run_check("mbpp", "are_equivalent", 0, "anything", True, []), None)

# MBPP+ input conversions (evalplus/data/mbpp.py).
check("mbpp 2", H.mbpp_deserialize(2, [[[1, 2], [3]]]), [[(1, 2), (3,)]])
check("mbpp 63", H.mbpp_deserialize(63, [[[[1, 2], [3, 4]]]]), [[[(1, 2), (3, 4)]]])
check("mbpp 75", H.mbpp_deserialize(75, [[[[1, 2]], 3]]), [[[(1, 2)], 3]])
check("mbpp 106", H.mbpp_deserialize(106, [[[1], [2, 3]]]), [[[1], (2, 3)]])
check("mbpp 115", H.mbpp_deserialize(115, [[[[1], [], 2]]]), [[[{1}, {}, {}]]])
check("mbpp 124", H.mbpp_deserialize(124, [[1, "1+2j"]]), [(1.0, 1 + 2j)])
check("mbpp 252", H.mbpp_deserialize(252, [["1+2j"]]), [[1 + 2j]])
check("mbpp 259", H.mbpp_deserialize(259, [[[[1, 2]], [[3, 4]]]]), [[((1, 2),), ((3, 4),)]])
check("mbpp 278", H.mbpp_deserialize(278, [[[1, [2, 3], 4]]]), [[(1, (2, 3), 4)]])
check("mbpp 307", H.mbpp_deserialize(307, [[[1, 2], 3, 4]]), [[(1, 2), 3, 4]])
check("mbpp 722", H.mbpp_deserialize(722, [[{"a": [1, 2]}, 3]]), [[{"a": (1, 2)}, 3]])
check("mbpp 580", H.mbpp_deserialize(580, [[[1, [2, [3]]]]]), [((1, (2, (3,))),)])
check("mbpp 11 unchanged", H.mbpp_deserialize(11, [["a", [1]]]), [["a", [1]]])

for f in failures:
    print("FAIL", f)
print("%d passed, %d failed" % (checks - len(failures), len(failures)))
if failures:
    raise SystemExit(1)
