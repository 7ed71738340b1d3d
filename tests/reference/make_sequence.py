#!/usr/bin/python3
"""Reference values for the sequence-model layers (Embedding, LayerNormalization, MultiHeadAttention),
computed with PyTorch in float64 (MultiHeadAttention: Keras' math written out in NumPy, checked
against the same math in torch, whose autograd gives the gradients).

Writes sequence.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, in Keras' layouts
(Embedding's `embeddings` (input_dim, output_dim) = torch's Embedding weight; LayerNormalization's
gamma, beta (features,) = torch's LayerNorm weight, bias). Gradients are of L = sum(r * y) for the
array r written beside them. Run from this folder: /usr/bin/python3 make_sequence.py
"""
import numpy as np
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



# MultiHeadAttention(num_heads 3, key_dim 4, value_dim 2) as self-attention on (batch 2, T 5, d_model 6),
# Keras' weight layout: query/key kernels (d_model, heads, key_dim), biases (heads, key_dim), value
# kernel (d_model, heads, value_dim), output kernel (heads, value_dim, d_model), bias (d_model).
def mha_numpy(x, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    """Keras' MultiHeadAttention._compute_attention on einsums, in NumPy."""
    q = np.einsum("btd,dhk->bthk", x, wq) + bq
    k = np.einsum("btd,dhk->bthk", x, wk) + bk
    v = np.einsum("btd,dhv->bthv", x, wv) + bv
    q = q / np.sqrt(wq.shape[-1])
    scores = np.einsum("bshk,bthk->bhts", k, q)  # Keras: einsum(key, query)
    if causal:
        t = x.shape[1]
        mask = np.tril(np.ones((t, t), dtype=bool))
        scores = scores + (1.0 - mask) * -1e9  # Keras' _masked_softmax adder
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p = p / p.sum(axis=-1, keepdims=True)
    o = np.einsum("bhts,bshv->bthv", p, v)
    return np.einsum("bthv,hvd->btd", o, wo) + bo


def mha_torch(x, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    q = torch.einsum("btd,dhk->bthk", x, wq) + bq
    k = torch.einsum("btd,dhk->bthk", x, wk) + bk
    v = torch.einsum("btd,dhv->bthv", x, wv) + bv
    q = q / (wq.shape[-1] ** 0.5)
    scores = torch.einsum("bthk,bshk->bhts", q, k)
    if causal:
        t = x.shape[1]
        scores = scores.masked_fill(~torch.tril(torch.ones(t, t, dtype=torch.bool)), float("-inf"))
    p = torch.softmax(scores, dim=-1)
    o = torch.einsum("bhts,bshv->bthv", p, v)
    return torch.einsum("bthv,hvd->btd", o, wo) + bo


B, T, D, H, K, V = 2, 5, 6, 3, 4, 2
names = ["query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel", "value.bias",
         "attention_output.kernel", "attention_output.bias"]
shapes = [(D, H, K), (H, K), (D, H, K), (H, K), (D, H, V), (H, V), (H, V, D), (D,)]
weights = [(torch.randn(*s) * 0.5).requires_grad_() for s in shapes]
x = torch.randn(B, T, D).requires_grad_()
put("mha.x", x)
for n, w in zip(names, weights):
    put(f"mha.{n}", w)
for causal in (False, True):
    tag = "mha_causal" if causal else "mha"
    y_np = mha_numpy(x.detach().numpy(), *[w.detach().numpy() for w in weights], causal)
    y = mha_torch(x, *weights, causal)
    assert np.allclose(y.detach().numpy(), y_np, atol=1e-12), "NumPy and torch disagree"
    put(f"{tag}.y", torch.from_numpy(y_np))
    r = torch.randn_like(y)
    put(f"{tag}.r", r)
    grads = torch.autograd.grad((y * r).sum(), [x] + weights)
    put(f"{tag}.dx", grads[0])
    for n, g in zip(names, grads[1:]):
        put(f"{tag}.d{n}", g)

# Cross-attention, Keras' layer(query, value): query (batch 2, Tq 3, 6), value (batch 2, Tv 5, 4), num_heads
# 2, key_dim 3 (value_dim 3); the key and value kernels read the value's depth 4.
def mha_cross_torch(xq, xv, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    q = torch.einsum("btd,dhk->bthk", xq, wq) + bq
    k = torch.einsum("btd,dhk->bthk", xv, wk) + bk
    v = torch.einsum("btd,dhv->bthv", xv, wv) + bv
    q = q / (wq.shape[-1] ** 0.5)
    scores = torch.einsum("bthk,bshk->bhts", q, k)
    if causal:
        scores = scores.masked_fill(~torch.tril(torch.ones(xq.shape[1], xv.shape[1], dtype=torch.bool)), float("-inf"))
    p = torch.softmax(scores, dim=-1)
    o = torch.einsum("bhts,bshv->bthv", p, v)
    return torch.einsum("bthv,hvd->btd", o, wo) + bo


def mha_cross_numpy(xq, xv, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    q = (np.einsum("btd,dhk->bthk", xq, wq) + bq) / np.sqrt(wq.shape[-1])
    k = np.einsum("btd,dhk->bthk", xv, wk) + bk
    v = np.einsum("btd,dhv->bthv", xv, wv) + bv
    scores = np.einsum("bshk,bthk->bhts", k, q)
    if causal:
        scores = scores + (1.0 - np.tril(np.ones((xq.shape[1], xv.shape[1])))) * -1e9
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p = p / p.sum(axis=-1, keepdims=True)
    return np.einsum("bthv,hvd->btd", np.einsum("bhts,bshv->bthv", p, v), wo) + bo


Dq, Tq, Dv, Tv, H2, K2 = 6, 3, 4, 5, 2, 3
shapes = [(Dq, H2, K2), (H2, K2), (Dv, H2, K2), (H2, K2), (Dv, H2, K2), (H2, K2), (H2, K2, Dq), (Dq,)]
weights = [(torch.randn(*s) * 0.5).requires_grad_() for s in shapes]
xq = torch.randn(B, Tq, Dq).requires_grad_()
xv = torch.randn(B, Tv, Dv).requires_grad_()
put("cross.query", xq)
put("cross.value", xv)
for n, w in zip(names, weights):
    put(f"cross.{n}", w)
for causal in (False, True):
    tag = "cross_causal" if causal else "cross"
    y = mha_cross_torch(xq, xv, *weights, causal)
    y_np = mha_cross_numpy(xq.detach().numpy(), xv.detach().numpy(), *[w.detach().numpy() for w in weights], causal)
    assert np.allclose(y.detach().numpy(), y_np, atol=1e-12), "NumPy and torch disagree"
    put(f"{tag}.y", y)
    r = torch.randn_like(y)
    put(f"{tag}.r", r)
    grads = torch.autograd.grad((y * r).sum(), [xq, xv] + weights)
    put(f"{tag}.dquery", grads[0])
    put(f"{tag}.dvalue", grads[1])
    for n, g in zip(names, grads[2:]):
        put(f"{tag}.d{n}", g)

with open("sequence.txt", "w") as f:
    f.write("\n".join(out) + "\n")
