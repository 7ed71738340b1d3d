#!/usr/bin/python3
"""Reference values for Conv2DTranspose, computed with PyTorch in float64.

Writes conv_transpose.txt in the format of conv.txt (`name rank d0 d1 ... v0 v1 ...`), in Keras'
layouts: samples NHWC, the kernel (kh, kw, filters, in_channels). For each case: x, the kernel w0,
the bias w1 (when used), y, r (a fixed random dL/dy), and by autograd dx, g0 (dL/dkernel) and g1
(dL/dbias) for L = sum(r * y).

Keras' Conv2DTranspose runs TensorFlow's conv2d_transpose: the gradient, with respect to its input,
of a Conv2D over an output-sized map with TensorFlow's padding. PyTorch's conv_transpose2d without
padding gives the "full" output ((n - 1) * s + k per axis); Keras' output (deconv_output_length) is
the window of it that starts at TensorFlow's 'same' padding before the map, max((n - 1) * s + k - out, 0)
// 2 ('valid': 0), with zeros past the full output. The script checks that construction against the
definition (the gradient of that Conv2D) before it writes anything. The PyTorch kernel of both
conv_transpose2d and that Conv2D is Keras' kernel permuted (3, 2, 0, 1).
Run from this folder with Debian's Python: /usr/bin/python3 make_conv_transpose.py
"""
import torch
import torch.nn.functional as F

torch.manual_seed(13)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def nchw(t):
    return t.permute(0, 3, 1, 2)


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def deconv_output_length(n, k, s, same, output_padding):
    """Keras' conv_utils.deconv_output_length (no dilation)."""
    if output_padding is None:
        return n * s if same else n * s + max(k - s, 0)
    pad = k // 2 if same else 0
    return (n - 1) * s + k - 2 * pad + output_padding


def pad_before(n, k, s, o, same):
    return max((n - 1) * s + k - o, 0) // 2 if same else 0


def conv2d_transpose(x, kernel, bias, strides, same, output_padding):
    """Keras' Conv2DTranspose before its activation: x NHWC, kernel (kh, kw, f, c)."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    h, w = x.shape[1], x.shape[2]
    op = output_padding or (None, None)
    oh = deconv_output_length(h, kh, strides[0], same, op[0])
    ow = deconv_output_length(w, kw, strides[1], same, op[1])
    top, left = pad_before(h, kh, strides[0], oh, same), pad_before(w, kw, strides[1], ow, same)
    full = F.conv_transpose2d(nchw(x), kernel.permute(3, 2, 0, 1), stride=strides)
    # Zeros past the full output, then Keras' window of it.
    full = F.pad(full, (0, max(0, left + ow - full.shape[3]), 0, max(0, top + oh - full.shape[2])))
    y = nhwc(full[:, :, top:top + oh, left:left + ow])
    return y + bias if bias is not None else y


def tf_pads(size, window, stride, same):
    if not same:
        return 0, 0
    out_len = (size + stride - 1) // stride
    total = max((out_len - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def by_definition(x, kernel, strides, same, oh, ow):
    """TensorFlow's definition: d/dz <conv2d(z), x> for z of shape (N, oh, ow, f), TF's padding."""
    kh, kw, f = kernel.shape[0], kernel.shape[1], kernel.shape[2]
    z = torch.zeros(x.shape[0], oh, ow, f, requires_grad=True)
    top, bottom = tf_pads(oh, kh, strides[0], same)
    left, right = tf_pads(ow, kw, strides[1], same)
    conv = nhwc(F.conv2d(F.pad(nchw(z), (left, right, top, bottom)), kernel.permute(3, 2, 0, 1), stride=strides))
    assert conv.shape == x.shape, (conv.shape, x.shape)  # the convolution maps the output back to x's shape
    (g,) = torch.autograd.grad((conv * x).sum(), z)
    return g


ACT = {"linear": lambda t: t, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def case(name, shape, filters, kernel_size, strides=(1, 1), same=False, output_padding=None, use_bias=True,
         act="linear"):
    x = (torch.rand(shape) * 2 - 1).requires_grad_(True)
    kernel = ((torch.rand(kernel_size[0], kernel_size[1], filters, shape[3]) * 2 - 1) * 0.5).requires_grad_(True)
    bias = (torch.rand(filters) * 0.4 - 0.2).requires_grad_(True) if use_bias else None
    z = conv2d_transpose(x, kernel, bias, strides, same, output_padding)
    # The construction is TensorFlow's definition.
    defined = by_definition(x.detach(), kernel.detach(), strides, same, z.shape[1], z.shape[2])
    no_bias = z.detach() - (bias.detach() if use_bias else 0)
    assert (defined - no_bias).abs().max() < 1e-12, name
    y = ACT[act](z)
    r = torch.rand(y.shape) * 2 - 1
    (y * r).sum().backward()
    put(name + ".x", x)
    put(name + ".w0", kernel)
    if use_bias:
        put(name + ".w1", bias)
    put(name + ".y", y)
    put(name + ".r", r)
    put(name + ".dx", x.grad)
    put(name + ".g0", kernel.grad)
    if use_bias:
        put(name + ".g1", bias.grad)


# 'valid' and 'same', strides 1 and 2, odd and even kernels, output padding, batch 1 and more.
case("valid_s1", (2, 5, 4, 3), 2, (3, 3))
case("valid_s2_tanh", (1, 4, 5, 2), 3, (3, 3), strides=(2, 2), act="tanh")
case("same_s1", (3, 5, 5, 2), 3, (3, 3), same=True)
case("same_s2", (2, 3, 4, 2), 2, (3, 3), strides=(2, 2), same=True)
case("same_s2_k4_sigmoid", (1, 3, 3, 3), 2, (4, 4), strides=(2, 2), same=True, act="sigmoid")
case("valid_s2_op1", (2, 3, 3, 2), 2, (3, 3), strides=(2, 2), output_padding=(1, 1))
case("same_s2_op1", (1, 4, 3, 2), 3, (3, 3), strides=(2, 2), same=True, output_padding=(1, 1))
case("same_s3_k5_op", (2, 3, 2, 1), 2, (5, 5), strides=(3, 3), same=True, output_padding=(2, 1))
case("valid_k1_s2", (2, 3, 4, 3), 2, (1, 1), strides=(2, 2))
case("rect_nobias", (3, 4, 3, 2), 3, (2, 3), strides=(1, 2), same=True, use_bias=False)

with open("conv_transpose.txt", "w") as f:
    f.write("\n".join(out) + "\n")
print(f"wrote {len(out)} arrays to conv_transpose.txt")
