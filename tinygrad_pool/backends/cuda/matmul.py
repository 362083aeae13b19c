"""Matrix products on CUDA: a register-tiled kernel, with either operand read transposed and K split when the
output alone would leave the GPU idle.

Each block computes a BLOCK_M x BLOCK_N tile of the output; each of its threads keeps a THREAD_M x THREAD_N
patch in registers, so one value loaded from shared memory feeds several multiply-adds (a plain 16x16 tile
reloads it for every one: on an H100 a Numba kernel of this design ran 15-16 TFLOP/s on 4096^3 and 8192^3
products, one of that 4). A thread's rows and columns are interleaved (row ty + i * THREADS_Y), so a warp reads
consecutive shared-memory words and writes consecutive output columns.

`product` reads either operand stored the other way round (`transpose_a` / `transpose_b`), which spares the
convolution backward a transposing copy of its column matrix. A product with few output tiles and a long K (a
weight gradient: 64 x 288 outputs summed over 300k columns) would run on a handful of blocks; it is split along K
into partial products, one block row each, that a second kernel sums in a fixed order (deterministic, no atomics).
"""
import math

import numpy as np
from numba import config, cuda, float32, float64, int64

from .array import THREADS, blocks, empty
from .movement import expand

if config.ENABLE_CUDASIM:   # the simulator runs every GPU thread as a Python thread: tiny tiles keep tests fast
    BLOCK_M = BLOCK_N = 8
    BLOCK_K, THREAD_M, THREAD_N = 4, 2, 2
else:
    BLOCK_M = BLOCK_N = 64
    BLOCK_K, THREAD_M, THREAD_N = 16, 4, 4
THREADS_X, THREADS_Y = BLOCK_N // THREAD_N, BLOCK_M // THREAD_M
BLOCK_THREADS = THREADS_X * THREADS_Y
BUSY_BLOCKS = 512          # split K until at least this many blocks run (an H100 has 132 multiprocessors)
MIN_SPLIT_K = 16 * BLOCK_K  # but never into pieces shorter than this

@cuda.jit(device=True, inline="always")
def _load_tile(tile, src, base, start, extent, k_major, t, k_stop, k, width, thread):
    """The block's threads stage tile[kk, j] = the operand's entry (K index t + kk, other index start + j), zero
    past the operand's edge or k_stop. The operand is stored (K, extent) when k_major, else (extent, K); either
    way consecutive threads read consecutive addresses."""
    for e in range(thread, width * BLOCK_K, BLOCK_THREADS):
        if k_major:
            kk, j = e // width, e % width
        else:
            j, kk = e // BLOCK_K, e % BLOCK_K
        inside = start + j < extent and t + kk < k_stop
        offset = (t + kk) * extent + start + j if k_major else (start + j) * k + t + kk
        tile[kk, j] = src[base + offset] if inside else tile.dtype.type(0)

def _make_kernel(element_type):
    @cuda.jit(cache=True)
    def kernel(a, b, out, m, k, n, transpose_a, transpose_b, splits, split_k):
        """out[z] = a[z // splits] @ b[z // splits] over k in [split * split_k, (split + 1) * split_k)."""
        tile_a = cuda.shared.array((BLOCK_K, BLOCK_M), element_type)
        tile_b = cuda.shared.array((BLOCK_K, BLOCK_N), element_type)
        acc = cuda.local.array((THREAD_M, THREAD_N), element_type)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        thread = ty * THREADS_X + tx
        row0, col0 = cuda.blockIdx.y * BLOCK_M, cuda.blockIdx.x * BLOCK_N
        batch, split = cuda.blockIdx.z // splits, cuda.blockIdx.z % splits
        a_base, b_base = batch * m * k, batch * k * n
        k_start = split * split_k
        k_stop = min(k, k_start + split_k)
        for i in range(THREAD_M):
            for j in range(THREAD_N):
                acc[i, j] = 0
        for t in range(k_start, k_stop, BLOCK_K):
            _load_tile(tile_a, a, a_base, row0, m, transpose_a, t, k_stop, k, BLOCK_M, thread)
            _load_tile(tile_b, b, b_base, col0, n, not transpose_b, t, k_stop, k, BLOCK_N, thread)
            cuda.syncthreads()
            for kk in range(BLOCK_K):
                for i in range(THREAD_M):
                    a_value = tile_a[kk, ty + i * THREADS_Y]
                    for j in range(THREAD_N):
                        acc[i, j] += a_value * tile_b[kk, tx + j * THREADS_X]
            cuda.syncthreads()
        out_base = cuda.blockIdx.z * m * n
        for i in range(THREAD_M):
            row = row0 + ty + i * THREADS_Y
            for j in range(THREAD_N):
                col = col0 + tx + j * THREADS_X
                if row < m and col < n:
                    out[out_base + row * n + col] = acc[i, j]
    return kernel

@cuda.jit(cache=True)
def _sum_splits_kernel(partial, splits, plane, out):
    """out[b, i] = partial[b * splits, i] + partial[b * splits + 1, i] + ..., always in that order."""
    i = cuda.grid(1)
    if i < out.size:
        base = (i // plane) * splits * plane + i % plane
        total = partial[base]
        for s in range(1, splits):
            total += partial[base + s * plane]
        out[i] = total

def _ceil_div(a, b):
    return -(-a // b)

_kernels = {}

def _kernel(dtype):
    if dtype not in _kernels:
        _kernels[dtype] = _make_kernel({np.dtype("float32"): float32, np.dtype("float64"): float64}.get(dtype, int64))
    return _kernels[dtype]

def _splits(tiles, k):
    """How many pieces to cut K into so that about BUSY_BLOCKS blocks run."""
    if tiles >= BUSY_BLOCKS or k < 2 * MIN_SPLIT_K:
        return 1
    return min(_ceil_div(BUSY_BLOCKS, tiles), k // MIN_SPLIT_K)

def matmul(a, b):
    """Batched a @ b with numpy's broadcasting of the batch dims."""
    return product(a, b)

def product(a, b, transpose_a=False, transpose_b=False):
    """matmul, with transpose_* reading that operand's last two dims swapped (a stored (..., k, m), or b stored
    (..., n, k))."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k = a.shape[-2:][::-1] if transpose_a else a.shape[-2:]
    n = b.shape[-2] if transpose_b else b.shape[-1]
    a3 = a if a.shape[:-2] == batch else expand(a, batch + a.shape[-2:])
    b3 = b if b.shape[:-2] == batch else expand(b, batch + b.shape[-2:])
    count = math.prod(batch)
    out = empty(batch + (m, n), a.dtype)
    if out.size == 0:
        return out
    grid_x, grid_y = _ceil_div(n, BLOCK_N), _ceil_div(m, BLOCK_M)
    splits, split_k = _splits(grid_x * grid_y * count, k), k
    if splits > 1:   # whole BLOCK_K steps per piece; rounding up may leave fewer pieces
        split_k = _ceil_div(_ceil_div(k, splits), BLOCK_K) * BLOCK_K
        splits = _ceil_div(k, split_k)
    target = out if splits == 1 else empty((count * splits, m, n), a.dtype)
    _kernel(a.dtype)[(grid_x, grid_y, count * splits), (THREADS_X, THREADS_Y)](
        a3.buffer, b3.buffer, target.buffer, m, k, n, transpose_a, transpose_b, splits, split_k)
    if splits > 1:
        _sum_splits_kernel[blocks(out.size), THREADS](target.buffer, splits, m * n, out.buffer)
    return out
