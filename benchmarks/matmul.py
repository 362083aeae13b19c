"""Our CPU matmul (BLAS called from Numba) against numpy's, float32, square sizes.

    python benchmarks/matmul.py            # 256, 512, 1024, 2048
    python benchmarks/matmul.py 1024       # chosen sizes
"""
import sys

import numpy as np
from timing import best_of

from tinygrad_pool import Tensor


def main(sizes):
    rng = np.random.default_rng(0)
    print(f"{'n':>6} {'ours GFLOP/s':>13} {'numpy GFLOP/s':>14} {'ours/numpy':>11}")
    for n in sizes:
        a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
        ta, tb = Tensor(a), Tensor(b)
        repeats = max(5, int(2e10 / n ** 3))   # about 0.1 s per best-of at 300 GFLOP/s: a few runs are noise
        flops = 2.0 * n ** 3
        # Interleave the two so that both see the same machine load.
        ours, theirs = [], []
        for _ in range(3):
            ours.append(best_of(lambda: ta @ tb, repeats))
            theirs.append(best_of(lambda: a @ b, repeats))
        ours_gflops, numpy_gflops = flops / min(ours) / 1e9, flops / min(theirs) / 1e9
        print(f"{n:>6} {ours_gflops:>13.1f} {numpy_gflops:>14.1f} {ours_gflops / numpy_gflops:>11.2f}")

if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [256, 512, 1024, 2048])
