#!/usr/bin/env python3
"""PyTorch's side of bench/compare-pytorch: the same four MNIST models as nabla_bench
(apps/shared/models.cpp), the same training iteration (forward + cross-entropy + backward +
SGD lr 0.01 momentum 0.9, batch 64, synthetic MNIST-shaped data), median ms per iteration,
and inference images/s at batch 1000 in eval mode under no_grad.

    /usr/bin/python3 bench/torch_bench.py --threads 2 --iters 100 --models cnn,cnn_bn

Prints one JSON object per model on stdout.
"""
import argparse
import ctypes
import json
import time

import torch
from torch import nn


def make_model(name):
    bn = name.endswith("_bn")
    layers = []
    if name.startswith("mlp"):
        for i, o in [(784, 256), (256, 256)]:
            layers += [nn.Linear(i, o, bias=not bn)] + ([nn.BatchNorm1d(o)] if bn else []) + [nn.ReLU()]
        layers += [nn.Linear(256, 10)]
        return nn.Sequential(nn.Flatten(), *layers), False
    for i, o in [(1, 32), (32, 64)]:
        layers += [nn.Conv2d(i, o, 3, 1, 1, bias=not bn)] + ([nn.BatchNorm2d(o)] if bn else [])
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
    layers += [nn.Flatten(), nn.Linear(3136, 128, bias=not bn)] + ([nn.BatchNorm1d(128)] if bn else [])
    layers += [nn.ReLU(), nn.Linear(128, 10)]
    return nn.Sequential(*layers), True


def median_ms(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def bench(name, warmup, iters):
    torch.manual_seed(0)
    model, images = make_model(name)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    shape = (1, 28, 28) if images else (784,)
    batches = [(torch.randn(64, *shape), torch.arange(64) % 10) for _ in range(16)]
    k = [0]

    def step():
        x, y = batches[k[0] % len(batches)]
        k[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.item()
        loss.backward()
        opt.step()

    model.train()
    train = median_ms(step, warmup, iters)
    big = torch.randn(1000, *shape)
    model.eval()
    with torch.no_grad():
        infer = median_ms(lambda: model(big), 2, max(5, iters // 20))
    return {"model": name, "train_iter_ms": train, "infer_img_per_s": 1000.0 / (infer / 1000.0)}


def openblas_core():
    """The kernel family of the OpenBLAS that PyTorch's BLAS calls (libblas.so.3 is OpenBLAS on
    Debian); the same library object as the one already loaded, so the same choice."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"


def latency(name, forwards, warmup=50):
    """Single-image forwards (batch 1, eval, no_grad), as bench/latency does for nabla."""
    torch.manual_seed(0)
    model, images = make_model(name)
    model.eval()
    x = torch.randn(1, *((1, 28, 28) if images else (784,)))
    us = []
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        for _ in range(forwards):
            t0 = time.perf_counter()
            model(x)
            us.append((time.perf_counter() - t0) * 1e6)
    us.sort()
    pick = lambda p: us[min(len(us) - 1, int(p * (len(us) - 1) + 0.5))]
    return {"model": name, "median_us": pick(0.5), "p90_us": pick(0.9), "p99_us": pick(0.99), "max_us": us[-1]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mlp,mlp_bn,cnn,cnn_bn")
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: as installed)")
    p.add_argument("--latency", type=int, default=0, help="instead: N single-image forwards per model")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.latency > 0:
        for name in a.models.split(","):
            r = latency(name, a.latency)
            r["threads"] = torch.get_num_threads()
            print(json.dumps(r), flush=True)
        return
    for name in a.models.split(","):
        r = bench(name, a.warmup, a.iters)
        r["threads"] = torch.get_num_threads()
        r["blas_core"] = openblas_core()
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
