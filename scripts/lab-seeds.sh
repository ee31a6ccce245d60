#!/usr/bin/env bash
# The lab's learning claim, repeatably: ./rltf lab with defaults on seeds 1, 2, 3, with the default tests-only share
# (0.5) and with every training problem referenced (0), then a markdown table of the held-out results per seed, with
# the mean and the spread. Extra arguments go to every ./rltf lab (e.g. --minutes 5). Results: runs/seeds-*/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for share in 0.5 0; do
  for seed in 1 2 3; do
    run="seeds-share${share/./}-s${seed}"
    [ -f "runs/$run/summary.json" ] && continue
    rm -rf "runs/$run"
    ./rltf lab --seed "$seed" --tests-only-share "$share" --run "$run" "$@"
  done
done
python3 scripts/lab_table.py runs/seeds-share05-s* runs/seeds-share0-s*
