#!/usr/bin/python3
"""Reference values for Keras' Softmax(axis=a), computed with PyTorch in float64.

Writes softmax_axis.txt (the format of make_conv.py: `name rank d0 d1 ... v0 v1 ...`). Keras counts
the axis with the batch as 0, as torch.softmax's dim does on the batched tensor. For each case: x,
y = softmax(x, axis), r (a fixed dL/dy) and dx = dL/dx of L = sum(r * y), by autograd.
Run from this folder with Debian's Python: /usr/bin/python3 make_softmax_axis.py
"""
import torch

torch.manual_seed(47)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


# name, batched shape, Keras' axis
cases = (
    ("rank2_axis1", (3, 4, 5), 1),      # over the 4 rows of each (4, 5) sample: each column sums to 1
    ("rank2_axis2", (2, 4, 5), 2),      # the last axis, counted from the front
    ("rank3_axis_m2", (2, 3, 6, 4), -2),
    ("rank3_axis1", (1, 7, 2, 3), 1),   # batch 1, the first axis of the sample
    ("rank1_axis_m1", (4, 9), -1),
    ("large", (2, 5, 3), 1),            # logits of 100: the max is subtracted first
)
for name, shape, axis in cases:
    x = torch.randn(*shape) * 2
    if name == "large":
        x = x * 50
    x.requires_grad_(True)
    y = torch.softmax(x, dim=axis)
    r = torch.randn(*shape)
    (y * r).sum().backward()
    put(f"{name}.x", x)
    put(f"{name}.y", y)
    put(f"{name}.r", r)
    put(f"{name}.dx", x.grad)

with open("softmax_axis.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
