#!/usr/bin/python3
"""Reference gradients for GRU, LSTM, SimpleRNN and Bidirectional, from PyTorch's autograd in float64.

Writes recurrent_grad.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, in Keras' layouts.
For each case: the input x, the weights (converted from the torch module as make_recurrent.py
does), a fixed r of the output's shape, and the gradients of L = sum(r * y) with respect to x
(`dx`) and to each weight (`dkernel`, `drecurrent_kernel`, `dbias`), converted back to Keras'
layouts:
  GRU   dkernel = reorder(weight_ih_l0.grad.T), drecurrent_kernel = reorder(weight_hh_l0.grad.T),
        dbias = [reorder(bias_ih_l0.grad), reorder(bias_hh_l0.grad)] (2, 3u).
  LSTM  dkernel = weight_ih_l0.grad.T, drecurrent_kernel = weight_hh_l0.grad.T; Keras' bias is
        bias_ih_l0 + bias_hh_l0, so dbias = bias_ih_l0.grad (which equals bias_hh_l0.grad).
  RNN   as LSTM.
GRU with reset_after=False has no PyTorch module: Keras' formula written with torch ops, on
Keras-layout leaf tensors. go_backwards: the module on the time-reversed input, the outputs in the
order computed. Bidirectional: bidirectional=True modules, the `_reverse` weights being Keras'
backward layer (names `.forward.` and `.backward.`).

Run from this folder with Debian's Python: /usr/bin/python3 make_recurrent_grad.py
"""
import torch

torch.manual_seed(11)
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


def module(kind, f, u, bias=True, bidirectional=False, nonlinearity="tanh"):
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    m = cls(f, u, batch_first=True, bias=bias, bidirectional=bidirectional, **extra)
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(2.0)  # beyond PyTorch's small default range, so that the gates saturate somewhere
    return m


def put_weights(name, kind, m, u, suffix=""):
    """The weights in Keras' layouts, then (after backward) their gradients."""
    w_ih = getattr(m, "weight_ih_l0" + suffix)
    w_hh = getattr(m, "weight_hh_l0" + suffix)
    b_ih = getattr(m, "bias_ih_l0" + suffix, None)
    b_hh = getattr(m, "bias_hh_l0" + suffix, None)
    if kind == "gru":
        put(f"{name}.kernel", reorder(w_ih.T, u))
        put(f"{name}.recurrent_kernel", reorder(w_hh.T, u))
        put(f"{name}.dkernel", reorder(w_ih.grad.T, u))
        put(f"{name}.drecurrent_kernel", reorder(w_hh.grad.T, u))
        if b_ih is not None:
            put(f"{name}.bias", torch.stack([reorder(b_ih, u), reorder(b_hh, u)]))
            put(f"{name}.dbias", torch.stack([reorder(b_ih.grad, u), reorder(b_hh.grad, u)]))
    else:
        put(f"{name}.kernel", w_ih.T)
        put(f"{name}.recurrent_kernel", w_hh.T)
        put(f"{name}.dkernel", w_ih.grad.T)
        put(f"{name}.drecurrent_kernel", w_hh.grad.T)
        if b_ih is not None:
            assert torch.allclose(b_ih.grad, b_hh.grad, atol=1e-12)
            put(f"{name}.bias", b_ih + b_hh)
            put(f"{name}.dbias", b_ih.grad)


def finish(name, x, y):
    """L = sum(r * y) for a fixed r; backward; writes x, r and dx."""
    r = torch.rand(y.shape) * 2 - 1
    (r * y).sum().backward()
    put(f"{name}.x", x)
    put(f"{name}.r", r)
    put(f"{name}.dx", x.grad)


def case(name, kind, f, u, batch, steps, return_sequences, go_backwards, bias=True, nonlinearity="tanh"):
    m = module(kind, f, u, bias, nonlinearity=nonlinearity)
    x = (torch.randn(batch, steps, f) * 1.5).requires_grad_()
    y, _ = m(torch.flip(x, [1]) if go_backwards else x)
    if not return_sequences:
        y = y[:, -1]
    finish(name, x, y)
    put_weights(name, kind, m, u)


def bidirectional_case(name, kind, f, u, batch, steps, return_sequences):
    m = module(kind, f, u, bidirectional=True)
    x = (torch.randn(batch, steps, f) * 1.5).requires_grad_()
    y, _ = m(x)
    if not return_sequences:
        # Keras: the forward state after the last timestep, the backward state after the first.
        y = torch.cat([y[:, -1, :u], y[:, 0, u:]], dim=-1)
    finish(name, x, y)
    put_weights(f"{name}.forward", kind, m, u)
    put_weights(f"{name}.backward", kind, m, u, "_reverse")


def gru_reset_before_case(name, f, u, batch, steps, return_sequences, go_backwards):
    kernel = (torch.randn(f, 3 * u) * 0.6).requires_grad_()
    rec = (torch.randn(u, 3 * u) * 0.5).requires_grad_()
    bias = (torch.randn(3 * u) * 0.5).requires_grad_()
    x = (torch.randn(batch, steps, f) * 1.5).requires_grad_()
    xs = torch.flip(x, [1]) if go_backwards else x
    h = torch.zeros(batch, u)
    ys = []
    for t in range(steps):
        mx = xs[:, t] @ kernel + bias
        z = torch.sigmoid(mx[:, :u] + h @ rec[:, :u])
        r = torch.sigmoid(mx[:, u:2 * u] + h @ rec[:, u:2 * u])
        cand = torch.tanh(mx[:, 2 * u:] + (r * h) @ rec[:, 2 * u:])
        h = z * h + (1 - z) * cand
        ys.append(h)
    y = torch.stack(ys, 1) if return_sequences else h
    finish(name, x, y)
    for n, w in (("kernel", kernel), ("recurrent_kernel", rec), ("bias", bias)):
        put(f"{name}.{n}", w)
        put(f"{name}.d{n}", w.grad)


case("gru_seq", "gru", 3, 4, 3, 5, True, False)
case("gru_back", "gru", 5, 7, 2, 6, False, True)
case("gru_nobias", "gru", 3, 5, 1, 5, True, True, bias=False)
gru_reset_before_case("gru_reset_before", 3, 4, 3, 5, True, False)
gru_reset_before_case("gru_reset_before_back", 4, 7, 2, 5, False, True)
case("lstm_seq", "lstm", 3, 4, 3, 5, True, False)
case("lstm_back", "lstm", 5, 7, 2, 6, False, True)
case("lstm_nobias", "lstm", 3, 5, 1, 5, True, True, bias=False)
case("rnn", "rnn", 3, 7, 3, 5, False, False)
case("rnn_relu_seq", "rnn", 3, 4, 2, 5, True, True, nonlinearity="relu")
bidirectional_case("bi_gru_seq", "gru", 3, 4, 2, 5, True)
bidirectional_case("bi_lstm", "lstm", 4, 5, 3, 4, False)

with open("recurrent_grad.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
