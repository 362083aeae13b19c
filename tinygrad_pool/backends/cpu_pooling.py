"""Pooling kernels for the CPU: one kernel per reduction, for 1-3 spatial dims, driven by window tables.

Arrays arrive as (planes, D, H, W), planes = N * C, and the kernels run planes in parallel (`prange`), so each
thread owns whole planes and the backward scatters never race. See `tinygrad_pool/windows.py` for the tables.

The kernels sweep a whole output row at a time: for each input row that a window row touches, every output
of the row folds in its taps from that input row. The innermost loops then read memory in order and keep
their running values in a small row buffer, which the compiler turns into vector code. Max pooling finds the
values first and the indices in a second pass, only when they are wanted: tracking an index beside every
running maximum costs four times as much as the maximum itself. Average pooling is separable: sums over the
W-windows of each input row first, then sums of those over the (D, H)-windows; its backward gathers over the
outputs covering each input (the `cover_*` tables), so every input is written once.
"""
import numpy as np
from numba import njit, prange

@njit(parallel=True, cache=True)
def _max_pool_kernel(x, first, count, step, out):
    """The max over each window; a NaN wins (the update `v > best or v != v`)."""
    planes = x.shape[0]
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        best = np.empty(out_w, x.dtype)
        for od in range(out_d):
            d0, nd = first[0, od], count[0, od]
            for oh in range(out_h):
                h0, nh = first[1, oh], count[1, oh]
                row = x[p, d0, h0]
                for ow in range(out_w):
                    best[ow] = row[first[2, ow]]
                for jd in range(nd):
                    for jh in range(nh):
                        row = x[p, d0 + jd * step[0], h0 + jh * step[1]]
                        for ow in range(out_w):
                            w0 = first[2, ow]
                            for jw in range(count[2, ow]):
                                v = row[w0 + jw * step[2]]
                                b = best[ow]
                                best[ow] = v if (v > b or v != v) else b
                out[p, od, oh, :] = best

@njit(parallel=True, cache=True)
def _max_pool_indices_kernel(x, values, first, count, step, indices):
    """Where each window's max sits, as a flat offset into its plane: the first tap equal to the max in
    (d, h, w) order (the running max only moves on a strictly larger value), or the last NaN when there is
    one (a NaN is the max then). An all -inf window gives its first in-range tap."""
    planes, _, height, width = x.shape
    out_d, out_h, out_w = values.shape[1], values.shape[2], values.shape[3]
    for p in prange(planes):
        found = np.empty(out_w, np.int64)
        for od in range(out_d):
            for oh in range(out_h):
                target = values[p, od, oh]
                found[:] = -1
                for jd in range(count[0, od]):
                    d = first[0, od] + jd * step[0]
                    for jh in range(count[1, oh]):
                        h = first[1, oh] + jh * step[1]
                        row = x[p, d, h]
                        base = (d * height + h) * width
                        for ow in range(out_w):
                            w0 = first[2, ow]
                            for jw in range(count[2, ow]):
                                w = w0 + jw * step[2]
                                v = row[w]
                                # Bitwise, not short-circuit: no branch to mispredict on random data.
                                hit = (v != v) | ((v == target[ow]) & (found[ow] < 0))
                                found[ow] = base + w if hit else found[ow]
                indices[p, od, oh, :] = found

@njit(parallel=True, cache=True)
def _avg_pool_kernel(x, first, count, factor, out):
    """Window sums, separably: each input row's sums over the W-windows once (`across`), then the sum of those
    rows over each (D, H)-window, divided by the product of the three per-dim divisor factors. A window of
    k x k taps costs k + k adds per output instead of k * k. Sums run in float64."""
    planes, depth, height, _ = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        across = np.empty((depth, height, out_w), np.float64)
        for d in range(depth):
            for h in range(height):
                row = x[p, d, h]
                for ow in range(out_w):
                    total = 0.0
                    for w in range(first[2, ow], first[2, ow] + count[2, ow]):
                        total += row[w]
                    across[d, h, ow] = total
        total_row = np.empty(out_w, np.float64)
        for od in range(out_d):
            for oh in range(out_h):
                total_row[:] = 0.0
                for d in range(first[0, od], first[0, od] + count[0, od]):
                    for h in range(first[1, oh], first[1, oh] + count[1, oh]):
                        total_row += across[d, h]
                divisor = factor[0, od] * factor[1, oh]
                for ow in range(out_w):
                    out[p, od, oh, ow] = total_row[ow] / (divisor * factor[2, ow])

@njit(parallel=True, cache=True)
def _max_pool_backward_kernel(grad_out, indices, grad_in):
    """grad_in[plane, index] += grad_out: overlapping windows that chose the same input add up."""
    for p in prange(grad_out.shape[0]):
        for o in range(grad_out.shape[1]):
            grad_in[p, indices[p, o]] += grad_out[p, o]

@njit(parallel=True, cache=True)
def _avg_pool_backward_kernel(grad_out, factor, cover_first, cover_count, grad_in):
    """The adjoint of _avg_pool_kernel, as gathers over the outputs covering each input (no zero fill, no
    read-modify-write): `across` (D, H, OW) sums the shares grad_out / divisor of the (D, H)-windows covering each
    input row, then each input sums `across` over the W-windows covering it."""
    planes, depth, height, width = grad_in.shape
    out_d, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    for p in prange(planes):
        share = np.empty((out_d, out_h, out_w), np.float64)
        for od in range(out_d):
            for oh in range(out_h):
                divisor = factor[0, od] * factor[1, oh]
                for ow in range(out_w):
                    share[od, oh, ow] = grad_out[p, od, oh, ow] / (divisor * factor[2, ow])
        across = np.zeros(out_w, np.float64)
        for d in range(depth):
            for h in range(height):
                across[:] = 0.0
                for od in range(cover_first[0, d], cover_first[0, d] + cover_count[0, d]):
                    for oh in range(cover_first[1, h], cover_first[1, h] + cover_count[1, h]):
                        across += share[od, oh]
                row = grad_in[p, d, h]
                for w in range(width):
                    total = 0.0
                    for ow in range(cover_first[2, w], cover_first[2, w] + cover_count[2, w]):
                        total += across[ow]
                    row[w] = total

def max_pool(x, windows, with_indices):
    """(planes, D, H, W) -> values (planes, OD, OH, OW), and their int64 flat indices if asked for."""
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    _max_pool_kernel(x, windows.first, windows.count, windows.step, out)
    if not with_indices:
        return out, None
    indices = np.empty(out.shape, np.int64)
    _max_pool_indices_kernel(x, out, windows.first, windows.count, windows.step, indices)
    return out, indices

def max_pool_backward(grad_out, indices, windows):
    planes = grad_out.shape[0]
    grad_in = np.zeros((planes, int(np.prod(windows.in_shape))), grad_out.dtype)
    _max_pool_backward_kernel(np.ascontiguousarray(grad_out).reshape(planes, -1), indices.reshape(planes, -1),
                              grad_in)
    return grad_in.reshape((planes,) + windows.in_shape)

def avg_pool(x, windows, factor):
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    _avg_pool_kernel(x, windows.first, windows.count, factor, out)
    return out

def avg_pool_backward(grad_out, windows, factor):
    grad_in = np.empty((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    _avg_pool_backward_kernel(np.ascontiguousarray(grad_out), factor, windows.cover_first, windows.cover_count,
                              grad_in)
    return grad_in

def scatter(shape, key, values):
    """Zeros of `shape` with out[key] = values (a repeated index keeps one of its values): max_unpool."""
    out = np.zeros(shape, values.dtype)
    out[key] = values
    return out
