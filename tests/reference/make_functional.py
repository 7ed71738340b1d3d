#!/usr/bin/python3
"""Reference values for the functional examples (examples/functional/), computed with PyTorch in float64.

The small ResNet of examples/functional/resnet.hpp (identity and 1x1 strided projection shortcuts,
BatchNormalization at inference with epsilon 1e-3, TensorFlow's asymmetric 'same' padding) and the
two-input, two-output model of examples/functional/two_inputs.hpp, written out in torch ops from
weights in Keras' layouts. Writes functional.txt (the format of tests/unit/support.hpp): every
weight under its role's name, the inputs and the outputs. Run from this folder with Debian's Python:
/usr/bin/python3 make_functional.py
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


def tf_pads(size, window, stride):
    out_len = (size + stride - 1) // stride
    total = max((out_len - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def conv(name, x, cin, cout, k, stride=1, same=True):
    """Keras' Conv2D on NHWC x with a fresh HWIO kernel and bias, recorded under `name`."""
    kernel = torch.randn(k, k, cin, cout) * (2.0 / (k * k * cin)) ** 0.5
    bias = torch.randn(cout) * 0.1
    put(name + ".kernel", kernel)
    put(name + ".bias", bias)
    top, bottom = tf_pads(x.shape[1], k, stride) if same else (0, 0)
    left, right = tf_pads(x.shape[2], k, stride) if same else (0, 0)
    xp = F.pad(x.permute(0, 3, 1, 2), (left, right, top, bottom))
    return F.conv2d(xp, kernel.permute(3, 2, 0, 1), bias, stride=stride).permute(0, 2, 3, 1)


def batch_norm(name, x):
    c = x.shape[-1]
    gamma, beta = 1 + 0.2 * torch.randn(c), 0.1 * torch.randn(c)
    mean, var = 0.1 * torch.randn(c), 0.5 + torch.rand(c)
    for part, t in (("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)):
        put(f"{name}.{part}", t)
    return gamma * (x - mean) / torch.sqrt(var + 1e-3) + beta


def dense(name, x, units):
    kernel = torch.randn(x.shape[-1], units) * (1.0 / x.shape[-1]) ** 0.5
    bias = torch.randn(units) * 0.1
    put(name + ".kernel", kernel)
    put(name + ".bias", bias)
    return x @ kernel + bias


# ---- ResNet: 16x16x3 -> 10 --------------------------------------------------------------------------
x = torch.rand(3, 16, 16, 3)
put("resnet.x", x)
h = F.relu(conv("stem", x, 3, 16, 3))
y = F.relu(batch_norm("b1_bn1", conv("b1_conv1", h, 16, 16, 3)))
y = batch_norm("b1_bn2", conv("b1_conv2", y, 16, 16, 3))
h = F.relu(h + y)
y = F.relu(batch_norm("b2_bn1", conv("b2_conv1", h, 16, 32, 3, stride=2)))
y = batch_norm("b2_bn2", conv("b2_conv2", y, 32, 32, 3))
shortcut = conv("b2_project", h, 16, 32, 1, stride=2, same=False)
h = F.relu(shortcut + y)
logits = dense("head", h.mean(dim=(1, 2)), 10)
put("resnet.y", torch.softmax(logits, dim=-1))

# ---- Two inputs, two outputs -------------------------------------------------------------------------
image = torch.rand(4, 8, 8, 1)
meta = torch.randn(4, 5)
put("two.image", image)
put("two.meta", meta)
f = F.relu(conv("image_conv", image, 1, 4, 3))
f = F.relu(dense("image_dense", f.reshape(4, -1), 16))  # Flatten: NHWC row-major, as Keras
g = F.relu(dense("meta_dense", meta, 8))
joint = torch.cat([f, g], dim=-1)
put("two.alarm", torch.sigmoid(dense("alarm", joint, 1)))
put("two.kind", torch.softmax(dense("kind", joint, 3), dim=-1))

with open("functional.txt", "w") as f_out:
    f_out.write("\n".join(out) + "\n")
