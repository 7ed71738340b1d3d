#!/usr/bin/python3
"""Reference gradients of the convolution, padding and pooling layers, by PyTorch's autograd in float64.

Writes conv_grad.txt in the format of conv.txt, with make_conv.py's conventions: Keras' layouts
(NHWC, HWIO kernels), TensorFlow's 'same' padding applied with F.pad. For each case `name`: the input `name.x`, the weights `name.w0`, `name.w1`,
... in Keras' get_weights() order, an upstream gradient `name.dy`, the output `name.y`, and what a
backward pass gives from them: `name.dx` and the weight gradients `name.g0`, `name.g1`, ...
Run from this folder with Debian's Python: /usr/bin/python3 make_conv_grad.py
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
    """(before, after) for one axis under TensorFlow's rule: the odd cell after."""
    if not same:
        return 0, 0
    out_len = (size + stride - 1) // stride
    total = max((out_len - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def nhwc(t):  # NCHW -> NHWC
    return t.permute(0, 2, 3, 1)


def nchw(t):  # NHWC -> NCHW
    return t.permute(0, 3, 1, 2)


def conv2d(x, kernel, bias, strides=(1, 1), dilation=(1, 1), same=False):
    """Keras' Conv2D: x NHWC, kernel HWIO (torch's OIHW is its permutation (3, 2, 0, 1))."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    top, bottom = tf_pads(x.shape[1], (kh - 1) * dilation[0] + 1, strides[0], same)
    left, right = tf_pads(x.shape[2], (kw - 1) * dilation[1] + 1, strides[1], same)
    xp = F.pad(nchw(x), (left, right, top, bottom))
    return nhwc(F.conv2d(xp, kernel.permute(3, 2, 0, 1), bias, stride=strides, dilation=dilation))


def pool2d(x, pool, strides, same, kind):
    """Keras' MaxPooling2D / AveragePooling2D on NHWC: max pads with -inf (padded cells never win),
    average divides by the real cells only."""
    top, bottom = tf_pads(x.shape[1], pool[0], strides[0], same)
    left, right = tf_pads(x.shape[2], pool[1], strides[1], same)
    pads = (left, right, top, bottom)
    if kind == "max":
        return nhwc(F.max_pool2d(F.pad(nchw(x), pads, value=float("-inf")), pool, strides))
    total = F.avg_pool2d(F.pad(nchw(x), pads), pool, strides)
    count = F.avg_pool2d(F.pad(torch.ones_like(nchw(x)), pads), pool, strides)
    return nhwc(total / count)


def conv1d(x, kernel, bias, stride=1, dilation=1, same=False):
    """Keras' Conv1D: x (N, steps, C), kernel (k, in, out): a Conv2D over one row."""
    return conv2d(x.unsqueeze(1), kernel.unsqueeze(0), bias, (1, stride), (1, dilation), same).squeeze(1)


def pool1d(x, pool, stride, same, kind):
    return pool2d(x.unsqueeze(1), (1, pool), (1, stride), same, kind).squeeze(1)


def case(name, x, weights, model):
    """Runs model(x, *weights), and the gradients of sum(y * dy) for a random dy."""
    x = x.clone().requires_grad_(True)
    weights = [w.clone().requires_grad_(True) for w in weights]
    y = model(x, *weights)
    dy = torch.randn_like(y)
    grads = torch.autograd.grad((y * dy).sum(), [x] + weights)
    put(f"{name}.x", x)
    for i, w in enumerate(weights):
        put(f"{name}.w{i}", w)
    put(f"{name}.dy", dy)
    put(f"{name}.y", y)
    put(f"{name}.dx", grads[0])
    for i, g in enumerate(grads[1:]):
        put(f"{name}.g{i}", g)


def kernel(*shape):
    return torch.randn(*shape) * 0.5


# Conv2D: 'same' with stride 2 on an odd and an even axis (pads 1 / 1 and 0 / 1), Tanh.
case("conv_s2_tanh", torch.randn(2, 7, 6, 2), [kernel(3, 3, 2, 3), torch.randn(3) * 0.2],
     lambda x, k, b: torch.tanh(conv2d(x, k, b, (2, 2), same=True)))
# Even kernel, 'same' (pads 1 / 2), stride 2, no bias, Sigmoid.
case("conv_even_nobias", torch.randn(1, 9, 8, 3), [kernel(4, 4, 3, 2)],
     lambda x, k: torch.sigmoid(conv2d(x, k, None, (2, 2), same=True)))
# Dilation, 'valid', uneven kernel.
case("conv_dilated_valid", torch.randn(2, 9, 10, 2), [kernel(3, 2, 2, 4), torch.randn(4) * 0.2],
     lambda x, k, b: conv2d(x, k, b, dilation=(2, 3)))
# Dilation, 'same', ELU.
case("conv_dilated_same_elu", torch.randn(1, 8, 7, 3), [kernel(3, 3, 3, 3), torch.randn(3) * 0.2],
     lambda x, k, b: F.elu(conv2d(x, k, b, dilation=(2, 2), same=True)))
# 1x1: the pointwise product.
case("conv_1x1", torch.randn(2, 4, 5, 5), [kernel(1, 1, 5, 3), torch.randn(3) * 0.2],
     lambda x, k, b: conv2d(x, k, b))
# Stride 3, 'valid': trailing cells unread.
case("conv_s3_valid", torch.randn(1, 11, 10, 2), [kernel(3, 3, 2, 3), torch.randn(3) * 0.2],
     lambda x, k, b: conv2d(x, k, b, (3, 3)))

# Conv1D.
case("conv1d_dilated_same", torch.randn(2, 11, 3), [kernel(3, 3, 4), torch.randn(4) * 0.2],
     lambda x, k, b: torch.tanh(conv1d(x, k, b, dilation=2, same=True)))
case("conv1d_s2_valid", torch.randn(3, 12, 2), [kernel(4, 2, 3), torch.randn(3) * 0.2],
     lambda x, k, b: conv1d(x, k, b, stride=2))

# ZeroPadding2D(((1, 2), (0, 3))).
case("zeropad", torch.randn(2, 3, 4, 2), [], lambda x: nhwc(F.pad(nchw(x), (0, 3, 1, 2))))

# Pooling, on continuous random inputs (no ties). All-negative inputs for max: a 0-padded border would win.
case("maxpool_same_overlap", -torch.rand(2, 7, 7, 3) - 0.5, [], lambda x: pool2d(x, (3, 3), (2, 2), True, "max"))
case("maxpool_same_gaps", torch.randn(1, 8, 7, 2), [], lambda x: pool2d(x, (2, 2), (3, 3), True, "max"))
case("maxpool_valid", torch.randn(2, 7, 5, 4), [], lambda x: pool2d(x, (2, 2), (2, 2), False, "max"))
case("avgpool_same_overlap", torch.randn(2, 7, 6, 3), [], lambda x: pool2d(x, (3, 3), (2, 2), True, "avg"))
case("avgpool_same_gaps", torch.randn(1, 7, 7, 2), [], lambda x: pool2d(x, (2, 2), (3, 3), True, "avg"))
case("avgpool_valid", torch.randn(1, 8, 7, 3), [], lambda x: pool2d(x, (2, 3), (3, 2), False, "avg"))
case("maxpool1d_same", -torch.rand(2, 11, 3) - 0.5, [], lambda x: pool1d(x, 3, 2, True, "max"))
case("avgpool1d_same", torch.randn(2, 9, 3), [], lambda x: pool1d(x, 3, 2, True, "avg"))
case("global2d_avg", torch.randn(3, 4, 5, 6), [], lambda x: x.mean(dim=(1, 2)))
case("global2d_max", torch.randn(3, 4, 5, 6), [], lambda x: x.amax(dim=(1, 2)))
case("global1d_avg", torch.randn(2, 7, 4), [], lambda x: x.mean(dim=1))
case("global1d_max", torch.randn(2, 7, 4), [], lambda x: x.amax(dim=1))


# A small CNN end to end: Conv 4 same ReLU, MaxPool 2, Conv 6 stride 2 same Tanh, GlobalAveragePooling2D,
# Dense 3 softmax.
def cnn(x, k1, b1, k2, b2, k3, b3):
    h = torch.relu(conv2d(x, k1, b1, same=True))
    h = pool2d(h, (2, 2), (2, 2), False, "max")
    h = torch.tanh(conv2d(h, k2, b2, (2, 2), same=True))
    h = h.mean(dim=(1, 2))
    return torch.softmax(h @ k3 + b3, dim=-1)


case("cnn", torch.rand(2, 10, 9, 2),
     [kernel(3, 3, 2, 4), torch.randn(4) * 0.2, kernel(3, 3, 4, 6), torch.randn(6) * 0.2, kernel(6, 3),
      torch.randn(3) * 0.2], cnn)

with open("conv_grad.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
