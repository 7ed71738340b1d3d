#!/usr/bin/python3
"""Reference values for MobileNet's layers, computed with PyTorch in float64.

Writes depthwise.txt (one array per line, `name rank d0 d1 ... v0 v1 ...`, Keras' layouts):
  act.*     ReLU6, HardSigmoid, HardSwish (Keras 3: relu6(x + 3) / 6 and x * relu6(x + 3) / 6, which are
            torch's hardsigmoid and hardswish), element by element and after a Dense.
  dw_*      Keras' DepthwiseConv2D: kernel (kh, kw, in, m), output channel c * m + j. Torch runs it as
            nn.Conv2d with groups = in, whose weight (in * m, 1, kh, kw) is the Keras kernel reshaped to
            (kh, kw, in * m) and permuted; TensorFlow's 'same' padding (the odd cell at the bottom/right)
            is applied with F.pad first. dw_grad.* are the gradients of sum(r * y).
  sep_*     Keras' SeparableConv2D: the depthwise step (no bias), then a 1x1 convolution
            (pointwise kernel (1, 1, in * m, filters)) with the bias, then the activation.
Run from this folder with Debian's Python: /usr/bin/python3 make_depthwise.py
"""
import torch
import torch.nn.functional as F

torch.manual_seed(23)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())
    out.append(f"{name} {t.dim()} {dims} {vals}")


def tf_pads(size, window, stride, same):
    if not same:
        return 0, 0
    out_len = (size + stride - 1) // stride
    total = max((out_len - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def nchw(t):
    return t.permute(0, 3, 1, 2)


def depthwise(x, kernel, bias, strides=(1, 1), dilation=(1, 1), same=False):
    """Keras' DepthwiseConv2D: x NHWC, kernel (kh, kw, in, m)."""
    kh, kw, c, m = kernel.shape
    top, bottom = tf_pads(x.shape[1], (kh - 1) * dilation[0] + 1, strides[0], same)
    left, right = tf_pads(x.shape[2], (kw - 1) * dilation[1] + 1, strides[1], same)
    xp = F.pad(nchw(x), (left, right, top, bottom))
    weight = kernel.reshape(kh, kw, c * m).permute(2, 0, 1).unsqueeze(1)  # (in * m, 1, kh, kw)
    return nhwc(F.conv2d(xp, weight, bias, stride=strides, dilation=dilation, groups=c))


# Activations: values on and around the kinks (-3, 0, 3, 6) and far out.
x = torch.tensor([-1000.0, -7.5, -3.0, -2.999, -1.5, -0.25, 0.0, 0.25, 1.0, 2.999, 3.0, 4.5, 5.999, 6.0, 6.5, 1000.0])
put("act.x", x)
put("act.relu6", F.relu6(x))
put("act.hard_sigmoid", F.hardsigmoid(x))
put("act.hard_swish", F.hardswish(x))
# After a Dense (kernel (in, units)), with inputs large enough to reach every piece.
xd = torch.randn(5, 7) * 3
k, b = torch.randn(7, 9), torch.randn(9)
z = xd @ k + b
put("dense.x", xd)
put("dense.kernel", k)
put("dense.bias", b)
put("dense.relu6", F.relu6(z))
put("dense.hard_sigmoid", F.hardsigmoid(z))
put("dense.hard_swish", F.hardswish(z))


def dw_case(name, n, h, w, c, m, k, strides=(1, 1), dilation=(1, 1), same=False, use_bias=True):
    x = torch.randn(n, h, w, c)
    kernel = torch.randn(k[0], k[1], c, m) * 0.5
    bias = torch.randn(c * m) if use_bias else None
    put(f"{name}.x", x)
    put(f"{name}.kernel", kernel)
    if use_bias:
        put(f"{name}.bias", bias)
    put(f"{name}.y", depthwise(x, kernel, bias, strides, dilation, same))


dw_case("dw_same", 2, 7, 9, 3, 1, (3, 3), same=True)
dw_case("dw_s2_even", 1, 8, 8, 4, 2, (3, 3), strides=(2, 2), same=True)  # pads 0 / 1
dw_case("dw_s2_odd", 2, 7, 7, 5, 1, (3, 3), strides=(2, 2), same=True)  # pads 1 / 1
dw_case("dw_valid", 2, 6, 7, 3, 2, (3, 2))
dw_case("dw_dilated", 1, 9, 10, 2, 3, (3, 3), dilation=(2, 2), same=True)
dw_case("dw_even", 1, 9, 9, 3, 1, (4, 4), strides=(2, 2), same=True)  # pads 1 / 2
dw_case("dw_wide", 2, 5, 6, 37, 2, (3, 3), same=True, use_bias=False)  # 74 channels: whole and partial vectors

# Gradients of L = sum(r * y) for one case (same padding, multiplier 2).
x = torch.randn(2, 6, 5, 3, requires_grad=True)
kernel = (torch.randn(3, 3, 3, 2) * 0.5).requires_grad_()
bias = torch.randn(6, requires_grad=True)
y = depthwise(x, kernel, bias, same=True)
r = torch.randn(y.shape)
(y * r).sum().backward()
for nm, t in (("x", x), ("kernel", kernel), ("bias", bias), ("r", r), ("y", y), ("dx", x.grad),
              ("dkernel", kernel.grad), ("dbias", bias.grad)):
    put(f"dw_grad.{nm}", t)


def sep_case(name, n, h, w, c, m, f, k, strides=(1, 1), same=False, act=None):
    x = torch.randn(n, h, w, c)
    dk = torch.randn(k[0], k[1], c, m) * 0.5
    pk = torch.randn(1, 1, c * m, f) * 0.5
    bias = torch.randn(f)
    put(f"{name}.x", x)
    put(f"{name}.depthwise_kernel", dk)
    put(f"{name}.pointwise_kernel", pk)
    put(f"{name}.bias", bias)
    d = depthwise(x, dk, None, strides, (1, 1), same)
    y = d @ pk.reshape(c * m, f) + bias
    put(f"{name}.y", act(y) if act else y)


sep_case("sep_same", 2, 7, 8, 3, 2, 5, (3, 3), same=True)
sep_case("sep_s2_relu6", 1, 9, 8, 6, 1, 7, (3, 3), strides=(2, 2), same=True, act=F.relu6)

with open("depthwise.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
