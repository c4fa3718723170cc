#!/usr/bin/python3
"""PyTorch side of the preset training benchmark (bench/compare_presets_train.sh).

Given a run folder written by `hourglass train`, rebuilds the same model in PyTorch from its
model.json (tools/hourglass_torch.py, which also loads the run's weights) and trains it for one
epoch on the same MNIST images with the same recipe as hourglass did: the loss (BCE on logits,
PyTorch's fastest and stablest form, or MSE), the optimizer and its settings, the batch size, and
the objective's extra terms (L1 or KL sparsity of the code, the closed-form contractive penalty,
k-sparse selection, the VAE's reparameterization + KL, input corruption for denoising). Prints one
JSON line with the training samples/s (the epoch's training loop only, as hourglass's
metrics.jsonl reports it) and the BLAS, thread count and allocator settings in effect.

Run with Debian's python3-torch (/usr/bin/python3). Greedy pre-training (hinton) is not
reproduced: compare such presets with --pretrain-epochs 0 on both sides.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from hourglass_torch import load_run  # noqa: E402


def read_idx_images(folder):
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
            return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w)
    raise SystemExit(f"torch_presets_train: no train-images-idx3-ubyte in {folder}")


def split_logits(model):
    """(logits function, output is sigmoid): the decoder without its final Sigmoid, so BCE runs
    on logits (BCEWithLogitsLoss), as a PyTorch user wanting speed and stability writes it."""
    if model.kind == "vae_mlp":
        return (lambda z: model.fc4(model._act(model.fc3(z)))), True
    decoder = model.decoder
    if isinstance(decoder, nn.Sequential) and isinstance(decoder[-1], nn.Sigmoid):
        head = nn.Sequential(*list(decoder.children())[:-1])
        return head, True
    return decoder, False


def make_optimizer(recipe, params):
    name = recipe["optimizer"]
    if name == "adam":
        return torch.optim.Adam(params, lr=recipe["lr"])
    if name == "adamw":
        return torch.optim.AdamW(params, lr=recipe["lr"])
    if name == "sgd":
        return torch.optim.SGD(params, lr=recipe["lr"], momentum=recipe["momentum"])
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=recipe["lr"], rho=recipe["adadelta_rho"],
                                    eps=recipe["adadelta_eps"])
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=recipe["lr"])
    raise SystemExit(f"torch_presets_train: optimizer {name!r} is not mapped")


def corrupt(x, recipe, generator):
    kind, level = recipe["noise"], recipe["noise_level"]
    if kind == "none":
        return x
    if kind == "gaussian":
        return (x + level * torch.randn(x.shape, generator=generator)).clamp(0, 1)
    if kind == "masking":
        return x * (torch.rand(x.shape, generator=generator) >= level)
    raise SystemExit(f"torch_presets_train: noise {kind!r} is not mapped")


def objective_fn(model, recipe):
    """loss(x_in, target) for one batch, the same terms as hourglass's objective()."""
    logits_of, sigmoid_out = split_logits(model)
    bce = recipe["loss"] == "bce"

    def reconstruction(out, target, total_over_pixels=False):
        reduction = "sum" if total_over_pixels else "mean"
        if bce and sigmoid_out:
            loss = F.binary_cross_entropy_with_logits(out, target, reduction=reduction)
        elif bce:
            loss = F.binary_cross_entropy(out, target, reduction=reduction)
        else:
            loss = F.mse_loss(torch.sigmoid(out) if sigmoid_out else out, target,
                              reduction=reduction)
        return loss / out.shape[0] if total_over_pixels else loss

    if model.kind in ("vae_mlp", "vae_conv"):
        def vae(x, target):
            flat = x.reshape(x.shape[0], -1)
            if model.kind == "vae_mlp":
                h = model._act(model.fc1(flat))
                mu, logvar = model.fc21(h), model.fc22(h)
            else:
                h = model.encoder(model._encoder_input(x)).flatten(1)
                mu, logvar = model.fc_mu(h), model.fc_logvar(h)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            out = logits_of(z)
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
            return reconstruction(out.reshape(target.shape[0], -1),
                                  target.reshape(target.shape[0], -1), True) + recipe["beta"] * kl
        return vae

    k = recipe["k"] if recipe["sparsity"] == "ksparse" else 0

    def autoencoder(x, target):
        code = model.encoder(model._encoder_input(x))
        if k:
            top = code.topk(k, dim=1).indices
            code = torch.zeros_like(code).scatter(1, top, code.gather(1, top))
        out = logits_of(code)
        loss = reconstruction(out.reshape(target.shape[0], -1),
                              target.reshape(target.shape[0], -1))
        if recipe["sparsity"] == "l1":
            loss = loss + recipe["l1"] * code.abs().sum() / x.shape[0]
        elif recipe["sparsity"] == "kl":
            rho, rho_hat = recipe["rho"], code.mean(0).clamp(1e-6, 1 - 1e-6)
            loss = loss + recipe["sparsity_weight"] * torch.sum(
                rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat)))
        if recipe["contractive"] > 0:
            # Closed form for one sigmoid layer: sum_j (h_j (1 - h_j))^2 sum_i W_ji^2.
            w = model.encoder[0].weight
            slope = (code * (1 - code)).pow(2)
            d = x[0].numel()
            penalty = (slope * w.pow(2).sum(1)).sum() / x.shape[0]
            loss = loss + recipe["contractive"] / d * penalty
        return loss
    return autoencoder


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", required=True, help="a run folder of hourglass train")
    parser.add_argument("--data", required=True, help="folder with train-images-idx3-ubyte")
    parser.add_argument("--limit", type=int, default=0, help="first N training images (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(os.path.join(args.run, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    recipe = config["build"]["recipe"]
    model = load_run(args.run)
    model.train()
    images = read_idx_images(args.data)
    if args.limit:
        images = images[:args.limit]
    data = torch.from_numpy(images.astype(np.float32) / 255.0)
    optimizer = make_optimizer(recipe, model.parameters())
    loss_fn = objective_fn(model, recipe)
    generator = torch.Generator().manual_seed(0)
    batch = recipe["batch"]
    order = torch.randperm(data.shape[0], generator=generator)
    start = time.perf_counter()
    for i in range(0, data.shape[0], batch):
        x = data[order[i:i + batch]]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(corrupt(x, recipe, generator), x)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    # Debian's torch calls the system libblas.so.3 (BLAS_INFO=generic): name the library it
    # actually mapped (OpenBLAS's pthread or openmp build, per update-alternatives).
    with open("/proc/self/maps", encoding="utf-8") as maps:
        blas = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
    print(json.dumps({
        "framework": "torch " + torch.__version__, "model": config.get("model"),
        "samples": data.shape[0], "batch": batch, "threads": torch.get_num_threads(),
        "blas": "; ".join(blas), "seconds": seconds, "final_loss": float(loss),
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
        "malloc_trim_threshold": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "samples_per_second": data.shape[0] / seconds}), flush=True)


if __name__ == "__main__":
    main()
