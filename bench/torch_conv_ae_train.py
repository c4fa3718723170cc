#!/usr/bin/env python3
"""PyTorch side of the conv-autoencoder training benchmark (bench/compare_conv_ae_train.sh).

Trains the two MNIST conv autoencoders of the convolution issue exactly as hourglass builds them
(keras-conv: the Keras blog's Conv 16-8-8 'same' + MaxPool 'same' / UpSampling decoder;
torch-conv: the Conv2d / ConvTranspose2d stack of the lecture notes) for a fixed number of steps
at batch 128 with BCE and Adam on random pixels in [0, 1], and prints one JSON line per model with
the measured training samples/s. Run with Debian's python3-torch: /usr/bin/python3.
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def keras_conv():
    relu = lambda: nn.ReLU()
    encoder = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(16, 8, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(8, 8, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True))
    decoder = nn.Sequential(
        nn.Conv2d(8, 8, 3, padding=1), relu(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 8, 3, padding=1), relu(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 16, 3), relu(), nn.Upsample(scale_factor=2),
        nn.Conv2d(16, 1, 3, padding=1))  # logits; the sigmoid is inside the loss
    return nn.Sequential(encoder, decoder)


def torch_conv():
    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.Conv2d(32, 32, 5), nn.ReLU(),
        nn.Conv2d(32, 32, 4, stride=2), nn.ReLU(), nn.Conv2d(32, 32, 3, stride=2), nn.ReLU(),
        nn.Conv2d(32, 8, 4))
    decoder = nn.Sequential(
        nn.ConvTranspose2d(8, 32, 4), nn.ReLU(), nn.ConvTranspose2d(32, 32, 3, stride=2), nn.ReLU(),
        nn.ConvTranspose2d(32, 32, 4, stride=2), nn.ReLU(), nn.ConvTranspose2d(32, 32, 5),
        nn.ReLU(), nn.ConvTranspose2d(32, 1, 5))
    return nn.Sequential(encoder, decoder)


def measure(name, model, batch, steps, warmup):
    x = torch.rand(batch, 1, 28, 28)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def step():
        optimizer.zero_grad()
        out = model(x)
        assert out.shape == x.shape, out.shape
        loss = loss_fn(out, x)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    return {"framework": "torch " + torch.__version__, "model": name, "batch": batch,
            "steps": steps, "threads": torch.get_num_threads(), "seconds": seconds,
            "samples_per_second": batch * steps / seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["keras-conv", "torch-conv", "both"], default="both")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    builders = {"keras-conv": keras_conv, "torch-conv": torch_conv}
    names = list(builders) if args.model == "both" else [args.model]
    for name in names:
        print(json.dumps(measure(name, builders[name](), args.batch, args.steps, args.warmup)),
              flush=True)


if __name__ == "__main__":
    main()
