#!/usr/bin/python3
"""Reference values for the sequence-model layers (Embedding, LayerNormalization), computed with
PyTorch in float64.

Writes sequence.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, in Keras' layouts
(Embedding's `embeddings` (input_dim, output_dim) = torch's Embedding weight; LayerNormalization's
gamma, beta (features,) = torch's LayerNorm weight, bias). Gradients are of L = sum(r * y) for the
array r written beside them. Run from this folder: /usr/bin/python3 make_sequence.py
"""
import torch

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join(repr(float(v)) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


# Embedding(input_dim 11, output_dim 6) on (batch 3, T 5) ids, some repeated (the gradient adds up).
emb = torch.nn.Embedding(11, 6)
ids = torch.tensor([[1, 4, 4, 0, 10], [3, 3, 3, 7, 2], [10, 9, 0, 5, 4]])
put("embedding.ids", ids)
put("embedding.embeddings", emb.weight)
y = emb(ids)
put("embedding.y", y)
r = torch.randn_like(y)
put("embedding.r", r)
(y * r).sum().backward()
put("embedding.dembeddings", emb.weight.grad)

# LayerNormalization over the last axis (Keras: axis -1, epsilon 1e-3), on (batch 2, T 3, 7) with
# non-trivial gamma and beta, and on (batch 4, 5) features with gamma 1 and beta 0 (center/scale off).
ln = torch.nn.LayerNorm(7, eps=1e-3)
with torch.no_grad():
    ln.weight.copy_(torch.randn(7) * 0.5 + 1.0)
    ln.bias.copy_(torch.randn(7) * 0.3)
x = (torch.randn(2, 3, 7) * 2 + 0.5).requires_grad_()
put("layernorm.x", x)
put("layernorm.gamma", ln.weight)
put("layernorm.beta", ln.bias)
y = ln(x)
put("layernorm.y", y)
r = torch.randn_like(y)
put("layernorm.r", r)
(y * r).sum().backward()
put("layernorm.dx", x.grad)
put("layernorm.dgamma", ln.weight.grad)
put("layernorm.dbeta", ln.bias.grad)

ln0 = torch.nn.LayerNorm(5, eps=1e-3, elementwise_affine=False)
x0 = torch.randn(4, 5) * 3
put("layernorm_plain.x", x0)
put("layernorm_plain.y", ln0(x0))
# epsilon 0.1: visible in the numbers for small variances
x1 = torch.randn(4, 5) * 0.2
put("layernorm_eps.x", x1)
put("layernorm_eps.y", torch.nn.functional.layer_norm(x1, (5,), eps=0.1))

with open("sequence.txt", "w") as f:
    f.write("\n".join(out) + "\n")
