#!/usr/bin/python3
"""Reference values for GRU, LSTM, SimpleRNN and Bidirectional, computed with PyTorch in float64.

Writes recurrent.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, in Keras' layouts, from
torch.nn.GRU / LSTM / RNN modules whose weights are converted to Keras' layouts:
  GRU   kernel = reorder(weight_ih_l0.T), recurrent_kernel = reorder(weight_hh_l0.T),
        bias = [reorder(bias_ih_l0), reorder(bias_hh_l0)] (2, 3u); reorder swaps the first two
        column blocks ([r|z|n] <-> [z|r|h]). nn.GRU is Keras' reset_after=True.
  LSTM  kernel = weight_ih_l0.T, recurrent_kernel = weight_hh_l0.T, bias = bias_ih_l0 + bias_hh_l0.
  RNN   as LSTM (tanh).
go_backwards: the module run on the time-reversed input; its outputs stay in the order computed,
as Keras returns them. Bidirectional: bidirectional=True modules (PyTorch aligns the backward
outputs with the input's timesteps, as Keras' Bidirectional does after reversing them).
GRU with reset_after=False has no PyTorch module: it is written out with torch ops from Keras'
formula, z and r from x.W + h.U + b, candidate tanh(x.W_h + b_h + (r*h).U_h).

Run from this folder with Debian's Python: /usr/bin/python3 make_recurrent.py
"""
import torch

torch.manual_seed(5)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64).contiguous()
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join(repr(float(v)) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def reorder(m, u):
    """[r|z|n] <-> [z|r|h] along the last axis (its own inverse)."""
    return torch.cat([m[..., u:2 * u], m[..., 0:u], m[..., 2 * u:3 * u]], dim=-1)


def scale_(module, s):
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(s)


def keras_weights(kind, m, u, suffix=""):
    w_ih = getattr(m, "weight_ih_l0" + suffix)
    w_hh = getattr(m, "weight_hh_l0" + suffix)
    b_ih = getattr(m, "bias_ih_l0" + suffix, None)
    b_hh = getattr(m, "bias_hh_l0" + suffix, None)
    if kind == "gru":
        k, r = reorder(w_ih.T, u), reorder(w_hh.T, u)
        b = None if b_ih is None else torch.stack([reorder(b_ih, u), reorder(b_hh, u)])
    else:
        k, r = w_ih.T, w_hh.T
        b = None if b_ih is None else b_ih + b_hh
    return k, r, b


def module(kind, f, u, bias=True, bidirectional=False):
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    m = cls(f, u, batch_first=True, bias=bias, bidirectional=bidirectional)
    scale_(m, 2.0)  # beyond PyTorch's small default range, so that the gates saturate somewhere
    return m


def case(name, kind, f, u, batch, steps, bias=True):
    m = module(kind, f, u, bias)
    x = torch.randn(batch, steps, f) * 1.5
    k, r, b = keras_weights(kind, m, u)
    put(f"{name}.x", x)
    put(f"{name}.kernel", k)
    put(f"{name}.recurrent_kernel", r)
    if b is not None:
        put(f"{name}.bias", b)
    y, _ = m(x)
    put(f"{name}.y_seq", y)  # return_sequences=True
    put(f"{name}.y_last", y[:, -1])  # return_sequences=False
    yb, _ = m(torch.flip(x, [1]))
    put(f"{name}.y_back_seq", yb)  # go_backwards, in the order computed
    put(f"{name}.y_back_last", yb[:, -1])


def bidirectional_case(name, kind, f, u, batch, steps):
    m = module(kind, f, u, bidirectional=True)
    x = torch.randn(batch, steps, f) * 1.5
    put(f"{name}.x", x)
    for direction, suffix in (("forward", ""), ("backward", "_reverse")):
        k, r, b = keras_weights(kind, m, u, suffix)
        put(f"{name}.{direction}.kernel", k)
        put(f"{name}.{direction}.recurrent_kernel", r)
        put(f"{name}.{direction}.bias", b)
    y, _ = m(x)
    put(f"{name}.y_seq", y)
    # Without return_sequences Keras concatenates the forward state after the last timestep and the
    # backward state after the first (its last processed).
    put(f"{name}.y_last", torch.cat([y[:, -1, :u], y[:, 0, u:]], dim=-1))


def gru_reset_before_case(name, f, u, batch, steps):
    kernel = torch.randn(f, 3 * u) * 0.5
    rec = torch.randn(u, 3 * u) * 0.4
    bias = torch.randn(3 * u) * 0.5
    x = torch.randn(batch, steps, f) * 1.5
    put(f"{name}.x", x)
    put(f"{name}.kernel", kernel)
    put(f"{name}.recurrent_kernel", rec)
    put(f"{name}.bias", bias)
    h = torch.zeros(batch, u)
    ys = []
    for t in range(steps):
        mx = x[:, t] @ kernel + bias
        z = torch.sigmoid(mx[:, :u] + h @ rec[:, :u])
        r = torch.sigmoid(mx[:, u:2 * u] + h @ rec[:, u:2 * u])
        cand = torch.tanh(mx[:, 2 * u:] + (r * h) @ rec[:, 2 * u:])
        h = z * h + (1 - z) * cand
        ys.append(h)
    y = torch.stack(ys, 1)
    put(f"{name}.y_seq", y)
    put(f"{name}.y_last", y[:, -1])


# The check that the GRU conversion is right: one step by hand, in Keras' formula, against nn.GRU.
def check_gru_conversion():
    f, u = 3, 4
    m = module("gru", f, u)
    k, r, b = keras_weights("gru", m, u)
    x = torch.randn(2, 1, f)
    mx = x[:, 0] @ k + b[0]
    mh = torch.zeros(2, u) @ r + b[1]
    z = torch.sigmoid(mx[:, :u] + mh[:, :u])
    rr = torch.sigmoid(mx[:, u:2 * u] + mh[:, u:2 * u])
    hh = torch.tanh(mx[:, 2 * u:] + rr * mh[:, 2 * u:])
    h = (1 - z) * hh
    assert torch.allclose(h, m(x)[0][:, 0], atol=1e-12)


check_gru_conversion()
case("gru", "gru", 5, 7, 3, 6)
case("gru_b1", "gru", 3, 17, 1, 9)
case("gru_nobias", "gru", 4, 6, 2, 5, bias=False)
gru_reset_before_case("gru_reset_before", 5, 7, 3, 6)
case("lstm", "lstm", 5, 7, 3, 6)
case("lstm_b1", "lstm", 3, 17, 1, 9)
case("rnn", "rnn", 4, 9, 2, 5)
bidirectional_case("bi_gru", "gru", 4, 5, 2, 6)
bidirectional_case("bi_lstm", "lstm", 3, 6, 3, 4)

with open("recurrent.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
