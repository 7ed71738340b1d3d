#!/usr/bin/python3
"""The converter against PyTorch: builds small models, exports them with torch.onnx.export (opset 13 and the
newest the installed torch writes, a dynamic batch axis), converts each with tools/onnx2tshape, compiles ONE
C++ program that runs every converted header on inputs saved here, and compares with PyTorch's outputs.
Also checks the errors: unsupported operators listed in one run, a dynamic non-batch axis, a corrupt file,
and that nothing is written when a conversion fails.

  /usr/bin/python3 tests/converter/run_converter_tests.py [--keep DIR] [--cxx g++]
Exit status 0 when everything matches, 1 on a failure, 77 when onnx or torch is missing (CTest: skipped).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx  # noqa: F401
    import torch
except ImportError as e:
    print(f"skipped: {e.name} is missing (Debian: python3-onnx, python3-torch)")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "onnx2tshape")
BATCH = 3
nn = torch.nn


# ---- the models ---------------------------------------------------------------------------------------
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, 20), nn.ReLU(), nn.Dropout(0.2), nn.Linear(20, 16), nn.Tanh(),
                                 nn.Linear(16, 10), nn.LeakyReLU(0.1), nn.Linear(10, 8), nn.ELU(),
                                 nn.BatchNorm1d(8), nn.Linear(8, 6), nn.Sigmoid(), nn.Linear(6, 5), nn.Softplus(),
                                 nn.Linear(5, 5), nn.GELU(approximate="tanh"), nn.Linear(5, 4), nn.Softmax(dim=-1))

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    """Conv + ReLU, pooling, BatchNorm, a padding that is not TensorFlow's 'same', Flatten, GELU."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.c2 = nn.Conv2d(6, 5, 3, stride=2, padding=1)  # pads (1, 1) where 'same' would pad (0, 1)
        self.fc = nn.Linear(5 * 3 * 4, 7)
        self.out = nn.Linear(7, 3)

    def forward(self, x):
        x = self.bn(nn.functional.max_pool2d(torch.relu(self.c1(x)), 2))  # not folded into c1
        x = nn.functional.avg_pool2d(torch.sigmoid(self.c2(x)), 1)
        return self.out(nn.functional.gelu(self.fc(torch.flatten(x, 1))))


class CNNGlobal(nn.Module):
    """Input normalization by constants, global pooling, a scalar scale and shift at the end."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, (3, 2), stride=(1, 2), bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.register_buffer("mean", torch.tensor([0.5, -0.2, 0.1]).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([2.0, 0.5, 1.5]).reshape(1, 3, 1, 1))

    def forward(self, x):
        x = torch.relu(self.bn(self.c((x - self.mean) / self.std)))  # the model normalizes its input
        return 3 - self.fc(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)) * 0.5


class Conv1DNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 8, 5, stride=2, padding=2)
        self.c2 = nn.Conv1d(8, 6, 3, stride=2)
        self.fc = nn.Linear(6 * 7, 3)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        x = torch.tanh(self.c2(x))
        return self.fc(x.reshape(x.shape[0], -1))


class RNN(nn.Module):
    def __init__(self, cell, bidirectional, last_step=False, **options):
        super().__init__()
        self.rnn = cell(6, 5, num_layers=2, batch_first=True, bidirectional=bidirectional, **options)
        self.fc = nn.Linear(10 if bidirectional else 5, 3)
        self.last_step = last_step

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1] if self.last_step else y)


class ResCNN(nn.Module):
    """A graph: an identity residual block, a strided block with a 1x1 projection, a channel Concat,
    a Mul and a Sub of two branches (a functional model in tshape)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.a1, self.a2 = nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.b1 = nn.Conv2d(8, 6, 3, stride=2, padding=1)
        self.proj = nn.Conv2d(8, 6, 1, stride=2)
        self.side = nn.Conv2d(8, 4, 1, stride=2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(10, 6), nn.Linear(10, 6), nn.Linear(10, 6)

    def forward(self, x):
        h = torch.relu(self.stem(x))
        h = torch.relu(h + self.bn(self.a2(torch.relu(self.a1(h)))))
        h = torch.relu(self.b1(h) + self.proj(h))
        # The stem again on the input (two equal layers on one tensor) and a1 on another tensor.
        h = torch.cat([h, torch.tanh(self.side(self.a1(torch.relu(self.stem(x)))))], dim=1)
        g = torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1)
        return self.fc1(g) * torch.sigmoid(self.fc2(g)) - torch.tanh(self.fc3(g))


class NoBias(nn.Module):
    """Linear layers without a bias (MatMul alone), a BatchNorm right after one (--fold-batchnorm folds it)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(12, 8, bias=False)
        self.bn = nn.BatchNorm1d(8)
        self.b = nn.Linear(8, 4, bias=False)

    def forward(self, x):
        return self.b(torch.relu(self.bn(self.a(x))))


class TwoInOut(nn.Module):
    """Two inputs (an image and a vector) and two outputs, as examples/functional/two_inputs.hpp."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.seen = nn.Linear(4 * 6 * 6, 16)
        self.known = nn.Linear(5, 8)
        self.alarm = nn.Linear(24, 1)
        self.kind = nn.Linear(24, 3)

    def forward(self, image, meta):
        f = torch.relu(self.seen(torch.flatten(torch.relu(self.conv(image)), 1)))
        joint = torch.cat([f, torch.relu(self.known(meta))], dim=1)
        return torch.sigmoid(self.alarm(joint)), torch.softmax(self.kind(joint), dim=-1)


class Siamese(nn.Module):
    """Two inputs of one shape through one shared encoder: their difference, scored."""

    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(6, 4)
        self.score = nn.Linear(4, 1)

    def forward(self, left, right):
        return torch.sigmoid(self.score(torch.relu(self.encode(left)) - torch.relu(self.encode(right))))


class RNNState(nn.Module):
    """The final state h_n of a one-layer GRU (ONNX's Y_h) instead of the output sequence."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        _, h = self.rnn(x)
        return torch.softmax(self.fc(h[-1]), dim=-1)


class MobileBlock(nn.Module):
    """MobileNet-style blocks: Conv + BN + ReLU6 (exported as Clip), depthwise 3x3 convolutions (stride 1
    and 2, multiplier 1 and 2), 1x1 projections, a residual Add, Hardswish and Hardsigmoid heads
    (Hardswish is Mul + HardSigmoid at opset 13, HardSwish from 14)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.dw1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.pw1 = nn.Sequential(nn.Conv2d(8, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.dw2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=8)   # multiplier 2, stride 2
        self.act2 = nn.Hardswish()
        self.pw2 = nn.Conv2d(16, 12, 1)
        self.gate = nn.Hardsigmoid()
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        h = self.stem(x)
        h = h + self.pw1(self.dw1(h))
        h = self.gate(self.pw2(self.act2(self.dw2(h))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))


class Int8Net(nn.Module):
    """For --int8: a MobileNet-style chain that tshape::quantize() takes: Conv + BN (the exporter folds it)
    + ReLU6, a depthwise Conv + ReLU6, a 1x1 Conv + ReLU, MaxPool, global average pooling, Linear + BN
    (kept as a layer; quantize() folds it) + ReLU6 (a layer), Linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(8, 16, 1), nn.ReLU())
        self.mid = nn.Sequential(nn.Linear(16, 16), nn.BatchNorm1d(16), nn.ReLU6())
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        h = nn.functional.max_pool2d(self.pw(self.dw(self.stem(x))), 2)
        return self.fc(self.mid(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1)))


class Int8Conv1DNet(nn.Module):
    """For --int8 on 1D: Conv1d + BN (the exporter folds it) + ReLU ('same'), MaxPool1d, a dilated
    Conv1d + ReLU6 ('same'), global average pooling, Linear."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv1d(4, 8, 5, padding=2, bias=False), nn.BatchNorm1d(8), nn.ReLU())
        self.c2 = nn.Sequential(nn.Conv1d(8, 6, 3, padding=2, dilation=2), nn.ReLU6())
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        h = self.c2(nn.functional.max_pool1d(self.c1(x), 2))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool1d(h, 1), 1))


class Int8ActNet(nn.Module):
    """For --int8 with TFLite's int8 activations: Linear + Tanh, Linear + Sigmoid, Linear + Softmax."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 8), nn.Sigmoid(), nn.Linear(8, 4),
                                 nn.Softmax(dim=-1))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """ConvTranspose2d up-sampling: stride 2 with padding 0 (valid), padding 1 with output_padding 1
    (Keras' 'same' window shifted by one: a Cropping2D), kernel 4 padding 1 (Keras' 'same'), no bias."""

    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(4, 6, 3, stride=2)
        self.up2 = nn.ConvTranspose2d(6, 5, 3, stride=2, padding=1, output_padding=1)
        self.up3 = nn.ConvTranspose2d(5, 3, 4, stride=2, padding=1, bias=False)
        self.dw = nn.Conv2d(3, 3, 3, padding=1, groups=3)

    def forward(self, x):
        h = torch.relu(self.up1(x))
        h = nn.functional.hardswish(self.up2(h))
        return self.dw(nn.functional.relu6(self.up3(h)))


def randomize_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.2)


# name, model, one sample's shape, channels-first input (permuted to channels-last for tshape), fold constants
CASES = [
    ("mlp", lambda: MLP(), (12,), False, True),
    ("nobias", lambda: NoBias(), (12,), False, True),
    ("cnn", lambda: CNN(), (2, 12, 16), True, True),
    ("cnn_unfolded", lambda: CNN(), (2, 12, 16), True, False),  # shape subgraphs left in
    ("cnn_global", lambda: CNNGlobal(), (3, 9, 10), True, False),
    ("conv1d", lambda: Conv1DNet(), (4, 30), True, True),
    ("gru_bi", lambda: RNN(nn.GRU, True), (7, 6), False, True),
    ("gru_last", lambda: RNN(nn.GRU, False, last_step=True), (7, 6), False, True),
    ("lstm", lambda: RNN(nn.LSTM, False), (7, 6), False, True),
    ("lstm_bi", lambda: RNN(nn.LSTM, True), (7, 6), False, False),
    ("gru_state", lambda: RNNState(), (7, 6), False, True),
    ("rnn_bi", lambda: RNN(nn.RNN, True), (7, 6), False, True),
    ("rnn_relu_last", lambda: RNN(nn.RNN, False, last_step=True, nonlinearity="relu"), (7, 6), False, True),
    ("rescnn", lambda: ResCNN(), (3, 8, 10), True, True),
    ("mobile", lambda: MobileBlock(), (3, 9, 10), True, True),
    ("decoder", lambda: Decoder(), (4, 2, 3), True, False),  # the Casts of relu6's bounds left in
]


def newest_opset():
    try:
        from torch.onnx import _constants
        return int(getattr(_constants, "ONNX_MAX_OPSET", 13))
    except ImportError:
        return 13


def export(model, sample_shape, path, opset, fold, dynamic=True):
    x = torch.randn(BATCH, *sample_shape)
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}} if dynamic else None,
                      do_constant_folding=fold)


def run_tool(args):
    return subprocess.run([sys.executable, TOOL] + args, capture_output=True, text=True)


def floats(a):
    text = (f"{float(v):.9g}" for v in np.asarray(a, np.float32).ravel())
    return ", ".join(t + ("f" if any(c in t for c in ".en") else ".f") for t in text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="work in this directory and keep it")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="tshape-converter-")
    os.makedirs(work, exist_ok=True)
    failures = []
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    import warnings
    warnings.filterwarnings("ignore")

    includes, checks = [], []
    opsets = sorted({13, newest_opset()})
    for name, make, sample, channels_first, fold in CASES:
        model = make().eval()
        randomize_batchnorm(model, gen)
        x = torch.randn(BATCH, *sample, generator=gen)
        with torch.no_grad():
            y = model(x).numpy()
        x_tshape = x.numpy()
        if channels_first:
            x_tshape = np.moveaxis(x_tshape, 1, -1)
            if y.ndim == 4:  # a model that ends in a convolution gives NHWC
                y = np.moveaxis(y, 1, -1)
        for opset in opsets:
            tag = f"{name}_op{opset}"
            onnx_path = os.path.join(work, tag + ".onnx")
            # conv1d at the newest opset: exported with a fixed batch, as users often do.
            export(model, sample, onnx_path, opset, fold, dynamic=not (name == "conv1d" and opset == opsets[-1]))
            hpp = os.path.join(work, tag + ".hpp")
            extra = ["--fold-batchnorm"] if name == "nobias" and opset == opsets[-1] else []
            r = run_tool([onnx_path, "-o", hpp, "--namespace", tag] + extra)
            if r.returncode != 0:
                failures.append(f"{tag}: onnx2tshape failed:\n{r.stderr}")
                continue
            includes.append(f'#include "{tag}.hpp"')
            in_shape = ", ".join(map(str, (BATCH,) + x_tshape.shape[1:]))
            out_shape = ", ".join(map(str, y.shape))
            if "namespace graph" in open(hpp).read():  # a functional model: its call returns a Tensor
                checks.append(f"""  {{
    static const float x[] = {{{floats(x_tshape)}}};
    static const float expected[] = {{{floats(y)}}};
    const auto y = {tag}::model(tshape::TensorView<const float, tshape::Shape<{in_shape}>>(x));
    failures += compare("{tag}", y.data(), expected, {y.size});
  }}""")
                continue
            checks.append(f"""  {{
    static const float x[] = {{{floats(x_tshape)}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    {tag}::model.forward(tshape::TensorView<const float, tshape::Shape<{in_shape}>>(x),
                         tshape::TensorView<float, tshape::Shape<{out_shape}>>(y));
    failures += compare("{tag}", y, expected, {y.size});
  }}""")
            if name == "cnn" and opset == opsets[0]:
                # --keep-input-layout: the same model fed NCHW data, one Permute at the input.
                nchw_hpp = os.path.join(work, "cnn_nchw.hpp")
                r = run_tool([onnx_path, "-o", nchw_hpp, "--namespace", "cnn_nchw", "--keep-input-layout"])
                if r.returncode != 0:
                    failures.append(f"cnn --keep-input-layout failed:\n{r.stderr}")
                    continue
                includes.append('#include "cnn_nchw.hpp"')
                nchw_shape = ", ".join(map(str, x.shape))
                checks.append(f"""  {{
    static const float x[] = {{{floats(x.numpy())}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    cnn_nchw::model.forward(tshape::TensorView<const float, tshape::Shape<{nchw_shape}>>(x),
                            tshape::TensorView<float, tshape::Shape<{out_shape}>>(y));
    failures += compare("cnn_nchw (NCHW input)", y, expected, {y.size});
  }}""")
            if name == "cnn" and opset == opsets[-1]:
                # The same model with its weights in an .npz archive, loaded at run time.
                npz_hpp = os.path.join(work, "cnn_npz.hpp")
                r = run_tool([onnx_path, "-o", npz_hpp, "--namespace", "cnn_npz", "--weights", "npz"])
                if r.returncode != 0:
                    failures.append(f"cnn --weights npz failed:\n{r.stderr}")
                    continue
                includes.append('#include "cnn_npz.hpp"')
                checks.append(f"""  {{
    static const float x[] = {{{floats(x_tshape)}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    cnn_npz::Net net;
    tshape::load_weights(net, "{os.path.join(work, 'cnn_npz.npz')}");
    net.forward(tshape::TensorView<const float, tshape::Shape<{in_shape}>>(x),
                tshape::TensorView<float, tshape::Shape<{out_shape}>>(y));
    failures += compare("cnn_npz (load_weights)", y, expected, {y.size});
  }}""")

    # A graph written by hand: two equal layers (Dense<3>) on one tensor, which tshape tells apart with
    # Shared tags (PyTorch's exporter merges such twins before the converter sees them).
    tag = "twins"
    onnx_path = os.path.join(work, "twins.onnx")
    x = np.random.default_rng(1).standard_normal((BATCH, 4)).astype(np.float32)
    y = write_twins(onnx_path, x)
    hpp = os.path.join(work, "twins.hpp")
    r = run_tool([onnx_path, "-o", hpp, "--namespace", tag])
    if r.returncode != 0:
        failures.append(f"twins: onnx2tshape failed:\n{r.stderr}")
    else:
        includes.append('#include "twins.hpp"')
        checks.append(f"""  {{
    static const float x[] = {{{floats(x)}}};
    static const float expected[] = {{{floats(y)}}};
    const auto y = twins::model(tshape::TensorView<const float, tshape::Shape<{BATCH}, 4>>(x));
    failures += compare("twins (Shared)", y.data(), expected, {y.size});
  }}""")

    # Local functions (PyTorch's newer exporter writes its modules as them) are inlined.
    onnx_path = os.path.join(work, "functions.onnx")
    y = write_function_model(onnx_path, x)
    r = run_tool([onnx_path, "-o", os.path.join(work, "functions.hpp"), "--namespace", "functions"])
    if r.returncode != 0:
        failures.append(f"functions: onnx2tshape failed:\n{r.stderr}")
    else:
        includes.append('#include "functions.hpp"')
        checks.append(f"""  {{
    static const float x[] = {{{floats(x)}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    functions::model.forward(tshape::TensorView<const float, tshape::Shape<{BATCH}, 4>>(x),
                             tshape::TensorView<float, tshape::Shape<{BATCH}, 2>>(y));
    failures += compare("functions (inlined)", y, expected, {y.size});
  }}""")

    # The graph tf2onnx writes for a Keras model: NHWC input, Transposes around each convolution.
    onnx_path = os.path.join(work, "nhwc.onnx")
    x_nhwc = np.random.default_rng(5).standard_normal((BATCH, 6, 5, 2)).astype(np.float32)
    y = write_nhwc_model(onnx_path, x_nhwc)
    r = run_tool([onnx_path, "-o", os.path.join(work, "nhwc.hpp"), "--namespace", "nhwc"])
    if r.returncode != 0:
        failures.append(f"nhwc: onnx2tshape failed:\n{r.stderr}")
    elif "Permute" in open(os.path.join(work, "nhwc.hpp")).read():
        failures.append("nhwc: the converted model transposes (a Permute layer)")
    else:
        includes.append('#include "nhwc.hpp"')
        checks.append(f"""  {{
    static const float x[] = {{{floats(x_nhwc)}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    nhwc::model.forward(tshape::TensorView<const float, tshape::Shape<{BATCH}, 6, 5, 2>>(x),
                        tshape::TensorView<float, tshape::Shape<{BATCH}, 3>>(y));
    failures += compare("nhwc (tf2onnx-style)", y, expected, {y.size});
  }}""")

    # A GRU with linear_before_reset=0 (PyTorch never writes one): GRU<u, ResetAfter<false>>.
    onnx_path = os.path.join(work, "gru_reset_before.onnx")
    x_seq = np.random.default_rng(7).standard_normal((BATCH, 5, 3)).astype(np.float32)
    y = write_gru_reset_before(onnx_path, x_seq)
    r = run_tool([onnx_path, "-o", os.path.join(work, "gru_reset_before.hpp"), "--namespace", "gru_reset_before"])
    if r.returncode != 0:
        failures.append(f"gru_reset_before: onnx2tshape failed:\n{r.stderr}")
    else:
        includes.append('#include "gru_reset_before.hpp"')
        checks.append(f"""  {{
    static const float x[] = {{{floats(x_seq)}}};
    static const float expected[] = {{{floats(y)}}};
    static float y[{y.size}];
    gru_reset_before::model.forward(tshape::TensorView<const float, tshape::Shape<{BATCH}, 5, 3>>(x),
                                    tshape::TensorView<float, tshape::Shape<{BATCH}, 5, 4>>(y));
    failures += compare("gru_reset_before", y, expected, {y.size});
  }}""")

    # Two inputs and two outputs: a functional model called with two tensors, giving a tuple.
    model = TwoInOut().eval()
    image, meta = torch.randn(BATCH, 1, 6, 6, generator=gen), torch.randn(BATCH, 5, generator=gen)
    with torch.no_grad():
        alarm, kind = (t.numpy() for t in model(image, meta))
    onnx_path = os.path.join(work, "two_in_out.onnx")
    torch.onnx.export(model, (image, meta), onnx_path, opset_version=13, input_names=["image", "meta"],
                      output_names=["alarm", "kind"],
                      dynamic_axes={n: {0: "batch"} for n in ("image", "meta", "alarm", "kind")})
    r = run_tool([onnx_path, "-o", os.path.join(work, "two_in_out.hpp"), "--namespace", "two_in_out"])
    if r.returncode != 0:
        failures.append(f"two_in_out: onnx2tshape failed:\n{r.stderr}")
    else:
        includes.append('#include "two_in_out.hpp"')
        checks.append(f"""  {{
    static const float image[] = {{{floats(np.moveaxis(image.numpy(), 1, -1))}}};
    static const float meta[] = {{{floats(meta.numpy())}}};
    static const float alarm[] = {{{floats(alarm)}}};
    static const float kind[] = {{{floats(kind)}}};
    const auto [a, k] = two_in_out::model(tshape::TensorView<const float, tshape::Shape<{BATCH}, 6, 6, 1>>(image),
                                          tshape::TensorView<const float, tshape::Shape<{BATCH}, 5>>(meta));
    failures += compare("two_in_out (output 0)", a.data(), alarm, {alarm.size});
    failures += compare("two_in_out (output 1)", k.data(), kind, {kind.size});
  }}""")

    # Two inputs of one shape: named Inputs in the header (a tensor is its type in tshape).
    model = Siamese().eval()
    left, right = torch.randn(BATCH, 6, generator=gen), torch.randn(BATCH, 6, generator=gen)
    with torch.no_grad():
        same = model(left, right).numpy()
    onnx_path = os.path.join(work, "siamese.onnx")
    torch.onnx.export(model, (left, right), onnx_path, opset_version=13, input_names=["left", "right"],
                      output_names=["same"], dynamic_axes={n: {0: "batch"} for n in ("left", "right", "same")})
    r = run_tool([onnx_path, "-o", os.path.join(work, "siamese.hpp"), "--namespace", "siamese"])
    if r.returncode != 0:
        failures.append(f"siamese: onnx2tshape failed:\n{r.stderr}")
    else:
        includes.append('#include "siamese.hpp"')
        checks.append(f"""  {{
    static const float left[] = {{{floats(left.numpy())}}};
    static const float right[] = {{{floats(right.numpy())}}};
    static const float same[] = {{{floats(same)}}};
    const auto s = siamese::model(tshape::TensorView<const float, tshape::Shape<{BATCH}, 6>>(left),
                                  tshape::TensorView<const float, tshape::Shape<{BATCH}, 6>>(right));
    failures += compare("siamese (named inputs)", s.data(), same, {same.size});
  }}""")

    # --int8 --calibrate: the header also holds the calibration samples (given channels first, stored
    # channels last) and quantized(); the int8 model must stay within 3 output steps of PyTorch's float
    # outputs on the checked samples, which come first in the calibration data.
    def int8_case(name, model, sample_shape, more_samples):
        x = torch.randn(BATCH, *sample_shape, generator=gen)
        with torch.no_grad():
            y = model(x).numpy()
        onnx_path = os.path.join(work, f"{name}.onnx")
        export(model, sample_shape, onnx_path, 13, True)
        cal_path = os.path.join(work, f"{name}_calibration.npy")
        np.save(cal_path, torch.cat([x, torch.randn(more_samples, *sample_shape, generator=gen)]).numpy())
        r = run_tool([onnx_path, "-o", os.path.join(work, f"{name}.hpp"), "--namespace", name,
                      "--int8", "--calibrate", cal_path])
        if r.returncode != 0:
            failures.append(f"{name}: onnx2tshape --int8 failed:\n{r.stderr}")
            return
        includes.append(f'#include "{name}.hpp"')
        x_last = np.moveaxis(x.numpy(), 1, -1) if len(sample_shape) > 1 else x.numpy()
        sample = ", ".join(str(d) for d in x_last.shape[1:])
        checks.append(f"""  {{
    static const float x[] = {{{floats(x_last)}}};
    static const float expected[] = {{{floats(y)}}};
    static_assert(std::is_same_v<decltype({name}::calibration)::shape, tshape::Shape<{BATCH + more_samples}, {sample}>>);
    failures += compare("{name} (calibration)", {name}::calibration_values, x, {x_last.size});
    const auto q = {name}::quantized();
    const auto y = q(tshape::TensorView<const float, tshape::Shape<{BATCH}, {sample}>>(x));
    failures += compare_within("{name} (int8, 3 steps)", y.data(), expected, {y.size}, 3 * q.output_quantization().scale);
  }}""")

    model = Int8Net().eval()
    randomize_batchnorm(model, gen)
    int8_case("int8_net", model, (3, 12, 16), 37)
    # The same on a 1D model: Conv1D ('same', dilated), MaxPooling1D, GlobalAveragePooling1D.
    model = Int8Conv1DNet().eval()
    randomize_batchnorm(model, gen)
    int8_case("int8_conv1d", model, (4, 30), 61)
    # Tanh, Sigmoid and Softmax run as TFLite's int8 kernels: Softmax's output has steps of 1/256.
    int8_case("int8_act", Int8ActNet().eval(), (12,), 95)

    failures += check_errors(work)
    failures += check_torch2npz(work, gen)

    main_cpp = os.path.join(work, "converted_models_test.cpp")
    with open(main_cpp, "w") as f:
        f.write("""// Generated by run_converter_tests.py: every converted model against PyTorch's outputs.
#include <cmath>
#include <cstdio>
#include <type_traits>

#include <tshape/io/weights.hpp>
""" + "\n".join(includes) + """

static int compare(const char* name, const float* got, const float* expected, int n) {
  double worst = 0;
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(got[i]) - expected[i]);
    worst = diff > worst ? diff : worst;
    if (!(diff <= 1e-4 + 1e-4 * std::fabs(expected[i]))) {
      if (bad < 3) std::printf("%s: output %d is %.7g, PyTorch %.7g\\n", name, i, got[i], expected[i]);
      ++bad;
    }
  }
  std::printf("%-24s %s (largest difference %.2g)\\n", name, bad ? "FAILED" : "matches the reference", worst);
  return bad ? 1 : 0;
}

static int compare_within(const char* name, const float* got, const float* expected, int n, double tolerance) {
  double worst = 0;
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(got[i]) - expected[i]);
    worst = diff > worst ? diff : worst;
    if (!(diff <= tolerance)) {
      if (bad < 3) std::printf("%s: output %d is %.7g, PyTorch %.7g\\n", name, i, got[i], expected[i]);
      ++bad;
    }
  }
  std::printf("%-24s %s (largest difference %.2g, allowed %.2g)\\n", name, bad ? "FAILED" : "within the tolerance", worst,
              tolerance);
  return bad ? 1 : 0;
}

int main() {
  int failures = 0;
""" + "\n".join(checks) + """
  return failures == 0 ? 0 : 1;
}
""")
    exe = os.path.join(work, "converted_models_test")
    cmd = [args.cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
           "-I" + work, main_cpp, "-o", exe, "-lopenblas", "-lpthread"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append("the converted headers do not compile:\n" + r.stderr[:6000])
    else:
        r = subprocess.run([exe], capture_output=True, text=True)
        print(r.stdout, end="")
        if r.returncode != 0:
            failures.append("a converted model's outputs differ from PyTorch's (above)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAILED:", f)
    print("converter tests:", "FAILED" if failures else "all passed")
    return 1 if failures else 0


def write_twins(path, x):
    """y = relu(x W1 + b1) + relu(x W2 + b2): two Gemm+Relu on the model's input; returns y for x."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(2)
    w = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(2)]
    b = [rng.standard_normal(3).astype(np.float32) for _ in range(2)]
    nodes = [helper.make_node("Gemm", ["x", f"w{i}", f"b{i}"], [f"g{i}"], name=f"gemm{i}") for i in range(2)]
    nodes += [helper.make_node("Relu", [f"g{i}"], [f"r{i}"], name=f"relu{i}") for i in range(2)]
    nodes.append(helper.make_node("Add", ["r0", "r1"], ["y"], name="add"))
    graph = helper.make_graph(nodes, "twins", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
                              [numpy_helper.from_array(a, n) for i in range(2) for a, n in ((w[i], f"w{i}"), (b[i], f"b{i}"))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return sum(np.maximum(x @ w[i] + b[i], 0) for i in range(2))


def write_nhwc_model(path, x):
    """Input (N, 6, 5, 2) NHWC -> Transpose to NCHW -> Conv 3x3 same + Relu -> Transpose back -> Reshape
    (N, 60) -> MatMul + Add, as tf2onnx converts a Keras Conv2D/Flatten/Dense model."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(6)
    w = rng.standard_normal((2, 2, 3, 3)).astype(np.float32) * 0.5
    b = rng.standard_normal(2).astype(np.float32)
    k = rng.standard_normal((60, 3)).astype(np.float32) * 0.3
    c = rng.standard_normal(3).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["x"], ["x_nchw"], perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["x_nchw", "w", "b"], ["conv"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Relu", ["conv"], ["relu"]),
             helper.make_node("Transpose", ["relu"], ["relu_nhwc"], perm=[0, 2, 3, 1]),
             helper.make_node("Reshape", ["relu_nhwc", "shape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "k"], ["mm"]),
             helper.make_node("Add", ["mm", "c"], ["y"])]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w, "w"), (b, "b"), (k, "k"), (c, "c"))]
    inits.append(numpy_helper.from_array(np.array([-1, 60], np.int64), "shape"))
    graph = helper.make_graph(nodes, "nhwc", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6, 5, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    with open(path, "wb") as f:
        f.write(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    with torch.no_grad():
        h = torch.relu(nn.functional.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(w),
                                            torch.from_numpy(b), padding=1))
        flat = h.permute(0, 2, 3, 1).reshape(x.shape[0], -1).numpy()
    return flat @ k + c


def write_gru_reset_before(path, x):
    """(N, T, 3) -> Transpose -> GRU(4 units, linear_before_reset=0) -> Squeeze -> Transpose -> (N, T, 4),
    and the same computed with NumPy from ONNX's GRU equations."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(8)
    units, features = 4, x.shape[2]
    w = rng.standard_normal((1, 3 * units, features)).astype(np.float32) * 0.5
    r = rng.standard_normal((1, 3 * units, units)).astype(np.float32) * 0.5
    b = rng.standard_normal((1, 6 * units)).astype(np.float32) * 0.5
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("GRU", ["xt", "w", "r", "b"], ["yseq", ""], hidden_size=units, linear_before_reset=0),
             helper.make_node("Squeeze", ["yseq", "axis1"], ["ysq"]),
             helper.make_node("Transpose", ["ysq"], ["y"], perm=[1, 0, 2])]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w, "w"), (r, "r"), (b, "b"))]
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    graph = helper.make_graph(nodes, "gru", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5, units])], inits)
    with open(path, "wb") as f:
        f.write(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    W, R, Wb, Rb = (a.astype(np.float64) for a in (w[0], r[0], b[0, :3 * units], b[0, 3 * units:]))
    g = lambda m, k: m[k * units:(k + 1) * units]  # noqa: E731  gate k of z, r, h
    h = np.zeros((x.shape[0], units))
    out = []
    for t in range(x.shape[1]):
        xt = x[:, t].astype(np.float64)
        z = sig(xt @ g(W, 0).T + h @ g(R, 0).T + g(Wb, 0) + g(Rb, 0))
        rr = sig(xt @ g(W, 1).T + h @ g(R, 1).T + g(Wb, 1) + g(Rb, 1))
        hh = np.tanh(xt @ g(W, 2).T + (rr * h) @ g(R, 2).T + g(Rb, 2) + g(Wb, 2))
        h = (1 - z) * hh + z * h
        out.append(h)
    return np.stack(out, axis=1).astype(np.float32)


def write_function_model(path, x):
    """y = f(f(x) W3), f a local function Gemm + LeakyRelu with alpha from the call's attribute."""
    from onnx import AttributeProto, TensorProto, helper, numpy_helper
    rng = np.random.default_rng(4)
    w1, b1 = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    w2, b2 = rng.standard_normal((5, 2)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    leaky = helper.make_node("LeakyRelu", ["g"], ["out"])
    leaky.attribute.append(AttributeProto(name="alpha", ref_attr_name="slope", type=AttributeProto.FLOAT))
    fn = helper.make_function("local", "DenseLeaky", ["inp", "w", "b"], ["out"],
                              [helper.make_node("Gemm", ["inp", "w", "b"], ["g"]), leaky],
                              [helper.make_opsetid("", 13)], attributes=["slope"])
    nodes = [helper.make_node("DenseLeaky", ["x", "w1", "b1"], ["h"], name="block1", domain="local", slope=0.25),
             helper.make_node("DenseLeaky", ["h", "w2", "b2"], ["y"], name="block2", domain="local", slope=0.5)]
    graph = helper.make_graph(nodes, "functions", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
                              [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("local", 1)],
                              functions=[fn])
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    h = x @ w1 + b1
    h = np.where(h > 0, h, 0.25 * h)
    y = h @ w2 + b2
    return np.where(y > 0, y, 0.5 * y)


def check_torch2npz(work, gen):
    """tools/torch2npz on a saved state_dict gives the same arrays as onnx2tshape --weights npz."""
    failures = []
    for name, make, sample, flatten in (("mlp", MLP, (12,), []), ("cnn", CNN, (2, 12, 16), ["fc=5,3,4"]),
                                        ("gru_bi", lambda: RNN(nn.GRU, True), (7, 6), []),
                                        ("lstm_bi", lambda: RNN(nn.LSTM, True), (7, 6), []),
                                        ("rnn_bi", lambda: RNN(nn.RNN, True), (7, 6), []),
                                        ("decoder", Decoder, (4, 2, 3), [])):
        model = make().eval()
        randomize_batchnorm(model, gen)
        ours = os.path.join(work, f"{name}_torch2npz.npz")
        if name == "decoder":  # depthwise and transposed convolutions: the module itself, through the Python API
            if os.path.join(ROOT, "tools") not in sys.path:
                sys.path.insert(0, os.path.join(ROOT, "tools"))
            from tshape_convert.torch_weights import keras_arrays, save_npz
            save_npz(ours, keras_arrays(model, tshape_bn_eps=1e-5))  # onnx2tshape writes Epsilon<1, 100000>
        else:
            pt = os.path.join(work, f"{name}_state.pt")
            torch.save(model.state_dict(), pt)
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "torch2npz"), pt, "-o", ours,
                                "--tshape-bn-eps", "1e-5"] + [a for f in flatten for a in ("--flatten", f)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"torch2npz {name}: {r.stderr}")
                continue
        onnx_path = os.path.join(work, f"{name}_t2n.onnx")
        export(model, sample, onnx_path, 13, False)
        via_onnx = os.path.join(work, f"{name}_t2n.npz")
        r = run_tool([onnx_path, "-o", os.path.join(work, f"{name}_t2n.hpp"), "--weights", "npz", "--npz", via_onnx])
        if r.returncode != 0:
            failures.append(f"onnx2tshape --weights npz {name}: {r.stderr}")
            continue
        a, b = np.load(ours), np.load(via_onnx)
        if len(a.files) != len(b.files):
            failures.append(f"torch2npz {name}: {len(a.files)} arrays, onnx2tshape {len(b.files)}")
            continue
        for i in range(len(a.files)):
            x, y = a[f"arr_{i}"], b[f"arr_{i}"]
            if x.shape != y.shape or not np.allclose(x, y, rtol=1e-6, atol=1e-7):
                failures.append(f"torch2npz {name}: array {i} {x.shape} differs from onnx2tshape's {y.shape}")
        print(f"torch2npz {name}: {'same arrays as onnx2tshape' if not failures else 'see below'}")
    # Files it cannot read: what the file is and what to do, in words, and nothing written.
    whole = os.path.join(work, "whole_model.pt")
    torch.save(MLP(), whole)  # the module itself: its class is not importable from torch2npz
    onnx_file = os.path.join(work, "mlp_t2n.onnx")
    for path, words in ((onnx_file, "an ONNX model (convert it with onnx2tshape)"),
                        (whole, "a whole model saved with torch.save(model)"),
                        (os.path.join(work, "no_such.pt"), "cannot open it")):
        out = os.path.join(work, "refused.npz")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "torch2npz"), path, "-o", out],
                           capture_output=True, text=True)
        if r.returncode == 0 or words not in r.stderr or "Traceback" in r.stderr or os.path.exists(out):
            failures.append(f"torch2npz on {os.path.basename(path)}: want an error with '{words}', got {r.stderr!r}")
    print("torch2npz: files it cannot read are named in words")
    return failures


class Unsupported(nn.Module):
    """A reciprocal, an Abs and a Clip that is not ReLU6: three problems, reported together."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 4)
        self.c = nn.Linear(8, 4)

    def forward(self, x):
        return self.b(torch.abs(1 / self.a(x) + x)) + self.c(x).clamp(-1, 1)


def check_errors(work):
    failures = []
    out = os.path.join(work, "must_not_exist.hpp")

    def expect_failure(what, onnx_path, needles):
        r = run_tool([onnx_path, "-o", out])
        if r.returncode != 1:
            failures.append(f"{what}: exit code {r.returncode}, expected 1\n{r.stderr}")
        if "Traceback" in r.stderr:
            failures.append(f"{what}: a Python traceback\n{r.stderr}")
        for n in needles:
            if n not in r.stderr:
                failures.append(f"{what}: the message lacks {n!r}:\n{r.stderr}")
        if os.path.exists(out):
            failures.append(f"{what}: {out} was written although the conversion failed")
            os.remove(out)
        print(f"error case {what}: {'ok' if not failures else 'see below'}")

    path = os.path.join(work, "unsupported.onnx")
    export(Unsupported().eval(), (8,), path, 13, True)
    expect_failure("unsupported", path, ["'/Abs' (Abs", "'/Clip' (Clip", "only as ReLU6", "'/Reciprocal' (Reciprocal", "(batch, 8)",
                                          "nothing was written"])

    # An output in a folder that does not exist: the output named, not the temporary file beside it.
    good = os.path.join(work, "mlp_for_errors.onnx")
    export(MLP().eval(), (12,), good, 13, False)
    missing = os.path.join(work, "no_such_folder", "model.hpp")
    r = run_tool([good, "-o", missing])
    if r.returncode != 1 or "the folder" not in r.stderr or "does not exist" not in r.stderr or "tmp-onnx2tshape" in r.stderr:
        failures.append(f"an output in a missing folder: exit code {r.returncode}\n{r.stderr}")
    print(f"error case missing output folder: {'ok' if not failures else 'see below'}")

    # Convolutions and activations tshape has only some forms of, each on the input (one run lists all).
    from onnx import TensorProto, helper, numpy_helper
    w = np.ones((4, 2, 3, 3), np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["grouped"], name="grouped", group=2),
             helper.make_node("ConvTranspose", ["x", "w"], ["dilated"], name="dilated", dilations=[2, 2]),
             helper.make_node("HardSigmoid", ["x"], ["hs"], name="hs", alpha=0.2)]
    graph = helper.make_graph(nodes, "partly", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 5, 5])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", c, k, k])
                               for n, c, k in (("grouped", 4, 3), ("dilated", 2, 9), ("hs", 4, 5))],
                              [numpy_helper.from_array(w, "w")])
    path = os.path.join(work, "partly.onnx")
    with open(path, "wb") as f:
        f.write(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    expect_failure("grouped conv, dilated ConvTranspose, HardSigmoid 0.2", path,
                   ["'grouped' (Conv", "group=2 with 4 input channels", "'dilated' (ConvTranspose", "no dilation",
                    "'hs' (HardSigmoid", "alpha 0.2"])

    path = os.path.join(work, "dynamic.onnx")
    torch.onnx.export(MLP().eval(), torch.randn(2, 12), path, opset_version=13, input_names=["x"],
                      dynamic_axes={"x": {0: "batch", 1: "features"}})
    expect_failure("dynamic axis", path, ["input x: axis 1", "features"])

    # --int8: a model quantize() does not take (LeakyReLU, ELU...) is refused with the layer named; samples of
    # the wrong shape are refused; --int8 without --calibrate is a usage error.
    good = os.path.join(work, "mlp_op13.onnx")
    cal = os.path.join(work, "mlp_calibration.npy")
    np.save(cal, np.zeros((5, 12), np.float32))
    r = run_tool([good, "-o", out, "--int8", "--calibrate", cal])
    for needle in ("--int8: layer dense_2 (tshape::Dense<10, tshape::LeakyReLU", "not one tshape::quantize() takes",
                   "nothing was written"):
        if needle not in r.stderr:
            failures.append(f"--int8 on an MLP with LeakyReLU: the message lacks {needle!r}:\n{r.stderr}")
    if "dense_1 (" in r.stderr:
        failures.append(f"--int8 on an MLP: its Dense with Tanh is refused, but quantize() takes it:\n{r.stderr}")
    wrong = os.path.join(work, "wrong_calibration.npy")
    np.save(wrong, np.zeros((5, 3, 12, 15), np.float32))
    r = run_tool([os.path.join(work, "int8_net.onnx"), "-o", out, "--int8", "--calibrate", wrong])
    if r.returncode != 1 or "samples of shape (5, 3, 12, 15), where the model's input x is (batch, 3, 12, 16)" not in r.stderr:
        failures.append(f"--calibrate with samples of the wrong shape: exit code {r.returncode}\n{r.stderr}")
    r = run_tool([good, "-o", out, "--int8"])
    if r.returncode != 2 or "--int8 and --calibrate DATA.npy go together" not in r.stderr:
        failures.append(f"--int8 without --calibrate: exit code {r.returncode}\n{r.stderr}")
    if os.path.exists(out):
        failures.append(f"--int8 error cases: {out} was written")
        os.remove(out)
    print(f"error cases --int8: {'ok' if not failures else 'see below'}")


    data = open(good, "rb").read()
    for i, cut in enumerate((len(data) // 2, 40, 7)):
        bad = os.path.join(work, f"corrupt{i}.onnx")
        with open(bad, "wb") as f:
            f.write(data[:cut])
        expect_failure(f"truncated at {cut}", bad, ["cannot convert"])
    rng = np.random.default_rng(3)
    for i in range(6):
        mutated = bytearray(data)
        for pos in rng.integers(0, len(data), 20):
            mutated[pos] = int(rng.integers(0, 256))
        bad = os.path.join(work, f"mutated{i}.onnx")
        with open(bad, "wb") as f:
            f.write(bytes(mutated))
        r = run_tool([bad, "-o", out])
        if "Traceback" in r.stderr or r.returncode not in (0, 1):
            failures.append(f"mutated copy {i}: exit code {r.returncode}\n{r.stderr[-3000:]}")
        if r.returncode == 1 and os.path.exists(out):
            failures.append(f"mutated copy {i}: a header written although the conversion failed")
        if os.path.exists(out):
            os.remove(out)
    return failures


if __name__ == "__main__":
    sys.exit(main())
