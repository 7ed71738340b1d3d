"""ONNX model -> a tshape Sequential: the type, its weights in Keras' layouts and a constexpr model.

How layouts are kept straight: every data value of the ONNX graph is followed with its ONNX shape and
how tshape holds it. tshape's tensor is (batch, axes...), channels-last; each of its axes is a *group*
of ONNX axes taken in order (row-major). A convolution's ONNX value (N, C, H, W) is held as the groups
[[0], [2], [3], [1]] (NHWC), a time-major RNN output (T, D, N, H) as [[2], [0], [1, 3]]. Transposes and
reshapes that only regroup are free (no layer); a Flatten whose order differs from tshape's memory order
becomes a Flatten plus a row permutation of the Dense that reads it (`elem_perm`).
"""
import math
import os
import sys
from fractions import Fraction

import numpy as np

from . import layouts

BATCH_SENTINEL = 1000003  # stands for the dynamic batch in folded shape arithmetic



def cxx_string(text):
    """A C++ string literal of text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def input_display_name(onnx_name, fallback):
    """An Input's name for Input<...>::named<...>: the ONNX name, 1 to 40 printable characters."""
    name = "".join(c for c in onnx_name if c.isprintable())[:40]
    return name or fallback[:40]


class ConvertError(Exception):
    """A conversion failure: one message per problem."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class NodeError(Exception):
    pass


class ZeroState:
    """A zeros tensor of a batch-dependent shape (the exporter's initial RNN states)."""


# ---------------------------------------------------------------------------------------------------
# Values and layouts


class Value:
    def __init__(self, shape, groups, units=(), elem_perm=None, producer=None, tensor=None):
        self.shape = list(shape)          # ONNX extents; None is the batch
        self.groups = groups              # tshape axes as lists of ONNX axes; None while undecided
        self.units = set(units)           # ONNX axes of extent 1 that tshape does not hold
        self.elem_perm = elem_perm        # rank 2 only: tshape_flat[k] = onnx_flat[elem_perm[k]]
        self.producer = producer          # the layer that wrote it (for fusing activations and biases)
        self.tensor = tensor              # the tshape tensor (C++ name) holding it

    @property
    def rank(self):
        return len(self.shape)

    def batch_axis(self):
        return self.groups[0][0]

    def tshape_shape(self):
        return [int(np.prod([self.shape[a] for a in g])) for g in self.groups[1:]]

    def memory_order(self):
        """Non-batch ONNX axes of extent > 1 in the order tshape's memory runs over them."""
        return [a for g in self.groups[1:] for a in g if self.shape[a] != 1]


def normalized(shape, groups, units=()):
    """Drops unit axes from groups (unless a group would be left empty)."""
    units = set(units)
    out = []
    for g in groups:
        kept = [a for a in g if shape[a] != 1]
        if kept:
            units |= set(g) - set(kept)
            out.append(kept)
        else:
            out.append(list(g))
    return out, units


def identity_groups(rank):
    return [[a] for a in range(rank)]


def channels_last_groups(rank):
    return [[0]] + [[a] for a in range(2, rank)] + [[1]]


def shape_text(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


# ---------------------------------------------------------------------------------------------------
# Layers (what the header lists)


class Layer:
    def __init__(self, kind, keras_name, nodes, header, options=(), params=(), act=None, **extra):
        self.kind = kind                # C++ type template name, e.g. "Dense"
        self.keras_name = keras_name    # Keras' base name ("dense", "conv2d")
        self.nodes = list(nodes)        # ONNX node names that became this layer
        self.header = header            # tshape/layers/<header>.hpp
        self.options = list(options)    # C++ template arguments before the activation
        self.params = list(params)      # [(weight name, array)] in Keras' order and layouts
        self.act = act                  # a fused activation (C++ type) or None
        self.extra = extra              # bare=True: no template arguments; RNNs: inner, sequences
        self.name = keras_name          # Keras' name in the model (dense_1), set by add_layer
        self.inputs, self.tensor = [], None   # the tensors it reads and the one it writes
        self.frozen = False             # its output is read by several nodes: nothing more is fused in
        self.use_bias = True


def numpy_dtype(onnx_type):
    """The NumPy type of an ONNX element type (onnx.helper's function is newer than Debian 12's onnx)."""
    import onnx
    if hasattr(onnx.helper, "tensor_dtype_to_np_dtype"):
        return onnx.helper.tensor_dtype_to_np_dtype(onnx_type)
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]


def rational(x, what):
    f = Fraction(float(x)).limit_denominator(100000)
    if abs(float(f) - float(x)) > 1e-7 * max(1.0, abs(float(x))):
        raise NodeError(f"{what} {x!r} is not a ratio of small integers, as tshape's template argument needs")
    return f.numerator, f.denominator


def small_ratio(x):
    """x as (numerator, denominator) of ints that fit a template argument, or None when none is exact."""
    f = Fraction(float(x)).limit_denominator(1 << 30)
    if f.numerator >= 1 << 31 or abs(float(f) - float(x)) > 1e-9 * max(1.0, abs(float(x))):
        return None
    return f.numerator, f.denominator


def activation_type(op, attrs):
    """The tshape activation for an ONNX activation node, or None."""
    if op == "Relu":
        return "tshape::ReLU"
    if op == "Sigmoid":
        return "tshape::Sigmoid"
    if op == "Tanh":
        return "tshape::Tanh"
    if op == "Softplus":
        return "tshape::Softplus"
    if op == "Gelu":
        return "tshape::GELU::approximate" if attrs.get("approximate", b"none") in (b"tanh", "tanh") else "tshape::GELU"
    if op == "LeakyRelu":
        n, d = rational(attrs.get("alpha", 0.01), "LeakyRelu's alpha")
        return f"tshape::LeakyReLU::alpha<{n}, {d}>"
    if op == "Elu":
        n, d = rational(attrs.get("alpha", 1.0), "Elu's alpha")
        return "tshape::ELU" if (n, d) == (1, 1) else f"tshape::ELU::alpha<{n}, {d}>"
    if op == "Softmax":
        return "tshape::Softmax"
    if op == "HardSigmoid":
        # Keras 3's hard_sigmoid is relu6(x + 3) / 6: ONNX alpha 1/6, beta 0.5 (PyTorch's nn.Hardsigmoid).
        alpha, beta = float(attrs.get("alpha", 0.2)), float(attrs.get("beta", 0.5))
        if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
            raise NodeError(f"HardSigmoid with alpha {alpha:g}, beta {beta:g}: tshape's HardSigmoid is "
                            "relu6(x + 3) / 6 (alpha 1/6, beta 0.5, as PyTorch's nn.Hardsigmoid)")
        return "tshape::HardSigmoid"
    if op == "HardSwish":
        return "tshape::HardSwish"
    return None


ACTIVATION_HEADER = "activation"
# The layers that take an activation as a template option (an activation right after one is fused in).
ACTIVATION_OPTION_LAYERS = ("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "Conv2DTranspose")
FOLDABLE = ("Constant", "Transpose", "Shape", "Gather", "Concat", "Unsqueeze", "Squeeze", "Slice", "Cast", "ConstantOfShape",
            "Reshape", "Mul", "Add", "Sub", "Div", "Identity", "Range", "Expand")


# ---------------------------------------------------------------------------------------------------
# The converter


class Converter:
    def __init__(self, model, source_name, keep_input_layout=False, fold_batchnorm=False):
        import onnx
        from onnx import numpy_helper, shape_inference

        self.onnx = onnx
        self.model = model
        self.source_name = source_name
        self.keep_input_layout = keep_input_layout
        self.fold_batchnorm = fold_batchnorm
        try:
            self.inferred = shape_inference.infer_shapes(model)
        except Exception:  # shape inference is only for messages
            self.inferred = model
        self.graph = model.graph
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
        self.consts = {}
        for init in self.graph.initializer:
            self.consts[init.name] = numpy_helper.to_array(init)
        self.values = {}
        self.layers = []
        self.problems = []
        self.poisoned = set()
        self.known_shapes = {}
        for vi in list(self.inferred.graph.value_info) + list(self.inferred.graph.input) + list(self.inferred.graph.output):
            t = vi.type.tensor_type
            if t.HasField("shape"):
                self.known_shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                                              for d in t.shape.dim]
        self.nodes = self.fuse_patterns(list(self.graph.node))
        self.consumers = {}
        for n in self.nodes:
            for i in n.input:
                if i:
                    self.consumers.setdefault(i, []).append(n)
        self.graph_outputs = [o.name for o in self.graph.output]
        self.static_batch = None
        self.input_info = []
        self.output_info = []

    # ---- helpers -----------------------------------------------------------------------------------
    def attrs(self, node):
        from onnx import helper
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def node_label(self, node):
        return node.name or f"{node.op_type}({', '.join(o for o in node.output if o)})"

    def shape_words(self, name):
        if name in self.values:
            return shape_text(self.values[name].shape)
        if name in self.consts:
            c = self.consts[name]
            return "constant " + (shape_text(list(c.shape)) if isinstance(c, np.ndarray) else "(batch-sized)")
        s = self.known_shapes.get(name)
        return "(" + ", ".join(str(d) for d in s) + ")" if s is not None else "(unknown)"

    def const(self, name, what="this input"):
        if name not in self.consts:
            raise NodeError(f"{what} ({name}) must be a constant (an initializer), not computed from the input")
        c = self.consts[name]
        if isinstance(c, ZeroState):
            raise NodeError(f"{what} ({name}) depends on the batch size")
        return c

    def data_inputs(self, node):
        return [i for i in node.input if i and i in self.values]

    def data_consumers(self, name):
        return [n for n in self.consumers.get(name, []) if n.op_type != "Shape"]

    def latest(self):
        return self.layers[-1].tensor

    def add_layer(self, layer, *inputs):
        """Appends a layer reading `inputs` (Values or tensor names); its output is a new tensor."""
        layer.inputs = [i if isinstance(i, str) else i.tensor for i in inputs]
        assert all(layer.inputs), "a layer's input has no tensor"
        layer.tensor = f"t{len(self.layers) + 1}"
        layer.frozen = False
        # Keras' names: dense, dense_1, ...
        counts = self.__dict__.setdefault("name_counts", {})
        def take(base):
            n = counts.get(base, 0)
            counts[base] = n + 1
            return base if n == 0 else f"{base}_{n}"
        layer.name = take(layer.keras_name)
        if layer.kind == "Bidirectional":
            layer.extra["inner"].name = take(layer.extra["inner"].keras_name)
        self.layers.append(layer)
        return layer

    def decide(self, v, groups):
        """Gives an undecided value (the model's input) its layout."""
        if v.groups is None:
            v.groups = groups
        return v

    def need_layout(self, v, groups, node):
        """Makes tshape hold v as `groups` (a pure axis order), inserting a Permute when it differs."""
        self.decide(v, groups if not self.keep_input_layout else identity_groups(v.rank))
        if v.elem_perm is not None:
            raise NodeError("reads a flattened tensor in a layout tshape cannot express")
        if [g for g in v.groups] == groups:
            return v
        cur = v.groups
        if any(len(g) != 1 for g in cur) or cur[0] != groups[0]:
            raise NodeError(f"needs its input as ONNX axes {groups}, which is no axis order of tshape's {cur}")
        order = [cur.index(g) for g in groups[1:]]
        self.add_layer(Layer("Permute", "permute", [self.node_label(node) + " (input order)"], "permute",
                             options=[str(i) for i in order]), v)
        return Value(v.shape, [list(g) for g in groups], v.units, tensor=self.latest())

    # ---- patterns ------------------------------------------------------------------------------------
    def fuse_patterns(self, nodes):
        """GELU as PyTorch exports it before opset 20: x / sqrt2 -> Erf -> + 1 -> * x -> * 0.5."""
        from onnx import helper
        by_output = {o: n for n in nodes for o in n.output}
        users = {}
        for n in nodes:
            for i in n.input:
                users.setdefault(i, []).append(n)

        def const_value(name):
            if name in self.consts:
                return self.consts[name]
            n = by_output.get(name)
            if n is not None and n.op_type == "Constant":
                from onnx import numpy_helper
                for a in n.attribute:
                    if a.name == "value":
                        return numpy_helper.to_array(a.t)
            return None

        def scalar_is(name, target):
            c = const_value(name)
            return c is not None and np.size(c) == 1 and abs(float(np.ravel(c)[0]) - target) < 1e-5 * abs(target)

        def only_user(name):
            u = users.get(name, [])
            return u[0] if len(u) == 1 else None

        replaced, removed = {}, set()
        for div in nodes:
            if div.op_type != "Div" or not scalar_is(div.input[1], math.sqrt(2)):
                continue
            x = div.input[0]
            erf = only_user(div.output[0])
            add = erf and erf.op_type == "Erf" and only_user(erf.output[0])
            if not add or add.op_type != "Add" or not any(scalar_is(i, 1.0) for i in add.input if i != erf.output[0]):
                continue
            m1 = only_user(add.output[0])
            if not m1 or m1.op_type != "Mul" or x not in m1.input:
                continue
            m2 = only_user(m1.output[0])
            if not m2 or m2.op_type != "Mul" or not any(scalar_is(i, 0.5) for i in m2.input if i != m1.output[0]):
                continue
            gelu = helper.make_node("Gelu", [x], [m2.output[0]], name=f"{div.name or 'Div'} .. {m2.name or 'Mul'} (GELU)")
            replaced[id(div)] = gelu
            removed |= {id(erf), id(add), id(m1), id(m2)}
        # The tanh form (approximate="tanh"): 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x * x * x))).
        def mul_by(node, value):
            """The other input of a Mul by a scalar constant `value`, or None."""
            if node is None or node.op_type != "Mul" or len(node.input) != 2:
                return None
            for k in (0, 1):
                if scalar_is(node.input[k], value):
                    return node.input[1 - k]
            return None

        for tanh in nodes:
            if tanh.op_type != "Tanh" or id(tanh) in removed:
                continue
            m3 = by_output.get(tanh.input[0])
            a_out = mul_by(m3, math.sqrt(2 / math.pi))
            a = by_output.get(a_out) if a_out else None
            if a is None or a.op_type != "Add" or len(a.input) != 2:
                continue
            for x, m2_out in ((a.input[0], a.input[1]), (a.input[1], a.input[0])):
                m2 = by_output.get(m2_out)
                m1 = by_output.get(mul_by(m2, 0.044715) or "")
                if m1 is None or m1.op_type != "Mul" or x not in m1.input:
                    continue
                m0 = by_output.get([i for i in m1.input if i != x][0] if list(m1.input).count(x) == 1 else "")
                if m0 is None or m0.op_type != "Mul" or list(m0.input) != [x, x]:
                    continue
                add1 = only_user(tanh.output[0])
                if not add1 or add1.op_type != "Add" or not any(scalar_is(i, 1.0) for i in add1.input if i != tanh.output[0]):
                    continue
                m4 = only_user(add1.output[0])
                if not m4 or m4.op_type != "Mul" or x not in m4.input:
                    continue
                m5 = only_user(m4.output[0])
                if mul_by(m5, 0.5) != m4.output[0]:
                    continue
                inner = [m0, m1, m2, a, m3]
                if any(only_user(n.output[0]) is None for n in inner):
                    continue
                gelu = helper.make_node("Gelu", [x], [m5.output[0]], approximate="tanh",
                                        name=f"{m0.name or 'Mul'} .. {m5.name or 'Mul'} (GELU, tanh)")
                replaced[id(m0)] = gelu
                removed |= {id(n) for n in inner[1:] + [tanh, add1, m4, m5]}
                break
        # Hardswish as PyTorch exports it before opset 14: x * HardSigmoid(x) (alpha 1/6, beta 0.5).
        for hs in nodes:
            if hs.op_type != "HardSigmoid" or id(hs) in removed or id(hs) in replaced:
                continue
            a = {at.name: helper.get_attribute_value(at) for at in hs.attribute}
            if abs(float(a.get("alpha", 0.2)) - 1 / 6) > 1e-6 or abs(float(a.get("beta", 0.5)) - 0.5) > 1e-6:
                continue
            x = hs.input[0]
            mul = only_user(hs.output[0])
            if not mul or mul.op_type != "Mul" or sorted(mul.input) != sorted([x, hs.output[0]]):
                continue
            replaced[id(hs)] = helper.make_node("HardSwish", [x], [mul.output[0]],
                                                name=f"{hs.name or 'HardSigmoid'}, {mul.name or 'Mul'} (HardSwish)")
            removed.add(id(mul))
        return [replaced.get(id(n), n) for n in nodes if id(n) not in removed]

    # ---- constant folding ----------------------------------------------------------------------------
    def try_fold(self, node):
        """Evaluates a node whose inputs are all constants (shape arithmetic); True when done."""
        from onnx import numpy_helper
        op = node.op_type
        a = self.attrs(node)
        ins = [i for i in node.input]
        if op == "Constant":
            if "value" in a:
                self.consts[node.output[0]] = numpy_helper.to_array(a["value"])
            elif "value_float" in a:
                self.consts[node.output[0]] = np.array(a["value_float"], np.float32)
            elif "value_int" in a:
                self.consts[node.output[0]] = np.array(a["value_int"], np.int64)
            elif "value_ints" in a:
                self.consts[node.output[0]] = np.array(a["value_ints"], np.int64)
            elif "value_floats" in a:
                self.consts[node.output[0]] = np.array(a["value_floats"], np.float32)
            else:
                return False
            return True
        if op == "Shape":
            if ins[0] not in self.values:
                return False
            v = self.values[ins[0]]
            s = np.array([BATCH_SENTINEL if d is None else d for d in v.shape], np.int64)
            start, end = a.get("start", 0), a.get("end", None)
            self.consts[node.output[0]] = s[start:end]
            return True
        if op not in FOLDABLE or not all((not i) or i in self.consts for i in ins):
            return False
        c = [self.consts[i] if i else None for i in ins]
        if any(isinstance(x, ZeroState) for x in c):
            if op in ("Slice", "Expand", "Identity", "Cast", "Unsqueeze", "Squeeze"):
                self.consts[node.output[0]] = c[0]
                return True
            return False
        if op == "Gather":
            self.consts[node.output[0]] = np.take(c[0], c[1].astype(np.int64), axis=a.get("axis", 0))
        elif op == "Concat":
            self.consts[node.output[0]] = np.concatenate([np.atleast_1d(x) for x in c], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            axes = list(a["axes"]) if "axes" in a else list(c[1])
            out = c[0]
            rank = out.ndim + len(axes)
            for ax in sorted(x % rank for x in axes):
                out = np.expand_dims(out, ax)
            self.consts[node.output[0]] = out
        elif op == "Squeeze":
            axes = a.get("axes") or (list(c[1]) if len(c) > 1 and c[1] is not None else None)
            self.consts[node.output[0]] = np.squeeze(c[0], axis=tuple(axes) if axes is not None else None)
        elif op == "Slice":
            starts, ends = c[1], c[2]
            axes = c[3] if len(c) > 3 and c[3] is not None else np.arange(len(starts))
            steps = c[4] if len(c) > 4 and c[4] is not None else np.ones(len(starts), np.int64)
            sl = [slice(None)] * c[0].ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(e), int(st))
            self.consts[node.output[0]] = c[0][tuple(sl)]
        elif op == "Cast":
            self.consts[node.output[0]] = c[0].astype(numpy_dtype(a["to"]))
        elif op == "ConstantOfShape":
            shape = [int(d) for d in c[0]]
            value = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            if BATCH_SENTINEL in shape:
                if float(np.ravel(value)[0]) != 0.0:
                    return False
                self.consts[node.output[0]] = ZeroState()
            else:
                self.consts[node.output[0]] = np.full(shape, np.ravel(value)[0], dtype=value.dtype)
        elif op == "Reshape":
            self.consts[node.output[0]] = np.reshape(c[0], [int(d) if d != 0 else c[0].shape[i] for i, d in enumerate(c[1])])
        elif op in ("Mul", "Add", "Sub", "Div"):
            f = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide}[op]
            r = f(c[0], c[1])
            if op == "Div" and np.issubdtype(c[0].dtype, np.integer):
                r = np.floor_divide(c[0], c[1])
            self.consts[node.output[0]] = r.astype(np.result_type(c[0], c[1]))
        elif op == "Identity":
            self.consts[node.output[0]] = c[0]
        elif op == "Transpose":
            self.consts[node.output[0]] = np.transpose(c[0], a.get("perm"))
        elif op == "Range":
            self.consts[node.output[0]] = np.arange(c[0], c[1], c[2])
        elif op == "Expand":
            shape = [int(d) for d in c[1]]
            if BATCH_SENTINEL in shape:
                return False
            self.consts[node.output[0]] = c[0] * np.ones(shape, c[0].dtype)
        else:
            return False
        return True

    # ---- the walk --------------------------------------------------------------------------------------
    def run(self):
        g = self.graph
        init_names = set(self.consts)
        inputs = [i for i in g.input if i.name not in init_names]
        if not inputs or not g.output:
            raise ConvertError(["the model has no input or no output"])
        self.input_values, self.input_names, self.input_onnx_shapes = [], [], []
        for k, inp in enumerate(inputs):
            t = inp.type.tensor_type
            if t.elem_type != 1:
                self.problems.append(f"input {inp.name}: element type {t.elem_type} is not float32")
            dims = []
            for axis, d in enumerate(t.shape.dim):
                if d.HasField("dim_value") and d.dim_value > 0:
                    dims.append(None if axis == 0 else d.dim_value)
                    if axis == 0:
                        self.static_batch = d.dim_value  # exported without a dynamic batch axis
                elif axis == 0:
                    dims.append(None)
                else:
                    self.problems.append(f"input {inp.name}: axis {axis} has a dynamic extent "
                                         f"('{d.dim_param or '?'}'); only the batch axis (0) may be dynamic; "
                                         "export with a fixed size for it")
                    dims.append(1)
            if not dims:
                self.problems.append(f"input {inp.name} is a scalar; tshape's input has a batch axis")
            elif int(np.prod([d for d in dims if d is not None], dtype=np.float64)) > 1 << 28:
                self.problems.append(f"input {inp.name}: {shape_text(dims)} is more than 2^28 floats per sample")
            value = Value(dims, None, tensor="input" if len(inputs) == 1 else f"input_{k}")
            self.values[inp.name] = value
            self.input_values.append(value)
            self.input_names.append(inp.name)
            self.input_onnx_shapes.append(dims)
        if self.problems:
            raise ConvertError(self.problems)
        self.input_name, self.input_value = self.input_names[0], self.input_values[0]
        self.input_onnx_shape = self.input_onnx_shapes[0]

        for node in self.nodes:
            if any(i in self.poisoned for i in node.input if i):
                # After a failure, keep listing the operators the converter has no rule for.
                if node.op_type not in FOLDABLE and not hasattr(self, "op_" + node.op_type):
                    self.fail(node, "unsupported operator")
                self.poisoned.update(node.output)
                continue
            try:
                if self.try_fold(node):
                    continue
            except Exception as e:  # a constant subgraph we cannot evaluate
                self.fail(node, f"could not fold it ({e})")
                continue
            if not any(i in self.values for i in node.input if i):
                self.fail(node, "computes from constants in a way the converter cannot fold")
                continue
            handler = getattr(self, "op_" + node.op_type, None)
            if handler is None:
                self.fail(node, "unsupported operator")
                continue
            try:
                handler(node, self.attrs(node))
            except NodeError as e:
                self.fail(node, str(e))
        if self.problems:
            raise ConvertError(self.problems)
        missing = [o.name for o in g.output if o.name not in self.values]
        if missing:
            raise ConvertError([f"output {o} does not depend on the inputs" for o in missing])
        self.output_values = [self.values[o.name] for o in g.output]
        self.output_value = self.output_values[0]
        for v in self.input_values:
            if v.groups is None:
                v.groups = identity_groups(v.rank)
        return self

    def fail(self, node, why):
        ins = ", ".join(f"{i} {self.shape_words(i)}" for i in node.input if i) or "no inputs"
        self.problems.append(f"node '{self.node_label(node)}' ({node.op_type}; inputs: {ins}): {why}")
        self.poisoned.update(node.output)

    def set_out(self, node, value, index=0):
        if value.tensor is None:
            value.tensor = self.latest()
        self.values[node.output[index]] = value
        # A tensor read by several nodes (a branch) keeps its layer as it is: no activation or bias
        # is fused into the layer that wrote it.
        if value.producer is not None and (len(self.data_consumers(node.output[index])) > 1
                                           or node.output[index] in self.graph_outputs):
            value.producer.frozen = True

    def fusable(self, v, name):
        p = v.producer
        return (p is not None and not p.frozen and p.tensor == v.tensor
                and len(self.data_consumers(name)) == 1 and name not in self.graph_outputs)

    def single_data_input(self, node):
        ins = self.data_inputs(node)
        if len(ins) != 1 or node.input[0] != ins[0]:
            raise NodeError("needs the data as its first input and constants for the rest "
                            "(merging two computed tensors needs tshape's functional models)")
        return self.values[ins[0]]

    # ---- pass-through --------------------------------------------------------------------------------
    def passthrough(self, node, attrs):
        v = self.single_data_input(node)
        self.set_out(node, v)

    op_Dropout = passthrough
    op_Identity = passthrough

    def op_Cast(self, node, attrs):
        if attrs.get("to") != 1:
            raise NodeError("casts to a type other than float32")
        self.passthrough(node, attrs)

    # ---- activations --------------------------------------------------------------------------------
    def activation(self, node, attrs):
        v = self.single_data_input(node)
        act = "tshape::ReLU6" if node.op_type == "Clip" else activation_type(node.op_type, attrs)
        if v.groups is None:
            self.decide(v, identity_groups(v.rank))
        if node.op_type == "Softmax":
            axis = attrs.get("axis", -1 if self.opset >= 13 else 1) % v.rank
            if self.opset < 13 and not (v.rank == 2 and axis == 1) and axis != v.rank - 1:
                raise NodeError("a Softmax over several axes (opset < 13 flattens from `axis`) is not supported")
            if v.groups[-1] != [axis] and not (v.elem_perm is not None and axis == 1):
                raise NodeError(f"softmax over ONNX axis {axis}, which is not tshape's last axis")
        p = v.producer
        if self.fusable(v, node.input[0]) and p.act is None and p.kind in ACTIVATION_OPTION_LAYERS:
            p.act = act
            p.nodes.append(self.node_label(node))
            out = Value(v.shape, v.groups, v.units, v.elem_perm, producer=p, tensor=v.tensor)
        else:
            layer = self.add_layer(Layer(act.replace("tshape::", "").split("::")[0], "activation",
                                         [self.node_label(node)], ACTIVATION_HEADER, bare=True), v)
            layer.type_override = act
            out = Value(v.shape, v.groups, v.units, v.elem_perm, producer=None, tensor=self.latest())
        self.set_out(node, out)

    op_Relu = op_Sigmoid = op_Tanh = op_Softplus = op_Gelu = op_LeakyRelu = op_Elu = op_Softmax = activation
    op_HardSigmoid = op_HardSwish = activation

    def op_Clip(self, node, attrs):
        """Clip(0, 6) is ReLU6 (PyTorch's nn.ReLU6); min/max are attributes before opset 11, inputs after."""
        lo, hi = attrs.get("min"), attrs.get("max")
        if len(node.input) > 1 and node.input[1]:
            lo = float(np.ravel(self.const(node.input[1], "Clip's min"))[0])
        if len(node.input) > 2 and node.input[2]:
            hi = float(np.ravel(self.const(node.input[2], "Clip's max"))[0])
        if lo is None or hi is None or float(lo) != 0.0 or float(hi) != 6.0:
            bound = lambda b: "none" if b is None else f"{float(b):g}"
            raise NodeError(f"Clip to [{bound(lo)}, {bound(hi)}]: tshape has Clip only as ReLU6 (min 0, max 6)")
        self.activation(node, attrs)

    # ---- Dense ---------------------------------------------------------------------------------------
    def dense(self, node, v, kernel, bias, fuse_ok=True):
        if v.groups is None:
            self.decide(v, identity_groups(v.rank))
        last = v.rank - 1
        if v.elem_perm is not None:
            kernel = kernel[v.elem_perm, :]
        elif v.groups[-1] != [last]:
            if v.rank == 2 or all(len(g) == 1 for g in v.groups):
                v = self.need_layout(v, [v.groups[0]] + [g for g in v.groups[1:] if g != [last]] + [[last]], node)
            else:
                raise NodeError("a matrix product over an axis that is not tshape's last")
        units = kernel.shape[1]
        params = [("kernel", kernel)] + ([("bias", bias)] if bias is not None else [])
        options = [str(units)]
        layer = Layer("Dense", "dense", [self.node_label(node)], "dense", options=options, params=params)
        layer.use_bias = bias is not None
        self.add_layer(layer, v)
        shape = list(v.shape[:-1]) + [units]
        return Value(shape, v.groups if v.elem_perm is None else [[0], [1]], v.units, None, producer=layer, tensor=self.latest())

    def op_Gemm(self, node, attrs):
        v = self.single_data_input(node)
        if attrs.get("transA", 0):
            raise NodeError("transA=1 (the data transposed) is not supported")
        if v.rank != 2:
            raise NodeError("Gemm on a tensor of rank other than 2")
        b = self.const(node.input[1], "the weight B").astype(np.float64) * attrs.get("alpha", 1.0)
        kernel = b.T if attrs.get("transB", 0) else b
        bias = None
        if len(node.input) > 2 and node.input[2]:
            c = self.const(node.input[2], "the bias C").astype(np.float64) * attrs.get("beta", 1.0)
            bias = np.broadcast_to(c, (1, kernel.shape[1])).reshape(-1) if c.size in (1, kernel.shape[1]) else None
            if bias is None:
                raise NodeError(f"bias C of shape {c.shape} is not one value per unit")
        out = self.dense(node, v, kernel.astype(np.float32), None if bias is None else bias.astype(np.float32))
        self.set_out(node, out)

    def op_MatMul(self, node, attrs):
        v = self.single_data_input(node)
        k = self.const(node.input[1], "the second operand")
        if k.ndim != 2:
            raise NodeError("the constant operand is not a matrix")
        out = self.dense(node, v, k.astype(np.float32), None)
        self.set_out(node, out)

    MERGES = {"Add": ("Add", "add"), "Sub": ("Subtract", "subtract"), "Mul": ("Multiply", "multiply"),
              "Max": ("Maximum", "maximum"), "Min": ("Minimum", "minimum"), "Mean": ("Average", "average"),
              "Sum": ("Add", "add")}

    def merge(self, node, attrs):
        """Two or more computed tensors of one shape and layout -> a tshape merge (a functional model)."""
        names = [i for i in node.input if i]
        if any(n not in self.values for n in names):
            if node.op_type in ("Add", "Sub", "Mul", "Div") and len(names) == 2:
                return self.affine(node)
            raise NodeError(f"{node.op_type} of a computed tensor and a constant has no tshape layer")
        if node.op_type == "Sub" and len(names) != 2:
            raise NodeError("Sub takes two tensors")
        vals = [self.values[n] for n in names]
        for v in vals:
            if v.groups is None:
                self.decide(v, identity_groups(v.rank))
            if v.elem_perm is not None:
                raise NodeError("merges a flattened convolution output (only a Dense may read it)")
        first = vals[0]
        concat_axis = attrs.get("axis", 0) % first.rank if node.op_type == "Concat" else None
        other_axes = lambda v: [d for a, d in enumerate(v.shape) if a != concat_axis]  # noqa: E731
        if any(other_axes(v) != other_axes(first) or v.rank != first.rank for v in vals):
            raise NodeError(f"merges tensors of shapes {', '.join(shape_text(v.shape) for v in vals)}: "
                            "the converter needs equal shapes (no broadcasting)")
        vals = [v if (v.groups, v.units) == (first.groups, first.units) else self.need_layout(v, first.groups, node)
                for v in vals]
        if node.op_type == "Concat":
            axis = concat_axis
            if [axis] not in first.groups[1:]:
                raise NodeError(f"concatenates on ONNX axis {axis}, which is not one of tshape's axes here")
            k = first.groups[1:].index([axis])
            opt = "-1" if k == len(first.groups) - 2 else str(k)
            layer = Layer("Concatenate", "concatenate", [self.node_label(node)], "concatenate", options=[opt])
            shape = list(first.shape)
            shape[axis] = sum(v.shape[axis] for v in vals)
        else:
            kind, snake = self.MERGES[node.op_type]
            layer = Layer(kind, snake, [self.node_label(node)], snake, bare=True)
            shape = list(first.shape)
        self.add_layer(layer, *vals)
        self.set_out(node, Value(shape, first.groups, first.units, tensor=self.latest()))

    op_Sub = op_Mul = op_Max = op_Min = op_Mean = op_Sum = op_Concat = merge

    def op_Add(self, node, attrs):
        ins = self.data_inputs(node)
        if len(ins) != 1:
            return self.merge(node, attrs)
        other = [i for i in node.input if i != ins[0]][0]
        v = self.values[ins[0]]
        c = self.const(other, "the addend")
        p = v.producer
        if self.fusable(v, ins[0]) and p.kind == "Dense" and not p.use_bias and p.act is None:
            units = p.params[0][1].shape[1]
            if c.size in (1, units) and (c.ndim <= 1 or all(d == 1 for d in c.shape[:-1])):
                p.params.append(("bias", np.broadcast_to(c.reshape(-1).astype(np.float32), (units,)).copy()))
                p.use_bias = True
                p.nodes.append(self.node_label(node))
                self.set_out(node, Value(v.shape, v.groups, v.units, v.elem_perm, producer=p, tensor=v.tensor))
                return
        self.affine(node)

    def op_Div(self, node, attrs):
        if node.input[0] not in self.values or node.input[1] in self.values:
            raise NodeError("a division other than a computed tensor by a constant")
        self.affine(node)

    def affine(self, node):
        """x + c, x - c, c - x, x * c, x / c with c constant per channel (tshape's last axis) or scalar:
        a BatchNormalization with gamma, beta the scale and shift (mean 0, variance 1 - 0.001); a run of
        them is one layer (e.g. a model's own input normalization, (x - mean) / std)."""
        op = node.op_type
        data_first = node.input[0] in self.values
        name = node.input[0] if data_first else node.input[1]
        v = self.values[name]
        c = np.asarray(self.const(node.input[1] if data_first else node.input[0], "the constant operand"), np.float64)
        if c.ndim > v.rank:
            raise NodeError("the constant has more axes than the tensor")
        c = c.reshape((1,) * (v.rank - c.ndim) + c.shape)
        varying = [a for a in range(v.rank) if c.shape[a] != 1]
        if v.groups is None:
            self.decide(v, channels_last_groups(v.rank) if v.rank >= 3 and varying == [1] and not self.keep_input_layout
                        else identity_groups(v.rank))
        if v.elem_perm is not None:
            raise NodeError("an elementwise constant on a flattened convolution output (only a Dense may read it)")
        last = v.groups[-1]
        if any(a not in last for a in varying) or len(last) != 1:
            raise NodeError(f"a constant of shape {tuple(c.shape)} varies along axes other than tshape's last "
                            "(channels); tshape has no layer for it")
        channels = v.shape[last[0]]
        vec = np.broadcast_to(c.reshape(-1), (channels,)) if c.size in (1, channels) else None
        if vec is None:
            raise NodeError(f"a constant of {c.size} values for {channels} channels")
        p = v.producer
        if self.fusable(v, name) and getattr(p, "affine", None) is not None:
            layer, (scale, shift), out_tensor = p, p.affine, v.tensor
        else:
            layer = Layer("BatchNormalization", "batch_normalization", [], "batch_normalization", bare=True)
            layer.note = "an elementwise scale and shift"
            scale, shift = np.ones(channels), np.zeros(channels)
            self.add_layer(layer, v)
            out_tensor = layer.tensor
        if op == "Add":
            shift = shift + vec
        elif op == "Sub" and data_first:
            shift = shift - vec
        elif op == "Sub":
            scale, shift = -scale, vec - shift
        elif op == "Mul":
            scale, shift = scale * vec, shift * vec
        elif op == "Div" and data_first:
            scale, shift = scale / vec, shift / vec
        else:
            raise NodeError("divides a constant by a computed tensor")
        layer.affine = (scale, shift)
        layer.params = list(zip(("gamma", "beta", "moving_mean", "moving_variance"),
                                [scale.astype(np.float32), shift.astype(np.float32), np.zeros(channels, np.float32),
                                 np.full(channels, 1.0 - 1e-3, np.float32)]))
        layer.nodes.append(self.node_label(node))
        self.set_out(node, Value(v.shape, v.groups, v.units, producer=layer, tensor=out_tensor))

    def op_Pad(self, node, attrs):
        v = self.single_data_input(node)
        mode = attrs.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        pads = list(attrs["pads"]) if "pads" in attrs else [int(p) for p in self.const(node.input[1], "the pads")]
        if len(node.input) > 3 and node.input[3]:
            raise NodeError("padding selected axes (the axes input) is not supported")
        if not any(pads):
            self.set_out(node, v)
            return
        value = 0.0
        if len(node.input) > 2 and node.input[2]:
            value = float(np.ravel(self.const(node.input[2], "the pad value"))[0])
        r = len(pads) // 2
        if mode != "constant" or value != 0.0 or r != 4 or any(pads[i] or pads[i + r] for i in (0, 1)):
            raise NodeError(f"pads {pads} ({mode}, value {value:g}): tshape pads with zeros on the two spatial axes "
                            "of an image (ZeroPadding2D)")
        v = self.need_layout(v, channels_last_groups(4), node)
        self.set_out(node, self.zero_pad(node, v, [(pads[2], pads[6]), (pads[3], pads[7])]))

    # ---- convolution and pooling ---------------------------------------------------------------------
    def spatial_padding(self, node, attrs, in_sizes, kernel, strides, dilations):
        """'valid', 'same' or explicit (begin, end) pairs, from ONNX's pads / auto_pad."""
        n = len(in_sizes)
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto == "VALID":
            return "valid", None
        if auto == "SAME_UPPER":
            return "same", None
        if auto == "SAME_LOWER":
            raise NodeError("auto_pad SAME_LOWER (more padding before) is not TensorFlow's 'same'")
        pads = list(attrs.get("pads", [0] * (2 * n)))
        pairs = [(pads[i], pads[i + n]) for i in range(n)]
        if attrs.get("ceil_mode", 0):
            for size, k, s, d, (b, e) in zip(in_sizes, kernel, strides, dilations, pairs):
                eff = (k - 1) * d + 1
                if (size + b + e - eff) % s != 0:
                    raise NodeError("ceil_mode=1 gives a larger output here than tshape's floor rule")
        if all(p == 0 for p in pads):
            return "valid", None
        same = []
        for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            same.append((total // 2, total - total // 2))
        if same == pairs:
            return "same", None
        return "explicit", pairs

    def op_Conv(self, node, attrs):
        v = self.single_data_input(node)
        if v.rank not in (3, 4):
            raise NodeError(f"a {v.rank - 2}D convolution; tshape has Conv1D and Conv2D")
        w = self.const(node.input[1], "the kernel W")
        group = attrs.get("group", 1)
        depthwise = group != 1 and v.rank == 4 and group == v.shape[1] and w.shape[1] == 1
        if group != 1 and not depthwise:
            raise NodeError(f"group={group} with {v.shape[1]} input channels: tshape has the depthwise "
                            "convolution (group = input channels, 2D) but no other grouped one")
        v = self.need_layout(v, channels_last_groups(v.rank), node)
        nd = v.rank - 2
        ksize = list(w.shape[2:])
        strides = list(attrs.get("strides", [1] * nd))
        dil = list(attrs.get("dilations", [1] * nd))
        sizes = v.shape[2:]
        mode, pairs = self.spatial_padding(node, attrs, sizes, ksize, strides, dil)
        if mode == "explicit":
            v = self.zero_pad(node, v, pairs)
            mode = "valid"
            sizes = v.shape[2:]
        kind = "DepthwiseConv2D" if depthwise else "Conv2D" if nd == 2 else "Conv1D"
        opts = [f"tshape::Kernel<{', '.join(map(str, ksize))}>"]
        if depthwise:
            multiplier = w.shape[0] // group
            if multiplier != 1:
                opts.append(f"tshape::DepthMultiplier<{multiplier}>")
        else:
            opts.insert(0, str(w.shape[0]))
        if any(s != 1 for s in strides):
            opts.append(f"tshape::Strides<{', '.join(map(str, strides))}>")
        if mode == "same":
            opts.append("tshape::Padding::same")
        if any(d != 1 for d in dil):
            opts.append(f"tshape::DilationRate<{', '.join(map(str, dil))}>")
        if depthwise:
            params = [("depthwise_kernel", layouts.depthwise_kernel(w, group))]
        else:
            params = [("kernel", layouts.conv_kernel(w))]
        has_bias = len(node.input) > 2 and node.input[2]
        if has_bias:
            params.append(("bias", self.const(node.input[2], "the bias B").astype(np.float32)))
        snake = "depthwise_conv2d" if depthwise else kind.lower()
        layer = Layer(kind, snake, [self.node_label(node)], snake, options=opts, params=params)
        if not has_bias:
            layer.trailing = ["tshape::UseBias<false>"]
        self.add_layer(layer, v)
        out_sizes = []
        for size, k, s, d in zip(sizes, ksize, strides, dil):
            out_sizes.append(-(-size // s) if mode == "same" else (size - (k - 1) * d - 1) // s + 1)
        self.set_out(node, Value([v.shape[0], int(w.shape[0])] + out_sizes, v.groups, producer=layer, tensor=self.latest()))

    def op_ConvTranspose(self, node, attrs):
        """Conv2DTranspose: ONNX's output is the window of the full transposed convolution
        ((n - 1) * s + k per axis) that starts at pads[begin] and is n_full - pads[begin] - pads[end] +
        output_padding long (cells past the full output: bias only), the same model as tshape's, so
        the options whose window is the same are looked for; failing that a valid one and a Cropping2D."""
        v = self.single_data_input(node)
        if v.rank != 4:
            raise NodeError(f"a {v.rank - 2}D transposed convolution; tshape has Conv2DTranspose (2D)")
        w = self.const(node.input[1], "the kernel W")
        if attrs.get("group", 1) != 1:
            raise NodeError(f"group={attrs['group']}: tshape's Conv2DTranspose is not grouped")
        if any(d != 1 for d in attrs.get("dilations", [1, 1])):
            raise NodeError("a dilated transposed convolution: tshape's Conv2DTranspose has no dilation")
        if "output_shape" in attrs:
            raise NodeError("output_shape is not supported: export with pads and output_padding")
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto not in ("NOTSET", "VALID"):
            raise NodeError(f"auto_pad {auto} is not supported: export with explicit pads")
        v = self.need_layout(v, channels_last_groups(4), node)
        sizes, ksize = v.shape[2:], list(w.shape[2:])
        strides = list(attrs.get("strides", [1, 1]))
        pads = [0, 0, 0, 0] if auto == "VALID" else list(attrs.get("pads", [0, 0, 0, 0]))
        out_pad = list(attrs.get("output_padding", [0, 0]))
        # Wanted per axis: (first cell of the full output, length).
        want = [(pads[i], (n - 1) * s + k - pads[i] - pads[i + 2] + out_pad[i])
                for i, (n, k, s) in enumerate(zip(sizes, ksize, strides))]
        if any(length < 1 for _, length in want):
            raise NodeError(f"pads {pads} leave an empty output")
        from itertools import product
        candidates = []   # (same, output padding or None): (start, length) per axis
        for same in (False, True):
            ops = [None] + [tuple(p) for p in product(*(range(s) for s in strides))]
            for op in ops:
                win = []
                for i, (n, k, s) in enumerate(zip(sizes, ksize, strides)):
                    p = -1 if op is None else op[i]
                    length = (n * s if same else n * s + max(k - s, 0)) if p < 0 else (n - 1) * s + k - 2 * (k // 2 if same else 0) + p
                    start = max((n - 1) * s + k - length, 0) // 2 if same else 0
                    win.append((start, length))
                candidates.append((same, op, win))
        exact = [c for c in candidates if c[2] == want and all(length >= 1 for _, length in c[2])]
        crop = None
        if exact:
            same, op, _ = exact[0]
        else:
            # A window that holds the wanted one, cropped: the fewest cells cropped.
            fits = [c for c in candidates
                    if all(st <= ws and st + ln >= ws + wl for (st, ln), (ws, wl) in zip(c[2], want))]
            if not fits:
                raise NodeError(f"pads {pads} with output_padding {out_pad}: no Conv2DTranspose window (valid or same, "
                                "OutputPadding) holds this output")
            same, op, win = min(fits, key=lambda c: sum(ln for _, ln in c[2]))
            crop = [(ws - st, st + ln - ws - wl) for (st, ln), (ws, wl) in zip(win, want)]
        filters = int(w.shape[1])
        opts = [str(filters), f"tshape::Kernel<{', '.join(map(str, ksize))}>"]
        if any(s != 1 for s in strides):
            opts.append(f"tshape::Strides<{', '.join(map(str, strides))}>")
        if same:
            opts.append("tshape::Padding::same")
        if op is not None:
            opts.append(f"tshape::OutputPadding<{', '.join(map(str, op))}>")
        params = [("kernel", layouts.conv_transpose_kernel(w))]
        has_bias = len(node.input) > 2 and node.input[2]
        if has_bias:
            params.append(("bias", self.const(node.input[2], "the bias B").astype(np.float32)))
        layer = Layer("Conv2DTranspose", "conv2d_transpose", [self.node_label(node)], "conv2d_transpose",
                      options=opts, params=params)
        if not has_bias:
            layer.trailing = ["tshape::UseBias<false>"]
        self.add_layer(layer, v)
        out = Value([v.shape[0], filters] + [length for _, length in want], v.groups, producer=layer, tensor=self.latest())
        if crop is not None and any(c for pair in crop for c in pair):
            (t, b), (l, r) = crop
            self.add_layer(Layer("Cropping2D", "cropping2d", [self.node_label(node) + " (pads)"], "cropping2d",
                                 options=[str(t), str(b), str(l), str(r)]), self.latest())
            out = Value(out.shape, v.groups, tensor=self.latest())
        self.set_out(node, out)

    def zero_pad(self, node, v, pairs):
        """Explicit padding that is not TensorFlow's 'same': a ZeroPadding2D before a valid convolution
        (a 1D one between two Reshapes to and from a width of 1)."""
        label = self.node_label(node) + " (pads)"
        if len(pairs) == 2:
            (t, b), (l, r) = pairs
            self.add_layer(Layer("ZeroPadding2D", "zero_padding2d", [label], "zero_padding2d",
                                 options=[str(t), str(b), str(l), str(r)]), v)
            return Value([v.shape[0], v.shape[1], v.shape[2] + t + b, v.shape[3] + l + r], v.groups, tensor=self.latest())
        (b, e), = pairs
        length, ch = v.shape[2], v.shape[1]
        self.add_layer(Layer("Reshape", "reshape", [label], "reshape", options=[str(length), "1", str(ch)]), v)
        self.add_layer(Layer("ZeroPadding2D", "zero_padding2d", [label], "zero_padding2d",
                             options=[str(b), str(e), "0", "0"]), self.latest())
        self.add_layer(Layer("Reshape", "reshape", [label], "reshape", options=[str(length + b + e), str(ch)]), self.latest())
        return Value([v.shape[0], ch, length + b + e], v.groups, tensor=self.latest())

    def pool(self, node, attrs):
        v = self.single_data_input(node)
        if v.rank not in (3, 4):
            raise NodeError(f"{v.rank - 2}D pooling; tshape pools 1D and 2D")
        v = self.need_layout(v, channels_last_groups(v.rank), node)
        nd = v.rank - 2
        k = list(attrs["kernel_shape"])
        strides = list(attrs.get("strides", [1] * nd))
        if any(d != 1 for d in attrs.get("dilations", [1] * nd)):
            raise NodeError("dilated pooling is not supported")
        mode, _ = self.spatial_padding(node, attrs, v.shape[2:], k, strides, [1] * nd)
        if mode == "explicit":
            raise NodeError(f"pads {list(attrs.get('pads'))} are neither none ('valid') nor TensorFlow's 'same'")
        if mode == "same" and node.op_type == "AveragePool" and attrs.get("count_include_pad", 0):
            raise NodeError("count_include_pad=1 averages padding in; Keras' 'same' pooling does not")
        kind = ("MaxPooling" if node.op_type == "MaxPool" else "AveragePooling") + f"{nd}D"
        opts = [f"tshape::Pool<{', '.join(map(str, k))}>"]
        if strides != k:
            opts.append(f"tshape::Strides<{', '.join(map(str, strides))}>")
        if mode == "same":
            opts.append("tshape::Padding::same")
        snake = ("max_pooling" if node.op_type == "MaxPool" else "average_pooling") + f"{nd}d"
        self.add_layer(Layer(kind, snake, [self.node_label(node)], snake, options=opts), v)
        outs = [-(-n // s) if mode == "same" else (n - kk) // s + 1 for n, kk, s in zip(v.shape[2:], k, strides)]
        self.set_out(node, Value(v.shape[:2] + outs, v.groups, tensor=self.latest()))

    op_MaxPool = op_AveragePool = pool

    def global_pool(self, node, attrs):
        v = self.single_data_input(node)
        if v.rank not in (3, 4):
            raise NodeError("global pooling of a tensor that is not (N, C, L) or (N, C, H, W)")
        v = self.need_layout(v, channels_last_groups(v.rank), node)
        nd = v.rank - 2
        kind = ("GlobalAveragePooling" if node.op_type == "GlobalAveragePool" else "GlobalMaxPooling") + f"{nd}D"
        snake = ("global_average_pooling" if node.op_type == "GlobalAveragePool" else "global_max_pooling") + f"{nd}d"
        self.add_layer(Layer(kind, snake, [self.node_label(node)], snake, bare=True), v)
        self.set_out(node, Value(v.shape[:2] + [1] * nd, [[0], [1]], units=range(2, v.rank), tensor=self.latest()))

    op_GlobalAveragePool = op_GlobalMaxPool = global_pool

    def op_BatchNormalization(self, node, attrs):
        v = self.single_data_input(node)
        if attrs.get("training_mode", 0):
            raise NodeError("training_mode=1: export the model in eval() mode")
        if v.rank >= 3:
            v = self.need_layout(v, channels_last_groups(v.rank), node)
        else:
            v = self.need_layout(v, identity_groups(v.rank), node)
        if v.groups[-1] != [1]:
            raise NodeError("normalizes ONNX axis 1, which is not tshape's last axis here")
        gamma, beta, mean, var = (self.const(node.input[i], n) for i, n in
                                  ((1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")))
        p = v.producer
        if (self.fold_batchnorm and self.fusable(v, node.input[0]) and p.act is None
                and p.kind in ("Dense", "Conv1D", "Conv2D")):
            # Folded into the layer before it: kernel columns scaled, the bias shifted.
            scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + attrs.get("epsilon", 1e-5))
            kernel = p.params[0][1].astype(np.float64) * scale
            bias = p.params[1][1].astype(np.float64) if len(p.params) > 1 else np.zeros(scale.shape)
            p.params = [("kernel", kernel.astype(np.float32)),
                        ("bias", ((bias - mean) * scale + beta).astype(np.float32))]
            p.use_bias = True
            if getattr(p, "trailing", None):
                p.trailing = [t for t in p.trailing if t != "tshape::UseBias<false>"]
            p.nodes.append(self.node_label(node) + " (folded)")
            self.set_out(node, Value(v.shape, v.groups, v.units, producer=p, tensor=v.tensor))
            return
        # ONNX's momentum is Keras' (moving = moving * momentum + batch * (1 - momentum)); PyTorch
        # exports 1 - its own. Both go into BatchNormalization::with<...> when they are not Keras'
        # defaults, so that the variance is stored as it is and fine-tuning moves it as the source would.
        eps, momentum = float(attrs.get("epsilon", 1e-5)), float(attrs.get("momentum", 0.9))
        options = []
        eps_ratio, momentum_ratio = small_ratio(eps), small_ratio(momentum)
        if eps_ratio is not None and abs(eps - 1e-3) > 1e-12:
            options.append(f"tshape::Epsilon<{eps_ratio[0]}, {eps_ratio[1]}>")
        if momentum_ratio is not None and 0 <= momentum < 1 and abs(momentum - 0.99) > 1e-12:
            options.insert(0, f"tshape::Momentum<{momentum_ratio[0]}, {momentum_ratio[1]}>")
        keras_eps = eps if eps_ratio is not None else 1e-3
        params = list(zip(("gamma", "beta", "moving_mean", "moving_variance"),
                          layouts.batch_norm(gamma, beta, mean, var, eps, keras_eps=keras_eps)))
        layer = self.add_layer(Layer("BatchNormalization", "batch_normalization", [self.node_label(node)],
                                     "batch_normalization", params=params, bare=True), v)
        self.set_out(node, Value(v.shape, v.groups, v.units, producer=None, tensor=self.latest()))
        if options:
            layer.type_override = f"tshape::BatchNormalization::with<{', '.join(options)}>"
        layer.note = (f"epsilon {eps:g}, momentum {momentum:g}" if eps_ratio is not None
                      else f"epsilon {eps:g} (variance stored + epsilon - 1e-3)")

    # ---- reshapes -------------------------------------------------------------------------------------
    def reshape_to(self, node, v, new_shape):
        """The value after an ONNX reshape to new_shape (None = the batch): free when it only regroups
        axes, else a Reshape/Flatten layer (with a row permutation for the Dense after it)."""
        if v.groups is None:
            self.decide(v, identity_groups(v.rank))
        if new_shape == v.shape:
            return v
        free = self.free_reshape(v, new_shape)
        if free is not None:
            return free
        if v.elem_perm is not None:
            raise NodeError("reshapes a flattened convolution output again; only a Dense may read it")
        batch = v.batch_axis()
        if batch != 0 or new_shape[0] is not None:
            raise NodeError("moves the batch axis (a time-major sequence reshaped across the batch)")
        order = v.memory_order()
        sample = new_shape[1:]
        if order == sorted(order):
            if sample == v.tshape_shape():
                return Value(new_shape, identity_groups(len(new_shape)), producer=v.producer, tensor=v.tensor)
            if len(sample) == 1:
                self.add_layer(Layer("Flatten", "flatten", [self.node_label(node)], "flatten", bare=True), v)
            else:
                self.add_layer(Layer("Reshape", "reshape", [self.node_label(node)], "reshape",
                                     options=[str(d) for d in sample]), v)
            return Value(new_shape, identity_groups(len(new_shape)), tensor=self.latest())
        if len(sample) == 1:
            # Flatten of a channels-first tensor: tshape flattens channels-last; the Dense after it
            # reads its rows in that order.
            in_sample = v.shape[1:]
            nonbatch_order = [a - 1 for a in order] + [a - 1 for a in range(1, v.rank) if a not in order]
            idx = np.arange(int(np.prod(in_sample))).reshape(in_sample)
            perm = idx.transpose(nonbatch_order).ravel()
            self.add_layer(Layer("Flatten", "flatten", [self.node_label(node)], "flatten", bare=True), v)
            return Value(new_shape, [[0], [1]], elem_perm=perm, tensor=self.latest())
        if all(len(g) == 1 for g in v.groups):
            v = self.need_layout(v, identity_groups(v.rank), node)
            return self.reshape_to(node, v, new_shape)
        raise NodeError(f"a reshape from {shape_text(v.shape)} to {shape_text(new_shape)} that tshape's "
                        "channels-last layout cannot express")

    def free_reshape(self, v, new_shape):
        if v.elem_perm is not None:
            return None
        old_nu = [a for a in range(v.rank) if v.shape[a] != 1]
        new_nu = [a for a in range(len(new_shape)) if new_shape[a] != 1]
        blocks, i, j = [], 0, 0
        while i < len(old_nu) and j < len(new_nu):
            ins, outs = [old_nu[i]], [new_nu[j]]
            if v.shape[old_nu[i]] is None or new_shape[new_nu[j]] is None:
                if v.shape[old_nu[i]] is not None or new_shape[new_nu[j]] is not None:
                    return None
                blocks.append((ins, outs))
                i, j = i + 1, j + 1
                continue
            pi, pj = v.shape[old_nu[i]], new_shape[new_nu[j]]
            i, j = i + 1, j + 1
            while pi != pj:
                if pi < pj:
                    if i >= len(old_nu) or v.shape[old_nu[i]] is None:
                        return None
                    pi *= v.shape[old_nu[i]]
                    ins.append(old_nu[i])
                    i += 1
                else:
                    if j >= len(new_nu) or new_shape[new_nu[j]] is None:
                        return None
                    pj *= new_shape[new_nu[j]]
                    outs.append(new_nu[j])
                    j += 1
            blocks.append((ins, outs))
        if i != len(old_nu) or j != len(new_nu):
            return None
        groups = [[a for a in g if v.shape[a] != 1] for g in v.groups]
        if any(not g for g in groups):
            return None
        new_groups = [list(g) for g in groups]
        for ins, outs in blocks:
            gi = [k for k, g in enumerate(groups) if ins[0] in g]
            if not gi:
                return None
            g = groups[gi[0]]
            pos = g.index(ins[0])
            if g[pos:pos + len(ins)] != ins:
                return None
            ng = new_groups[gi[0]]
            npos = ng.index(ins[0])
            new_groups[gi[0]] = ng[:npos] + [("new", o) for o in outs] + ng[npos + len(ins):]
        final = [[x[1] for x in g] for g in new_groups]
        if any(any(not isinstance(x, tuple) for x in g) for g in new_groups):
            return None
        units = [a for a in range(len(new_shape)) if new_shape[a] == 1]
        return Value(new_shape, final, units, producer=v.producer, tensor=v.tensor)

    def op_Reshape(self, node, attrs):
        v = self.single_data_input(node)
        target = [int(d) for d in self.const(node.input[1], "the target shape")]
        elements = int(np.prod([d for d in v.shape if d is not None]))
        out = []
        for i, d in enumerate(target):
            if d == BATCH_SENTINEL or (d == 0 and not attrs.get("allowzero", 0) and v.shape[i] is None):
                out.append(None)
            elif d == 0 and not attrs.get("allowzero", 0):
                out.append(v.shape[i])
            else:
                out.append(d)
        if None not in out and self.static_batch is not None and out and out[0] == self.static_batch \
                and v.shape[0] is None:
            out[0] = None  # the batch the model was exported with, written as a number
        known = int(np.prod([d for d in out if d not in (None, -1)]))
        if -1 in out:
            k = out.index(-1)
            if None in out:
                out[k] = elements // known
            elif known == elements:
                out[k] = None
            else:
                raise NodeError("the reshape's -1 does not resolve to the batch")
        if None not in out:
            raise NodeError("the reshape fixes the batch size (export with a dynamic batch axis)")
        self.set_out(node, self.reshape_to(node, v, out))

    def op_Flatten(self, node, attrs):
        v = self.single_data_input(node)
        axis = attrs.get("axis", 1) % max(v.rank, 1)
        if v.shape[0] is not None or axis != 1:
            raise NodeError("Flatten other than from axis 1 with the batch first")
        self.set_out(node, self.reshape_to(node, v, [None, int(np.prod(v.shape[1:]))]))

    def squeeze_axes(self, node, attrs, v):
        if "axes" in attrs:
            return [a % v.rank for a in attrs["axes"]]
        if len(node.input) > 1 and node.input[1]:
            return [int(a) % v.rank for a in self.const(node.input[1], "the axes")]
        return [a for a in range(v.rank) if v.shape[a] == 1]

    def op_Squeeze(self, node, attrs):
        v = self.single_data_input(node)
        axes = self.squeeze_axes(node, attrs, v)
        if any(v.shape[a] != 1 for a in axes):
            raise NodeError("squeezes an axis whose extent is not 1")
        self.set_out(node, self.reshape_to(node, v, [d for a, d in enumerate(v.shape) if a not in axes]))

    def op_Unsqueeze(self, node, attrs):
        v = self.single_data_input(node)
        if "axes" in attrs:
            axes = list(attrs["axes"])
        else:
            axes = [int(a) for a in self.const(node.input[1], "the axes")]
        rank = v.rank + len(axes)
        shape = list(v.shape)
        for a in sorted(x % rank for x in axes):
            shape.insert(a, 1)
        self.set_out(node, self.reshape_to(node, v, shape))

    def op_Transpose(self, node, attrs):
        v = self.single_data_input(node)
        if v.groups is None:
            self.decide(v, identity_groups(v.rank))
        if v.elem_perm is not None:
            raise NodeError("transposes a flattened convolution output")
        perm = list(attrs.get("perm", list(reversed(range(v.rank)))))
        inv = {old: new for new, old in enumerate(perm)}
        shape = [v.shape[p] for p in perm]
        out = Value(shape, [[inv[a] for a in g] for g in v.groups], {inv[a] for a in v.units}, producer=v.producer, tensor=v.tensor)
        self.set_out(node, out)

    def op_Gather(self, node, attrs):
        v = self.single_data_input(node)
        idx = self.const(node.input[1], "the indices")
        axis = attrs.get("axis", 0) % v.rank
        if idx.ndim != 0:
            raise NodeError("gathers with an index array; only y[:, -1] (the last timestep of an RNN) is supported")
        i = int(idx) % v.shape[axis] if v.shape[axis] else int(idx)
        shape = [d for a, d in enumerate(v.shape) if a != axis]
        if v.shape[axis] == 1:
            self.set_out(node, self.reshape_to(node, v, shape))
            return
        p = v.producer
        time_group = v.groups[1] if v.groups and len(v.groups) > 1 else None
        if (p is None or p.kind not in ("GRU", "LSTM", "SimpleRNN", "Bidirectional") or not p.extra.get("sequences")
                or time_group != [axis] or i != v.shape[axis] - 1 or not self.fusable(v, node.input[0])):
            raise NodeError("a Gather other than the last timestep of a GRU/LSTM's output sequence")
        if p.kind == "Bidirectional":
            raise NodeError("the last timestep of a bidirectional RNN holds the backward direction's FIRST step; "
                            "Keras' Bidirectional without return_sequences differs; use the full sequence")
        p.extra["sequences"] = False
        p.options.remove("tshape::ReturnSequences")
        p.nodes.append(self.node_label(node))
        groups = [[a - (a > axis) for a in g] for g in v.groups if g != [axis]]
        self.set_out(node, Value(shape, groups, {a - (a > axis) for a in v.units if a != axis}, producer=p, tensor=v.tensor))

    # ---- recurrent layers ------------------------------------------------------------------------------
    def recurrent(self, node, attrs):
        op = node.op_type
        v = self.single_data_input(node)
        layout = attrs.get("layout", 0)
        if layout == 0:
            if v.groups is None:
                raise NodeError("reads the model's input time-major (timesteps, batch, features); export with "
                                "batch_first=True or transpose the input")
            x_groups = [[1], [0], [2]]
        else:
            x_groups = identity_groups(3)
        v = self.need_layout(v, x_groups, node)
        direction = attrs.get("direction", b"forward")
        direction = direction.decode() if isinstance(direction, bytes) else direction
        if direction == "reverse":
            raise NodeError("direction='reverse' is not supported (Keras' go_backwards also reverses the output)")
        if attrs.get("clip") is not None:
            raise NodeError("a cell clip is not supported")
        acts = [a.decode() if isinstance(a, bytes) else a for a in attrs.get("activations", [])]
        default = {"GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"], "RNN": ["Tanh"]}[op]
        rnn_act = None
        if op == "RNN" and acts and acts[0] == "Relu" and all(a == "Relu" for a in acts):
            rnn_act = "tshape::ReLU"  # PyTorch's nonlinearity='relu'
        elif acts and acts not in (default, default * 2):
            raise NodeError(f"activations {acts}; tshape's {op} uses {default}")
        if op == "LSTM" and attrs.get("input_forget", 0):
            raise NodeError("input_forget=1 (coupled input and forget gates) is not supported")
        for k, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c"), (7, "P (peepholes)")):
            if len(node.input) > k and node.input[k] and not (op in ("GRU", "RNN") and k > 5):
                name = node.input[k]
                c = self.consts.get(name)
                if k in (5, 6) and (isinstance(c, ZeroState) or (isinstance(c, np.ndarray) and not c.any())):
                    continue
                raise NodeError(f"{what} must be absent{' or zeros' if k in (5, 6) else ''}")
        w, r = self.const(node.input[1], "W"), self.const(node.input[2], "R")
        b = self.const(node.input[3], "B") if len(node.input) > 3 and node.input[3] else None
        dirs, hidden = w.shape[0], attrs.get("hidden_size", r.shape[-1])
        reset_after = bool(attrs.get("linear_before_reset", 0))
        params = []
        prefix = ["forward_", "backward_"] if dirs == 2 else [""]
        for d in range(dirs):
            bi = b[d][: b.shape[1] // 2] if b is not None else None
            bh = b[d][b.shape[1] // 2:] if b is not None else None
            if op == "RNN":
                arrays = [layouts.dense_kernel(w[d]), layouts.dense_kernel(r[d])]
                if bi is not None:
                    arrays.append((bi.astype(np.float64) + bh).astype(np.float32))
            elif op == "GRU":
                arrays = layouts.gru(w[d], r[d], bi, bh, layouts.ONNX_GRU_TO_KERAS, reset_after)
            else:
                arrays = layouts.lstm(w[d], r[d], bi, bh, layouts.ONNX_LSTM_TO_KERAS)
            params += [(prefix[d] + n, a) for n, a in zip(("kernel", "recurrent_kernel", "bias"), arrays)]
        y_users = self.data_consumers(node.output[0]) if node.output[0] else []
        h_users = self.data_consumers(node.output[1]) if len(node.output) > 1 and node.output[1] else []
        c_users = self.data_consumers(node.output[2]) if len(node.output) > 2 and node.output[2] else []
        outs = [o for o in node.output if o]
        if c_users or (y_users and h_users) or (set(outs) & set(self.graph_outputs) and len(
                [o for o in outs if o in self.graph_outputs or self.data_consumers(o)]) > 1):
            raise NodeError("more than one of its outputs (Y, Y_h, Y_c) is used; a Sequential RNN gives one")
        sequences = not h_users and not (len(node.output) > 1 and node.output[1] in self.graph_outputs)
        opts = [str(hidden)]
        if sequences:
            opts.append("tshape::ReturnSequences")
        if op == "GRU" and not reset_after:
            opts.append("tshape::ResetAfter<false>")
        if b is None:
            opts.append("tshape::UseBias<false>")
        if rnn_act:
            opts.append(rnn_act)
        kind, snake = {"GRU": ("GRU", "gru"), "LSTM": ("LSTM", "lstm"), "RNN": ("SimpleRNN", "simple_rnn")}[op]
        inner = Layer(kind, snake, [], snake, options=opts)
        if dirs == 2:
            layer = Layer("Bidirectional", "bidirectional", [self.node_label(node)], "bidirectional",
                          params=params, inner=inner, sequences=sequences)
            layer.options = inner.options  # shared, so ReturnSequences can be dropped later
        else:
            layer = Layer(kind, snake, [self.node_label(node)], snake, options=opts, params=params,
                          sequences=sequences)
        self.add_layer(layer, v)
        batch = v.shape[v.batch_axis()]
        steps = v.shape[v.groups[1][0]]
        if sequences:
            if layout == 0:
                shape, groups = [steps, dirs, batch, hidden], [[2], [0], [1, 3]]
            else:
                shape, groups = [batch, steps, dirs, hidden], [[0], [1], [2, 3]]
            g, u = normalized(shape, groups)
            self.set_out(node, Value(shape, g, u, producer=layer, tensor=self.latest()), 0)
        else:
            if layout == 0:
                shape, groups = [dirs, batch, hidden], [[1], [0, 2]]
            else:
                shape, groups = [batch, dirs, hidden], [[0], [1, 2]]
            g, u = normalized(shape, groups)
            self.set_out(node, Value(shape, g, u, producer=layer, tensor=self.latest()), 1)

    op_GRU = op_LSTM = op_RNN = recurrent


# ---------------------------------------------------------------------------------------------------
# Writing the header


def cpp_ident(text):
    out = "".join(c if c.isalnum() else "_" for c in text)
    return out if not out[:1].isdigit() else "_" + out


def layer_type(layer):
    if getattr(layer, "type_override", None):
        return layer.type_override
    args = list(layer.options)
    if layer.kind == "Bidirectional":
        inner = layer.extra["inner"]
        return f"tshape::Bidirectional<tshape::{inner.kind}<{', '.join(inner.options)}>>"
    if layer.act is not None:
        args.append(layer.act)
    args += getattr(layer, "trailing", [])
    if layer.kind == "Dense" and not layer.use_bias:
        args.append("tshape::UseBias<false>")
    if not args:
        return f"tshape::{layer.kind}"
    return f"tshape::{layer.kind}<{', '.join(args)}>"


def is_chain(conv):
    """True when the layers form a chain (a Sequential); else the header writes a functional model."""
    if len(conv.input_values) != 1 or len(conv.output_values) != 1:
        return False
    previous = "input"
    for layer in conv.layers:
        if layer.inputs != [previous]:
            return False
        previous = layer.tensor
    return conv.output_value.tensor == previous


def graph_layers(conv):
    """The layers the output depends on, each once (a tensor no output reads is not in the model)."""
    by_tensor = {l.tensor: l for l in conv.layers}
    seen, stack = set(), [v.tensor for v in conv.output_values]
    while stack:
        t = stack.pop()
        if t in seen or t not in by_tensor:
            continue
        seen.add(t)
        stack += by_tensor[t].inputs
    return [l for l in conv.layers if l.tensor in seen]


def keras_order(conv):
    """The layers in Keras' model.layers order (what get_weights() follows) for a functional model:
    by decreasing depth from the output, then by discovery in a depth-first walk from the output, as
    tshape's model/graph.hpp computes it."""
    by_tensor = {l.tensor: l for l in conv.layers}
    inputs_of = lambda t: by_tensor[t].inputs if t in by_tensor else []  # noqa: E731
    post, pre, seen_post, seen_pre = [], [], set(), set()

    def walk_post(t):
        if t in seen_post:
            return
        seen_post.add(t)
        for i in inputs_of(t):
            walk_post(i)
        post.append(t)

    def walk_pre(t):
        if t in seen_pre:
            return
        seen_pre.add(t)
        pre.append(t)
        for i in inputs_of(t):
            walk_pre(i)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(conv.layers) + 100))
    for v in conv.output_values:
        walk_post(v.tensor)
    for v in conv.output_values:
        walk_pre(v.tensor)
    depth = {}
    for t in reversed(post):
        d = depth.get(t, 0)
        depth[t] = d
        for i in inputs_of(t):
            depth[i] = max(d + 1, depth.get(i, 0))
    order = sorted(range(len(pre)), key=lambda k: (-depth[pre[k]], k))
    return [by_tensor[pre[k]] for k in order if pre[k] in by_tensor]


def model_layers(conv):
    return conv.layers if is_chain(conv) else keras_order(conv)


def functional_lines(conv, in_ts):
    lines = ["// The model's graph, as Keras' functional API writes it: each tensor is the layer applied to",
             "// the tensors it reads."]
    layers = graph_layers(conv)
    seen, tags = {}, []
    calls = []
    for l in layers:
        t = layer_type(l)
        key = (t, tuple(l.inputs))
        if key in seen:
            # Two equal layers on the same tensors would be one tensor in tshape: give them identities.
            tags.append(f"{l.tensor}_tag")
            t = f"tshape::Shared<{l.tensor}_tag, {t}>"
        seen[key] = True
        calls.append(f"inline constexpr auto {l.tensor} = {t}{{}}({', '.join(l.inputs)});  // {l.name}")
    lines.append("namespace graph {")
    lines += [f"struct {tag};" for tag in tags]
    # A tensor is its type in tshape: Inputs of one shape get their ONNX names to be two tensors.
    shapes = [tuple(v.tshape_shape()) for v in conv.input_values]
    for v, name, shape in zip(conv.input_values, conv.input_names, shapes):
        named = f"::named<{cxx_string(input_display_name(name, v.tensor))}>" if shapes.count(shape) > 1 else ""
        lines.append(f"inline constexpr auto {v.tensor} = tshape::Input<{', '.join(map(str, shape))}>{named}{{}};")
    lines += calls
    lines.append("}  // namespace graph")
    ins = [f"graph::{v.tensor}" for v in conv.input_values]
    outs = [f"graph::{v.tensor}" for v in conv.output_values]
    ins_text = ins[0] if len(ins) == 1 else f"tshape::inputs({', '.join(ins)})"
    outs_text = outs[0] if len(outs) == 1 else f"tshape::outputs({', '.join(outs)})"
    lines.append(f"using Net = decltype(tshape::model({ins_text}, {outs_text}));")
    return lines


def weight_arrays(conv):
    """[(C++ name, Keras name, array)] in get_weights() order."""
    out = []
    for layer in model_layers(conv):
        for wname, arr in layer.params:
            if layer.kind == "Bidirectional":
                direction, _, rest = wname.partition("_")  # forward_kernel -> forward, kernel
                keras = f"{layer.name}/{direction}_{layer.extra['inner'].name}/{rest}"
            else:
                keras = f"{layer.name}/{wname}"
            ident = cpp_ident(keras.replace("/", "_"))
            out.append((ident, keras, np.asarray(arr, dtype=np.float32)))
    return out


def float_lines(values, per_line=8, indent="    "):
    items = [f"{float(v):.9g}f" for v in values]
    items = [s if ("." in s or "e" in s or "n" in s) else s[:-1] + ".f" for s in items]
    return "\n".join(indent + ", ".join(items[i:i + per_line]) + "," for i in range(0, len(items), per_line))


def header_text(conv, namespace, weights_mode, npz_name, calibration=None, calibration_source=None):
    in_ts = conv.input_value.tshape_shape()
    arrays = weight_arrays(conv)
    total = sum(a.size for _, _, a in arrays)
    lines = []
    src = os.path.basename(conv.source_name)
    producer = conv.model.producer_name + (" " + conv.model.producer_version if conv.model.producer_version else "")
    lines.append(f"// Generated by onnx2tshape from {src}: do not edit; convert the model again instead.")
    lines.append("//")
    lines.append(f"// Source: {src}" + (f" (written by {producer})" if producer.strip() else "") + f", opset {conv.opset}")
    for name, dims, v in zip(conv.input_names, conv.input_onnx_shapes, conv.input_values):
        note = ""
        if v.groups != identity_groups(v.rank):
            note = " (channels-last: feed NHWC / (batch, steps, channels) data)"
        lines.append(f"// Input:  {name} float32 {shape_text(dims)}"
                     f" -> tshape::Input<{', '.join(map(str, v.tshape_shape()))}>{note}")
    for o, v in zip(conv.graph.output, conv.output_values):
        note = ""
        if v.elem_perm is not None or v.groups != identity_groups(v.rank):
            note = f" (tshape's layout: the ONNX output's axes reordered as {[g for g in v.groups]})"
        lines.append(f"// Output: {o.name} float32 {shape_text(v.shape)}"
                     f" -> (batch, {', '.join(map(str, v.tshape_shape()))}){note}")
    lines.append("//")
    rows = [(", ".join(l.nodes) or "-", f"{l.name}: {layer_type(l)}" + (f"  [{l.note}]" if getattr(l, "note", None) else ""))
            for l in conv.layers]
    width = min(max([len(r[0]) for r in rows] + [12]), 60)
    lines.append(f"// {'ONNX node(s)'.ljust(width)}  -> tshape layer")
    for nodes, layer in rows:
        lines.append(f"// {nodes.ljust(width)}  -> {layer}")
    lines.append("")
    lines.append("#pragma once")
    headers = sorted({f"tshape/layers/{l.header}.hpp" for l in conv.layers} |
                     ({"tshape/layers/" + l.extra["inner"].header + ".hpp" for l in conv.layers if l.kind == "Bidirectional"}))
    lines.append("#include <algorithm>")
    lines.append("#include <array>")
    lines.append("#include <cstddef>")
    lines.append("#include <type_traits>")
    lines.append("")
    for h in headers:
        lines.append(f"#include <{h}>")
    if not is_chain(conv):
        lines.append("#include <tshape/model/functional.hpp>")
    if calibration is not None:
        lines.append("#include <tshape/model/quantize.hpp>")
    lines.append("#include <tshape/model/sequential.hpp>")
    lines.append("#include <tshape/model/weights.hpp>")
    lines.append("")
    lines.append(f"namespace {namespace} {{")
    lines.append("")
    if is_chain(conv):
        body = ",\n".join(f"                               {layer_type(l)}" for l in conv.layers)
        lines.append(f"using Net = tshape::Sequential<tshape::Input<{', '.join(map(str, in_ts))}>" +
                     (",\n" + body if body else "") + ">;")
    else:
        lines += functional_lines(conv, in_ts)
    lines.append("")
    lines.append("// Checked when this header compiles: a stale or hand-edited type fails here.")
    lines.append("// (A type with a shape error is reported by tshape itself, once.)")
    lines.append(f"static_assert(!Net::ok || Net::param_count == {total}, \"onnx2tshape: the model has {total} parameters\");")
    for j, v in enumerate(conv.output_values):
        dims = ", ".join(map(str, v.tshape_shape()))
        which = "Net::output_shape" if len(conv.output_values) == 1 else f"Net::output_shape_at<{j}>"
        lines.append(f"static_assert(!Net::ok || std::is_same_v<{which}, tshape::Shape<{dims}>>,")
        lines.append(f"              \"onnx2tshape: the model's output {j} is (batch, {dims})\");"
                     if len(conv.output_values) > 1 else
                     f"              \"onnx2tshape: the model's output is (batch, {dims})\");")
    lines.append("")
    if weights_mode == "npz":
        lines.append(f"// The weights are in {npz_name} (Keras' get_weights() order and layouts):")
        lines.append(f"//   Net net;  tshape::load_weights(net, \"{npz_name}\");")
        lines.append("")
        if calibration is not None:
            lines += int8_lines(conv, calibration, calibration_source, weights_mode)
            lines.append("")
        lines.append(f"}}  // namespace {namespace}")
        return "\n".join(lines) + "\n"
    bad = [keras for _, keras, a in arrays if not np.isfinite(a).all()]
    if bad:
        raise ConvertError([f"weights {', '.join(bad)} hold NaN or infinite values, which C++ constants cannot "
                            "spell; fix the model (or use --weights npz)"])
    lines.append("// The weights in Keras' layouts, each array row-major in the shape its comment gives.")
    for ident, keras, a in arrays:
        lines.append(f"// {keras} {tuple(a.shape)}")
        lines.append(f"inline constexpr float {ident}[{a.size}] = {{")
        lines.append(float_lines(a.ravel()))
        lines.append("};")
    lines.append("")
    if arrays:
        lines.append("namespace detail {")
        lines.append("template <std::size_t... N>")
        lines.append("constexpr std::array<float, (N + ...)> concat_weights(const float (&... parts)[N]) {")
        lines.append("  std::array<float, (N + ...)> all{};")
        lines.append("  std::size_t at = 0;")
        lines.append("  ((std::copy(parts, parts + N, all.begin() + static_cast<std::ptrdiff_t>(at)), at += N), ...);")
        lines.append("  return all;")
        lines.append("}")
        lines.append("// Builds only a type that fits the weights: an edited type fails at the asserts above alone.")
        lines.append("struct not_built {};")
        lines.append("template <class N, std::size_t K>")
        lines.append("constexpr auto build(const std::array<float, K>& all) {")
        lines.append("  if constexpr (N::ok && N::param_count == static_cast<long long>(K))")
        lines.append("    return tshape::from_weights<N>(all);")
        lines.append("  else")
        lines.append("    return not_built{};")
        lines.append("}")
        lines.append("}  // namespace detail")
        lines.append("")
        lines.append("/// Every parameter in Keras' get_weights() order: what tshape::set_weights takes.")
        lines.append(f"inline constexpr std::array<float, {total}> weights = detail::concat_weights(")
        lines.append("    " + ", ".join(i for i, _, _ in arrays) + ");")
        lines.append("")
        lines.append("/// The model (a Net), built by the compiler: read-only data (flash on a microcontroller).")
        lines.append("inline constexpr auto model = detail::build<Net>(weights);")
    else:
        lines.append("/// The model (it has no parameters).")
        lines.append("inline constexpr Net model{};")
    lines.append("")
    if calibration is not None:
        lines += int8_lines(conv, calibration, calibration_source, weights_mode)
        lines.append("")
    lines.append(f"}}  // namespace {namespace}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------
# int8: the calibration data and what tshape::quantize() takes

# The layers tshape::quantize() takes (model/quantize.hpp), and the activations it takes on a layer: the
# requantization's clamp (ReLU, ReLU6) or an int8 stage after it (Sigmoid, Tanh, Softmax).
INT8_LAYERS = ("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
               "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
               "GlobalMaxPooling2D", "Flatten", "Reshape", "Dropout", "ReLU", "ReLU6", "Sigmoid", "Tanh", "Softmax")
INT8_ACTIVATIONS = (None, "tshape::ReLU", "tshape::ReLU6", "tshape::Sigmoid", "tshape::Tanh", "tshape::Softmax")


def int8_problems(conv):
    """Why tshape::quantize() would refuse the converted model: one line per layer, empty when it takes it."""
    if not is_chain(conv):
        return ["--int8: tshape::quantize() takes a Sequential model (one input, one output, no branches); "
                "this graph converts to a functional model"]
    problems = []
    for i, layer in enumerate(conv.layers):
        act_ok = layer.act in INT8_ACTIVATIONS
        kind_ok = layer.kind in INT8_LAYERS
        if layer.kind == "BatchNormalization" and i > 0:  # quantize() folds it into the layer before, as TFLite
            before = conv.layers[i - 1]
            kind_ok = before.kind in ("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D") and before.act is None
        if not (kind_ok and act_ok):
            problems.append(f"--int8: layer {layer.name} ({layer_type(layer)}, from {', '.join(layer.nodes) or '-'}) is not one "
                            "tshape::quantize() takes")
    if problems:
        problems.append("tshape::quantize() takes Dense, Conv1D, Conv2D and DepthwiseConv2D with no activation, ReLU, "
                        "ReLU6, Sigmoid, Tanh or Softmax, the 1D/2D poolings, the ReLU, ReLU6, Sigmoid, Tanh and Softmax "
                        "layers, Flatten, Reshape and Dropout, and a BatchNormalization right after a Dense or "
                        "convolution without activation (folded into it)")
    return problems


def calibration_samples(conv, path):
    """The samples of a .npy file given in the ONNX input's layout, in tshape's: (samples, input...) float32."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ConvertError([f"--calibrate {path}: not a readable .npy file ({e})"])
    v, dims = conv.input_value, conv.input_onnx_shape
    expected = [None if a == v.batch_axis() else d for a, d in enumerate(dims)]  # any number of samples
    if data.ndim != len(expected) or any(d is not None and d != n for d, n in zip(expected, data.shape)):
        raise ConvertError([f"--calibrate {path}: samples of shape {tuple(data.shape)}, where the model's input "
                            f"{conv.input_name} is {shape_text(dims)} (the samples along the batch axis, in the ONNX "
                            "model's layout, as PyTorch would take them)"])
    if data.dtype.kind not in "fiu" or data.shape[v.batch_axis()] < 1:
        raise ConvertError([f"--calibrate {path}: needs numbers and at least one sample"])
    data = data.astype(np.float32)
    if not np.isfinite(data).all():
        raise ConvertError([f"--calibrate {path}: holds NaN or infinite values"])
    order = [v.batch_axis()] + [a for g in v.groups[1:] for a in g]
    order += [a for a in range(data.ndim) if a not in order]  # axes of extent 1 tshape does not hold
    samples = data.shape[v.batch_axis()]
    return np.ascontiguousarray(np.transpose(data, order)).reshape([samples] + v.tshape_shape())


def int8_lines(conv, calibration, source, weights_mode):
    """The calibration samples as constants and the functions that quantize the model with them."""
    dims = ", ".join(map(str, calibration.shape))
    b = conv.input_value.batch_axis()
    onnx_dims = shape_text([calibration.shape[0] if a == b else d for a, d in enumerate(conv.input_onnx_shape)])
    lines = ["// int8 (--int8): tshape::quantize(), TensorFlow Lite's full-integer scheme (docs/quantization.md),",
             f"// calibrated on the {calibration.shape[0]} samples of {source}, given {onnx_dims} in the ONNX input's layout",
             f"// and stored here as the model's input takes them, ({dims}).",
             f"inline constexpr float calibration_values[{calibration.size}] = {{",
             float_lines(calibration.ravel()),
             "};",
             f"inline constexpr tshape::TensorView<const float, tshape::Shape<{dims}>> calibration(calibration_values);",
             "",
             "/// The int8 model of `net`, activations calibrated on the samples above: q(x) float in and out,",
             "/// q.int8(xq) on int8 data (q.input_quantization()'s scale and zero point).",
             "constexpr tshape::Quantized<Net> quantized(const Net& net) { return tshape::quantize(net, calibration); }"]
    if weights_mode != "npz":
        lines += ["/// The int8 model of this header's model.",
                  "constexpr tshape::Quantized<Net> quantized() { return quantized(model); }"]
    return lines


# ---------------------------------------------------------------------------------------------------
# Command line


def load_model(path):
    import onnx
    from google.protobuf.message import DecodeError
    if not os.path.isfile(path):
        raise ConvertError([f"{path}: no such file"])
    try:
        model = onnx.load(path)
    except (DecodeError, ValueError, RuntimeError, OSError, UnicodeDecodeError) as e:
        raise ConvertError([f"{path}: not a readable ONNX model ({type(e).__name__}: {e})"])
    except Exception as e:  # protobuf raises assorted errors on corrupt input
        raise ConvertError([f"{path}: not a readable ONNX model ({type(e).__name__}: {e})"])
    if not model.graph.node and not model.graph.input:
        raise ConvertError([f"{path}: not an ONNX model (no graph in it)"])
    try:
        onnx.checker.check_model(model)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ConvertError([f"{path}: the ONNX checker rejects the model: {first}"])
    if model.functions:
        inline_functions(model, path)
    return model


def inline_functions(model, path):
    """Replaces each call of a model-local function (PyTorch's newer exporter writes them) by the
    function's nodes, their values renamed per call; in place."""
    from onnx import AttributeProto
    functions = {(f.domain, f.name): f for f in model.functions}
    counter = [0]

    def expand(nodes, depth):
        out = []
        for n in nodes:
            f = functions.get((n.domain, n.op_type))
            if f is None:
                out.append(n)
                continue
            if depth > 20:
                raise ConvertError([f"{path}: local function {f.name} calls itself (more than 20 deep)"])
            counter[0] += 1
            prefix = f"{n.name or f.name}/"
            rename = {formal: actual for formal, actual in zip(f.input, n.input)}
            rename.update({formal: actual for formal, actual in zip(f.output, n.output)})
            call_attrs = {a.name: a for a in n.attribute}
            body = []
            for inner in f.node:
                copy = type(inner)()
                copy.CopyFrom(inner)
                copy.name = prefix + (inner.name or inner.op_type)
                for i, name in enumerate(copy.input):
                    if name:
                        copy.input[i] = rename.get(name, prefix + name)
                for i, name in enumerate(copy.output):
                    if name:
                        copy.output[i] = rename.get(name, prefix + name)
                attrs = []
                for a in copy.attribute:
                    if a.ref_attr_name:
                        if a.ref_attr_name in call_attrs:
                            b = AttributeProto()
                            b.CopyFrom(call_attrs[a.ref_attr_name])
                            b.name = a.name
                            attrs.append(b)
                    else:
                        attrs.append(a)
                del copy.attribute[:]
                copy.attribute.extend(attrs)
                body.append(copy)
            out += expand(body, depth + 1)
        return out

    nodes = expand(list(model.graph.node), 0)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    del model.functions[:]


def convert(path, keep_input_layout=False, fold_batchnorm=False):
    model = load_model(path)
    try:
        return Converter(model, path, keep_input_layout, fold_batchnorm).run()
    except ConvertError:
        raise
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as e:
        raise ConvertError([f"{path}: malformed model ({type(e).__name__}: {e})"])


def write_atomically(path, data, binary=False):
    """Writes a temporary file beside path, then renames it: a failure leaves no half-written output.
    A failure is a ConvertError that names the output, not the temporary file."""
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise ConvertError([f"{path}: the folder {folder} does not exist"])
    tmp = path + ".tmp-onnx2tshape"
    try:
        with open(tmp, "wb" if binary else "w") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise ConvertError([f"{path}: cannot write it ({e.strerror})"]) from None


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(prog="onnx2tshape", description="Converts an ONNX model into a tshape header: "
                                "the Sequential type, its weights in Keras' layouts and a constexpr model.")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("-o", "--output", required=True, help="the header to write (model.hpp)")
    p.add_argument("--namespace", default="model", help="the C++ namespace of the header (default: model)")
    p.add_argument("--weights", choices=("header", "npz"), default="header",
                   help="header: constexpr arrays in the header (default); npz: an .npz next to it for load_weights")
    p.add_argument("--npz", help="with --weights npz: the archive's path (default: the header's with .npz)")
    p.add_argument("--keep-input-layout", action="store_true",
                   help="keep the input in the ONNX layout (NCHW): one Permute at the input instead of NHWC data")
    p.add_argument("--fold-batchnorm", action="store_true",
                   help="fold a BatchNormalization into the Dense or convolution right before it")
    p.add_argument("--int8", action="store_true",
                   help="also write quantized(): the model in int8 (tshape::quantize), calibrated with --calibrate")
    p.add_argument("--calibrate", metavar="DATA.npy",
                   help="with --int8: representative input samples, (samples, ...) in the ONNX input's layout")
    args = p.parse_args(argv)
    if args.int8 != (args.calibrate is not None):
        print("onnx2tshape: --int8 and --calibrate DATA.npy go together (the int8 model's activations are "
              "calibrated on the samples)", file=sys.stderr)
        return 2
    ns = args.namespace
    if not all(part.isidentifier() for part in ns.split("::")):
        print(f"onnx2tshape: --namespace {ns!r} is not a C++ namespace name", file=sys.stderr)
        return 2
    try:
        conv = convert(args.model, args.keep_input_layout, args.fold_batchnorm)
        npz_path = args.npz or os.path.splitext(args.output)[0] + ".npz"
        calibration = None
        if args.int8:
            problems = int8_problems(conv)
            if problems:
                raise ConvertError(problems)
            calibration = calibration_samples(conv, args.calibrate)
        text = header_text(conv, ns, args.weights, os.path.basename(npz_path), calibration,
                           os.path.basename(args.calibrate or ""))
        if args.weights == "npz":
            import io
            buf = io.BytesIO()
            layouts.save_npz(buf, [a for _, _, a in weight_arrays(conv)])
            write_atomically(npz_path, buf.getvalue(), binary=True)
        write_atomically(args.output, text)
    except ConvertError as e:
        print(f"onnx2tshape: cannot convert {args.model}:", file=sys.stderr)
        for problem in e.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return 1
    except (MemoryError, RecursionError, OSError, ArithmeticError, LookupError, ValueError, TypeError,
            AttributeError) as e:  # a hostile or broken file: a message, never a traceback
        print(f"onnx2tshape: cannot convert {args.model}: {type(e).__name__}: {e}", file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return 1
    n = sum(a.size for _, _, a in weight_arrays(conv))
    print(f"onnx2tshape: wrote {args.output} ({len(conv.layers)} layers, {n} parameters)")
    return 0
