"""Matrix products on the CPU: BLAS called from Numba, one thread pool for the whole process.

Numba's `np.dot` calls the BLAS that scipy links. Left alone, that BLAS starts its own threads, which spin
between calls; every switch between a Numba `prange` kernel and a BLAS call then has two pools fighting over the
cores, and a training step alternates between them dozens of times (measured here: a 0.3 ms im2col + product
pair took 8.8 ms). So scipy's BLAS is pinned to one thread on import (threadpoolctl finds it among the loaded
libraries and sets its thread count), and parallelism comes from Numba alone: `prange` hands each core its own
BLAS calls (blocks of rows, batch entries, or samples of a convolution).
With the pip wheels numpy's own matmul uses a separate copy of OpenBLAS (in `numpy.libs`), which is left alone
and keeps its threads; where numpy and scipy share one BLAS (conda), numpy's products become single-threaded too.
"""
import os

import numpy as np
import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS Numba will call)
from numba import get_num_threads, njit, prange
from threadpoolctl import ThreadpoolController

from .compile import PARALLEL
from .memory import keep_freed_memory

def scipy_blas():
    """threadpoolctl's controller of the BLAS that scipy loaded: every BLAS in the process but numpy's own copy."""
    numpy_libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs") + os.sep
    controller = ThreadpoolController()
    paths = [library.filepath for library in controller.select(user_api="blas").lib_controllers
             if not library.filepath.startswith(numpy_libs)]
    return controller.select(filepath=paths)

scipy_blas().limit(limits=1)

@njit(parallel=PARALLEL, cache=True)
def _batched_matmul(a, b, out, threads):
    """out[i] = a[i] @ b[i]. Tasks are (batch entry, block of rows), at least one per thread, each one BLAS call."""
    batch, m = a.shape[0], a.shape[1]
    blocks = max(1, min(m, -(-threads // batch)))
    rows = -(-m // blocks)
    for task in prange(batch * blocks):
        i, block = task // blocks, task % blocks
        low, high = block * rows, min(m, (block + 1) * rows)
        if low < high:
            np.dot(a[i, low:high], b[i], out[i, low:high])

@njit(parallel=PARALLEL, cache=True)
def _row_split_matmul(a, b, out, threads):
    """out = a @ b for a 2-d `a` stored by rows; `b` may be a transposed view (BLAS reads it as it lies)."""
    m = a.shape[0]
    rows = -(-m // threads)
    for block in prange(threads):
        low, high = block * rows, min(m, (block + 1) * rows)
        if low < high:
            np.dot(a[low:high], b, out[low:high])

def matmul(a, b):
    """(..., m, k) @ (..., k, n) with broadcast batch dims. In a plain 2-d product the right operand may be a
    transposed view (a linear layer multiplies by weight.T): BLAS reads it as it lies, without a copy."""
    keep_freed_memory()
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if a.dtype.kind != "f" or 0 in (m, k, n) + batch:
        return np.matmul(a, b)   # integers and empty products: nothing for BLAS to do
    threads = get_num_threads()
    if not batch:
        out = np.empty((m, n), dtype=a.dtype)
        b = b if b.flags.c_contiguous or b.flags.f_contiguous else np.ascontiguousarray(b)
        _row_split_matmul(np.ascontiguousarray(a), b, out, min(threads, m))
        return out
    a3 = np.ascontiguousarray(np.broadcast_to(a, batch + (m, k))).reshape(-1, m, k)
    b3 = np.ascontiguousarray(np.broadcast_to(b, batch + (k, n))).reshape(-1, k, n)
    out = np.empty((a3.shape[0], m, n), dtype=a.dtype)
    _batched_matmul(a3, b3, out, threads)
    return out.reshape(batch + (m, n))
