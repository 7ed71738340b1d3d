#!/usr/bin/python3
"""Reference values for TimeDistributed, computed with PyTorch in float64.

Writes time_distributed.txt (the format of make_conv.py: `name rank d0 d1 ... v0 v1 ...`, Keras'
layouts: Dense kernel (in, units), Conv2D kernel (kh, kw, in, out), samples channels-last). Keras'
TimeDistributed runs its layer on the (N*T, ...) reshape of an (N, T, ...) batch and reshapes back,
which is what these do with torch's own layers.
Run from this folder with Debian's Python: /usr/bin/python3 make_time_distributed.py
"""
import torch
import torch.nn.functional as F

torch.manual_seed(31)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def over_time(f, x):
    """f on every timestep: (N, T, ...) -> (N*T, ...) -> f -> (N, T, ...)."""
    n, t = x.shape[0], x.shape[1]
    y = f(x.reshape(n * t, *x.shape[2:]))
    return y.reshape(n, t, *y.shape[1:])


# TimeDistributed(Dense(4, activation="tanh")) on (N, T, F) = (3, 5, 7).
x = torch.randn(3, 5, 7)
kernel = torch.randn(7, 4) * 0.5
bias = torch.randn(4) * 0.3
put("dense.x", x)
put("dense.kernel", kernel)
put("dense.bias", bias)
put("dense.y", over_time(lambda r: torch.tanh(F.linear(r, kernel.T, bias)), x))

# Video frames: TimeDistributed(Conv2D(4, 3, activation="relu")), TimeDistributed(MaxPooling2D()),
# TimeDistributed(Flatten()) on (N, T, H, W, C) = (2, 3, 7, 6, 2): frames 5x4x4 -> 2x2x4 -> 16.
x = torch.randn(2, 3, 7, 6, 2)
kernel = torch.randn(3, 3, 2, 4) * 0.4
bias = torch.randn(4) * 0.2


def frame(r):  # r (N*T, H, W, C)
    y = F.relu(F.conv2d(r.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), bias))
    y = F.max_pool2d(y, 2)  # 'valid': the odd last row is dropped, as Keras does
    return y.permute(0, 2, 3, 1).flatten(1)  # channels-last order, as Keras' Flatten


put("video.x", x)
put("video.kernel", kernel)
put("video.bias", bias)
put("video.y", over_time(frame, x))

# One sample (batch 1), one step: TimeDistributed(Dense(3)) on (1, 1, 5).
x = torch.randn(1, 1, 5)
kernel = torch.randn(5, 3)
bias = torch.randn(3)
put("single.x", x)
put("single.kernel", kernel)
put("single.bias", bias)
put("single.y", over_time(lambda r: F.linear(r, kernel.T, bias), x))

with open("time_distributed.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
