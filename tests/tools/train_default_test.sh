#!/usr/bin/env bash
# tools/train-default as a user runs it (README's "two commands"), against the build under test:
#   1. the README's example form, with the user's own --data, --device, --epochs and --out: no
#      option may be given twice, the run lands in the user's folder, not runs/default;
#   2. a --config file holding out / epochs / data: its values are used, none overridden;
#   3. --resume of that run up to a larger --epochs total;
#   4. Fashion-MNIST, taken from Debian's dataset-fashion-mnist (tools/fetch-data), trains and
#      evaluates: the test reconstruction error must be well below the mean image's (see below).
# Usage: train_default_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d /tmp/hg-train-default-XXXXXX)
trap 'rm -rf "$work"' EXIT
export HG_BUILD_DIR=$build HG_DATA_DIR=$work/data OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
fail() { echo "train_default_test: FAIL: $*" >&2; exit 1; }

# 1. The user's options, each given once (the script used to add --device auto as well).
"$src/tools/train-default" --model dense --data fashion-mnist --limit 2048 --epochs 2 \
  --device cpu --batch 64 --out "$work/run" --no-pictures >"$work/log1" 2>&1 ||
  { cat "$work/log1"; fail "the README's example form failed"; }
[[ -f "$work/run/model.safetensors" ]] || fail "no run in the user's --out folder"
[[ ! -e "$src/runs/default" || "$src/runs/default" -ot "$work/log1" ]] ||
  fail "train-default also wrote runs/default"
epochs=$(grep -c '"train_loss"' "$work/run/metrics.jsonl" || true)
[[ "$epochs" == 2 ]] || fail "expected 2 epoch records (the user's --epochs), got $epochs"

# 2. A --config file: out, epochs and data come from it (defaults must not override them).
cat >"$work/run.toml" <<TOML
data = "fashion-mnist"
out = "$work/from-config"
epochs = 1
limit = 256
device = "cpu"
no-pictures = true
TOML
"$src/tools/train-default" --config "$work/run.toml" >"$work/log2" 2>&1 ||
  { cat "$work/log2"; fail "a --config run failed"; }
[[ -f "$work/from-config/model.safetensors" ]] || fail "the config's out folder was not used"
epochs=$(grep -c '"train_loss"' "$work/from-config/metrics.jsonl" || true)
[[ "$epochs" == 1 ]] || fail "expected 1 epoch record (the config's epochs), got $epochs"

# 3. Resume the first run up to 3 epochs in total.
"$src/tools/train-default" --out "$work/run" --resume --epochs 3 --no-pictures >"$work/log3" 2>&1 ||
  { cat "$work/log3"; fail "--resume failed"; }
epochs=$(grep -c '"train_loss"' "$work/run/metrics.jsonl" || true)
[[ "$epochs" == 3 ]] || fail "expected 3 epoch records after resuming, got $epochs"

# 4. The Fashion-MNIST run learned: after 3 epochs over 2048 training images (96 steps) the test
#    BCE per pixel is 0.393 (measured); the mean training image scores 0.491 and the data's own
#    entropy floor is 0.242 (numpy, on the same images). Required: below 0.44.
"$build/tools/hourglass" eval --run "$work/run" --device cpu --json >"$work/eval.json" 2>"$work/log4" ||
  { cat "$work/log4"; fail "eval failed"; }
cat "$work/eval.json"
loss=$(grep -o '"loss":[0-9.eE+-]*' "$work/eval.json" | head -n 1 | cut -d: -f2)
awk -v l="$loss" 'BEGIN { exit !(l < 0.44) }' ||
  fail "Fashion-MNIST test BCE $loss is not below 0.44 (the mean image scores 0.491)"
echo "train_default_test: ok"
