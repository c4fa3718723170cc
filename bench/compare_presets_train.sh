#!/usr/bin/env bash
# Side-by-side CPU training throughput of the zoo's presets: one epoch with `hourglass train`
# (samples/s from its metrics.jsonl) against the same model, weights, recipe and images in PyTorch
# (bench/torch_presets_train.py, rebuilt from the hourglass run's model.json), interleaved for
# ROUNDS rounds so both see the same machine load. Both get 2 threads (OMP_NUM_THREADS), and
# glibc's allocator tuned to reuse buffers, PyTorch's best showing on the CPU
# (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_). Prints every raw measurement, then a
# markdown table: per preset the median samples/s of each and their ratio.
#
# An epoch is over the first N MNIST training images (per preset below, so that every run takes
# seconds; the whole 60,000 for the fast dense models). hinton trains without its greedy
# pre-training on both sides (--pretrain-epochs 0).
# Usage: bench/compare_presets_train.sh BUILD_DIR [ROUNDS] [PRESET...]
# Environment: HG_BENCH_DATA, a folder with MNIST-format IDX files instead of data/mnist;
# HG_BENCH_LIMIT, one image count for every preset (the quick test of this script uses both).
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [ROUNDS] [PRESET...]}
rounds=${2:-3}
shift $(($# >= 2 ? 2 : 1))
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hourglass="$build/tools/hourglass"
[[ -x "$hourglass" ]] || { echo "no $hourglass: build the hourglass_cli target" >&2; exit 1; }
python=${HG_PYTHON:-/usr/bin/python3}
data=${HG_BENCH_DATA:-$root/data/mnist}
[[ -f "$data/train-images-idx3-ubyte" || -f "$data/train-images-idx3-ubyte.gz" ]] ||
  "$root/tools/fetch-data" mnist

declare -A limit=(
  [dense]=60000 [keras-dense]=60000 [keras-sparse]=60000 [keras-deep]=60000
  [multilayer]=60000 [linear]=60000 [vae]=60000 [hinton]=20000 [cae]=20000 [ksparse]=60000
  [keras-conv]=20000 [keras-io-conv]=20000 [conv-vae]=10000 [torch-conv]=4096
)
presets=("$@")
[[ ${#presets[@]} -gt 0 ]] || presets=(dense keras-dense keras-sparse keras-deep multilayer linear
  vae hinton cae ksparse keras-conv keras-io-conv conv-vae torch-conv)

export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | sed -n 's/^Model name: *//p')  $(nproc) cores"
echo "# hourglass $(git -C "$root" rev-parse --short HEAD)  OMP_NUM_THREADS=$OMP_NUM_THREADS" \
  "MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_=$MALLOC_TRIM_THRESHOLD_"
declare -A hg_runs torch_runs
for ((r = 1; r <= rounds; r++)); do
  for p in "${presets[@]}"; do
    n=${HG_BENCH_LIMIT:-${limit[$p]:-20000}}
    run="$work/$p-$r"
    "$hourglass" train --model "$p" --epochs 1 --limit "$n" --device cpu --no-pictures \
      --pretrain-epochs 0 --data "$data" --out "$run" >"$run.log" 2>&1 ||
      { echo "hourglass train --model $p failed:" >&2; cat "$run.log" >&2; exit 1; }
    hg=$("$python" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["samples_per_second"])' "$run/metrics.jsonl")
    line=$("$python" "$root/bench/torch_presets_train.py" --run "$run" --data "$data" --limit "$n" \
      --threads "$OMP_NUM_THREADS")
    torch=$("$python" -c 'import json,sys; print(json.loads(sys.argv[1])["samples_per_second"])' "$line")
    [[ $r -eq 1 && $p == "${presets[0]}" ]] && echo "# torch: $line"
    printf 'round %d  %-13s  %6d images  hourglass %9.1f samples/s  torch %9.1f samples/s\n' \
      "$r" "$p" "$n" "$hg" "$torch"
    hg_runs[$p]+="$hg "
    torch_runs[$p]+="$torch "
  done
done
echo
echo "| preset | images | hourglass samples/s (median) | PyTorch samples/s (median) | ratio |"
echo "|---|---|---|---|---|"
for p in "${presets[@]}"; do
  "$python" - "$p" "${HG_BENCH_LIMIT:-${limit[$p]:-20000}}" "${hg_runs[$p]}" "${torch_runs[$p]}" <<'PY'
import statistics, sys
p, n = sys.argv[1], sys.argv[2]
h = statistics.median(float(v) for v in sys.argv[3].split())
t = statistics.median(float(v) for v in sys.argv[4].split())
print(f"| {p} | {n} | {h:,.0f} | {t:,.0f} | {h / t:.2f}x |")
PY
done
