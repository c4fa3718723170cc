#!/usr/bin/env bash
# Quick test of bench/compare_presets_train.sh (ctest bench.compare_presets_train.quick): one
# round of three presets of different families on 256 generated MNIST-format images; checks
# that every preset gets a table row with both throughputs and a ratio.
# Usage: bench/compare_presets_train_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
python=${HG_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" - "$work" <<'PY'
import os, sys
import numpy as np
rng = np.random.default_rng(1)
def idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(os.path.join(sys.argv[1], path), "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())
for split, n in (("train", 256), ("t10k", 64)):
    idx(f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
    idx(f"{split}-labels-idx1-ubyte", rng.integers(0, 10, n))
PY
out=$(HG_BENCH_DATA="$work" HG_BENCH_LIMIT=256 bash "$src/bench/compare_presets_train.sh" "$build" 1 \
  dense vae keras-conv)
echo "$out"
for p in dense vae keras-conv; do
  grep -Eq "^\| $p \| 256 \| [0-9,]+ \| [0-9,]+ \| [0-9.]+x \|$" <<<"$out" ||
    { echo "FAIL: no table row for $p" >&2; exit 1; }
done
echo "PASS"
