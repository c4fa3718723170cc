#!/usr/bin/env bash
# Kernel launches per training step with --cuda-graph off and on: one epoch of each preset on the
# cuda device (a real GPU when present, else the SIMT emulator of a simt build), small data, then
# launches_per_step and replayed_steps from each run's metrics.jsonl. launches_per_step counts
# every kernel launch, cuBLAS call and graph launch the host issued during the epoch's training
# steps, divided by the steps; a replayed step issues exactly one (the graph launch), so the
# epoch average with graphs is (the eager steps' launches + replayed steps) / steps: the first
# three steps of an epoch run eagerly (warm-up, audit, capture) and so does a last, smaller batch.
# Usage: bench/launches_per_step.sh BUILD_DIR [DATA_DIR]
#   OPTIMIZER (default: each preset's own), LIMIT (samples, 640),
#   BATCH (32), PRESETS ("dense vae keras-conv torch-conv multilayer").
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [DATA_DIR]}
data=${2:-data/mnist}
hg="$build/tools/hourglass"
[[ -x "$hg" ]] || { echo "no $hg: build the hourglass target" >&2; exit 1; }
optimizer=${OPTIMIZER:-}
limit=${LIMIT:-640}
batch=${BATCH:-32}
presets=${PRESETS:-dense vae keras-conv torch-conv multilayer}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive

echo "command: $0 $* (OPTIMIZER=${optimizer:-preset default} LIMIT=$limit BATCH=$batch)"
"$hg" info | grep -i -A3 'device' | head -6
printf '%-12s %-10s %8s %8s %10s  %s\n' preset graph steps replayed launches/step note
for preset in $presets; do
  for graph in off on; do
    run="$out/$preset-$graph"
    "$hg" train --model "$preset" --data "$data" --limit "$limit" --batch "$batch" --epochs 1 \
      ${optimizer:+--optimizer "$optimizer"} --device cuda --cuda-graph "$graph" --no-pictures --out "$run" \
      >"$run.log" 2>&1 || { cat "$run.log" >&2; exit 1; }
    note=$(grep '^cuda graph:' "$run.log" | sort -u | head -2 | tr '\n' ' ' || true)
    /usr/bin/python3 - "$run/metrics.jsonl" "$preset" "$graph" "$note" <<'PY'
import json, sys
path, preset, graph, note = sys.argv[1:]
epoch = [json.loads(l) for l in open(path) if '"phase":"train"' in l.replace(" ", "")][-1]
print(f"{preset:<12} {graph:<10} {epoch['steps']:8d} {epoch['replayed_steps']:8d} "
      f"{epoch['launches_per_step']:10.2f}  {note.strip()}")
PY
  done
done
