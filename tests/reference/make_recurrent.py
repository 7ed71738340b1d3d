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
Activations PyTorch's modules cannot take (GRU's activation and recurrent_activation): Keras'
GRU formula written out the same way, with nn.GRU's weights; with tanh and sigmoid it must give
nn.GRU's numbers, which the script checks. SimpleRNN with relu is nn.RNN(nonlinearity='relu').
Bidirectional wrapping a go_backwards layer: Keras' Bidirectional.call step by step (its forward
layer is the given one, reading the sequence backwards; its backward layer reads it forwards; the
latter's sequence is reversed in time before the concatenation), checked against a
bidirectional=True module.

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


def module(kind, f, u, bias=True, bidirectional=False, nonlinearity="tanh"):
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    m = cls(f, u, batch_first=True, bias=bias, bidirectional=bidirectional, **extra)
    scale_(m, 2.0)  # beyond PyTorch's small default range, so that the gates saturate somewhere
    return m


def case(name, kind, f, u, batch, steps, bias=True, nonlinearity="tanh"):
    m = module(kind, f, u, bias, nonlinearity=nonlinearity)
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

    def run(x):
        h = torch.zeros(batch, u)
        ys = []
        for t in range(steps):
            mx = x[:, t] @ kernel + bias
            z = torch.sigmoid(mx[:, :u] + h @ rec[:, :u])
            r = torch.sigmoid(mx[:, u:2 * u] + h @ rec[:, u:2 * u])
            cand = torch.tanh(mx[:, 2 * u:] + (r * h) @ rec[:, 2 * u:])
            h = z * h + (1 - z) * cand
            ys.append(h)
        return torch.stack(ys, 1)

    y = run(x)
    put(f"{name}.y_seq", y)
    put(f"{name}.y_last", y[:, -1])
    yb = run(torch.flip(x, [1]))
    put(f"{name}.y_back_seq", yb)  # go_backwards, in the order computed
    put(f"{name}.y_back_last", yb[:, -1])


def keras_gru(x, k, r, b, act, rec_act):
    """Keras' GRUCell (reset_after=True) over x, from a zero state: every timestep's output."""
    u = r.shape[0]
    h = torch.zeros(x.shape[0], u)
    ys = []
    for t in range(x.shape[1]):
        mx = x[:, t] @ k + b[0]
        mh = h @ r + b[1]
        z = rec_act(mx[:, :u] + mh[:, :u])
        rr = rec_act(mx[:, u:2 * u] + mh[:, u:2 * u])
        hh = act(mx[:, 2 * u:] + rr * mh[:, 2 * u:])
        h = z * h + (1 - z) * hh
        ys.append(h)
    return torch.stack(ys, 1)


def elu(v):  # Keras' elu, alpha 1
    return torch.where(v > 0, v, torch.expm1(v))


def gru_activations_case(name, f, u, batch, steps, act, rec_act):
    m = module("gru", f, u)
    x = torch.randn(batch, steps, f) * 1.5
    k, r, b = keras_weights("gru", m, u)
    # The formula as written is nn.GRU's with Keras' default activations.
    assert torch.allclose(keras_gru(x, k, r, b, torch.tanh, torch.sigmoid), m(x)[0], atol=1e-12)
    put(f"{name}.x", x)
    put(f"{name}.kernel", k)
    put(f"{name}.recurrent_kernel", r)
    put(f"{name}.bias", b)
    y = keras_gru(x, k, r, b, act, rec_act)
    put(f"{name}.y_seq", y)
    put(f"{name}.y_last", y[:, -1])


def bidirectional_backwards_case(name, kind, f, u, batch, steps):
    """Bidirectional(layer(go_backwards=True)), as Keras' Bidirectional.call runs it."""
    fwd = module(kind, f, u)  # Keras' forward_layer: the layer given, go_backwards=True
    bwd = module(kind, f, u)  # Keras' backward_layer: its copy with go_backwards flipped, False
    x = torch.randn(batch, steps, f) * 1.5
    put(f"{name}.x", x)
    for direction, m in (("forward", fwd), ("backward", bwd)):
        k, r, b = keras_weights(kind, m, u)
        put(f"{name}.{direction}.kernel", k)
        put(f"{name}.{direction}.recurrent_kernel", r)
        put(f"{name}.{direction}.bias", b)
    y, _ = fwd(torch.flip(x, [1]))  # outputs in the order computed: the last timestep's first
    y_rev, _ = bwd(x)
    y_seq = torch.cat([y, torch.flip(y_rev, [1])], dim=-1)  # return_sequences: y_rev reversed in time
    y_last = torch.cat([y[:, -1], y_rev[:, -1]], dim=-1)
    # The same from one bidirectional module: its reverse direction is Keras' forward layer here, and
    # at output t both halves belong to input timestep steps-1-t.
    both = module(kind, f, u, bidirectional=True)
    with torch.no_grad():
        for p in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(both, p + "_reverse").copy_(getattr(fwd, p))
            getattr(both, p).copy_(getattr(bwd, p))
    yy, _ = both(x)
    assert torch.allclose(y_seq, torch.flip(torch.cat([yy[..., u:], yy[..., :u]], dim=-1), [1]), atol=1e-12)
    assert torch.allclose(y_last, torch.cat([yy[:, 0, u:], yy[:, -1, :u]], dim=-1), atol=1e-12)
    put(f"{name}.y_seq", y_seq)
    put(f"{name}.y_last", y_last)


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
# Options beyond the defaults.
gru_activations_case("gru_acts", 4, 6, 2, 5, elu, torch.tanh)  # GRU(activation='elu', recurrent_activation='tanh')
case("rnn_relu", "rnn", 4, 6, 2, 5, nonlinearity="relu")      # SimpleRNN(activation='relu')
case("lstm_nobias", "lstm", 4, 6, 2, 5, bias=False)            # LSTM(use_bias=False)
bidirectional_backwards_case("bi_gru_back", "gru", 3, 4, 2, 5)  # Bidirectional(GRU(go_backwards=True))

with open("recurrent.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
