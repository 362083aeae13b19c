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
from numba import get_num_threads, njit, prange, types
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

# numba's own entry to scipy's BLAS gemm (what np.dot calls), by name, so kernels that call it stay cacheable. It takes
# column-major arguments: kind ("s" or "d"), transa, transb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc.
_xxgemm = types.ExternalFunction("numba_xxgemm", types.intc(
    types.char, types.char, types.char, types.intp, types.intp, types.intp, types.voidptr, types.voidptr, types.intp,
    types.voidptr, types.intp, types.voidptr, types.voidptr, types.intp))
NO_TRANSPOSE, TRANSPOSE, SINGLE, DOUBLE = ord("N"), ord("T"), ord("s"), ord("d")

@njit(cache=True)
def _column_major_operand(x, rows, cols):
    """(transpose flag, leading dimension) with which a column-major BLAS reads x.T from x's memory, x (rows, cols)
    row-major: as it lies when x is stored by rows, transposed when x is stored by columns (a transposed view). A
    single row or column may have any stride."""
    item = x.itemsize
    if x.strides[1] == item or cols == 1:
        return NO_TRANSPOSE, max(x.strides[0] // item, cols, 1)
    return TRANSPOSE, max(x.strides[1] // item, rows, 1)

@njit(cache=True)
def gemm(a, b, out, accumulate):
    """out = a @ b, or out += a @ b when `accumulate`, by one BLAS call (single-threaded, see above). float32 or
    float64 matrices of one dtype, each with its rows or its columns contiguous, at any row stride: a block of
    columns of a larger matrix, or a transposed view, is read and written where it lies."""
    m, k = a.shape
    n = b.shape[1]
    transpose_a, lda = _column_major_operand(a, m, k)
    transpose_b, ldb = _column_major_operand(b, k, n)
    scalars = np.empty(2, out.dtype)   # alpha, beta
    scalars[0], scalars[1] = 1, 1 if accumulate else 0
    # Row-major out = a @ b is column-major out.T = b.T @ a.T: the operands swap places.
    status = _xxgemm(SINGLE if out.itemsize == 4 else DOUBLE, transpose_b, transpose_a, n, m, k, scalars[0:].ctypes,
                     b.ctypes, ldb, a.ctypes, lda, scalars[1:].ctypes, out.ctypes,
                     max(out.strides[0] // out.itemsize, n, 1))
    if status != 0:
        raise RuntimeError("scipy's BLAS gemm could not be called")

@njit(parallel=PARALLEL, cache=True)
def _split_matmul(a_stored, b_stored, transpose_a, transpose_b, out, threads):
    """out = a @ b, one BLAS call per thread on a block of out's rows or columns. Each call packs its own copy of
    the operand it shares with the others, so the blocks cut the larger one: rows of `a` when a has at least as
    many rows as b has columns, else columns of `b` (a linear layer's (64, 9216) @ (9216, 128), say, and its
    gradients). An operand comes C-contiguous, as itself or (transpose_*) as its transpose: one compiled version
    serves every layout."""
    a = a_stored.T if transpose_a else a_stored[:, :]
    b = b_stored.T if transpose_b else b_stored[:, :]
    m, n = out.shape
    by_rows = m >= n
    extent = m if by_rows else n
    step = -(-extent // threads)
    for block in prange(threads):
        low, high = block * step, min(extent, (block + 1) * step)
        if low < high:
            if by_rows:
                gemm(a[low:high], b, out[low:high], False)
            else:
                gemm(a, b[:, low:high], out[:, low:high], False)

def _stored(x):
    """(a C-contiguous array, whether it holds x transposed): a transposed view's own storage, without a copy."""
    if not x.flags.c_contiguous and x.flags.f_contiguous:
        return x.T, True
    return np.ascontiguousarray(x), False

def matmul(a, b):
    """(..., m, k) @ (..., k, n) with broadcast batch dims. In a plain 2-d product either operand may be a
    transposed view (a linear layer multiplies by weight.T, its gradient by grad.T): BLAS reads it as it lies,
    without a copy."""
    keep_freed_memory()
    batch = a.shape[:-2] if a.shape[:-2] == b.shape[:-2] else np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if a.dtype.kind != "f" or 0 in (m, k, n) + batch:
        return np.matmul(a, b)   # integers and empty products: nothing for BLAS to do
    threads = get_num_threads()
    if not batch:
        out = np.empty((m, n), dtype=a.dtype)
        (a_stored, transpose_a), (b_stored, transpose_b) = _stored(a), _stored(b)
        _split_matmul(a_stored, b_stored, transpose_a, transpose_b, out, min(threads, max(m, n)))
        return out
    a3 = np.ascontiguousarray(np.broadcast_to(a, batch + (m, k))).reshape(-1, m, k)
    b3 = np.ascontiguousarray(np.broadcast_to(b, batch + (k, n))).reshape(-1, k, n)
    out = np.empty((a3.shape[0], m, n), dtype=a.dtype)
    _batched_matmul(a3, b3, out, threads)
    return out.reshape(batch + (m, n))
