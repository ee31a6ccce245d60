"""Built-in curriculum v1: seeded generator of MBPP-style Python function problems.

A problem = (family, ops with constants, terminal with constants).  The model sees
    # <english description>\ndef f(<args>):\n
and completes the body (1-space indentation), ending with EOS.
"""
import hashlib
import json
import random
import sys

VERSION = "curriculum-v2"

# ---------------------------------------------------------------------------
# Op / terminal tables.  Each entry: kind -> (phrase, code, constant sampler)
# phrase/code use {a} {b} for constants.  Constants are drawn by `consts(rng)`.
# ---------------------------------------------------------------------------

def r(lo, hi):
    return lambda g: [g.randint(lo, hi)]


def letters2(g):
    a, b = g.sample("abcde", 2)
    return [a, b]


def letter1(g):
    return [g.choice("abcde")]


def suffix(g):
    return ["".join(g.choice("xyz") for _ in range(g.randint(1, 2)))]


def two_sorted(g):
    a = g.randint(0, 6)
    return [a, a + g.randint(2, 6)]


FAMILIES = {
    # ------------------------------------------------------------------ arith
    "arith": {
        "args": ["x"],
        "var": "x",
        "ops": {
            "add": ("add {a}", "x = x + {a}", r(1, 9)),
            "sub": ("subtract {a}", "x = x - {a}", r(1, 9)),
            "mul": ("multiply by {a}", "x = x * {a}", r(2, 9)),
            "div": ("floor-divide by {a}", "x = x // {a}", r(2, 9)),
            "mod": ("take it modulo {a}", "x = x % {a}", r(2, 9)),
            "sq": ("square it", "x = x * x", None),
            "neg": ("negate it", "x = -x", None),
            "abs": ("take its absolute value", "x = abs(x)", None),
        },
        "terms": {
            "ret": ("return it", "return x", None, []),
            "divy": ("return it floor-divided by y, or 0 if y is 0",
                     "return x // y if y else 0", None, ["y"]),
            "bang": ("return it as text followed by '{a}'",
                     "return str(x) + '{a}'", suffix, []),
            "even": ("return whether it is even", "return x % 2 == 0", None, []),
        },
    },
    # ------------------------------------------------------------------- cond
    "cond": {
        "args": ["x"],
        "var": "x",
        "ops": {
            "gtsub": ("if it is above {a}, subtract {a}", "if x > {a}: x = x - {a}", r(0, 9)),
            "ltadd": ("if it is below {a}, add {b}", "if x < {a}: x = x + {b}", lambda g: [g.randint(0, 9), g.randint(1, 9)]),
            "evhalf": ("if it is even, halve it", "if x % 2 == 0: x = x // 2", None),
            "oddinc": ("if it is odd, add 1", "if x % 2 == 1: x = x + 1", None),
            "cap": ("cap it at {a}", "x = min(x, {a})", r(0, 9)),
            "floor": ("raise it to at least {a}", "x = max(x, {a})", r(0, 9)),
            "eqzero": ("if it equals {a}, set it to 0", "if x == {a}: x = 0", r(1, 9)),
            "negflip": ("if it is negative, negate it", "if x < 0: x = -x", None),
        },
        "terms": {
            "ret": ("return it", "return x", None, []),
            "big": ("return 'big' if it is above {a}, else 'small'",
                    "return 'big' if x > {a} else 'small'", r(0, 9), []),
            "betw": ("return whether it is between {a} and {b}",
                     "return {a} <= x <= {b}", two_sorted, []),
            "divy": ("return it floor-divided by y, or 0 if y is 0",
                     "return x // y if y else 0", None, ["y"]),
        },
    },
    # -------------------------------------------------------------------- str
    "str": {
        "args": ["s"],
        "var": "s",
        "ops": {
            "upper": ("upper-case it", "s = s.upper()", None),
            "rev": ("reverse it", "s = s[::-1]", None),
            "app": ("append '{a}'", "s = s + '{a}'", suffix),
            "rep": ("repeat it {a} times", "s = s * {a}", r(2, 3)),
            "drop": ("drop the first {a} characters", "s = s[{a}:]", r(1, 3)),
            "keep": ("keep the first {a} characters", "s = s[:{a}]", r(1, 4)),
            "repl": ("replace '{a}' with '{b}'", "s = s.replace('{a}', '{b}')", letters2),
            "strip": ("remove the spaces", "s = s.replace(' ', '')", None),
        },
        "terms": {
            "ret": ("return it", "return s", None, []),
            "len": ("return its length", "return len(s)", None, []),
            "first": ("return its first character, or '' if it is empty",
                      "return s[0] if s else ''", None, []),
            "withn": ("return it followed by n", "return s + str(n)", None, ["n"]),
            "count": ("return how many '{a}' it has", "return s.count('{a}')", letter1, []),
        },
    },
    # ------------------------------------------------------------------- list
    "list": {
        "args": ["xs"],
        "var": "xs",
        "ops": {
            "gt": ("keep the items above {a}", "xs = [v for v in xs if v > {a}]", r(0, 6)),
            "lt": ("keep the items below {a}", "xs = [v for v in xs if v < {a}]", r(1, 7)),
            "even": ("keep the even items", "xs = [v for v in xs if v % 2 == 0]", None),
            "addc": ("add {a} to each item", "xs = [v + {a} for v in xs]", r(1, 9)),
            "mulc": ("multiply each item by {a}", "xs = [v * {a} for v in xs]", r(2, 9)),
            "sort": ("sort it", "xs = sorted(xs)", None),
            "rev": ("reverse it", "xs = xs[::-1]", None),
            "head": ("keep the first {a} items", "xs = xs[:{a}]", r(1, 4)),
        },
        "terms": {
            "sum": ("return the sum", "return sum(xs)", None, []),
            "len": ("return the count", "return len(xs)", None, []),
            "max": ("return the largest item, or 0 if it is empty",
                    "return max(xs) if xs else 0", None, []),
            "first": ("return the first item, or -1 if it is empty",
                      "return xs[0] if xs else -1", None, []),
            "mean": ("return the mean rounded down, or 0 if it is empty",
                     "return sum(xs) // len(xs) if xs else 0", None, []),
            "ret": ("return it", "return xs", None, []),
        },
    },
    # ----------------------------------------------------------------- lookup
    # dict lookup then arithmetic.  First body line is always the lookup.
    "lookup": {
        "args": ["d", "k"],
        "var": "x",
        "prelude": ("look up k in d (0 if it is missing)", "x = d[k] if k in d else 0"),
        "ops": {
            "add": ("add {a}", "x = x + {a}", r(1, 9)),
            "sub": ("subtract {a}", "x = x - {a}", r(1, 9)),
            "mul": ("multiply by {a}", "x = x * {a}", r(2, 9)),
            "div": ("floor-divide by {a}", "x = x // {a}", r(2, 9)),
            "sq": ("square it", "x = x * x", None),
            "neg": ("negate it", "x = -x", None),
            "cap": ("cap it at {a}", "x = min(x, {a})", r(0, 9)),
            "mod": ("take it modulo {a}", "x = x % {a}", r(2, 9)),
        },
        "terms": {
            "ret": ("return it", "return x", None, []),
            "even": ("return whether it is even", "return x % 2 == 0", None, []),
            "big": ("return 'big' if it is above {a}, else 'small'",
                    "return 'big' if x > {a} else 'small'", r(0, 9), []),
        },
    },
}

# loops and accumulation: a for-loop over range(n) with an optional filter and an
# optional transform of i, accumulated by sum / count / max / product.
LOOP = {
    "filters": {
        "none": ("", None, None),
        "mult": (" that are multiples of {a}", "i % {a} == 0", r(2, 5)),
        "odd": (" that are odd", "i % 2 == 1", None),
        "above": (" that are above {a}", "i > {a}", r(1, 6)),
    },
    "terms": {
        "i": ("", "i", None),
        "mul": (", times {a}", "i * {a}", r(2, 9)),
        "add": (", plus {a}", "i + {a}", r(1, 9)),
        "sq": (", squared", "i * i", None),
    },
    "accs": {
        "sum": ("add up the numbers below n", "0", "t = t + {e}"),
        "count": ("count the numbers below n", "0", "t = t + 1"),
        "prod": ("multiply together the numbers from 1 to n", "1", "t = t * {e}"),
        "max": ("find the largest of the numbers below n (-1 if none)", "-1", "t = max(t, {e})"),
    },
}

# ---------------------------------------------------------------------------
# Withheld features: the region of the space ("region B") from which the
# tests-only share is drawn first.  References never show these when the
# tests-only share is large enough to cover region B.
# ---------------------------------------------------------------------------
WITHHELD = {
    ("arith", "op", "mod"), ("arith", "term", "bang"),
    ("cond", "op", "floor"), ("cond", "term", "betw"),
    ("str", "op", "drop"), ("str", "term", "count"),
    ("list", "op", "mulc"), ("list", "term", "mean"),
    ("lookup", "op", "sq"), ("lookup", "term", "big"),
    ("loop", "filter", "above"), ("loop", "acc", "max"),
}



# v2: region B = problems that use an alternative English phrasing ("synonym") of an
# op or terminal.  The code of every op is shown by references (under its first phrasing);
# the alternative phrasings appear only in region B, i.e. only in tests-only problems
# when the tests-only share covers region B.  Each op/terminal listed here is phrased
# the alternative way with probability ALT_P.
ALT_P = 0.38
ALT = {
    ("arith", "op", "add"): "increase it by {a}",
    ("arith", "op", "sub"): "decrease it by {a}",
    ("arith", "op", "mul"): "scale it by {a}",
    ("arith", "op", "mod"): "keep the remainder after dividing by {a}",
    ("arith", "term", "bang"): "return its digits as a string plus '{a}'",
    ("arith", "term", "even"): "return True if it is divisible by 2",
    ("cond", "op", "gtsub"): "when it exceeds {a}, take {a} away",
    ("cond", "op", "cap"): "limit it to at most {a}",
    ("cond", "op", "floor"): "make it no smaller than {a}",
    ("cond", "op", "evhalf"): "halve it when it is even",
    ("cond", "term", "big"): "say 'big' when it exceeds {a}, otherwise 'small'",
    ("cond", "term", "betw"): "return True if it is from {a} to {b}",
    ("str", "op", "upper"): "make it uppercase",
    ("str", "op", "rev"): "flip it around",
    ("str", "op", "drop"): "cut off {a} leading characters",
    ("str", "op", "app"): "add '{a}' at the end",
    ("str", "term", "len"): "return the number of characters",
    ("str", "term", "count"): "return the number of times '{a}' occurs",
    ("list", "op", "gt"): "drop the items that are {a} or less",
    ("list", "op", "mulc"): "scale every item by {a}",
    ("list", "op", "addc"): "increase every item by {a}",
    ("list", "op", "sort"): "put it in ascending order",
    ("list", "term", "sum"): "return the total",
    ("list", "term", "mean"): "return the floor average, or 0 when it is empty",
    ("lookup", "op", "add"): "increase it by {a}",
    ("lookup", "op", "sq"): "multiply it by itself",
    ("lookup", "op", "cap"): "limit it to at most {a}",
    ("lookup", "op", "neg"): "flip its sign",
    ("lookup", "term", "big"): "say 'big' when it exceeds {a}, otherwise 'small'",
    ("lookup", "term", "even"): "return True if it is divisible by 2",
    ("loop", "filter", "mult"): " that are divisible by {a}",
    ("loop", "filter", "above"): " that are greater than {a}",
    ("loop", "acc", "sum"): "total the numbers below n",
    ("loop", "acc", "max"): "get the maximum of the numbers below n (-1 if none)",
}
WITHHELD = set()  # v1 mechanism (withheld operations) off in v2: unreachable for RL


def fmt(s, c):
    d = {}
    if c:
        if len(c) > 0:
            d["a"] = c[0]
        if len(c) > 1:
            d["b"] = c[1]
    return s.format(**d)


# ---------------------------------------------------------------------------
# test inputs
# ---------------------------------------------------------------------------

def rand_word(g):
    n = g.randint(0, 6)
    return "".join(g.choice("abcde ") for _ in range(n))


def rand_list(g):
    n = g.randint(0, 6)
    return [g.randint(-3, 9) for _ in range(n)]


def rand_dict(g):
    keys = g.sample("abcd", g.randint(1, 3))
    return {k: g.randint(-5, 12) for k in sorted(keys)}


def gen_inputs(fam, args, g, ntests=5):
    """Edge cases first (empty list / string, y = 0, missing key, n = 0) so that
    unguarded programs hit runtime errors."""
    out = []
    for t in range(ntests):
        row = []
        for a in args:
            if a == "x":
                row.append([0, -4, 7, 12, 3][t] if t < 2 else g.randint(-10, 20))
            elif a == "y":
                row.append(0 if t == 1 else g.randint(-3, 6))
            elif a == "s":
                row.append("" if t == 0 else rand_word(g))
            elif a == "n":
                if fam == "loop":
                    row.append(0 if t == 0 else g.randint(1, 12))
                else:
                    row.append(g.randint(0, 99))
            elif a == "xs":
                row.append([] if t == 0 else rand_list(g))
            elif a == "d":
                row.append(rand_dict(g))
            elif a == "k":
                row.append(None)  # filled below
        if "k" in args:
            d = row[args.index("d")]
            keys = list(d)
            row[args.index("k")] = ("z" if t in (0, 3) else g.choice(keys))
        out.append(row)
    return out


# ---------------------------------------------------------------------------
# problem construction
# ---------------------------------------------------------------------------

def build_pipeline(fam, g, difficulty):
    F = FAMILIES[fam]
    opk = [g.choice(sorted(F["ops"])) for _ in range(difficulty)]
    ops = []
    alts = []
    for k in opk:
        ph, code, cs = F["ops"][k]
        c = cs(g) if cs else []
        ops.append((k, c))
        alts.append(int((fam, "op", k) in ALT and g.random() < ALT_P))
    tk = g.choice(sorted(F["terms"]))
    ph, code, cs, extra = F["terms"][tk]
    tc = cs(g) if cs else []
    talt = int((fam, "term", tk) in ALT and g.random() < ALT_P)
    return {"family": fam, "ops": ops, "term": (tk, tc), "alt": alts, "talt": talt}


def build_loop(g, difficulty):
    # difficulty 1: plain accumulation; 2: filter or transform; 3: both
    acc = g.choice(sorted(LOOP["accs"]))
    filt, term = "none", "i"
    fl = [k for k in sorted(LOOP["filters"]) if k != "none"]
    tl = [k for k in sorted(LOOP["terms"]) if k != "i"]
    if acc == "count":
        # a transform is meaningless for counting: use the filter only
        if difficulty >= 2:
            filt = g.choice(fl)
    elif difficulty == 2:
        if g.random() < 0.5:
            filt = g.choice(fl)
        else:
            term = g.choice(tl)
    elif difficulty == 3:
        filt, term = g.choice(fl), g.choice(tl)
    fc = LOOP["filters"][filt][2](g) if LOOP["filters"][filt][2] else []
    tc = LOOP["terms"][term][2](g) if LOOP["terms"][term][2] else []
    falt = int(("loop", "filter", filt) in ALT and g.random() < ALT_P)
    aalt = int(("loop", "acc", acc) in ALT and g.random() < ALT_P)
    return {"family": "loop", "acc": acc, "filter": (filt, fc), "lterm": (term, tc),
            "falt": falt, "aalt": aalt}


def render(spec):
    """-> (description, args, body lines, features)"""
    fam = spec["family"]
    feats = []
    if fam == "loop":
        acc, (fk, fc), (tk, tc) = spec["acc"], spec["filter"], spec["lterm"]
        aph, init, upd = LOOP["accs"][acc]
        fph, fcode, _ = LOOP["filters"][fk]
        tph, tcode, _ = LOOP["terms"][tk]
        if spec.get("aalt"):
            aph = ALT[("loop", "acc", acc)]
        if spec.get("falt"):
            fph = ALT[("loop", "filter", fk)]
        e = fmt(tcode, tc)
        desc = aph + fmt(fph, fc) + fmt(tph, tc) + ", and return the result"
        rng_code = "range(1, n + 1)" if acc == "prod" else "range(n)"
        body = ["t = " + init, "for i in " + rng_code + ":"]
        upd = upd.format(e=e)
        if fk != "none":
            body.append(" if " + fmt(fcode, fc) + ":")
            body.append("  " + upd)
        else:
            body.append(" " + upd)
        body.append("return t")
        feats = [("loop", "acc", acc), ("loop", "filter", fk), ("loop", "term", tk)]
        if spec.get("aalt"):
            feats.append(("loop", "acc", acc, "alt"))
        if spec.get("falt"):
            feats.append(("loop", "filter", fk, "alt"))
        return desc, ["n"], body, feats
    F = FAMILIES[fam]
    phrases, body = [], []
    if "prelude" in F:
        phrases.append(F["prelude"][0])
        body.append(F["prelude"][1])
    for (k, c), al in zip(spec["ops"], spec.get("alt", [0] * len(spec["ops"]))):
        ph, code, _ = F["ops"][k]
        if al:
            ph = ALT[(fam, "op", k)]
            feats.append((fam, "op", k, "alt"))
        phrases.append(fmt(ph, c))
        body.append(fmt(code, c))
        feats.append((fam, "op", k))
    tk, tc = spec["term"]
    ph, code, _, extra = F["terms"][tk]
    if spec.get("talt"):
        ph = ALT[(fam, "term", tk)]
        feats.append((fam, "term", tk, "alt"))
    phrases.append(fmt(ph, tc))
    body.append(fmt(code, tc))
    feats.append((fam, "term", tk))
    args = list(F["args"]) + list(extra)
    desc = "; ".join(phrases)
    return desc, args, body, feats


def spec_key(spec):
    return json.dumps(spec, sort_keys=True)


def run_ref(src, calls):
    ns = {}
    exec(src, ns)
    outs = []
    for c in calls:
        outs.append(ns["f"](*c))
    return outs


def make_problem(spec, g):
    desc, args, body, feats = render(spec)
    prompt = "# " + desc + "\ndef f(" + ", ".join(args) + "):\n"
    solution = "".join(" " + l + "\n" for l in body)
    src = prompt + solution
    # tests: draw inputs until outputs are not all equal and every op matters
    for attempt in range(30):
        inputs = gen_inputs(spec["family"], args, g)
        if len(set(map(repr, inputs))) < len(inputs):
            continue
        outs = run_ref(src, inputs)
        if len(set(map(repr, outs))) < 2:
            continue
        ok = True
        # each body line (except the last) must matter: dropping it changes an output
        if spec["family"] != "loop":
            for i in range(len(body) - 1):
                if "prelude" in FAMILIES[spec["family"]] and i == 0:
                    continue
                b2 = body[:i] + body[i + 1:]
                src2 = prompt + "".join(" " + l + "\n" for l in b2)
                try:
                    if run_ref(src2, inputs) == outs:
                        ok = False
                        break
                except Exception:
                    pass
        if ok:
            break
    else:
        return None
    tests = ["assert f(" + ", ".join(repr(a) for a in inp) + ") == " + repr(o)
             for inp, o in zip(inputs, outs)]
    return {
        "key": spec_key(spec), "family": spec["family"],
        "difficulty": len(spec.get("ops", [])) if spec["family"] != "loop" else
        1 + (spec["filter"][0] != "none") + (spec["lterm"][0] != "i"),
        "prompt": prompt, "solution": solution, "tests": tests,
        "entry_point": "f", "features": [list(f) for f in feats],
        "region_b": any(f in WITHHELD or (len(f) == 4 and f[3] == "alt") for f in feats),
    }


FAMILY_ORDER = ["arith", "cond", "str", "list", "lookup", "loop"]


def is_test_key(key, test_frac):
    h = int(hashlib.sha256((VERSION + key).encode()).hexdigest()[:8], 16)
    return (h % 10000) < test_frac * 10000


def generate(seed=0, n_train=4000, n_test=400, test_frac=0.15, tests_only_share=0.5):
    g = random.Random(seed)
    train, test, seen = [], [], set()
    while len(train) < n_train or len(test) < n_test:
        fam = g.choice(FAMILY_ORDER)
        d = g.randint(1, 3)
        spec = build_loop(g, d) if fam == "loop" else build_pipeline(fam, g, d)
        key = spec_key(spec)
        if key in seen:
            continue
        seen.add(key)
        is_test = is_test_key(key, test_frac)
        if is_test and len(test) >= n_test:
            continue
        if not is_test and len(train) >= n_train:
            continue
        p = make_problem(spec, g)
        if p is None:
            continue
        (test if is_test else train).append(p)
    # tests-only share: region B first (seeded order), then region A if needed
    g2 = random.Random(seed * 7919 + 1)
    n_to = int(round(tests_only_share * len(train)))
    b_idx = [i for i, p in enumerate(train) if p["region_b"]]
    a_idx = [i for i, p in enumerate(train) if not p["region_b"]]
    g2.shuffle(b_idx)
    g2.shuffle(a_idx)
    chosen = set((b_idx + a_idx)[:n_to])
    for i, p in enumerate(train):
        p["has_reference"] = i not in chosen
    for p in test:
        p["has_reference"] = True  # references exist but are never trained on
    return train, test


def main(argv):
    """JSON lines on stdout, one problem each: the interface the Java loader (org.rltf.data.Curriculum) reads."""
    import argparse
    ap = argparse.ArgumentParser(description="The built-in curriculum " + VERSION + " as JSON lines.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train", type=int, default=4000)
    ap.add_argument("--test", type=int, default=400)
    ap.add_argument("--tests-only-share", type=float, default=0.5)
    a = ap.parse_args(argv)
    train, test = generate(seed=a.seed, n_train=a.train, n_test=a.test, tests_only_share=a.tests_only_share)
    out = sys.stdout
    out.write(json.dumps({"version": VERSION}) + "\n")
    for split, problems in (("train", train), ("test", test)):
        for p in problems:
            out.write(json.dumps({
                "key": p["key"], "split": split, "family": p["family"], "difficulty": p["difficulty"],
                "region": "B" if p["region_b"] else "A", "prompt": p["prompt"], "solution": p["solution"],
                "tests": p["tests"], "has_reference": p["has_reference"]}, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
