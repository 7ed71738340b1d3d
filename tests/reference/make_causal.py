#!/usr/bin/python3
"""Reference values for Conv1D with Keras' 'causal' padding, computed with PyTorch in float64.

Writes causal.txt (the format of make_conv.py: `name rank d0 d1 ... v0 v1 ...`, Keras' layouts:
x (batch, steps, channels), kernel (k, in, out)). 'causal' pads the time axis on the left alone, by
(k - 1) * dilation zeros, so it is torch.nn.functional.conv1d on an explicitly left-padded input.
Run from this folder with Debian's Python: /usr/bin/python3 make_causal.py
"""
import torch
import torch.nn.functional as F

torch.manual_seed(23)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def causal_conv1d(x, kernel, bias, stride=1, dilation=1):
    """Keras' Conv1D(padding='causal'): x (N, T, C), kernel (k, C, F)."""
    k = kernel.shape[0]
    xp = F.pad(x.permute(0, 2, 1), ((k - 1) * dilation, 0))  # (N, C, T + (k-1)d): zeros before step 0
    y = F.conv1d(xp, kernel.permute(2, 1, 0), bias, stride=stride, dilation=dilation)
    return y.permute(0, 2, 1)


# name, batch, steps, channels, filters, kernel, dilation, stride
cases = (
    ("k3", 2, 11, 3, 5, 3, 1, 1),
    ("k4_d2", 1, 9, 2, 3, 4, 2, 1),
    ("k2_d4_odd", 3, 7, 1, 4, 2, 4, 1),      # window 5 of 7 steps, one input channel
    ("k5_d3_short", 1, 6, 2, 2, 5, 3, 1),    # window 13: longer than the sequence
    ("k3_d2_wide", 2, 13, 16, 6, 3, 2, 1),   # 16 channels: the channel-rich kernel
    ("k1", 2, 5, 3, 4, 1, 1, 1),             # no padding at all: the pointwise product
    ("k3_s2", 2, 11, 3, 4, 3, 1, 2),         # strides: ceil(11 / 2) = 6 steps out
)
for name, n, t, c, f, k, d, s in cases:
    x = torch.randn(n, t, c)
    kernel = torch.randn(k, c, f) * 0.5
    bias = torch.randn(f)
    put(f"{name}.x", x)
    put(f"{name}.kernel", kernel)
    put(f"{name}.bias", bias)
    put(f"{name}.y", causal_conv1d(x, kernel, bias, s, d))

with open("causal.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
