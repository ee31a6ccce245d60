"""How the rltf grader judges a test's result against its expected output: pure functions, no I/O.

APPS's comparisons (hendrycks/apps eval/testing_util.py, unchanged in CodeRL and RLTF) for standard-input and
call-based tests, numpy.allclose's tolerance without numpy, the decoding of a call-based test's return value, and
the one-line difference shown for a wrong standard-input answer. The worker (worker.py) imports this module once,
before any test process is forked, and calls it only in the worker itself, never in a test process: the program
never runs in the same process as its judge for these tests. Unit tests: grader/src/test/python/test_judging.py,
run by the Maven build (JudgingModuleTest).
"""

import math

MESSAGE_CHARS = 300


def truncate(text, limit=MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Opaque:
    """A returned object that is not plain data: equal to nothing (APPS compares such objects with
    ==, which for them is identity)."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__

    def __repr__(self):
        return "<%s>" % self.text


def decode_value(x):
    if isinstance(x, dict):
        (tag, v), = x.items()
        if tag == "l":
            return [decode_value(e) for e in v]
        if tag == "t":
            return tuple(decode_value(e) for e in v)
        if tag == "d":
            return {decode_value(k): decode_value(e) for k, e in v}
        if tag == "s":
            return frozenset(decode_value(e) for e in v)
        return Opaque(str(v))
    return x


def apps_call_equal(output, expected):
    """APPS testing_util, call-based branch: tuple->list, and the expected value may be wrapped in a
    one-element list; JSON's string dict keys are turned back into ints."""
    try:
        if isinstance(expected, dict):
            expected = [{int(k): v for k, v in expected.items()}]
    except Exception:
        pass
    try:
        if isinstance(expected[0], dict):
            expected = [{int(k): v for k, v in expected[0].items()}]
    except Exception:
        pass
    if isinstance(output, tuple):
        output = list(output)
    ok = output == expected
    if isinstance(expected, list) and expected:
        ok = ok or output == expected[0]
    try:
        if isinstance(output[0], tuple):
            ok = ok or [list(x) for x in output] == expected[0]
    except Exception:
        pass
    return bool(ok)


def allclose(a, b, rtol=1e-05, atol=1e-08):
    """numpy.allclose on two equal-length float lists (APPS compares numbers this way)."""
    for x, y in zip(a, b):
        if x == y:
            continue
        if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
            return False
        if abs(x - y) > atol + rtol * abs(y):
            return False
    return True


def apps_stdio_equal(stdout, expected):
    """APPS testing_util, standard-input branch, step by step (hendrycks/apps eval/testing_util.py,
    unchanged in CodeRL and RLTF): exact after stripping, line-wise with whitespace stripped, numeric
    with np.allclose's tolerance, then per-line token sets (numbers rounded to 3 places)."""
    output = stdout.splitlines()
    # custom_compare_: the whole text, then with every line stripped
    if "\n".join(output).strip() == expected.strip():
        return True
    if "\n".join(o.strip() for o in output).strip() == expected.strip():
        return True
    if output == [expected]:
        return True
    # "try one more time without \n": non-empty expected lines, stripped
    gt = [x.strip() for x in expected.split("\n") if len(x)]
    if output == gt:
        return True
    output = [o for o in output if len(o)]
    if output == gt:
        return True
    try:
        out_f = [float(e) for e in output]
        gt_f = [float(e) for e in gt]
        if len(out_f) == len(gt_f) and allclose(out_f, gt_f):
            return True
    except (ValueError, OverflowError):
        pass
    gt_sets = [set(line.split()) for line in gt]
    if output == gt_sets:   # only when both are empty
        return True
    out_sets = [set(tokens) for tokens in (o.split() for o in output) if len(tokens)]
    ok = set(frozenset(s) for s in out_sets) == set(frozenset(s) for s in gt_sets)
    try:
        ok = ok or (set(frozenset(round(float(t), 3) for t in s) for s in out_sets)
                    == set(frozenset(round(float(t), 3) for t in s) for s in gt_sets))
    except (ValueError, OverflowError):
        pass
    return ok


def stdio_diff(stdout, expected):
    got = [line.strip() for line in stdout.strip().splitlines()]
    want = [line.strip() for line in expected.strip().splitlines()]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "line %d: expected %r, got %r" % (i + 1, truncate(w, 80), truncate(g, 80))
    if len(got) != len(want):
        return "expected %d lines, got %d" % (len(want), len(got))
    return "output differs"
