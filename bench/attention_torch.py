#!/usr/bin/env python3
"""bench/attention's peer: microseconds per call of PyTorch's nn.MultiheadAttention(64, 4,
batch_first=True) as self-attention on (batch, 64, 64), in eval mode under no_grad, on one thread.

Run with Debian's /usr/bin/python3 (python3-torch); started by bench/attention unless it is given
--torch-figures FILE (this script's output saved earlier) or --no-torch. Prints one line per batch:
`<batch> <median us per call> <calls timed>`, the faster of two calls per sample: need_weights=False
(PyTorch's fused inference path) and the default need_weights=True (it also averages the heads'
weights), each sample alternating between them. Times are this thread's CPU time
(time.thread_time(): one thread, so all of PyTorch's work), as bench/attention's.
"""
import argparse
import os
import time

import torch
import torch.nn as nn


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.5, help="time budget per batch size")
    ap.add_argument("--batches", default="1,32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(64, 4, batch_first=True).eval()
    for batch in (int(b) for b in a.batches.split(",")):
        x = torch.randn(batch, 64, 64)
        forms = [lambda: mha(x, x, x, need_weights=False), lambda: mha(x, x, x)]
        with torch.no_grad():
            for f in forms:  # warm up
                for _ in range(5):
                    f()
            t0 = time.thread_time()
            forms[0]()
            one = time.thread_time() - t0
            # ~50 us per sample or one call, as the C++ bench does.
            reps = max(1, int(50e-6 / max(one, 1e-9)))
            samples = [[], []]
            deadline = time.perf_counter() + a.seconds
            rounds = 0
            while rounds < 11 or time.perf_counter() < deadline:
                for k in ((0, 1) if rounds % 2 == 0 else (1, 0)):
                    t0 = time.thread_time()
                    for _ in range(reps):
                        forms[k]()
                    samples[k].append((time.thread_time() - t0) / reps * 1e6)
                rounds += 1
        best = min(median(samples[0]), median(samples[1]))
        print(f"{batch} {best:.3f} {rounds * reps}", flush=True)
        print(f"# batch {batch}: need_weights=False {median(samples[0]):.2f} us, need_weights=True "
              f"{median(samples[1]):.2f} us (threads {torch.get_num_threads()}, OMP_NUM_THREADS "
              f"{os.environ.get('OMP_NUM_THREADS', 'unset')})", flush=True)


if __name__ == "__main__":
    main()
