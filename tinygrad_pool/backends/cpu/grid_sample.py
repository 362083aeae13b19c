"""Grid sampling for the CPU: each output position reads the taps that `backends/scalar.py`'s grid_tap gives
(1, 2x2 or 4x4 of them by mode) from every channel of its sample.

The forward pass and the grid's gradient run one output position per iteration of a parallel loop, so each writes
only its own outputs. The input's gradient adds into the input planes, where positions collide: it runs one
(sample, channel) plane per iteration instead, each walking every output position of that plane, so no two threads
add into one element.
"""
import numpy as np
from numba import njit, prange

from .. import scalar
from .compile import PARALLEL, grid_tap

@njit(cache=True)
def _tap_count(mode):
    return 1 if mode == scalar.GRID_NEAREST else (2 if mode == scalar.GRID_BILINEAR else 4)

@njit(parallel=PARALLEL, cache=True)
def _sample(x, grid, mode, padding, align_corners, out):
    batch, channels, height, width = x.shape
    rows, columns = grid.shape[1], grid.shape[2]
    taps = _tap_count(mode)
    for p in prange(batch * rows * columns):
        n, i, j = p // (rows * columns), (p // columns) % rows, p % columns
        gx, gy = grid[n, i, j, 0], grid[n, i, j, 1]
        if not (abs(gx) < np.inf and abs(gy) < np.inf):   # NaN fails this too
            out[n, :, i, j] = np.nan
            continue
        out[n, :, i, j] = 0.0
        for b in range(taps):
            row, wy, _ = grid_tap(gy, b, height, mode, padding, align_corners)
            if row < 0.0:
                continue
            for a in range(taps):
                column, wx, _ = grid_tap(gx, a, width, mode, padding, align_corners)
                if column < 0.0:
                    continue
                weight, r, q = wx * wy, int(row), int(column)
                for c in range(channels):
                    out[n, c, i, j] += weight * x[n, c, r, q]

@njit(parallel=PARALLEL, cache=True)
def _input_gradient(g, grid, mode, padding, align_corners, grad_x):
    batch, channels, height, width = grad_x.shape
    rows, columns = grid.shape[1], grid.shape[2]
    taps = _tap_count(mode)
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        for i in range(rows):
            for j in range(columns):
                gx, gy = grid[n, i, j, 0], grid[n, i, j, 1]
                if not (abs(gx) < np.inf and abs(gy) < np.inf):
                    continue
                upstream = g[n, c, i, j]
                for b in range(taps):
                    row, wy, _ = grid_tap(gy, b, height, mode, padding, align_corners)
                    if row < 0.0:
                        continue
                    for a in range(taps):
                        column, wx, _ = grid_tap(gx, a, width, mode, padding, align_corners)
                        if column >= 0.0:
                            grad_x[n, c, int(row), int(column)] += upstream * wx * wy

@njit(parallel=PARALLEL, cache=True)
def _grid_gradient(g, x, grid, mode, padding, align_corners, grad_grid):
    batch, channels, height, width = x.shape
    rows, columns = grid.shape[1], grid.shape[2]
    taps = _tap_count(mode)
    for p in prange(batch * rows * columns):
        n, i, j = p // (rows * columns), (p // columns) % rows, p % columns
        gx, gy = grid[n, i, j, 0], grid[n, i, j, 1]
        if not (abs(gx) < np.inf and abs(gy) < np.inf):
            grad_grid[n, i, j, 0] = grad_grid[n, i, j, 1] = np.nan
            continue
        along_x = along_y = 0.0
        for b in range(taps):
            row, wy, dwy = grid_tap(gy, b, height, mode, padding, align_corners)
            if row < 0.0:
                continue
            for a in range(taps):
                column, wx, dwx = grid_tap(gx, a, width, mode, padding, align_corners)
                if column < 0.0:
                    continue
                r, q = int(row), int(column)
                for c in range(channels):
                    value = x[n, c, r, q] * g[n, c, i, j]
                    along_x += value * dwx * wy
                    along_y += value * wx * dwy
        grad_grid[n, i, j, 0], grad_grid[n, i, j, 1] = along_x, along_y

def grid_sample(x, grid, mode, padding, align_corners):
    out = np.empty(x.shape[:2] + grid.shape[1:3], x.dtype)
    if out.size:
        _sample(np.ascontiguousarray(x), np.ascontiguousarray(grid), mode, padding, align_corners, out)
    return out

def grid_sample_backward(g, x, grid, mode, padding, align_corners, need_input, need_grid):
    g, x, grid = np.ascontiguousarray(g), np.ascontiguousarray(x), np.ascontiguousarray(grid)
    grad_x = grad_grid = None
    if need_input:
        grad_x = np.zeros(x.shape, g.dtype)
        if g.size:
            _input_gradient(g, grid, mode, padding, align_corners, grad_x)
    if need_grid:
        grad_grid = np.zeros(grid.shape, g.dtype)
        if g.size:
            _grid_gradient(g, x, grid, mode, padding, align_corners, grad_grid)
    return grad_x, grad_grid
