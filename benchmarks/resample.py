"""Resampling speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/resample.py

Rows: a 2x bilinear upsampling of a ResNet-sized block (the common decoder step), and the same block through
nearest and bicubic. Each side keeps its best time over ROUNDS alternating rounds of best-of-5.
"""
import math

import numpy as np
from timing import best_of, synchronizer

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

ROWS = [
    ("bilinear x2", (32, 64, 56, 56), dict(scale_factor=2, mode="bilinear", align_corners=False)),
    ("nearest x2", (32, 64, 56, 56), dict(scale_factor=2, mode="nearest")),
    ("bicubic x2", (32, 64, 56, 56), dict(scale_factor=2, mode="bicubic", align_corners=False)),
]
ROUNDS = 3


def time_ours(x, kwargs, device="cpu"):
    tx = tp.Tensor(x, device=device, requires_grad=True)
    sync = synchronizer(device, "ours")

    def forward():
        with tp.no_grad():
            F.interpolate(tx, **kwargs)

    def forward_backward():
        out = F.interpolate(tx, **kwargs)
        tx.grad = None
        out.backward(tp.ones(*out.shape, device=device))
    return best_of(forward, synchronize=sync), best_of(forward_backward, synchronize=sync)

def time_torch(x, kwargs, device="cpu"):
    import torch
    tx = torch.from_numpy(x).to(device).requires_grad_()
    sync = synchronizer(device, "torch")

    def forward():
        with torch.no_grad():
            torch.nn.functional.interpolate(tx, **kwargs)

    def forward_backward():
        out = torch.nn.functional.interpolate(tx, **kwargs)
        tx.grad = None
        out.backward(torch.ones_like(out))
    return best_of(forward, synchronize=sync), best_of(forward_backward, synchronize=sync)

def main():
    try:
        import torch
        torch.set_num_threads(2)
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    print(f"PyTorch: {torch_version or 'not installed'}\n")
    print(f"{'row':<12} {'shape':<18} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} "
          f"{'torch f+b':>10} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for name, shape, kwargs in ROWS:
        x = rng.standard_normal(shape, np.float32)
        ours, theirs = [], []
        for _ in range(ROUNDS):   # alternate, so a slow spell of this shared machine hits both sides alike
            ours.append(time_ours(x, kwargs))
            theirs.append(time_torch(x, kwargs) if torch_version else (math.nan, math.nan))
        fwd, fwd_bwd = (min(t[i] for t in ours) for i in (0, 1))
        t_fwd, t_fwd_bwd = (min(t[i] for t in theirs) for i in (0, 1))
        print(f"{name:<12} {str(shape):<18} {fwd * 1e3:>7.2f}ms {t_fwd * 1e3:>8.2f}ms {t_fwd / fwd:>6.2f} "
              f"{fwd_bwd * 1e3:>7.2f}ms {t_fwd_bwd * 1e3:>8.2f}ms {t_fwd_bwd / fwd_bwd:>6.2f}")
    print("\nratio = PyTorch time / our time (above 1: we are faster)")

if __name__ == "__main__":
    main()
