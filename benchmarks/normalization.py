"""Normalisation speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/normalization.py

Rows: group_norm with 32 groups, layer_norm over the last three dims and batch_norm in training, each on a
(32, 64, 56, 56) input with weight and bias. Each side keeps its best time over ROUNDS alternating rounds of
best-of-5.
"""
import math

import numpy as np
from timing import best_of

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

SHAPE = (32, 64, 56, 56)
ROWS = [
    ("group_norm", (64,), lambda f, x, w, b: f.group_norm(x, 32, w, b)),
    ("layer_norm", SHAPE[1:], lambda f, x, w, b: f.layer_norm(x, SHAPE[1:], w, b)),
    ("batch_norm training", (64,), lambda f, x, w, b: f.batch_norm(x, None, None, w, b, training=True)),
]
ROUNDS = 5

def time_ours(call, x, w, b):
    tx, tw, tb = (tp.Tensor(a, requires_grad=True) for a in (x, w, b))
    grad = tp.ones(*x.shape)

    def forward():
        with tp.no_grad():
            call(F, tx, tw, tb)

    def forward_backward():
        out = call(F, tx, tw, tb)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(grad)
    return best_of(forward), best_of(forward_backward)

def time_torch(call, x, w, b):
    import torch
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    grad = torch.ones(x.shape)

    def forward():
        with torch.no_grad():
            call(torch.nn.functional, tx, tw, tb)

    def forward_backward():
        out = call(torch.nn.functional, tx, tw, tb)
        for t in (tx, tw, tb):
            t.grad = None
        out.backward(grad)
    return best_of(forward), best_of(forward_backward)

def main():
    try:
        import torch
        torch.set_num_threads(2)
        have_torch = True
    except ImportError:
        have_torch = False
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, np.float32)
    print(f"{'row':<20} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} {'torch f+b':>10} {'ratio':>6}"
          "   (ms; ratio = torch / ours)")
    for name, weight_shape, call in ROWS:
        w, b = rng.standard_normal(weight_shape, np.float32), rng.standard_normal(weight_shape, np.float32)
        ours, theirs = [], []
        for _ in range(ROUNDS):   # alternate, so a slow spell of this shared machine hits both sides alike
            ours.append(time_ours(call, x, w, b))
            theirs.append(time_torch(call, x, w, b) if have_torch else (math.nan, math.nan))
        fwd, fwd_bwd = (1e3 * min(t[i] for t in ours) for i in (0, 1))
        t_fwd, t_fwd_bwd = (1e3 * min(t[i] for t in theirs) for i in (0, 1))
        print(f"{name:<20} {fwd:>9.2f} {t_fwd:>10.2f} {t_fwd / fwd:>6.2f} {fwd_bwd:>9.2f} {t_fwd_bwd:>10.2f} "
              f"{t_fwd_bwd / fwd_bwd:>6.2f}")

if __name__ == "__main__":
    main()
