#!/usr/bin/env python3
"""bench/train's peer: milliseconds per training step of PyTorch (CPU) on the bench's models.

Started by bench/train with Debian's /usr/bin/python3 (python3-torch). Prints one line per model:
`<model> <median ms per step> <steps timed>`. The models, batch sizes and optimizer (Adam, Keras'
defaults but PyTorch's epsilon placement: it does not change the work) are the C++ bench's own.
"""
import argparse
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)), (32, 784), ("sparse", 10)


class Flagship(nn.Module):
    """The design's CNN: 20x20x1, Conv 32 same, pool, Conv 64 same, pool, global average, Dense 1."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.d = nn.Linear(64, 1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.d(x.mean(dim=(2, 3)))


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 32, batch_first=True)
        self.d = nn.Linear(32, 4)

    def forward(self, x):
        _, h = self.gru(x)
        return self.d(h[0])


class Cifar(nn.Module):
    """32x32x3: Conv 32, Conv 32, pool, Conv 64, Conv 64, pool, global average, Dense 10."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 32, 3, padding=1)
        self.c3 = nn.Conv2d(32, 64, 3, padding=1)
        self.c4 = nn.Conv2d(64, 64, 3, padding=1)
        self.d = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = F.max_pool2d(F.relu(self.c4(F.relu(self.c3(x)))), 2)
        return self.d(x.mean(dim=(2, 3)))


MODELS = {
    "mlp": mlp,
    "flagship_cnn": lambda: (Flagship(), (32, 1, 20, 20), ("binary", 1)),
    "gru": lambda: (GRUClassifier(), (32, 50, 8), ("sparse", 4)),
    "cifar_cnn": lambda: (Cifar(), (64, 3, 32, 32), ("sparse", 10)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("models", nargs="*", default=list(MODELS))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in args.models:
        model, xshape, (kind, classes) = MODELS[name]()
        x = torch.rand(xshape)
        if kind == "sparse":
            y = torch.randint(0, classes, (xshape[0],))
            loss_fn = nn.CrossEntropyLoss()
        else:
            y = torch.randint(0, 2, (xshape[0], 1)).float()
            loss_fn = nn.BCEWithLogitsLoss()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

        for _ in range(5):
            step()
        times = []
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end or len(times) < 5:
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"{name} {1e3 * times[len(times) // 2]:.4f} {len(times)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
