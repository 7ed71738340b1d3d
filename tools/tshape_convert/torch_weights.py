"""A PyTorch state_dict -> Keras' get_weights() arrays (an .npz that tshape's load_weights reads).

For a model whose layers map one to one to the tshape type written by hand: Linear -> Dense,
Conv1d/Conv2d -> Conv1D/Conv2D, BatchNorm1d/2d -> BatchNormalization, GRU/LSTM (each of num_layers a
layer; bidirectional -> Bidirectional), RNN -> SimpleRNN in the state_dict's order (the order the modules were created).

    from tshape_convert.torch_weights import keras_arrays, save_npz
    save_npz("weights.npz", keras_arrays(model.state_dict(), flatten={"fc": (16, 5, 5)}))

`flatten` names the Linear layers that read a Flatten of a channels-first (C, H, W) or (C, L) tensor: their
kernel rows are permuted to tshape's channels-last flatten order, so the tshape model takes NHWC data
and gives PyTorch's numbers.

A state_dict does not tell a depthwise or transposed convolution from a plain one: pass the module itself
(`keras_arrays(model)`, or a whole model saved with torch.save(model)) and Conv2d with groups equal to its
input channels becomes DepthwiseConv2D's depthwise_kernel (kh, kw, in, m), ConvTranspose2d
Conv2DTranspose's kernel (kh, kw, filters, in).
"""
import sys

import numpy as np

from . import layouts


def _np(t):
    return t.detach().cpu().double().numpy() if hasattr(t, "detach") else np.asarray(t, np.float64)


def _prefixes(state_dict):
    """Module prefixes in first-seen order, with their parameter names."""
    modules = {}
    for key in state_dict:
        prefix, _, name = key.rpartition(".")
        modules.setdefault(prefix, {})[name] = state_dict[key]
    return modules


def keras_arrays(state_dict, flatten=None, bn_eps=1e-5, tshape_bn_eps=1e-3):
    """[(Keras weight name, float32 array)] in Keras' get_weights() order.

    bn_eps is the BatchNorm layers' epsilon in the source; tshape_bn_eps the tshape layer's: 1e-3 for a
    plain BatchNormalization (the variance is stored + bn_eps - 1e-3, so the denominators agree), or
    the layer's own, e.g. 1e-5 for BatchNormalization::with<Epsilon<1, 100000>> (stored as it is)."""
    flatten = flatten or {}
    modules = {}
    if hasattr(state_dict, "named_modules"):  # a module: its convolutions' kinds are known
        modules = dict(state_dict.named_modules())
        state_dict = state_dict.state_dict()
    out = []
    for prefix, p in _prefixes(state_dict).items():
        name = prefix or "model"
        if "weight_ih_l0" in p:
            hidden = p["weight_hh_l0"].shape[1]
            gates = p["weight_ih_l0"].shape[0] // hidden
            if gates not in (1, 3, 4):
                raise ValueError(f"{name}: {gates} gates per unit is no RNN (1), GRU (3) or LSTM (4)")
            layer = 0
            while f"weight_ih_l{layer}" in p:
                for suffix, direction in (("", "forward_" if f"weight_ih_l{layer}_reverse" in p else ""),
                                          ("_reverse", "backward_")):
                    k = f"l{layer}{suffix}"
                    if f"weight_ih_{k}" not in p:
                        continue
                    w_ih, w_hh = _np(p[f"weight_ih_{k}"]), _np(p[f"weight_hh_{k}"])
                    b_ih = _np(p[f"bias_ih_{k}"]) if f"bias_ih_{k}" in p else None
                    b_hh = _np(p[f"bias_hh_{k}"]) if f"bias_hh_{k}" in p else None
                    if gates == 1:  # nn.RNN -> SimpleRNN
                        arrays = [layouts.dense_kernel(w_ih), layouts.dense_kernel(w_hh)]
                        if b_ih is not None:
                            arrays.append((b_ih + b_hh).astype(np.float32))
                    elif gates == 3:
                        arrays = layouts.gru(w_ih, w_hh, b_ih, b_hh, layouts.TORCH_GRU_TO_KERAS, reset_after=True)
                    else:
                        arrays = layouts.lstm(w_ih, w_hh, b_ih, b_hh, [0, 1, 2, 3])  # PyTorch's ifgo is Keras' ifco
                    for wname, a in zip(("kernel", "recurrent_kernel", "bias"), arrays):
                        out.append((f"{name}.l{layer}/{direction}{wname}", a))
                layer += 1
        elif "running_mean" in p:
            gamma = _np(p["weight"]) if "weight" in p else np.ones(p["running_mean"].shape)
            beta = _np(p["bias"]) if "bias" in p else np.zeros(p["running_mean"].shape)
            arrays = layouts.batch_norm(gamma, beta, _np(p["running_mean"]), _np(p["running_var"]), bn_eps,
                                        keras_eps=tshape_bn_eps)
            out += [(f"{name}/{w}", a) for w, a in zip(("gamma", "beta", "moving_mean", "moving_variance"), arrays)]
        elif "weight" in p:
            w = _np(p["weight"])
            if w.ndim == 2:
                kernel = layouts.dense_kernel(w)
                if name in flatten:
                    rows = layouts.nchw_flatten_rows(tuple(flatten[name]))
                    if len(rows) != kernel.shape[0]:
                        raise ValueError(f"{name}: flatten shape {flatten[name]} has {len(rows)} elements, "
                                         f"the layer reads {kernel.shape[0]}")
                    kernel = kernel[rows]
                out.append((f"{name}/kernel", kernel))
            elif w.ndim in (3, 4):
                module = modules.get(prefix)
                groups = getattr(module, "groups", 1)
                if type(module).__name__.startswith("ConvTranspose"):
                    if w.ndim != 4 or groups != 1:
                        raise ValueError(f"{name}: tshape's Conv2DTranspose is 2D and not grouped")
                    out.append((f"{name}/kernel", layouts.conv_transpose_kernel(w)))
                elif groups != 1:
                    if w.ndim != 4 or groups != module.in_channels:
                        raise ValueError(f"{name}: groups={groups} with {module.in_channels} input channels; tshape has "
                                         "the depthwise convolution (groups = input channels, 2D) but no other grouped one")
                    out.append((f"{name}/depthwise_kernel", layouts.depthwise_kernel(w, groups)))
                else:
                    out.append((f"{name}/kernel", layouts.conv_kernel(w)))
            else:
                raise ValueError(f"{name}: a weight of rank {w.ndim} maps to no tshape layer")
            if "bias" in p:
                out.append((f"{name}/bias", _np(p["bias"]).astype(np.float32)))
        elif p.keys() - {"num_batches_tracked"}:
            raise ValueError(f"{name}: parameters {sorted(p)} map to no tshape layer")
    return [(n, np.ascontiguousarray(a, dtype=np.float32)) for n, a in out]


def save_npz(path, arrays):
    layouts.save_npz(path, [a for _, a in arrays])


def load_torch_file(path):
    """torch.load, with words for the files it cannot read: what the file is, and what to do."""
    import pickle
    import torch
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise ValueError(f"cannot open it ({e.strerror})") from None
    try:
        return torch.load(path, map_location="cpu")
    except (pickle.UnpicklingError, EOFError) as e:
        what = ("an ONNX model (convert it with onnx2tshape)" if path.endswith(".onnx")
                else "an HDF5 file (Keras: save model.get_weights() with numpy.savez)" if head.startswith(b"\x89HDF")
                else "a NumPy file (tshape's load_weights reads .npz as it is)" if head.startswith(b"\x93NUMPY")
                else "not a file torch.save wrote")
        raise ValueError(f"{what}; torch2npz reads torch.save(model.state_dict(), path) ({e})") from None
    except (AttributeError, ImportError) as e:  # a whole module pickled: its class must be importable here
        raise ValueError(f"a whole model saved with torch.save(model), whose class this program cannot import "
                         f"({e}); save model.state_dict() instead") from None


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="torch2npz", description="A PyTorch state_dict (torch.save) -> an .npz of "
                                 "Keras' get_weights() arrays for tshape's load_weights.")
    ap.add_argument("state_dict", help="a file written by torch.save(model.state_dict(), ...)")
    ap.add_argument("-o", "--output", required=True, help="the .npz to write")
    ap.add_argument("--flatten", action="append", default=[], metavar="LAYER=C,H,W",
                    help="a Linear that reads a Flatten of a channels-first tensor of that shape (repeatable)")
    ap.add_argument("--bn-eps", type=float, default=1e-5, help="the BatchNorm layers' epsilon (PyTorch: 1e-5)")
    ap.add_argument("--tshape-bn-eps", type=float, default=1e-3,
                    help="the tshape layers' epsilon: 1e-3 for a plain BatchNormalization (the default), or the one "
                         "its type gives, e.g. 1e-5 for BatchNormalization::with<Epsilon<1, 100000>> (what onnx2tshape "
                         "writes for PyTorch's BatchNorm)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("torch2npz: torch is missing; on Debian: apt-get install python3-torch", file=sys.stderr)
        return 1
    try:
        flatten = {}
        for item in args.flatten:
            layer, _, dims = item.partition("=")
            flatten[layer] = tuple(int(d) for d in dims.split(","))
        sd = load_torch_file(args.state_dict)  # a whole module is kept: see keras_arrays
        arrays = keras_arrays(sd, flatten, args.bn_eps, args.tshape_bn_eps)
        missing = set(flatten) - {n.split("/")[0] for n, _ in arrays}
        if missing:
            raise ValueError(f"--flatten names no Linear layer: {', '.join(sorted(missing))}")
        import io
        buf = io.BytesIO()
        save_npz(buf, arrays)  # in memory first: nothing is written on a failure
        with open(args.output, "wb") as f:
            f.write(buf.getvalue())
    except ValueError as e:  # a message, not a traceback
        print(f"torch2npz: {args.state_dict}: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        print(f"torch2npz: {args.state_dict}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    for n, a in arrays:
        print(f"  {n:40s} {tuple(a.shape)}")
    print(f"torch2npz: wrote {args.output} ({len(arrays)} arrays, {sum(a.size for _, a in arrays)} parameters)")
    return 0
