#!/usr/bin/python3
"""PyTorch's side of tests/tools/torch_loader_test.cpp.

Usage: run_parity.py RUN_DIR INPUT.npy OUTPUT.npy [RUN_DIR INPUT.npy OUTPUT.npy ...]

For each triple: loads the run with tools/hourglass_torch.py (the torch.nn model rebuilt from
RUN_DIR/model.json, the weights of RUN_DIR/model.safetensors loaded with
load_state_dict(strict=True)), reconstructs the samples of INPUT.npy in float32 on the CPU, and
writes the reconstructions to OUTPUT.npy. The rebuilt modules are printed, so a failing test's
log shows what torch built. Several runs in one call pay for one torch import.

Exit status 3 when torch or numpy cannot be imported (the C++ test then skips, or fails in CI);
1 when a run could not be loaded or reconstructed (each such run's error on stderr, as
"RUN_DIR failed: <error type>: <message>", the other runs still done); 2 for bad usage.
"""
import os
import sys

try:
    import numpy  # noqa: F401  (hourglass_torch needs it; checked here for the exit status)
    import torch
except ImportError as e:  # the C++ side turns this into a skip with the reason
    print(f"cannot import torch/numpy: {e}")
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import hourglass_torch  # noqa: E402


def reconstruct(run_dir, input_path, output_path):
    model = hourglass_torch.load_run(run_dir)
    print(f"{run_dir}:\n{model}")
    y = hourglass_torch.reconstruct(model, hourglass_torch.read_npy(input_path))
    hourglass_torch.write_npy(output_path, y)
    print(f"reconstructions {list(y.shape)} -> {output_path}")


def main(argv):
    if len(argv) < 4 or (len(argv) - 1) % 3 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # the same sums on every machine, and no contention with the build
    status = 0
    for i in range(1, len(argv), 3):
        run_dir, input_path, output_path = argv[i:i + 3]
        try:
            reconstruct(run_dir, input_path, output_path)
        except Exception as e:  # noqa: BLE001 (any failure is reported, with its type)
            print(f"{run_dir} failed: {type(e).__name__}: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
