#!/usr/bin/python3
"""Reference learning curves: small MLPs trained with Keras' optimizers, in float64.

Five models from fixed weights (written out in Keras' layouts, get_weights() order: Dense kernel
(in, units), bias (units,)):
  mlp_ce:  20 -> Dense(16, relu) -> Dense(3, softmax), sparse categorical cross-entropy. As tf.keras 2
           does for a softmax output, the loss is computed from the cached logits: mean(lse(z) - z_y).
  mlp_mse: 20 -> Dense(12, tanh) -> Dense(4), mean squared error.
  mlp_bn:  20 -> Dense(16, no bias) -> BatchNormalization -> ReLU -> Dense(3, softmax), as mlp_ce.
  bn_fused: (2, 2, 5) -> BatchNormalization -> Flatten -> Dense(3, softmax), as mlp_ce (the samples
           are the same 20 values, reshaped).
  cnn:     (6, 6, 1) -> Conv2D(4, 3x3, same, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(3, softmax),
           as mlp_ce, on its own data set of 36 images (cnn.x, cnn.labels) from its own generator, so
           that the MLPs' arrays stay as they were. Its torch twin computes
           in NCHW: the kernel HWIO permuted to OIHW, TensorFlow's 'same' for a 3x3 stride-1 window
           being one pixel of zeros on each side, and the pooled activation permuted back to NHWC
           before the flatten, so that the Dense kernel's rows are in Keras' order.
The batch normalizations train as Keras 2 does (the batch's statistics; moving ones with momentum
0.99, the variance unbiased on the fused path of rank-4 batches), and their moving statistics after
training are written out too.
A fixed data set of 36 samples, batches of 8 in order (no shuffle; the last batch has 4), 3 epochs.
Each batch's loss is the one before its update (train_on_batch); an epoch's loss is Keras' running
mean of them weighted by batch size.

The optimizers follow tf.keras 2.11+ ("new" optimizers) as include/tshape/train/optimizers.hpp
documents them, epsilon placement as Keras (not PyTorch), written out here with torch tensors;
hyperparameters are rounded to float32 first, as tshape holds them. Clipping as Keras:
clipnorm scales each gradient array to that norm at most, global_clipnorm all arrays together.
torch.optim.SGD, whose momentum buffer is Keras' m / -lr for a constant learning rate, is run beside
the Keras rule for momentum and nesterov, and must give the same curves.

Writes training.txt in the format of dense.txt. Run from this folder: /usr/bin/python3 make_training.py
"""
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2024)
out = []
BATCH, EPOCHS, N = 8, 3, 36


def put(name, a):
    a = np.asarray(a, dtype=np.float64)
    dims = " ".join(str(d) for d in a.shape)
    out.append(f"{name} {a.ndim} {dims} " + " ".join(repr(float(v)) for v in a.ravel()))


def f32(v):
    return float(np.float32(v))


def glorot(fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


# ---- data: inputs, labels from a random teacher (so that there is something to learn), targets
x = rng.normal(size=(N, 20)).astype(np.float32)
teacher = rng.normal(size=(20, 3))
labels = np.argmax(x @ teacher + rng.normal(scale=0.5, size=(N, 3)), axis=1)
targets = np.tanh(x @ rng.normal(scale=0.3, size=(20, 4))).astype(np.float32)
put("x", x)
put("labels", labels)
put("targets", targets)


# ---- models: weights in get_weights() order, float32 values
def weights(sizes):
    ws = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        ws.append(glorot(a, b))
        ws.append(rng.uniform(-0.1, 0.1, b).astype(np.float32))
    return ws


def bn_weights():
    # Dense(16, use_bias=False) kernel; BatchNormalization gamma, beta, moving_mean, moving_variance;
    # Dense(3) kernel, bias. No bias before the normalization, as usual: its gradient is zero but for
    # rounding, which Adam's normalized step would turn into a drift of the moving mean.
    ws = [glorot(20, 16)]
    ws += [rng.uniform(0.8, 1.2, 16).astype(np.float32), rng.uniform(-0.1, 0.1, 16).astype(np.float32),
           rng.uniform(-0.2, 0.2, 16).astype(np.float32), rng.uniform(0.8, 1.5, 16).astype(np.float32)]
    return ws + weights([16, 3])


def mlp(act):
    def forward(p, xb):
        return act(xb @ p[0] + p[1]) @ p[2] + p[3]

    return forward


def mlp_bn(p, xb):
    """Dense without bias -> BatchNormalization (training: the batch's mean and biased variance; Keras 2's plain
    path for rank-2 batches moves the moving variance towards the biased one) -> ReLU -> Dense."""
    h = xb @ p[0]
    mean = h.mean(dim=0)
    var = ((h - mean) ** 2).mean(dim=0)
    with torch.no_grad():
        momentum = f32(0.99)
        p[3].copy_(p[3] * momentum + mean * (1 - momentum))
        p[4].copy_(p[4] * momentum + var * (1 - momentum))
    h = p[1] * (h - mean) / torch.sqrt(var + f32(1e-3)) + p[2]
    return torch.relu(h) @ p[5] + p[6]


def bn_fused_weights():
    # BatchNormalization over 5 channels: gamma, beta, moving_mean, moving_variance; Dense(3).
    ws = [rng.uniform(0.8, 1.2, 5).astype(np.float32), rng.uniform(-0.1, 0.1, 5).astype(np.float32),
          rng.uniform(-0.2, 0.2, 5).astype(np.float32), rng.uniform(0.8, 1.5, 5).astype(np.float32)]
    return ws + weights([20, 3])


def bn_fused(p, xb):
    """The 20 inputs as a (2, 2, 5) sample -> BatchNormalization -> Flatten -> Dense. A rank-4 batch:
    Keras 2's fused path, which moves the moving variance towards the UNBIASED batch variance."""
    h = xb.reshape(-1, 2, 2, 5)
    n = h.shape[0] * 4
    mean = h.mean(dim=(0, 1, 2))
    var = ((h - mean) ** 2).mean(dim=(0, 1, 2))
    with torch.no_grad():
        momentum = f32(0.99)
        p[2].copy_(p[2] * momentum + mean * (1 - momentum))
        p[3].copy_(p[3] * momentum + var * n / max(n - 1, 1) * (1 - momentum))
    h = p[0] * (h - mean) / torch.sqrt(var + f32(1e-3)) + p[1]
    return h.reshape(-1, 20) @ p[4] + p[5]


# ---- the CNN: its own generator, so that the arrays above do not depend on it
cnn_rng = np.random.default_rng(2025)


def cnn_data():
    """36 images of 6x6x1: a short bar, horizontal, vertical or diagonal (the class), at a random place,
    with its sign and strength random, over noise."""
    images = cnn_rng.normal(scale=0.5, size=(N, 6, 6, 1))
    classes = cnn_rng.integers(0, 3, N)
    for n, c in enumerate(classes):
        r, q = cnn_rng.integers(0, 4, 2)
        strength = cnn_rng.uniform(1.0, 2.0) * cnn_rng.choice([-1.0, 1.0])
        for k in range(3):
            dr, dq = ((0, k), (k, 0), (k, k))[c]
            images[n, r + dr, q + dq, 0] += strength
    return images.astype(np.float32), classes


cnn_x, cnn_labels = cnn_data()
put("cnn.x", cnn_x)
put("cnn.labels", cnn_labels)


def cnn_weights():
    # Conv2D(4, 3x3) kernel HWIO (3, 3, 1, 4), bias (4,); Dense(3) kernel (36, 3), bias (3,). Glorot's
    # fans for a kernel: the receptive field times the input and the output channels.
    limit = np.sqrt(6.0 / (9 * 1 + 9 * 4))
    ws = [cnn_rng.uniform(-limit, limit, (3, 3, 1, 4)).astype(np.float32),
          cnn_rng.uniform(-0.1, 0.1, 4).astype(np.float32)]
    limit = np.sqrt(6.0 / (36 + 3))
    return ws + [cnn_rng.uniform(-limit, limit, (36, 3)).astype(np.float32),
                 cnn_rng.uniform(-0.1, 0.1, 3).astype(np.float32)]


def cnn(p, xb):
    """NHWC in and out, NCHW inside: torch's conv2d takes OIHW kernels; 'same' is one pixel each side."""
    h = torch.nn.functional.conv2d(xb.permute(0, 3, 1, 2), p[0].permute(3, 2, 0, 1), p[1], padding=1)
    # Ties in a pooling window are ReLU's zeros, whose gradient is zero whichever cell gets it.
    h = torch.nn.functional.max_pool2d(torch.relu(h), 2)
    return h.permute(0, 2, 3, 1).reshape(len(xb), -1) @ p[2] + p[3]


# name: (weights, forward, loss, indices of the trainable arrays, indices of the moving statistics)
MODELS = {
    "mlp_ce": (weights([20, 16, 3]), mlp(torch.relu), "sparse_ce", [0, 1, 2, 3], []),
    "mlp_mse": (weights([20, 12, 4]), mlp(torch.tanh), "mse", [0, 1, 2, 3], []),
    "mlp_bn": (bn_weights(), mlp_bn, "sparse_ce", [0, 1, 2, 5, 6], [3, 4]),
    "bn_fused": (bn_fused_weights(), bn_fused, "sparse_ce", [0, 1, 4, 5], [2, 3]),
    "cnn": (cnn_weights(), cnn, "sparse_ce", [0, 1, 2, 3], []),
}
# The data set of each model: inputs and class labels (or regression targets); the MLPs share one.
DATA = {"cnn": (cnn_x, cnn_labels)}


def data(model):
    """A model's inputs and labels (or targets) as torch tensors."""
    classes = MODELS[model][2] == "sparse_ce"
    xs, ys = DATA.get(model, (x, labels if classes else targets))
    return torch.tensor(xs, dtype=torch.float64), torch.tensor(ys) if classes else torch.tensor(ys, dtype=torch.float64)


for name, (ws, _, _, _, _) in MODELS.items():
    for i, w in enumerate(ws):
        put(f"{name}.w{i}", w)


def batch_loss(params, forward, loss, xb, yb):
    z = forward(params, xb)
    if loss == "sparse_ce":  # from the logits, as Keras reads a softmax output's pre-activation
        return torch.mean(torch.logsumexp(z, dim=1) - z[torch.arange(len(yb)), yb])
    return torch.mean(torch.mean((z - yb) ** 2, dim=1))


# ---- Keras' update rules (optimizers.hpp), one array at a time; `state` holds the slots per array
def sgd(lr, momentum=0.0, nesterov=False):
    lr, momentum = f32(lr), f32(momentum)

    def apply(w, g, s, t):
        if momentum == 0.0:
            w -= lr * g
            return
        m = s.setdefault("m", torch.zeros_like(w))
        m.copy_(momentum * m - lr * g)
        w += momentum * m - lr * g if nesterov else m

    return apply


def adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=0.0):
    lr, beta_1, beta_2, epsilon, weight_decay = map(f32, (lr, beta_1, beta_2, epsilon, weight_decay))

    def apply(w, g, s, t):
        if weight_decay:
            w -= w * weight_decay * lr
        m = s.setdefault("m", torch.zeros_like(w))
        v = s.setdefault("v", torch.zeros_like(w))
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        w -= m * alpha / (torch.sqrt(v) + epsilon)

    return apply


def rmsprop(lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    lr, rho, momentum, epsilon = map(f32, (lr, rho, momentum, epsilon))

    def apply(w, g, s, t):
        v = s.setdefault("v", torch.zeros_like(w))
        v.copy_(rho * v + (1 - rho) * g * g)
        denominator = v
        if centered:
            a = s.setdefault("a", torch.zeros_like(w))
            a.copy_(rho * a + (1 - rho) * g)
            denominator = v - a * a
        increment = lr * g / torch.sqrt(denominator + epsilon)
        if momentum > 0:
            mom = s.setdefault("mom", torch.zeros_like(w))
            mom.copy_(momentum * mom + increment)
            w -= mom
        else:
            w -= increment

    return apply


def adagrad(lr, initial_accumulator_value=0.1, epsilon=1e-7):
    lr, initial, epsilon = map(f32, (lr, initial_accumulator_value, epsilon))

    def apply(w, g, s, t):
        acc = s.setdefault("acc", torch.full_like(w, initial))
        acc += g * g
        w -= lr * g / torch.sqrt(acc + epsilon)

    return apply


def train(model, apply, clipnorm=0.0, global_clipnorm=0.0, torch_optimizer=None):
    ws, forward, loss, trainable, _ = MODELS[model]
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=i in trainable) for i, w in enumerate(ws)]
    trained = [params[i] for i in trainable]
    states = [dict() for _ in trained]
    opt = torch_optimizer(trained) if torch_optimizer else None
    xt, yt = data(model)
    t, curve = 0, []
    for _ in range(EPOCHS):
        total, count = 0.0, 0
        for b0 in range(0, N, BATCH):
            xb, yb = xt[b0:b0 + BATCH], yt[b0:b0 + BATCH]
            for p in trained:
                p.grad = None
            l = batch_loss(params, forward, loss, xb, yb)
            l.backward()
            total += l.item() * len(xb)
            count += len(xb)
            t += 1
            if opt:
                opt.step()
                continue
            grads = [p.grad.clone() for p in trained]
            if global_clipnorm:
                norm = torch.sqrt(sum(torch.sum(g * g) for g in grads)).item()
                if norm > f32(global_clipnorm):
                    grads = [g * (f32(global_clipnorm) / norm) for g in grads]
            with torch.no_grad():
                for p, g, s in zip(trained, grads, states):
                    if clipnorm:
                        norm = torch.sqrt(torch.sum(g * g)).item()
                        if norm > f32(clipnorm):
                            g = g * (f32(clipnorm) / norm)
                    apply(p, g, s, t)
        curve.append(total / count)
    return curve, params


RUNS = {
    "sgd": dict(apply=sgd(0.1)),
    "sgd_momentum": dict(apply=sgd(0.05, momentum=0.9)),
    "sgd_nesterov": dict(apply=sgd(0.05, momentum=0.9, nesterov=True)),
    "adam": dict(apply=adam(0.01)),
    "adamw": dict(apply=adam(0.01, weight_decay=0.05)),
    "rmsprop": dict(apply=rmsprop(0.005)),
    "rmsprop_centered_momentum": dict(apply=rmsprop(0.002, momentum=0.5, centered=True)),
    "adagrad": dict(apply=adagrad(0.05)),
    # A large epsilon, where its placement shows: Keras' Adam adds it outside the bias correction,
    # RMSprop and Adagrad under the square root.
    "adam_epsilon": dict(apply=adam(0.01, epsilon=0.01)),
    "rmsprop_epsilon": dict(apply=rmsprop(0.005, epsilon=0.01)),
    "adagrad_epsilon": dict(apply=adagrad(0.05, epsilon=0.01)),
    "sgd_momentum_clipnorm": dict(apply=sgd(0.05, momentum=0.9), clipnorm=0.3),
    "sgd_momentum_global_clipnorm": dict(apply=sgd(0.05, momentum=0.9), global_clipnorm=0.5),
    "adam_global_clipnorm": dict(apply=adam(0.01), global_clipnorm=0.3),
}

for model in MODELS:
    for run, kw in RUNS.items():
        curve, params = train(model, **kw)
        put(f"{model}.{run}", curve)
        print(f"{model}.{run}: {curve}")
        moving = MODELS[model][4]
        if moving:  # the moving statistics after training
            put(f"{model}.{run}.moving_mean", params[moving[0]].detach())
            put(f"{model}.{run}.moving_variance", params[moving[1]].detach())
    # torch.optim.SGD's momentum and nesterov are Keras' rules with m = -lr * buffer: the same curves.
    for run, nesterov in (("sgd_momentum", False), ("sgd_nesterov", True)):
        lr, mom = f32(0.05), f32(0.9)
        ref, _ = train(model, None, torch_optimizer=lambda p: torch.optim.SGD(p, lr=lr, momentum=mom, nesterov=nesterov))
        keras, _ = train(model, **RUNS[run])
        assert np.allclose(ref, keras, rtol=1e-12, atol=0), (model, run, ref, keras)
    # PyTorch's Adam adds epsilon after the bias correction: with a large one, another curve, so the
    # adam_epsilon run tells the two placements apart.
    lr, eps = f32(0.01), f32(0.01)
    ref, _ = train(model, None, torch_optimizer=lambda p: torch.optim.Adam(p, lr=lr, betas=(f32(0.9), f32(0.999)), eps=eps))
    keras, _ = train(model, **RUNS["adam_epsilon"])
    assert not np.allclose(ref, keras, rtol=1e-3, atol=0), (model, ref, keras)

# The clipping runs must clip: the gradient norms of the first batch, for the record.
for model, (ws, forward, loss, trainable, _) in MODELS.items():
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=i in trainable) for i, w in enumerate(ws)]
    xt, yt = data(model)
    batch_loss(params, forward, loss, xt[:BATCH], yt[:BATCH]).backward()
    print(model, "first-batch gradient norms:", [round(params[i].grad.norm().item(), 3) for i in trainable])

with open("training.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
