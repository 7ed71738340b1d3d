#!/usr/bin/python3
"""The fuzzer's seed corpus (corpus/): small files numpy writes, one of each kind the readers meet.

npy_v1.npy, npy_v2.npy, npy_v3.npy   float32 (2, 3) in .npy format versions 1.0, 2.0 and 3.0
npy_bool.npy, npy_i8_scalar.npy      bool (5,), and an int64 of shape ()
stored.npz                           numpy.savez of the MLP's four weights (tests/reference/io's model)
compressed.npz                       numpy.savez_compressed of the same
named_compressed.npz                 the same by Keras' names, compressed
zip64.npz                            stored.npz with zip64 end records (as a >65535-member archive has)
zeros_compressed.npz                 16000 zero bytes deflated to a few dozen: a small zip bomb
Run from this folder: /usr/bin/python3 make_corpus.py
"""
import io
import struct

import numpy as np

rng = np.random.default_rng(12)
a = rng.normal(size=(2, 3)).astype(np.float32)
for v in (1, 2, 3):
    with open(f"corpus/npy_v{v}.npy", "wb") as f:
        np.lib.format.write_array(f, a, version=(v, 0))
np.save("corpus/npy_bool.npy", np.array([True, False, True, True, False]))
np.save("corpus/npy_i8_scalar.npy", np.int64(7))

weights = [rng.normal(size=s).astype(np.float32) for s in ((5, 4), (4,), (4, 3), (3,))]
np.savez("corpus/stored.npz", *weights)
np.savez_compressed("corpus/compressed.npz", *weights)
names = ("dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0")
np.savez_compressed("corpus/named_compressed.npz", **dict(zip(names, weights)))
np.savez_compressed("corpus/zeros_compressed.npz", np.zeros(4000, np.float32))

# zip64: the end record's count and directory offset say "see the zip64 record", which holds them.
raw = open("corpus/stored.npz", "rb").read()
eocd = raw.rindex(b"PK\x05\x06")
_, _, _, count, _, dir_size, dir_offset, _ = struct.unpack("<IHHHHIIH", raw[eocd:eocd + 22])
z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, dir_size, dir_offset)
locator = struct.pack("<IIQI", 0x07064B50, 0, eocd, 1)
end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, dir_size, 0xFFFFFFFF, 0)
with open("corpus/zip64.npz", "wb") as f:
    f.write(raw[:eocd] + z64 + locator + end)
with np.load("corpus/zip64.npz") as f:  # numpy reads it as it reads the original
    assert all(np.array_equal(f[f"arr_{i}"], w) for i, w in enumerate(weights))
