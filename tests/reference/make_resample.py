#!/usr/bin/python3
"""Reference values for the padding, cropping and up-sampling layers, computed with PyTorch in float64.

Writes resample.txt in the format of conv.txt (`name rank d0 d1 ... v0 v1 ...`), samples channels-last
as in Keras. For each case: x, y = layer(x), r (a fixed random dL/dy) and dx = dL/dx for
L = sum(r * y), by autograd.

Keras' UpSampling2D(interpolation="bilinear") runs tf.image.resize(method="bilinear"), TensorFlow's
bilinear resize with half-pixel centres. The reference is PyTorch's F.interpolate(mode="bilinear",
align_corners=False); the script checks first that it equals TensorFlow's rule written out below
(source = (dst + 0.5) * in / out - 0.5, its floor and ceil clamped to the input, weight = source -
floor), so that the file holds what Keras computes. Run from this folder with Debian's Python:
/usr/bin/python3 make_resample.py
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(5)
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


def tf_bilinear(x, oh, ow):
    """TensorFlow's resize_bilinear with half_pixel_centers=True, NHWC, written out in NumPy."""
    n, h, w, c = x.shape

    def taps(size_in, size_out):
        scale = size_in / size_out
        res = []
        for o in range(size_out):
            src = (o + 0.5) * scale - 0.5
            lo = math.floor(src)
            res.append((max(lo, 0), min(math.ceil(src), size_in - 1), src - lo))
        return res

    y = np.zeros((n, oh, ow, c))
    for i, (t, b, wy) in enumerate(taps(h, oh)):
        for j, (l, r, wx) in enumerate(taps(w, ow)):
            top = x[:, t, l] + (x[:, t, r] - x[:, t, l]) * wx
            bottom = x[:, b, l] + (x[:, b, r] - x[:, b, l]) * wx
            y[:, i, j] = top + (bottom - top) * wy
    return y


def case(name, x, fn):
    x = x.clone().requires_grad_(True)
    y = fn(x)
    r = torch.rand(y.shape) * 2 - 1
    (y * r).sum().backward()
    put(name + ".x", x)
    put(name + ".y", y)
    put(name + ".r", r)
    put(name + ".dx", x.grad)


def rand(*shape):
    return torch.rand(shape) * 2 - 1


def upsample_bilinear(fh, fw):
    def fn(x):
        return nhwc(F.interpolate(nchw(x), scale_factor=(fh, fw), mode="bilinear", align_corners=False))
    return fn


# ZeroPadding1D((2, 3)) on (2, 5, 3): F.pad's last pair is the step axis of (N, C, T).
case("zp1d", rand(2, 5, 3), lambda x: F.pad(x.permute(0, 2, 1), (2, 3)).permute(0, 2, 1))
# Cropping1D((1, 2)) on (2, 6, 3).
case("crop1d", rand(2, 6, 3), lambda x: x[:, 1:6 - 2])
# Cropping2D(((1, 2), (0, 3))) on (2, 5, 7, 2).
case("crop2d", rand(2, 5, 7, 2), lambda x: x[:, 1:5 - 2, 0:7 - 3])
# UpSampling1D(3) on (2, 4, 2): each step 3 times.
case("up1d", rand(2, 4, 2), lambda x: torch.repeat_interleave(x, 3, dim=1))
# UpSampling2D((2, 3)) nearest on (2, 3, 4, 2): each cell repeated, as Keras' repeat_elements.
case("up2d_nearest", rand(2, 3, 4, 2),
     lambda x: nhwc(F.interpolate(nchw(x), scale_factor=(2, 3), mode="nearest")))

# Bilinear: odd sizes, a factor of 3, an axis of one cell, batch 1 and more.
bilinear = [("up2d_bilinear_a", (1, 3, 5, 2), 2, 2),
            ("up2d_bilinear_b", (2, 4, 3, 3), 3, 2),
            ("up2d_bilinear_c", (3, 1, 4, 1), 2, 3)]
for name, shape, fh, fw in bilinear:
    x = rand(*shape)
    torch_y = upsample_bilinear(fh, fw)(x).numpy()
    tf_y = tf_bilinear(x.numpy(), shape[1] * fh, shape[2] * fw)
    assert np.abs(torch_y - tf_y).max() < 1e-12, name  # PyTorch's align_corners=False is TensorFlow's rule
    case(name, x, upsample_bilinear(fh, fw))

with open("resample.txt", "w") as f:
    f.write("\n".join(out) + "\n")
print(f"wrote {len(out)} arrays to resample.txt")
