#!/usr/bin/python3
"""Compressed archives written by numpy.savez_compressed, for the io tests (tests/unit/io/npz_test.cpp).

io/mlp_compressed.npz     (make_io.py) the MLP's weights, arr_0..arr_3, deflated
io/mixed_compressed.npz   named members of several dtypes, one large and very compressible:
    zeros      float32 (64, 64) zeros (16 KiB inflated from a few dozen bytes)
    counts     int32 (2, 3) 0..5
    flags      bool (5,) [True, False, True, True, False]
    ramp       float64 (7,) 0, 0.5, ..., 3
    empty      float32 (0, 3)
io/mixed_stored.npz       the same with numpy.savez (each member stored), to compare
Run from this folder: /usr/bin/python3 make_npz_compressed.py
"""
import numpy as np

arrays = {
    "zeros": np.zeros((64, 64), np.float32),
    "counts": np.arange(6, dtype=np.int32).reshape(2, 3),
    "flags": np.array([True, False, True, True, False]),
    "ramp": np.arange(7, dtype=np.float64) * 0.5,
    "empty": np.zeros((0, 3), np.float32),
}
np.savez_compressed("io/mixed_compressed.npz", **arrays)
np.savez("io/mixed_stored.npz", **arrays)

# numpy reads back what it wrote, member for member.
for name in ("io/mixed_compressed.npz", "io/mixed_stored.npz"):
    with np.load(name) as f:
        assert list(f.keys()) == list(arrays), f.keys()
        for k, v in arrays.items():
            assert f[k].dtype == v.dtype and np.array_equal(f[k], v), k
