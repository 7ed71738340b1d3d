#!/usr/bin/python3
"""Reference values for keras_hub's PositionEmbedding, computed with PyTorch in float64.

Writes position_embedding.txt (the format of make_conv.py: `name rank d0 d1 ... v0 v1 ...`).
keras_hub's layer returns its table's first T rows broadcast to the input's shape (N, ..., T, d);
the model adds them to the input (Add). Each case: x, the table (sequence_length, d), p = the
layer's output, y = x + p, and for L = sum(r * y) with a fixed r: dtable = dL/dtable (autograd).
Run from this folder with Debian's Python: /usr/bin/python3 make_position_embedding.py
"""
import torch

torch.manual_seed(59)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def position_embedding(x, table):
    """keras_hub's PositionEmbedding.call(x) with start_index 0."""
    t, d = x.shape[-2], x.shape[-1]
    return torch.broadcast_to(table[:t, :d], x.shape)


# name, input shape (batch first), sequence_length
cases = (
    ("full", (3, 6, 4), 6),         # T == sequence_length
    ("shorter", (2, 5, 3), 8),      # T < sequence_length: the first 5 rows
    ("leading", (2, 3, 4, 5), 4),   # an axis before the timesteps: the same table for each
    ("single", (1, 1, 7), 3),       # batch 1, one timestep
)
for name, shape, length in cases:
    x = torch.randn(*shape)
    table = (torch.rand(length, shape[-1]) * 2 - 1).requires_grad_(True)
    p = position_embedding(x, table)
    y = x + p
    r = torch.randn(*shape)
    (r * y).sum().backward()
    put(f"{name}.x", x)
    put(f"{name}.embeddings", table)
    put(f"{name}.p", p)
    put(f"{name}.y", y)
    put(f"{name}.r", r)
    put(f"{name}.dembeddings", table.grad)

with open("position_embedding.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
