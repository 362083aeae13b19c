"""Matrix products on the CPU: BLAS called from Numba, one thread pool for the whole process.

Numba's `np.dot` calls the BLAS that scipy links. Left alone, that BLAS starts its own threads, which spin
between calls; every switch between a Numba `prange` kernel and a BLAS call then has two pools fighting over the
cores, and a training step alternates between them dozens of times (measured here: a 0.3 ms im2col + product
pair took 8.8 ms). So the BLAS is pinned to one thread on import, and parallelism comes from Numba alone:
`prange` hands each core its own BLAS calls (blocks of rows, batch entries, or samples of a convolution).
With the pip wheels numpy's own matmul uses a separate copy of OpenBLAS and keeps its threads; where numpy and
scipy share one BLAS (conda), numpy's products become single-threaded too.
"""
import ctypes

import numpy as np
from numba import get_num_threads, njit, prange

_SETTERS = ("scipy_openblas_set_num_threads", "openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_", "MKL_Set_Num_Threads", "mkl_set_num_threads")

def _loaded_blas_libraries():
    """Paths of the loaded shared libraries that look like scipy's BLAS (Linux: /proc/self/maps)."""
    import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS Numba will call)
    numpy_libs = np.__file__.rsplit("/", 2)[0] + "/numpy.libs/"
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if line.rstrip().endswith(".so") or ".so." in line}
    except OSError:
        return []
    return sorted(p for p in paths if ("blas" in p.lower() or "mkl" in p.lower()) and not p.startswith(numpy_libs))

def pin_blas_to_one_thread():
    """Set the thread count of scipy's BLAS to 1; returns the library it pinned, or None if none was found
    (the products stay correct then, only slower when both pools are busy)."""
    for path in _loaded_blas_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(ctypes.c_int(1))
                return path
    return None

PINNED_BLAS = pin_blas_to_one_thread()

@njit(parallel=True, cache=True)
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

@njit(parallel=True, cache=True)
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
