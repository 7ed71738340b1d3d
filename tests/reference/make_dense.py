#!/usr/bin/python3
"""Reference values for Dense and the activations, computed with PyTorch in float64.

Writes dense.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, all in Keras' layouts
(Dense kernel (in, units) = torch Linear weight transposed). Run from this folder with Debian's
Python: /usr/bin/python3 make_dense.py
"""
import torch

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join(repr(float(v)) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


# Keras' activations, written out with torch ops.
ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda z: torch.softmax(z, dim=-1),
    "elu": lambda z: torch.nn.functional.elu(z, alpha=1.0),
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, negative_slope=0.3),
    "gelu": lambda z: torch.nn.functional.gelu(z),
    "gelu_tanh": lambda z: torch.nn.functional.gelu(z, approximate="tanh"),
    "softplus": torch.nn.functional.softplus,
    "swish": torch.nn.functional.silu,
}

# Dense (batch 5, in 7, units 9): one kernel and bias, every activation.
linear = torch.nn.Linear(7, 9)
x = torch.randn(5, 7) * 2
put("dense.x", x)
put("dense.kernel", linear.weight.T)
put("dense.bias", linear.bias)
z = linear(x)
for name, f in ACTIVATIONS.items():
    put(f"dense.{name}", f(z))

# Dense on rank-3 input (batch 2, steps 3, in 4 -> units 5): only the last axis is contracted.
linear3 = torch.nn.Linear(4, 5)
x3 = torch.randn(2, 3, 4)
put("dense3.x", x3)
put("dense3.kernel", linear3.weight.T)
put("dense3.bias", linear3.bias)
put("dense3.y", linear3(x3))

# The activations on edge values: large magnitudes must not overflow.
edges = torch.tensor([[-1000.0, -88.0, -20.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 20.0, 88.0, 1000.0]])
put("edges.x", edges)
for name, f in ACTIVATIONS.items():
    put(f"edges.{name}", f(edges))

with open("dense.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
