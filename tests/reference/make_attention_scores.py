#!/usr/bin/python3
"""Reference values for MultiHeadAttention's attention scores (Keras' return_attention_scores=True):
every head's softmax weights (batch, heads, query steps, key steps) and the output beside them,
computed in float64 with Keras' math written out in NumPy and checked against PyTorch's
nn.MultiheadAttention(average_attn_weights=False), given the same weights in its layout. Self-attention
on (batch 2, T 5, d_model 6) and cross-attention from a query (2, 3, 6) to a value (2, 5, 4), each
with and without the causal mask; 2 heads of key_dim 3 (torch needs heads * key_dim = the query's
depth and value_dim = key_dim).

Writes attention_scores.txt, one array per line (`name rank d0 d1 ... v0 v1 ...`), weights in Keras'
layouts and get_weights() order. Run from this folder: /usr/bin/python3 make_attention_scores.py
"""
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
out = []


def put(name, a):
    a = np.asarray(a, dtype=np.float64)
    dims = " ".join(str(d) for d in a.shape)
    vals = " ".join(repr(float(v)) for v in a.flatten())
    out.append(f"{name} {a.ndim} {dims} {vals}")


def keras_mha(xq, xv, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    """Keras' MultiHeadAttention._compute_attention on einsums: (output, scores)."""
    q = (np.einsum("btd,dhk->bthk", xq, wq) + bq) / np.sqrt(wq.shape[-1])
    k = np.einsum("btd,dhk->bthk", xv, wk) + bk
    v = np.einsum("btd,dhv->bthv", xv, wv) + bv
    scores = np.einsum("bshk,bthk->bhts", k, q)
    if causal:
        scores = scores + (1.0 - np.tril(np.ones((xq.shape[1], xv.shape[1])))) * -1e9
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p = p / p.sum(axis=-1, keepdims=True)
    return np.einsum("bthv,hvd->btd", np.einsum("bhts,bshv->bthv", p, v), wo) + bo, p


def torch_mha(xq, xv, wq, bq, wk, bk, wv, bv, wo, bo, causal):
    """The same through nn.MultiheadAttention: Keras' (depth, heads, dim) kernels are torch's
    (heads * dim, depth) projections transposed, head h taking rows h*dim..(h+1)*dim."""
    dq, heads, dim = wq.shape
    dv = wk.shape[0]
    mha = torch.nn.MultiheadAttention(dq, heads, kdim=dv, vdim=dv, batch_first=True)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    with torch.no_grad():
        w = [t(m.reshape(m.shape[0], -1).T) for m in (wq, wk, wv)]
        if mha._qkv_same_embed_dim:
            mha.in_proj_weight.copy_(torch.cat(w))
        else:
            mha.q_proj_weight.copy_(w[0])
            mha.k_proj_weight.copy_(w[1])
            mha.v_proj_weight.copy_(w[2])
        mha.in_proj_bias.copy_(torch.cat([t(b.reshape(-1)) for b in (bq, bk, bv)]))
        mha.out_proj.weight.copy_(t(wo.reshape(-1, wo.shape[-1]).T))
        mha.out_proj.bias.copy_(t(bo))
    mask = None
    if causal:
        mask = ~torch.tril(torch.ones(xq.shape[1], xv.shape[1], dtype=torch.bool))
    y, p = mha(t(xq), t(xv), t(xv), attn_mask=mask, need_weights=True, average_attn_weights=False)
    return y.detach().numpy(), p.detach().numpy()


names = ["query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel", "value.bias",
         "attention_output.kernel", "attention_output.bias"]
B, H, K = 2, 2, 3
for prefix, (Tq, Dq, Tv, Dv) in (("self", (5, 6, 5, 6)), ("cross", (3, 6, 5, 4))):
    shapes = [(Dq, H, K), (H, K), (Dv, H, K), (H, K), (Dv, H, K), (H, K), (H, K, Dq), (Dq,)]
    weights = [rng.normal(size=s) * 0.6 for s in shapes]
    xq = rng.normal(size=(B, Tq, Dq))
    xv = xq if prefix == "self" else rng.normal(size=(B, Tv, Dv))
    put(f"{prefix}.query", xq)
    if prefix == "cross":
        put(f"{prefix}.value", xv)
    for n, w in zip(names, weights):
        put(f"{prefix}.{n}", w)
    for causal in (False, True):
        tag = prefix + ("_causal" if causal else "")
        y, p = keras_mha(xq, xv, *weights, causal)
        ty, tp = torch_mha(xq, xv, *weights, causal)
        assert np.allclose(y, ty, atol=1e-12) and np.allclose(p, tp, atol=1e-12), "NumPy and torch disagree"
        put(f"{tag}.y", y)
        put(f"{tag}.scores", p)

with open("attention_scores.txt", "w") as f:
    f.write("\n".join(out) + "\n")
