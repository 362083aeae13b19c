"""CUDA speed: our numba.cuda kernels vs PyTorch CUDA on the same card, float32, one process.

    python benchmarks/gpu.py

Pooling rows print the bandwidth of each forward (the input and the output, read and written once; our max
pooling also writes its int64 indices, which are not counted) beside a device-to-device copy of the input,
which is what the card's memory can do. Convolution rows print GFLOP/s counting the direct method's work.
PyTorch runs with TF32 off, so both sides compute in full float32. The measurements are those of pooling.py and
conv.py, on the GPU: every time is the best of the repeats, each ended by a device synchronisation.
"""
import numpy as np
from conv import flops, time_ours as our_conv, time_torch as torch_conv
from pooling import ours as our_pool, pytorch as torch_pool
from timing import best_of, synchronizer

POOL_ROWS = [
    ("max k2", (64, 64, 24, 24), "max", dict(kernel_size=2)),
    ("avg k3 s1 p1", (64, 64, 24, 24), "avg", dict(kernel_size=3, stride=1, padding=1)),
    ("max k3 s2 p1", (32, 64, 112, 112), "max", dict(kernel_size=3, stride=2, padding=1)),
    ("max k2 large", (256, 64, 112, 112), "max", dict(kernel_size=2)),
]
CONV_ROWS = [
    ("mnist conv1", (64, 1, 28, 28), (32, 1, 3, 3), 0),
    ("mnist conv2", (64, 32, 26, 26), (64, 32, 3, 3), 0),
    ("conv2 b512", (512, 32, 26, 26), (64, 32, 3, 3), 0),
    ("3x3 pad 1", (32, 64, 56, 56), (64, 64, 3, 3), 1),
]


def copy_bandwidth(nbytes):
    import torch
    a = torch.ones(nbytes // 4, device="cuda")
    b = torch.empty_like(a)
    return 2 * nbytes / best_of(lambda: b.copy_(a), 7, synchronizer("cuda", "torch")) / 1e9

def main():
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"{torch.cuda.get_device_name()}, PyTorch {torch.__version__}; ratio = PyTorch time / our time\n")
    rng = np.random.default_rng(0)
    print(f"{'pooling':<13} {'shape':<19} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} "
          f"{'torch f+b':>10} {'ratio':>6} {'ours GB/s':>10} {'torch GB/s':>11} {'copy GB/s':>10}")
    for name, shape, kind, kwargs in POOL_ROWS:
        fwd, fwd_bwd, outputs = our_pool(shape, kind, kwargs, "cuda")
        t_fwd, t_fwd_bwd = torch_pool(shape, kind, kwargs, "cuda")
        moved = 4 * (np.prod(shape) + outputs)
        print(f"{name:<13} {str(shape):<19} {fwd * 1e3:>7.3f}ms {t_fwd * 1e3:>8.3f}ms {t_fwd / fwd:>6.2f} "
              f"{fwd_bwd * 1e3:>7.3f}ms {t_fwd_bwd * 1e3:>8.3f}ms {t_fwd_bwd / fwd_bwd:>6.2f} "
              f"{moved / fwd / 1e9:>10.0f} {moved / t_fwd / 1e9:>11.0f} {copy_bandwidth(4 * int(np.prod(shape))):>10.0f}")
    print(f"\n{'convolution':<13} {'input':<19} {'ours fwd':>9} {'torch fwd':>10} {'ratio':>6} {'ours f+b':>9} "
          f"{'torch f+b':>10} {'ratio':>6} {'ours GFLOP/s':>13} {'torch GFLOP/s':>14}   (GFLOP/s of f+b)")
    for name, x_shape, w_shape, padding in CONV_ROWS:
        x, w = rng.standard_normal(x_shape, np.float32), rng.standard_normal(w_shape, np.float32)
        b = rng.standard_normal(w_shape[0], np.float32)
        work = 3 * flops(x_shape, w_shape, padding) / 1e9
        fwd, fwd_bwd = our_conv(x, w, b, padding, "cuda")
        t_fwd, t_fwd_bwd = torch_conv(x, w, b, padding, "cuda")
        print(f"{name:<13} {str(x_shape):<19} {fwd * 1e3:>7.3f}ms {t_fwd * 1e3:>8.3f}ms {t_fwd / fwd:>6.2f} "
              f"{fwd_bwd * 1e3:>7.3f}ms {t_fwd_bwd * 1e3:>8.3f}ms {t_fwd_bwd / fwd_bwd:>6.2f} "
              f"{work / fwd_bwd:>13.0f} {work / t_fwd_bwd:>14.0f}")

if __name__ == "__main__":
    main()
