#!/usr/bin/python3
"""PyTorch (CPU, 2 threads) timings of the conv layers that bench/bench_conv_cpu.cpp measures.

Run with Debian's /usr/bin/python3 (python3-torch 1.13). For each layer of the two MNIST
autoencoders (batch 128) it times, separately:
  fwd    the module's forward pass (under no_grad)
  dgrad  the gradient of the input, via autograd.grad on a retained graph
  wgrad  the gradient of the weight (and of the bias for Conv2d), likewise
and prints milliseconds and GFLOP/s (2 * multiply-adds, padding included, as the C++ benchmark).
With --hg FILE (the JSON of `bench_conv_cpu --benchmark_format=json`) it adds hourglass's times
and the speed ratio hourglass/torch (torch time / hourglass time) per pass, and the sums.
"""
import argparse
import json
import statistics
import time

import torch

BATCH = 128

# name, transposed, in_channels, out_channels, kernel, stride, padding, input size (square)
LAYERS = [
    ("keras_e1", False, 1, 16, 3, 1, 1, 28),
    ("keras_e2", False, 16, 8, 3, 1, 1, 14),
    ("keras_e3", False, 8, 8, 3, 1, 1, 7),
    ("keras_d1", False, 8, 8, 3, 1, 1, 4),
    ("keras_d2", False, 8, 8, 3, 1, 1, 8),
    ("keras_d3", False, 8, 16, 3, 1, 0, 16),
    ("keras_d4", False, 16, 1, 3, 1, 1, 28),
    ("torch_e1", False, 1, 32, 5, 1, 0, 28),
    ("torch_e2", False, 32, 32, 5, 1, 0, 24),
    ("torch_e3", False, 32, 32, 4, 2, 0, 20),
    ("torch_e4", False, 32, 32, 3, 2, 0, 9),
    ("torch_e5", False, 32, 8, 4, 1, 0, 4),
    ("torch_d1", True, 8, 32, 4, 1, 0, 1),
    ("torch_d2", True, 32, 32, 3, 2, 0, 4),
    ("torch_d3", True, 32, 32, 4, 2, 0, 9),
    ("torch_d4", True, 32, 32, 5, 1, 0, 20),
    ("torch_d5", True, 32, 1, 5, 1, 0, 24),
]
PASSES = ("fwd", "dgrad", "wgrad")


def median_seconds(fn, min_time=0.3, min_reps=5):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_layer(transposed, cin, cout, k, stride, pad, size):
    cls = torch.nn.ConvTranspose2d if transposed else torch.nn.Conv2d
    m = cls(cin, cout, k, stride=stride, padding=pad)
    x = torch.rand(BATCH, cin, size, size, requires_grad=True)
    with torch.no_grad():
        y = m(x)
    # The multiply-adds of the (forward) convolution: every weight meets every pixel of the
    # conv's output, which for a transposed conv is its input.
    conv_out = y.shape[2] * y.shape[3] if not transposed else size * size
    flops = 2.0 * m.weight.numel() * conv_out * BATCH
    gy = torch.rand_like(y)
    y = m(x)
    wgrad_of = [m.weight] if transposed else [m.weight, m.bias]

    def fwd():
        with torch.no_grad():
            m(x)

    results = {
        "fwd": median_seconds(fwd),
        "dgrad": median_seconds(lambda: torch.autograd.grad(y, [x], gy, retain_graph=True)),
        "wgrad": median_seconds(lambda: torch.autograd.grad(y, wgrad_of, gy, retain_graph=True)),
    }
    return results, flops


def load_hg(path):
    with open(path) as f:
        data = json.load(f)
    times = {}
    for b in data["benchmarks"]:
        name = b["name"].split("/manual_time")[0]
        parts = name.split("/")
        if len(parts) >= 3 and parts[0] == "conv_cpu":
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            times[(parts[1], parts[2])] = b["real_time"] * scale
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hg", help="JSON output of bench_conv_cpu to compare with")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    hg = load_hg(args.hg) if args.hg else {}

    header = f"{'layer':10} {'pass':6} {'torch ms':>9} {'GFLOP/s':>8}"
    if hg:
        header += f" {'hg ms':>9} {'GFLOP/s':>8} {'hg/torch':>8}"
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}")
    print(header)
    totals = {}  # model -> [torch seconds, hg seconds]
    for name, transposed, cin, cout, k, stride, pad, size in LAYERS:
        results, flops = time_layer(transposed, cin, cout, k, stride, pad, size)
        for p in PASSES:
            t = results[p]
            line = f"{name:10} {p:6} {t * 1e3:9.3f} {flops / t * 1e-9:8.2f}"
            if (name, p) in hg:
                h = hg[(name, p)]
                line += f" {h * 1e3:9.3f} {flops / h * 1e-9:8.2f} {t / h:8.2f}"
                model = name.split("_")[0]
                # The first layer's input needs no gradient in training: left out of the sums.
                if not (p == "dgrad" and name.endswith("_e1")):
                    acc = totals.setdefault(model, [0.0, 0.0])
                    acc[0] += t
                    acc[1] += h
            print(line)
    for model, (t, h) in totals.items():
        print(f"{model}: all passes (no dgrad of the first layer) torch {t * 1e3:.2f} ms, "
              f"hourglass {h * 1e3:.2f} ms, hg/torch {t / h:.2f}")


if __name__ == "__main__":
    main()
