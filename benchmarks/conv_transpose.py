"""Transposed convolution speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward
(the gradients of the input, the weight and the bias), one process.

    python benchmarks/conv_transpose.py

Row "DCGAN layer": a generator's upsampling layer, ConvTranspose2d(128, 64, kernel 4, stride 2, padding 1) on a
(64, 128, 16, 16) batch, which doubles the image to 32x32. GFLOP/s counts 2 * N * C_in * L * C_out/G * K (every
input element times every tap it scatters to) for the forward and three times that for forward+backward. Each side
keeps its best time over 3 alternating rounds of best-of-5 (`timing.compare_rows`).
"""
import math

import numpy as np
from timing import compare_rows

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

ROWS = [   # name, input shape, weight shape (C_in, C_out/G, *kernel), stride, padding
    ("DCGAN layer", (64, 128, 16, 16), (128, 64, 4, 4), 2, 1),
]

def flops(x_shape, w_shape):
    return 2 * math.prod(x_shape) * math.prod(w_shape[1:])

def rows():
    import torch
    rng = np.random.default_rng(1)
    made = []
    for name, x_shape, w_shape, stride, padding in ROWS:
        w, b = rng.standard_normal(w_shape, np.float32), rng.standard_normal(w_shape[1], np.float32)
        ours = [tp.tensor(a, requires_grad=True) for a in (w, b)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (w, b)]
        made.append((name, x_shape,
                     lambda x, o=ours, s=stride, p=padding: F.conv_transpose2d(x, *o, stride=s, padding=p),
                     lambda x, t=theirs, s=stride, p=padding: torch.nn.functional.conv_transpose2d(
                         x, *t, stride=s, padding=p)))
    return made

if __name__ == "__main__":
    results = compare_rows(rows())
    print("\nGFLOP/s (ours fwd, torch fwd, ours f+b, torch f+b):")
    for (name, x_shape, w_shape, _, _), (fwd, fwd_bwd, t_fwd, t_fwd_bwd) in zip(ROWS, results):
        work = flops(x_shape, w_shape) / 1e9
        print(f"{name:<22} {work / fwd:>8.1f} {work / t_fwd:>8.1f} {3 * work / fwd_bwd:>8.1f} "
              f"{3 * work / t_fwd_bwd:>8.1f}")
