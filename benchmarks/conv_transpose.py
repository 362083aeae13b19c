"""Transposed convolution speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward
(the gradients of the input, the weight and the bias), one process.

    python benchmarks/conv_transpose.py

Row "DCGAN layer": a generator's upsampling layer, ConvTranspose2d(128, 64, kernel 4, stride 2, padding 1) on a
(64, 128, 16, 16) batch, which doubles the image to 32x32. GFLOP/s counts 2 * N * C_in * L * C_out/G * K (every
input element times every tap it scatters to) for the forward and three times that for forward+backward. Each side
keeps its best time over ROUNDS alternating rounds of best-of-5.
"""
import math

import numpy as np
from timing import best_of

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

ROWS = [   # name, input shape, weight shape (C_in, C_out/G, *kernel), stride, padding
    ("DCGAN layer", (64, 128, 16, 16), (128, 64, 4, 4), 2, 1),
]
ROUNDS = 3

def flops(x_shape, w_shape):
    return 2 * math.prod(x_shape) * math.prod(w_shape[1:])

def time_ours(x, w, b, stride, padding):
    tx, tw, tb = (tp.Tensor(a, requires_grad=True) for a in (x, w, b))

    def forward():
        with tp.no_grad():
            F.conv_transpose2d(tx, tw, tb, stride=stride, padding=padding)

    def forward_backward():
        out = F.conv_transpose2d(tx, tw, tb, stride=stride, padding=padding)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(tp.ones(*out.shape))
    return best_of(forward), best_of(forward_backward)

def time_torch(x, w, b, stride, padding):
    import torch
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=stride, padding=padding)

    def forward_backward():
        out = torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=stride, padding=padding)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(torch.ones_like(out))
    return best_of(forward), best_of(forward_backward)

def main():
    try:
        import torch
        torch.set_num_threads(2)
        have_torch = True
    except ImportError:
        have_torch = False
    rng = np.random.default_rng(0)
    print(f"{'row':<12} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} {'torch f+b':>10} {'ratio':>6}"
          "   (ms; ratio = torch / ours)")
    for name, x_shape, w_shape, stride, padding in ROWS:
        x, w = rng.standard_normal(x_shape, np.float32), rng.standard_normal(w_shape, np.float32)
        b = rng.standard_normal(w_shape[1], np.float32)
        ours, torch_times = [], []
        for _ in range(ROUNDS):   # alternate, so a slow spell of this shared machine hits both sides alike
            ours.append(time_ours(x, w, b, stride, padding))
            torch_times.append(time_torch(x, w, b, stride, padding) if have_torch else (math.nan, math.nan))
        fwd, fwd_bwd = (min(t[i] for t in ours) for i in (0, 1))
        t_fwd, t_fwd_bwd = (min(t[i] for t in torch_times) for i in (0, 1))
        work = flops(x_shape, w_shape) / 1e9
        print(f"{name:<12} {1e3 * fwd:>9.2f} {1e3 * t_fwd:>10.2f} {t_fwd / fwd:>6.2f} {1e3 * fwd_bwd:>9.2f} "
              f"{1e3 * t_fwd_bwd:>10.2f} {t_fwd_bwd / fwd_bwd:>6.2f}")
        print(f"{'':<12} {work / fwd:>9.1f} {work / t_fwd:>10.1f} {'':>6} {3 * work / fwd_bwd:>9.1f} "
              f"{3 * work / t_fwd_bwd:>10.1f}   (GFLOP/s)")

if __name__ == "__main__":
    main()
