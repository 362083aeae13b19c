"""Convolution speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/conv.py

Rows: the two convolutions of the MNIST CNN at batch 64, a 3x3 convolution of a ResNet-sized block, and a ResNet
stage's first, downsampling 3x3 convolution (stride 2, 64 -> 128 channels).
GFLOP/s counts 2 * N * C_out * O * C_in * K for the forward and three times that for forward+backward. Each side
keeps its best time over ROUNDS alternating rounds of best-of-5.
"""
import math

import numpy as np
from timing import best_of, synchronizer

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

ROWS = [
    ("mnist conv1", (64, 1, 28, 28), (32, 1, 3, 3), 0, 1),
    ("mnist conv2", (64, 32, 26, 26), (64, 32, 3, 3), 0, 1),
    ("3x3 pad 1", (32, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    ("3x3 stride 2", (32, 64, 56, 56), (128, 64, 3, 3), 1, 2),
]
ROUNDS = 3


def flops(x_shape, w_shape, padding, stride=1):
    out = [(L + 2 * padding - k) // stride + 1 for L, k in zip(x_shape[2:], w_shape[2:])]
    return 2 * x_shape[0] * w_shape[0] * math.prod(out) * w_shape[1] * math.prod(w_shape[2:])

def time_ours(x, w, b, padding, device="cpu", stride=1):
    tx, tw, tb = (tp.Tensor(a, device=device, requires_grad=True) for a in (x, w, b))
    sync = synchronizer(device, "ours")

    def forward():
        with tp.no_grad():
            F.conv2d(tx, tw, tb, stride=stride, padding=padding)

    def forward_backward():
        out = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(tp.ones(*out.shape, device=device))
    return best_of(forward, synchronize=sync), best_of(forward_backward, synchronize=sync)

def time_torch(x, w, b, padding, device="cpu", stride=1):
    import torch
    tx, tw, tb = (torch.from_numpy(a).to(device).requires_grad_() for a in (x, w, b))
    sync = synchronizer(device, "torch")

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)

    def forward_backward():
        out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(torch.ones_like(out))
    return best_of(forward, synchronize=sync), best_of(forward_backward, synchronize=sync)

def main():
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    rng = np.random.default_rng(0)
    print(f"{'row':<12} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} {'torch f+b':>10} {'ratio':>6}"
          "   (GFLOP/s; ratio = ours / torch)")
    for name, x_shape, w_shape, padding, stride in ROWS:
        x, w = rng.standard_normal(x_shape, np.float32), rng.standard_normal(w_shape, np.float32)
        b = rng.standard_normal(w_shape[0], np.float32)
        work = flops(x_shape, w_shape, padding, stride) / 1e9
        ours, torch_times = [], []
        for _ in range(ROUNDS):   # alternate, so a slow spell of this shared machine hits both sides alike
            ours.append(time_ours(x, w, b, padding, stride=stride))
            torch_times.append(time_torch(x, w, b, padding, stride=stride) if have_torch else (math.nan, math.nan))
        fwd, fwd_bwd = (min(t[i] for t in ours) for i in (0, 1))
        t_fwd, t_fwd_bwd = (min(t[i] for t in torch_times) for i in (0, 1))
        print(f"{name:<12} {work / fwd:>9.1f} {work / t_fwd:>10.1f} {t_fwd / fwd:>6.2f} {3 * work / fwd_bwd:>9.1f} "
              f"{3 * work / t_fwd_bwd:>10.1f} {t_fwd_bwd / fwd_bwd:>6.2f}")

if __name__ == "__main__":
    main()
