#!/usr/bin/python3
"""Reference integers for int8 quantization, from TensorFlow Lite's formulas written out here in NumPy
and Python integers (TensorFlow itself is not used; each function follows the definition it names).

Writes quant.txt (same `name rank d0 .. v0 v1 ..` format as the other files):
  mult_in        real multipliers; mult_q, mult_shift: QuantizeMultiplier's int32 and shift
  mbqm_x/q/shift accumulators, multipliers, shifts; mbqm_out: MultiplyByQuantizedMultiplier
  act_range      (min, max) pairs; act_scale, act_zp: ChooseQuantizationParams<int8>
  dense_*        a Dense layer (kernel (in, units), bias, calibration ranges, a batch of inputs) and its
                 int8 weights, weight scales, int32 biases, quantized inputs and int8 outputs from the
                 FullyConnected per-channel reference kernel with a fused ReLU.
Run from this folder with Debian's Python: /usr/bin/python3 make_quant.py
"""
import math
import numpy as np

rng = np.random.default_rng(14)
out = []
f32 = np.float32


def put(name, values, fmt="%.17g"):
    a = np.asarray(values)
    dims = " ".join(str(d) for d in a.shape)
    vals = " ".join(fmt % v for v in a.flatten().tolist())
    out.append(f"{name} {a.ndim} {dims} {vals}")


def tf_round(x):
    """TfLiteRound / std::round: halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(m):
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = tf_round(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


def wrap32(v):
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def srdhm(a, b):
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    v = ab + nudge
    q = abs(v) // (1 << 31)  # C++ division truncates toward zero
    return wrap32(q if v >= 0 else -q)


def rdbpot(x, e):
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def mbqm(x, q, shift):
    left = max(shift, 0)
    right = max(-shift, 0)
    return rdbpot(srdhm(wrap32(x << left), q), right)


def choose_params(rmin, rmax):
    qmin, qmax = -128.0, 127.0
    rmin, rmax = min(rmin, 0.0), max(rmax, 0.0)
    if rmin == rmax:
        return f32(1.0), 0  # (TFLite: scale 0; see params.hpp)
    scale = (rmax - rmin) / (qmax - qmin)
    zp_min = qmin - rmin / scale
    zp_max = qmax - rmax / scale
    err_min = abs(qmin) + abs(rmin / scale)
    err_max = abs(qmax) + abs(rmax / scale)
    zp = zp_min if err_min < err_max else zp_max
    nudged = -128 if zp < qmin else 127 if zp > qmax else int(tf_round(zp))
    return f32(scale), nudged


# QuantizeMultiplier over magnitudes both sides of 1, and the rounding-to-1.0 edge.
mults = [0.0, 1.0, 0.5, 0.25, 0.75, 1.5, 3.0, 1e-3, 2.5e-5, 0.999999999999, 1.0 - 2.0 ** -33, 123.456, 1e-12]
mults += list(10.0 ** rng.uniform(-6, 3, 40))
qs = [quantize_multiplier(m) for m in mults]
put("mult_in", mults)
put("mult_q", [q for q, _ in qs], "%d")
put("mult_shift", [s for _, s in qs], "%d")

# MultiplyByQuantizedMultiplier: hand-picked ties and extremes, then random ones.
xs, qv, sh = [], [], []
for x in [0, 1, -1, 2, -2, 3, -3, 5, -5, 127, -128, 1 << 20, -(1 << 20), 2**31 - 1, -(2**31)]:
    for q, s in [(1 << 30, 0), (1 << 30, -1), (1 << 30, -2), (1 << 30, 1), (2**31 - 1, 0), (1518500250, -7),
                 (1518500250, 3), (1073741824, -31), (-(2**31), 0), (1717986918, -4)]:
        xs.append(x), qv.append(q), sh.append(s)
for _ in range(300):
    xs.append(int(rng.integers(-(2**31), 2**31)) >> int(rng.integers(0, 31)))
    qv.append(int(rng.integers(1 << 30, 2**31)))
    sh.append(int(rng.integers(-20, 8)))
put("mbqm_x", xs, "%d")
put("mbqm_q", qv, "%d")
put("mbqm_shift", sh, "%d")
put("mbqm_out", [mbqm(x, q, s) for x, q, s in zip(xs, qv, sh)], "%d")

# ChooseQuantizationParams over ranges on either side of 0, across it, and degenerate.
ranges = [(-1.0, 1.0), (0.0, 6.0), (-3.0, 0.0), (0.5, 2.0), (-2.0, -0.5), (0.0, 0.0), (-0.1, 25.5),
          (-7.3, 0.01), (-1e-3, 1e-3), (-1.0, 255.0)]
ranges += [tuple(sorted(rng.uniform(-10, 10, 2))) for _ in range(30)]
ps = [choose_params(a, b) for a, b in ranges]
put("act_range", [list(r) for r in ranges])
put("act_scale", [float(s) for s, _ in ps], "%.9g")
put("act_zp", [z for _, z in ps], "%d")

# One Dense layer with a ReLU, quantized and run with the integer kernel.
n_in, units, batch = 13, 7, 5
kernel = rng.normal(0, 0.4, (n_in, units)).astype(f32)
kernel[:, 3] *= 0.01  # a channel of small weights: a small scale
bias = rng.normal(0, 0.3, units).astype(f32)
x = rng.uniform(-1.5, 2.0, (batch, n_in)).astype(f32)
y = np.maximum(x.astype(np.float64) @ kernel + bias, 0)
in_p = choose_params(float(x.min()), float(x.max()))
out_p = choose_params(0.0, float(y.max()))
max_abs = np.abs(kernel).max(axis=0).astype(f32)
w_scale = (max_abs / f32(127)).astype(f32)
w_inv = (f32(127) / max_abs).astype(f32)
wq = np.clip(np.array([[tf_round(float(f32(kernel[i, c] * w_inv[c]))) for c in range(units)] for i in range(n_in)]),
             -127, 127).astype(int)
b_scale = (f32(in_p[0]) * w_scale).astype(f32)
b_inv = np.array([f32(1.0 / float(s)) for s in b_scale], dtype=f32)
bq = [int(tf_round(float(f32(bias[c] * b_inv[c])))) for c in range(units)]
xq = [[max(-128, min(127, int(tf_round(float(f32(v / in_p[0])))) + in_p[1])) for v in row] for row in x]
ms = [quantize_multiplier(float(in_p[0]) * float(w_scale[c]) / float(out_p[0])) for c in range(units)]
yq = []
for row in xq:
    yrow = []
    for c in range(units):
        acc = sum((row[i] - in_p[1]) * int(wq[i, c]) for i in range(n_in)) + bq[c]
        acc = mbqm(acc, ms[c][0], ms[c][1]) + out_p[1]
        yrow.append(max(out_p[1], min(127, acc)))  # ReLU: clamp from the zero point
    yq.append(yrow)
put("dense_kernel", kernel, "%.9g")
put("dense_bias", bias, "%.9g")
put("dense_x", x, "%.9g")
put("dense_in_params", [float(in_p[0]), in_p[1]], "%.9g")
put("dense_out_params", [float(out_p[0]), out_p[1]], "%.9g")
put("dense_out_range", [0.0, float(y.max())])
put("dense_w_scale", w_scale, "%.9g")
put("dense_wq", wq, "%d")
put("dense_bq", bq, "%d")
put("dense_xq", xq, "%d")
put("dense_yq", yq, "%d")

with open("quant.txt", "w") as f:
    f.write("\n".join(out) + "\n")
print("wrote quant.txt:", len(out), "arrays")
