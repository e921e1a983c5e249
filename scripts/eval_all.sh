#!/usr/bin/env bash
# Scores the offline model on the three public dev sets in ../shared/eval (read at run time, never copied).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SUPPORTOPS_BIN:-.build/debug/supportops}
data=${EVAL_DIR:-../shared/eval}
for f in bitext_dev clinc150_dev banking77_dev; do
  "$bin" eval --data "$data/$f.csv" --json "$@" | python3 -c "
import json, sys
d = json.load(sys.stdin); o = d['per_intent'].get('other', {})
print(f\"$f: n={d['n']} accuracy={d['accuracy']:.3f} macro_f1={d['macro_f1']:.3f} other_precision={o.get('precision', 0):.3f} other_recall={o.get('recall', 0):.3f} p50={d['latency_ms_p50']:.3f}ms p99={d['latency_ms_p99']:.3f}ms\")"
done
