#!/usr/bin/env python3
"""Markdown table of lab runs (runs/<run>/summary.json): held-out pass@1 / pass@5 / greedy pass@1 of the warm-up,
RLTF, supervised-only at equal steps and at equal wall-clock, per run, grouped by tests-only share, with the mean
and the spread (max - min) over seeds. Usage: lab_table.py RUN_DIR..."""
import json, os, sys
from collections import defaultdict

def pct(x):
    return "-" if x is None else "%.1f" % (100 * x)

rows = defaultdict(list)
for d in sys.argv[1:]:
    f = os.path.join(d, "summary.json")
    if not os.path.exists(f):
        continue
    s = json.load(open(f))
    rows[s["tests_only_share"]].append(s)

ARMS = [("sft", "warm-up"), ("rltf", "RLTF"), ("sl_only", "SL-only, same steps"), ("sl_only_equal_time", "SL-only, same time")]
for share in sorted(rows, reverse=True):
    runs = sorted(rows[share], key=lambda s: s["seed"])
    print("\n**tests-only share %g** (held-out pass@1 %%; pass@5 and greedy pass@1 in brackets)\n" % share)
    print("| seed | steps | " + " | ".join(label for _, label in ARMS) + " | RLTF - SL-only (same steps) | RLTF - SL-only (same time) |")
    print("|---" * (len(ARMS) + 4) + "|")
    diffs, difft = [], []
    per_arm = defaultdict(list)
    for s in runs:
        h = s["heldout"]
        cells = []
        for arm, _ in ARMS:
            a = h.get(arm)
            if a is None:
                cells.append("-")
                continue
            per_arm[arm].append(a["pass@1"])
            cells.append("%s (%s, %s)" % (pct(a["pass@1"]), pct(a.get("pass@5")), pct(a.get("greedy_pass@1"))))
        d1 = h["rltf"]["pass@1"] - h["sl_only"]["pass@1"] if "rltf" in h and "sl_only" in h else None
        d2 = h["rltf"]["pass@1"] - h["sl_only_equal_time"]["pass@1"] if "rltf" in h and "sl_only_equal_time" in h else None
        if d1 is not None: diffs.append(d1)
        if d2 is not None: difft.append(d2)
        print("| %d | %d | %s | %s | %s |" % (s["seed"], s["steps"], " | ".join(cells),
              "-" if d1 is None else "%+.1f" % (100 * d1), "-" if d2 is None else "%+.1f" % (100 * d2)))
    def mean_spread(v):
        return "-" if not v else "%.1f ± %.1f" % (100 * sum(v) / len(v), 100 * (max(v) - min(v)) / 2)
    print("| mean ± half-range | | " + " | ".join(mean_spread(per_arm[a]) for a, _ in ARMS) + " | %s | %s |"
          % (mean_spread(diffs), mean_spread(difft)))
