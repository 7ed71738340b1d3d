#!/usr/bin/python3
"""Files for the io tests, written by NumPy itself, and the outputs expected from them.

io/images.npy     float32 (3, 4, 4): images without a channel axis (as MNIST's x_train)
io/counts.npy     int32 (2, 3)
io/fortran.npy    float32 (2, 3) in Fortran order (rejected with a fix)
io/mlp.npz        numpy.savez(*model.get_weights()) of Input(5) -> Dense(4, relu) -> Dense(3)
io/mlp_named.npz  the same arrays saved by name, as model.weights names them
io/mlp_compressed.npz  the same with savez_compressed (deflated members, read through zlib)
io.txt            the MLP's input and expected output (format of dense.txt)
Run from this folder: /usr/bin/python3 make_io.py
"""
import numpy as np

rng = np.random.default_rng(5)
np.save("io/images.npy", rng.normal(size=(3, 4, 4)).astype(np.float32))
np.save("io/counts.npy", np.arange(6, dtype=np.int32).reshape(2, 3))
np.save("io/fortran.npy", np.asfortranarray(rng.normal(size=(2, 3)).astype(np.float32)))

k1 = rng.normal(size=(5, 4)).astype(np.float32)
b1 = rng.normal(size=(4,)).astype(np.float32)
k2 = rng.normal(size=(4, 3)).astype(np.float32)
b2 = rng.normal(size=(3,)).astype(np.float32)
np.savez("io/mlp.npz", k1, b1, k2, b2)
np.savez("io/mlp_named.npz", **{"dense/kernel:0": k1, "dense/bias:0": b1, "dense_1/kernel:0": k2, "dense_1/bias:0": b2})
np.savez_compressed("io/mlp_compressed.npz", k1, b1, k2, b2)

x = rng.normal(size=(2, 5)).astype(np.float32)
h = np.maximum(x.astype(np.float64) @ k1 + b1, 0)
y = h @ k2 + b2
with open("io.txt", "w") as fh:
    for name, a in (("x", x), ("y", y)):
        fh.write(f"{name} {a.ndim} " + " ".join(map(str, a.shape)) + " " + " ".join(repr(float(v)) for v in a.ravel()) + "\n")
