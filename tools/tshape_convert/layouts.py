"""Weight layouts: PyTorch's and ONNX's arrays into Keras' (what tshape stores and loads).

Shared by onnx2tshape and torch2npz, so both paths convert the same way.
"""
import numpy as np


def dense_kernel(weight_out_in):
    """(out, in) as PyTorch's Linear and ONNX's Gemm with transB=1 store it -> Keras' (in, units)."""
    return np.ascontiguousarray(np.asarray(weight_out_in, dtype=np.float32).T)


def conv_kernel(weight_oi_spatial):
    """OIHW (2D) or OIL (1D) -> Keras' HWIO or (k, in, out)."""
    w = np.asarray(weight_oi_spatial, dtype=np.float32)
    spatial = list(range(2, w.ndim))
    return np.ascontiguousarray(w.transpose(spatial + [1, 0]))


def depthwise_kernel(weight, channels):
    """A depthwise Conv's (c * m, 1, kh, kw), output o = input c * m + j -> Keras' depthwise_kernel (kh, kw, c, m)."""
    w = np.asarray(weight, dtype=np.float32)
    m = w.shape[0] // channels
    return np.ascontiguousarray(w.reshape(channels, m, *w.shape[2:]).transpose(2, 3, 0, 1))


def conv_transpose_kernel(weight):
    """ConvTranspose's (in, out, kh, kw) -> Keras' Conv2DTranspose kernel (kh, kw, filters, in): filters first."""
    return np.ascontiguousarray(np.asarray(weight, dtype=np.float32).transpose(2, 3, 1, 0))


def batch_norm(gamma, beta, mean, var, eps, keras_eps=1e-3):
    """Keras' [gamma, beta, moving_mean, moving_variance] for tshape's fixed epsilon (1e-3).

    tshape normalizes with sqrt(var + 1e-3); the source used sqrt(var + eps). Storing var + eps - 1e-3
    gives the same denominator (computed in double, then rounded once)."""
    var = np.asarray(var, dtype=np.float64) + float(eps) - keras_eps
    return [np.asarray(a, dtype=np.float32) for a in (gamma, beta, mean, var)]


def _blocks(m, n_blocks, order, axis=0):
    parts = np.split(np.asarray(m), n_blocks, axis=axis)
    return np.concatenate([parts[i] for i in order], axis=axis)


# Gate orders. Keras: GRU [z | r | h], LSTM [i | f | c | o].
ONNX_LSTM_TO_KERAS = [0, 2, 3, 1]   # ONNX iofc -> ifco
TORCH_GRU_TO_KERAS = [1, 0, 2]      # PyTorch rzn -> zrn
ONNX_GRU_TO_KERAS = [0, 1, 2]       # ONNX zrh is Keras' order already


def gru(w_ih, w_hh, b_ih, b_hh, order, reset_after=True):
    """Rows of (3u, in) / (3u, u) in gate order `order` -> Keras kernel, recurrent_kernel, bias."""
    kernel = _blocks(w_ih, 3, order).T
    recurrent = _blocks(w_hh, 3, order).T
    arrays = [kernel, recurrent]
    if b_ih is not None:
        bi, bh = _blocks(b_ih, 3, order), _blocks(b_hh, 3, order)
        arrays.append(np.stack([bi, bh]) if reset_after else bi + bh)
    return [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]


def lstm(w_ih, w_hh, b_ih, b_hh, order):
    """Rows of (4u, in) / (4u, u) in gate order `order` -> Keras kernel, recurrent_kernel, bias (4u,)."""
    arrays = [_blocks(w_ih, 4, order).T, _blocks(w_hh, 4, order).T]
    if b_ih is not None:
        arrays.append(_blocks(np.asarray(b_ih, np.float64) + np.asarray(b_hh, np.float64), 4, order))
    return [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]


def nchw_flatten_rows(chw):
    """P with tshape_flat[k] = pytorch_flat[P[k]] for one sample of shape (C, H, W) (or (C, L)):
    the Dense kernel after a Flatten takes rows kernel[P] so it reads NHWC-flattened data."""
    idx = np.arange(int(np.prod(chw))).reshape(chw)
    return idx.transpose(list(range(1, len(chw))) + [0]).ravel()


def save_npz(path, arrays):
    """Keras' get_weights() order as arr_0, arr_1, ...: what tshape's load_weights reads."""
    np.savez(path, *[np.ascontiguousarray(a, dtype=np.float32) for a in arrays])
