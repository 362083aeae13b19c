"""Padding speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/padding.py

Rows: padding 1 around a ResNet-sized block in each mode (reflect is what style-transfer and super-resolution
networks pad their convolutions with).
"""
from timing import compare_rows

import tinygrad_pool.nn.functional as F

SHAPE = (32, 64, 56, 56)

def rows():
    import torch.nn.functional as T
    return [(f"{mode} pad 1", SHAPE, lambda x, m=mode: F.pad(x, (1, 1, 1, 1), m),
             lambda x, m=mode: T.pad(x, (1, 1, 1, 1), m)) for mode in ("reflect", "replicate", "circular", "constant")]

if __name__ == "__main__":
    compare_rows(rows())
