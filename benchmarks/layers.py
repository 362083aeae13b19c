"""The CNN layers beyond conv and pooling, in one table: ours vs PyTorch CPU (when installed), float32, forward and
forward+backward, one process, alternating rounds.

    python benchmarks/layers.py

Rows: a DCGAN generator layer (ConvTranspose2d 128 -> 64, kernel 4, stride 2, padding 1, batch 64 at 16x16), a 2x
bilinear upsampling, group norm (32 groups) and layer norm (over C, H, W) with affine parameters, and reflect
padding by 1, each on a (32, 64, 56, 56) block. The per-topic scripts (conv_transpose.py, resample.py,
normalization.py, padding.py) have more rows.
"""
import numpy as np
from timing import compare_rows

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

BLOCK = (32, 64, 56, 56)

def rows():
    import torch
    T = torch.nn.functional
    rng = np.random.default_rng(1)
    w = rng.standard_normal((128, 64, 4, 4), np.float32) * 0.05
    b = rng.standard_normal(64, np.float32)
    gamma, beta = rng.standard_normal(64, np.float32), rng.standard_normal(64, np.float32)
    shape = BLOCK[1:]
    gamma3, beta3 = rng.standard_normal(shape, np.float32), rng.standard_normal(shape, np.float32)
    ours = {name: tp.tensor(a, requires_grad=True) for name, a in (("w", w), ("b", b), ("g", gamma), ("be", beta),
                                                                   ("g3", gamma3), ("b3", beta3))}
    theirs = {name: torch.tensor(a, requires_grad=True) for name, a in (("w", w), ("b", b), ("g", gamma),
                                                                        ("be", beta), ("g3", gamma3), ("b3", beta3))}
    return [
        ("conv_transpose2d DCGAN", (64, 128, 16, 16),
         lambda x: F.conv_transpose2d(x, ours["w"], ours["b"], stride=2, padding=1),
         lambda x: T.conv_transpose2d(x, theirs["w"], theirs["b"], stride=2, padding=1)),
        ("bilinear x2", BLOCK, lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
         lambda x: T.interpolate(x, scale_factor=2, mode="bilinear")),
        ("group_norm 32 groups", BLOCK, lambda x: F.group_norm(x, 32, ours["g"], ours["be"]),
         lambda x: T.group_norm(x, 32, theirs["g"], theirs["be"])),
        ("layer_norm (C, H, W)", BLOCK, lambda x: F.layer_norm(x, shape, ours["g3"], ours["b3"]),
         lambda x: T.layer_norm(x, shape, theirs["g3"], theirs["b3"])),
        ("reflect pad 1", BLOCK, lambda x: F.pad(x, (1, 1, 1, 1), "reflect"),
         lambda x: T.pad(x, (1, 1, 1, 1), "reflect")),
    ]

if __name__ == "__main__":
    compare_rows(rows(), rounds=5)
