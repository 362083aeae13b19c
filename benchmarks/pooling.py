"""Pooling speed: ours vs PyTorch CPU (when installed), float32, forward and forward+backward, one process.

    python benchmarks/pooling.py

Also prints the bandwidth each of our forwards reaches, counting the bytes it must read and write once (the
input and the output; the timed forward runs without autograd, so max pooling computes no indices), beside a
numpy copy (read + write) of the same input size, and of 256 MB, which no cache holds: the memory bandwidth.
A copy of a few MB stays in this CPU's 32 MB L3 cache between repeats and runs at the cache's speed.
"""
import numpy as np
from timing import best_of, synchronizer

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F

ROWS = [
    ("max k2", (64, 64, 24, 24), "max", dict(kernel_size=2)),
    ("avg k3 s1 p1", (64, 64, 24, 24), "avg", dict(kernel_size=3, stride=1, padding=1)),
    ("max k3 s2 p1", (32, 64, 112, 112), "max", dict(kernel_size=3, stride=2, padding=1)),
]


def copy_bandwidth(nbytes):
    a = np.ones(nbytes // 4, np.float32)
    b = np.empty_like(a)
    return 2 * nbytes / best_of(lambda: np.copyto(b, a), 7) / 1e9

def ours(shape, kind, kwargs, device="cpu"):
    x = tp.Tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), device=device,
                  requires_grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    sync = synchronizer(device, "ours")

    def forward():
        with tp.no_grad():
            pool(x, **kwargs)

    def forward_backward():
        out = pool(x, **kwargs)
        x.grad = None
        out.backward(tp.ones(*out.shape, device=device))
    return best_of(forward, 7, sync), best_of(forward_backward, 7, sync), pool(x, **kwargs).numel()

def pytorch(shape, kind, kwargs, device="cpu"):
    import torch
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(np.float32)).to(device)
    x.requires_grad_()
    pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    sync = synchronizer(device, "torch")

    def forward():
        with torch.no_grad():
            pool(x, **kwargs)

    def forward_backward():
        out = pool(x, **kwargs)
        x.grad = None
        out.backward(torch.ones_like(out))
    return best_of(forward, 7, sync), best_of(forward_backward, 7, sync)

def main():
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    print(f"memory bandwidth (numpy copy of 256 MB, read + write): {copy_bandwidth(1 << 28):.1f} GB/s")
    print(f"PyTorch: {torch_version or 'not installed'}\n")
    print(f"{'row':<14} {'shape':<18} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} "
          f"{'torch f+b':>10} {'ratio':>6} {'ours GB/s':>10} {'copy GB/s':>10}")
    for name, shape, kind, kwargs in ROWS:
        fwd, fwd_bwd, outputs = ours(shape, kind, kwargs)
        moved = 4 * (np.prod(shape) + outputs)
        t_fwd, t_fwd_bwd = pytorch(shape, kind, kwargs) if torch_version else (float("nan"),) * 2
        print(f"{name:<14} {str(shape):<18} {fwd * 1e3:>7.2f}ms {t_fwd * 1e3:>8.2f}ms {t_fwd / fwd:>6.2f} "
              f"{fwd_bwd * 1e3:>7.2f}ms {t_fwd_bwd * 1e3:>8.2f}ms {t_fwd_bwd / fwd_bwd:>6.2f} {moved / fwd / 1e9:>10.1f} "
              f"{copy_bandwidth(4 * int(np.prod(shape))):>10.1f}")
    print("\nratio = PyTorch time / our time (above 1: we are faster)")

if __name__ == "__main__":
    main()
