#!/usr/bin/python3
"""Reference values for the convolution, pooling and normalization layers, computed with PyTorch in float64.

Writes conv.txt: one array per line, `name rank d0 d1 ... v0 v1 ...`, all in Keras' layouts:
images NHWC (torch's NCHW permuted), conv kernels HWIO (torch's OIHW permuted (2, 3, 1, 0)), Conv1D
kernels (k, in, out). TensorFlow's 'same' padding is asymmetric (the odd cell goes to the bottom/right),
so it is applied with F.pad before a padding-free torch op; max pooling pads with -inf, average
pooling divides by the real cells. Run from this folder with Debian's Python:
/usr/bin/python3 make_conv.py
"""
import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)
out = []


def put(name, t):
    t = t.detach().to(torch.float64)
    dims = " ".join(str(d) for d in t.shape)
    vals = " ".join("%.9g" % float(v) for v in t.flatten())  # float32 precision is enough here
    out.append(f"{name} {t.dim()} {dims} {vals}")


def tf_pads(size, window, stride, same):
    """(before, after) for one axis under TensorFlow's rule."""
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
    """Keras' Conv2D: x NHWC, kernel HWIO."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    top, bottom = tf_pads(x.shape[1], (kh - 1) * dilation[0] + 1, strides[0], same)
    left, right = tf_pads(x.shape[2], (kw - 1) * dilation[1] + 1, strides[1], same)
    xp = F.pad(nchw(x), (left, right, top, bottom))
    return nhwc(F.conv2d(xp, kernel.permute(3, 2, 0, 1), bias, stride=strides, dilation=dilation))


def pool2d(x, pool, strides, same, kind):
    """Keras' MaxPooling2D / AveragePooling2D: x NHWC."""
    top, bottom = tf_pads(x.shape[1], pool[0], strides[0], same)
    left, right = tf_pads(x.shape[2], pool[1], strides[1], same)
    pads = (left, right, top, bottom)
    if kind == "max":
        xp = F.pad(nchw(x), pads, value=float("-inf"))  # padded cells never win
        return nhwc(F.max_pool2d(xp, pool, strides))
    total = F.avg_pool2d(F.pad(nchw(x), pads), pool, strides) * (pool[0] * pool[1])
    count = F.avg_pool2d(F.pad(torch.ones_like(nchw(x)), pads), pool, strides) * (pool[0] * pool[1])
    return nhwc(total / count)  # divided by the real cells only


def conv_case(name, n, h, w, c, f, k, strides=(1, 1), dilation=(1, 1), same=False, use_bias=True):
    x = torch.randn(n, h, w, c)
    kernel = torch.randn(k[0], k[1], c, f) * 0.5
    bias = torch.randn(f) if use_bias else None
    put(f"{name}.x", x)
    put(f"{name}.kernel", kernel)
    if use_bias:
        put(f"{name}.bias", bias)
    put(f"{name}.y", conv2d(x, kernel, bias, strides, dilation, same))


# Conv2D
conv_case("conv_same", 2, 7, 9, 3, 5, (3, 3), same=True)
conv_case("conv_valid", 2, 8, 7, 2, 4, (3, 2))
conv_case("conv_s2_even", 1, 8, 8, 3, 4, (3, 3), strides=(2, 2), same=True)  # pads 0 / 1
conv_case("conv_s2_odd", 1, 7, 7, 3, 4, (3, 3), strides=(2, 2), same=True)  # pads 1 / 1
conv_case("conv_dilated", 1, 9, 10, 2, 3, (3, 3), dilation=(2, 2), same=True)
conv_case("conv_even", 1, 9, 9, 2, 3, (4, 4), strides=(2, 2), same=True)  # pads 1 / 2
conv_case("conv_even_s1", 1, 5, 6, 2, 3, (2, 2), same=True)  # pads 0 / 1

# Conv1D: a Conv2D over one row; the kernel (k, in, out).
for name, k, stride, dil, same in (("conv1d_same", 4, 2, 1, True), ("conv1d_valid", 3, 1, 2, False)):
    x = torch.randn(2, 11, 3)
    kernel = torch.randn(k, 3, 5) * 0.5
    bias = torch.randn(5)
    put(f"{name}.x", x)
    put(f"{name}.kernel", kernel)
    put(f"{name}.bias", bias)
    y = conv2d(x.unsqueeze(1), kernel.unsqueeze(0), bias, (1, stride), (1, dil), same)
    put(f"{name}.y", y.squeeze(1))

# Pooling. All-negative inputs make a -inf / 0 mix-up at the border visible.
x = -torch.rand(2, 8, 8, 3) - 0.5
put("maxpool_same.x", x)
put("maxpool_same.y", pool2d(x, (3, 3), (2, 2), True, "max"))  # pads 0 / 1
x = torch.randn(1, 7, 5, 4)
put("maxpool_valid.x", x)
put("maxpool_valid.y", pool2d(x, (2, 2), (2, 2), False, "max"))  # 3 x 2: the remainder dropped
x = torch.arange(1.0, 10.0).reshape(1, 3, 3, 1)  # Keras' docstring example
put("avgpool_doc.x", x)
put("avgpool_doc.y", pool2d(x, (2, 2), (1, 1), True, "avg"))
x = torch.randn(2, 9, 9, 5)
put("avgpool_same.x", x)
put("avgpool_same.y", pool2d(x, (3, 3), (2, 2), True, "avg"))
x = torch.randn(1, 7, 6, 3)
put("avgpool_valid.x", x)
put("avgpool_valid.y", pool2d(x, (2, 3), (2, 3), False, "avg"))
x = -torch.rand(2, 7, 3) - 0.5
put("maxpool1d.x", x)
put("maxpool1d.y", pool2d(x.unsqueeze(1), (1, 2), (1, 2), True, "max").squeeze(1))
put("avgpool1d.y", pool2d(x.unsqueeze(1), (1, 3), (1, 2), True, "avg").squeeze(1))

# Global pools.
x = torch.randn(3, 4, 5, 6)
put("global2d.x", x)
put("global2d.avg", x.mean(dim=(1, 2)))
put("global2d.max", x.amax(dim=(1, 2)))
x = torch.randn(3, 7, 4)
put("global1d.x", x)
put("global1d.avg", x.mean(dim=1))
put("global1d.max", x.amax(dim=1))

# BatchNormalization at inference, Keras' epsilon 1e-3, over the last axis.
x = torch.randn(3, 4, 5) * 2 + 1
gamma, beta = torch.rand(5) + 0.5, torch.randn(5)
mean, var = torch.randn(5), torch.rand(5) + 0.1
put("batchnorm.x", x)
put("batchnorm.gamma", gamma)
put("batchnorm.beta", beta)
put("batchnorm.moving_mean", mean)
put("batchnorm.moving_variance", var)
bn = torch.nn.BatchNorm1d(5, eps=1e-3).eval()
bn.weight.data, bn.bias.data, bn.running_mean.data, bn.running_var.data = gamma, beta, mean, var
put("batchnorm.y", bn(x.reshape(-1, 5)).reshape(3, 4, 5))

# ZeroPadding2D(((1, 2), (0, 3))).
x = torch.randn(2, 3, 4, 2)
put("zeropad.x", x)
put("zeropad.y", nhwc(F.pad(nchw(x), (0, 3, 1, 2))))

# The design's reference CNN, end to end: Conv 32 same ReLU, MaxPool, Conv 64 same ReLU, MaxPool,
# GlobalAveragePooling2D, Dense 1 sigmoid.
x = torch.rand(3, 20, 20, 1)
k1, b1 = torch.randn(3, 3, 1, 32) * 0.4, torch.randn(32) * 0.1
k2, b2 = torch.randn(3, 3, 32, 64) * 0.1, torch.randn(64) * 0.1
k3, b3 = torch.randn(64, 1) * 0.3, torch.randn(1) * 0.1
h = torch.relu(conv2d(x, k1, b1, same=True))
h = pool2d(h, (2, 2), (2, 2), False, "max")
h = torch.relu(conv2d(h, k2, b2, same=True))
h = pool2d(h, (2, 2), (2, 2), False, "max")
h = h.mean(dim=(1, 2))
logits = h @ k3 + b3
y = torch.sigmoid(logits)
# The sigmoid outputs sit where it is flat (near 0.94), so the test also checks what feeds it: the
# pooled features of the convolution stack and the logits.
for name, t in (("x", x), ("conv2d.kernel", k1), ("conv2d.bias", b1), ("conv2d_1.kernel", k2),
                ("conv2d_1.bias", b2), ("dense.kernel", k3), ("dense.bias", b3), ("y", y), ("features", h),
                ("logits", logits)):
    put(f"cnn.{name}", t)

# Conv2D(use_bias=False), one case per kernel path: channel-rich (stride 2 on an even input, pads 0 / 1),
# first layer (2 channels), and 1x1 (the matrix product over pixels).
conv_case("conv_nobias", 2, 8, 8, 6, 7, (3, 3), strides=(2, 2), same=True, use_bias=False)
conv_case("conv_nobias_first", 1, 7, 6, 2, 5, (3, 3), same=True, use_bias=False)
conv_case("conv1x1_nobias", 2, 5, 6, 9, 11, (1, 1), use_bias=False)

with open("conv.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
