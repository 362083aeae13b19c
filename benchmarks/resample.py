"""Resampling speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/resample.py

Rows: a 2x bilinear upsampling of a ResNet-sized block (the common decoder step), and the same block through
nearest and bicubic. Each side keeps its best time over 3 alternating rounds of best-of-5 (`timing.compare_rows`).
"""
from timing import compare_rows

import tinygrad_pool.nn.functional as F

ROWS = [
    ("bilinear x2", (32, 64, 56, 56), dict(scale_factor=2, mode="bilinear", align_corners=False)),
    ("nearest x2", (32, 64, 56, 56), dict(scale_factor=2, mode="nearest")),
    ("bicubic x2", (32, 64, 56, 56), dict(scale_factor=2, mode="bicubic", align_corners=False)),
]

def rows():
    import torch
    return [(name, shape, lambda x, kwargs=kwargs: F.interpolate(x, **kwargs),
             lambda x, kwargs=kwargs: torch.nn.functional.interpolate(x, **kwargs)) for name, shape, kwargs in ROWS]

if __name__ == "__main__":
    compare_rows(rows())
