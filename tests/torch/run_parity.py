#!/usr/bin/python3
"""PyTorch's side of tests/tools/torch_loader_test.cpp.

Usage: run_parity.py RUN_DIR INPUT.npy OUTPUT.npy

Loads the run with tools/hourglass_torch.py (the torch.nn model rebuilt from RUN_DIR/model.json,
the weights of RUN_DIR/model.safetensors loaded with load_state_dict(strict=True)), reconstructs
the samples of INPUT.npy in float32 on the CPU, and writes the reconstructions to OUTPUT.npy.
The rebuilt module is printed, so a failing test's log shows what torch built.

Exit status 3 when torch or numpy cannot be imported (the C++ test then skips, or fails in CI);
1 with the error on stderr when the run cannot be loaded.
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


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir, input_path, output_path = argv[1:]
    torch.set_num_threads(1)  # the same sums on every machine, and no contention with the build
    try:
        model = hourglass_torch.load_run(run_dir)
    except Exception as e:  # noqa: BLE001 (any failure is reported, with its type)
        print(f"cannot load {run_dir}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(model)
    x = hourglass_torch.prepare_inputs(hourglass_torch.read_npy(input_path), model.input_shape)
    with torch.no_grad():
        y = model(x)
    hourglass_torch.write_npy(output_path, y)
    print(f"reconstructions {list(y.shape)} -> {output_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
