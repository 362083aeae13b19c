"""Grid sampling for CUDA: one thread per output position (sample, row, column), over the taps that
`backends/scalar.py`'s grid_tap gives and every channel, the twin of `cpu/grid_sample.py`.

In the backward pass the same thread writes its position's grid gradient and adds its share into the input
gradient atomically, since the positions of one sample may read the same pixels.
"""
import math

from numba import cuda, float64

from .. import scalar
from .array import THREADS, blocks, empty, grid_tap, zeros

@cuda.jit(device=True, inline="always")
def _tap_count(mode):
    return 1 if mode == scalar.GRID_NEAREST else (2 if mode == scalar.GRID_BILINEAR else 4)

@cuda.jit(cache=True)
def _sample_kernel(x, grid, batch, channels, height, width, rows, columns, mode, padding, align_corners, out):
    p = cuda.grid(1)
    if p >= batch * rows * columns:
        return
    n, position = p // (rows * columns), p % (rows * columns)
    plane_out, plane_in = rows * columns, height * width
    gx, gy = grid[2 * p], grid[2 * p + 1]
    first_out = n * channels * plane_out + position
    if not (abs(gx) < math.inf and abs(gy) < math.inf):   # NaN fails this too
        for c in range(channels):
            out[first_out + c * plane_out] = math.nan
        return
    for c in range(channels):
        out[first_out + c * plane_out] = 0.0
    taps = _tap_count(mode)
    for b in range(taps):
        row, wy, _ = grid_tap(gy, b, height, mode, padding, align_corners)
        if row < 0.0:
            continue
        for a in range(taps):
            column, wx, _ = grid_tap(gx, a, width, mode, padding, align_corners)
            if column < 0.0:
                continue
            weight = wx * wy
            source = n * channels * plane_in + int(row) * width + int(column)
            for c in range(channels):
                out[first_out + c * plane_out] += weight * x[source + c * plane_in]

@cuda.jit(cache=True)
def _backward_kernel(g, x, grid, batch, channels, height, width, rows, columns, mode, padding, align_corners,
                     need_input, need_grid, grad_x, grad_grid):
    p = cuda.grid(1)
    if p >= batch * rows * columns:
        return
    n, position = p // (rows * columns), p % (rows * columns)
    plane_out, plane_in = rows * columns, height * width
    gx, gy = grid[2 * p], grid[2 * p + 1]
    if not (abs(gx) < math.inf and abs(gy) < math.inf):
        if need_grid:
            grad_grid[2 * p] = grad_grid[2 * p + 1] = math.nan
        return
    first_out = n * channels * plane_out + position
    along_x = along_y = float64(0.0)
    taps = _tap_count(mode)
    for b in range(taps):
        row, wy, dwy = grid_tap(gy, b, height, mode, padding, align_corners)
        if row < 0.0:
            continue
        for a in range(taps):
            column, wx, dwx = grid_tap(gx, a, width, mode, padding, align_corners)
            if column < 0.0:
                continue
            source = n * channels * plane_in + int(row) * width + int(column)
            for c in range(channels):
                upstream = g[first_out + c * plane_out]
                if need_input:
                    cuda.atomic.add(grad_x, source + c * plane_in, upstream * wx * wy)
                if need_grid:
                    value = x[source + c * plane_in] * upstream
                    along_x += value * dwx * wy
                    along_y += value * wx * dwy
    if need_grid:
        grad_grid[2 * p], grad_grid[2 * p + 1] = along_x, along_y

def grid_sample(x, grid, mode, padding, align_corners):
    batch, channels, height, width = x.shape
    rows, columns = grid.shape[1:3]
    out = empty((batch, channels, rows, columns), x.dtype)
    count = batch * rows * columns
    if out.size:
        _sample_kernel[blocks(count), THREADS](x.buffer, grid.buffer, batch, channels, height, width, rows, columns,
                                               mode, padding, align_corners, out.buffer)
    return out

def grid_sample_backward(g, x, grid, mode, padding, align_corners, need_input, need_grid):
    batch, channels, height, width = x.shape
    rows, columns = grid.shape[1:3]
    grad_x = zeros(x.shape, g.dtype) if need_input else None
    grad_grid = zeros(grid.shape, g.dtype) if need_grid else None
    count = batch * rows * columns
    if count and channels and (need_input or need_grid):
        _backward_kernel[blocks(count), THREADS](
            g.buffer, x.buffer, grid.buffer, batch, channels, height, width, rows, columns, mode, padding,
            align_corners, need_input, need_grid, (grad_x if need_input else g).buffer,
            (grad_grid if need_grid else grid).buffer)
    return grad_x, grad_grid
