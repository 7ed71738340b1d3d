#!/usr/bin/python3
"""Reference values for Keras' losses (tf.keras 2.x, on probabilities, "sum_over_batch_size").

Written out with numpy in float64 from the formulas of tf.keras 2.x (keras/backend.py), including
its clipping to [1e-7, 1 - 1e-7] in float32. Writes losses.txt in the format of dense.txt.
Run from this folder: /usr/bin/python3 make_losses.py
"""
import numpy as np

rng = np.random.default_rng(11)
EPS = 1e-7
LO, HI = np.float32(EPS), np.float32(1 - EPS)
out = []


def put(name, a):
    a = np.asarray(a, dtype=np.float64)
    dims = " ".join(str(d) for d in a.shape)
    out.append(f"{name} {a.ndim} {dims} " + " ".join(repr(float(v)) for v in a.ravel()))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# Regression and binary targets: (6, 3) predictions in (0, 1), one exactly 0 and one exactly 1.
p = rng.uniform(0.01, 0.99, (6, 3)).astype(np.float32)
p[0, 0], p[1, 1] = 0.0, 1.0
t = (rng.uniform(size=(6, 3)) > 0.5).astype(np.float32)
put("p", p)
put("t", t)
put("mse", np.mean(np.mean((p.astype(np.float64) - t) ** 2, axis=-1)))
put("mae", np.mean(np.mean(np.abs(p.astype(np.float64) - t), axis=-1)))
pc = np.clip(p, LO, HI).astype(np.float64)
put("bce", np.mean(np.mean(-(t * np.log(pc + EPS) + (1 - t) * np.log(1 - pc + EPS)), axis=-1)))

# Classification: (5, 4) softmax outputs, one-hot and sparse targets.
q = softmax(rng.normal(size=(5, 4)) * 3).astype(np.float32)
labels = rng.integers(0, 4, size=5)
onehot = np.eye(4)[labels]
put("q", q)
put("labels", labels)
put("onehot", onehot)
qs = (q / q.sum(axis=-1, keepdims=True)).astype(np.float32)
put("cce", np.mean(-np.sum(onehot * np.log(np.clip(qs, LO, HI).astype(np.float64)), axis=-1)))
qc = np.clip(q, LO, HI).astype(np.float64)
put("sparse_cce", np.mean(-np.log(qc[np.arange(5), labels]) + np.log(qc.sum(axis=-1))))

with open("losses.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
