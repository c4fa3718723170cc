#!/usr/bin/env bash
# Side-by-side CPU training throughput of the two MNIST conv autoencoders: hourglass
# (bench_conv_ae_train) against PyTorch (bench/torch_conv_ae_train.py, Debian's python3-torch),
# both with 2 threads and batch 128, interleaved for ROUNDS rounds so both see the same machine
# load. Prints every raw measurement and, per model, the medians and their ratio.
# Usage: bench/compare_conv_ae_train.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [ROUNDS]}
rounds=${2:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$build/bench/bench_conv_ae_train"
[[ -x "$bench" ]] || { echo "no $bench: build the bench_conv_ae_train target" >&2; exit 1; }
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive

declare -A hg_runs torch_runs
for model in keras-conv torch-conv; do hg_runs[$model]=""; torch_runs[$model]=""; done
for ((r = 1; r <= rounds; r++)); do
  for model in keras-conv torch-conv; do
    hg=$("$bench" --benchmark_filter="train_step/cpu/$model/" --benchmark_format=json |
      /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["samples_per_second"])')
    torch=$(/usr/bin/python3 "$root/bench/torch_conv_ae_train.py" --model "$model" --threads 2 |
      /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["samples_per_second"])')
    printf 'round %d  %-10s  hourglass %9.1f samples/s  torch %9.1f samples/s\n' "$r" "$model" "$hg" "$torch"
    hg_runs[$model]+="$hg "
    torch_runs[$model]+="$torch "
  done
done
for model in keras-conv torch-conv; do
  /usr/bin/python3 - "$model" "${hg_runs[$model]}" "${torch_runs[$model]}" <<'PY'
import statistics, sys
model, hg, torch = sys.argv[1], [float(v) for v in sys.argv[2].split()], [float(v) for v in sys.argv[3].split()]
h, t = statistics.median(hg), statistics.median(torch)
print(f"{model:10s}  median hourglass {h:9.1f}  torch {t:9.1f}  ratio {h / t:5.2f}x")
PY
done
