#!/usr/bin/env python3
"""Held-out results of the built-in curriculum by alternative wording: for each wording that only tests-only
problems show (region B), the pass rate of the sampled programs and how many held-out problems with that wording
had at least one passing program, in each results file given side by side (the JSON lines of `rltf eval --out`
or of the evaluator, runs/<run>/evaluations/v<N>.jsonl). RL can only learn a wording it finds a passing program
for: a wording at 0 of its problems in many samples gives it nothing to act on.

Usage: wordings.py [--seed N] [--tests-only-share S] RESULTS.jsonl...
(the seed and share the lab was given: they draw the curriculum the problem ids come from).
"""
import argparse
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "datasets", "src", "main", "resources", "org", "rltf", "data"))
import curriculum  # noqa: E402  (the script that draws the curriculum; org.rltf.data.Curriculum runs it too)


def problem_id(p):
    # As org.rltf.data.Curriculum names a problem: builtin/<version>/<first 12 hex of sha256(version + key)>.
    return "builtin/%s/%s" % (curriculum.VERSION,
                              hashlib.sha256((curriculum.VERSION + p["key"]).encode()).hexdigest()[:12])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tests-only-share", type=float, default=0.5)
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    train, test = curriculum.generate(seed=a.seed, tests_only_share=a.tests_only_share)
    wordings = {problem_id(p): sorted({"/".join(f[:3]) for f in p["features"] if len(f) == 4 and f[3] == "alt"})
                for p in test}
    in_training = Counter("/".join(f[:3]) for p in train if not p["has_reference"]
                          for f in p["features"] if len(f) == 4 and f[3] == "alt")
    runs = []
    for path in a.results:
        sampled = defaultdict(list)  # problem id -> passed? of each sampled (not greedy) program
        for line in open(path):
            r = json.loads(line)
            if r["index"] >= 0:
                sampled[r["problem_id"]].append(r["outcome"] == "PASS")
        runs.append(sampled)
    names = sorted({w for ws in wordings.values() for w in ws}, key=lambda w: (-in_training[w], w))
    print("%-22s %9s  %s" % ("wording", "train TO", "  ".join("%-22s" % os.path.basename(p)[:22] for p in a.results)))
    print("%-22s %9s  %s" % ("", "problems", "  ".join("%-22s" % "pass rate, problems>=1" for _ in a.results)))
    for w in names:
        cells = []
        for sampled in runs:
            ids = [i for i, ws in wordings.items() if w in ws and i in sampled]
            programs = [x for i in ids for x in sampled[i]]
            found = sum(any(sampled[i]) for i in ids)
            cells.append("%-22s" % ("%5.1f%%, %d of %d" % (100 * sum(programs) / max(1, len(programs)), found, len(ids))))
        print("%-22s %9d  %s" % (w, in_training[w], "  ".join(cells)))
    for path, sampled in zip(a.results, runs):
        present = [w for w in names if any(w in ws and i in sampled for i, ws in wordings.items())]
        never = [w for w in present if not any(any(sampled[i]) for i, ws in wordings.items() if w in ws and i in sampled)]
        print("%s: %d of the %d wordings its problems show without a single passing program"
              % (os.path.basename(path), len(never), len(present)))


if __name__ == "__main__":
    main()
