#!/usr/bin/python3
"""PyTorch's side of tests/ops/torch_parity_test.cpp.

Usage: conv_parity.py DIR

DIR/manifest.json lists cases: an op (conv2d, conv_transpose2d, max_pool2d, avg_pool2d,
upsample2d), its parameters, and its inputs as raw little-endian float32 files with shapes,
including grad_out, the upstream gradient. For every case this computes, in float32 on the CPU,
y = op(inputs) and the gradients of sum(y * grad_out) with respect to every input, writes each
as DIR/<case>.out.<key>.f32 and lists them (key -> shape, file) in DIR/results.json, keys being
"y" and "grad_<input>".

Keras 'same' padding is done as TensorFlow defines it: out = ceil(in / stride), the total
padding max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0) split with the extra row at
the bottom / right, applied with F.pad before a convolution without padding.

Exit status 3 when torch cannot be imported (the C++ test then skips, or fails in CI).
"""
import json
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C++ side turns this into a skip with the reason
    print(f"cannot import torch/numpy: {e}")
    sys.exit(3)


def load(directory, entry):
    data = np.fromfile(os.path.join(directory, entry["file"]), dtype="<f4")
    return torch.from_numpy(data.reshape(entry["shape"]).copy())


def same_padding(size, kernel, stride, dilation):
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def run(op, p, t):
    x = t["x"]
    if op == "conv2d":
        bias = t.get("bias")
        if p["padding"] == "same":
            kh, kw = t["weight"].shape[2:]
            top, bottom = same_padding(x.shape[2], kh, p["stride"][0], p["dilation"][0])
            left, right = same_padding(x.shape[3], kw, p["stride"][1], p["dilation"][1])
            x = F.pad(x, (left, right, top, bottom))
            padding = (0, 0)
        else:
            padding = tuple(p["padding"])
        return F.conv2d(x, t["weight"], bias, stride=tuple(p["stride"]), padding=padding,
                        dilation=tuple(p["dilation"]))
    if op == "conv_transpose2d":
        return F.conv_transpose2d(x, t["weight"], t.get("bias"), stride=tuple(p["stride"]),
                                  padding=tuple(p["padding"]),
                                  output_padding=tuple(p["output_padding"]),
                                  dilation=tuple(p["dilation"]))
    if op == "max_pool2d":
        return F.max_pool2d(x, tuple(p["kernel"]), tuple(p["stride"]), tuple(p["padding"]),
                            ceil_mode=p["ceil_mode"])
    if op == "avg_pool2d":
        return F.avg_pool2d(x, tuple(p["kernel"]), tuple(p["stride"]), tuple(p["padding"]),
                            ceil_mode=p["ceil_mode"], count_include_pad=p["count_include_pad"])
    if op == "upsample2d":
        scale = tuple(float(s) for s in p["scale"])
        if p["mode"] == "nearest":
            return F.interpolate(x, scale_factor=scale, mode="nearest")
        return F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)
    raise ValueError(f"unknown op {op!r}")


def save(directory, name, key, tensor, results):
    file = f"{name}.out.{key}.f32"
    tensor.detach().numpy().astype("<f4").tofile(os.path.join(directory, file))
    results[key] = {"shape": list(tensor.shape), "file": file}


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    directory = sys.argv[1]
    torch.set_num_threads(1)
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    results = {}
    for case in manifest["cases"]:
        name = case["name"]
        inputs = {k: load(directory, v) for k, v in case["inputs"].items()}
        grad_out = inputs.pop("grad_out")
        for t in inputs.values():
            t.requires_grad_(True)
        y = run(case["op"], case["params"], inputs)
        if list(y.shape) == list(grad_out.shape):
            (y * grad_out).sum().backward()
        else:  # no gradients then; the C++ side reports the differing shapes
            print(f"{name}: torch's output shape {list(y.shape)} differs from hourglass's "
                  f"{list(grad_out.shape)} (the shape of grad_out)")
        out = {}
        save(directory, name, "y", y, out)
        for key, t in inputs.items():
            if t.grad is not None:
                save(directory, name, "grad_" + key, t.grad, out)
        results[name] = out
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
