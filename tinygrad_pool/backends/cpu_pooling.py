"""Pooling kernels for the CPU: one kernel per reduction, for 1-3 spatial dims, driven by window tables.

Arrays arrive as (planes, D, H, W), planes = N * C, and the kernels run planes in parallel (`prange`), so each
thread owns whole planes and the backward scatters never race. See `tinygrad_pool/windows.py` for the tables.

Both reductions are separable. A first pass reduces every input row over its W-windows into `across`
(D, H, OW); a second folds the `across` rows that each (D, H)-window spans, elementwise, into the output row.
A k x k window then costs k + k steps per output instead of k * k, and both passes become vector code:
- the W pass sweeps the run of full windows with the common undilated (kernel, stride) pairs as constants,
  which lets the compiler unroll the taps and vectorise across outputs; the clipped windows at the edges
  read the tables. When stride * out_w == width, the whole plane is swept as one long row (`_sweeps`).
- the fold pass walks contiguous rows. Max pooling carries the index of each running max beside it only
  in the kernel that returns indices; max is associative and both passes keep the first maximum (or the last
  NaN), so the result equals a scan of the whole window in (d, h, w) order.
Average pooling sums in float64; its backward gathers over the outputs covering each input (the `cover_*`
tables), so every input is written once.
"""
import numpy as np
from numba import njit, prange

# --- max pooling: a max along W for every input row, then a max over the (D, H)-window's rows --------------------
@njit(cache=True)
def _wins(v, b):
    """Whether tap value v replaces the running max b: a larger value, or any NaN (so a NaN wins, the last one)."""
    return (v > b) | (v != v)

@njit(cache=True)
def _edge_max(plane, width, first, count, step, interior, across):
    """For every row of `plane` (rows of `width`), the max over the taps of its outputs outside the run of full
    windows interior[0]..interior[1]-1 (the clipped windows), read from the window tables, into its row of
    `across` (rows of len(first)). Column by column: a few edge outputs per row, for many rows; none at all
    when every window is full."""
    out_w, rows, lo, hi = len(first), len(plane) // width, interior[0], interior[1]
    for edge in (range(0, lo), range(hi, out_w)):
        for ow in edge:
            for r in range(rows):
                w = r * width + first[ow]
                b = plane[w]
                for j in range(1, count[ow]):
                    v = plane[w + j * step]
                    b = v if _wins(v, b) else b
                across[r * out_w + ow] = b

@njit(cache=True)
def _full_max(row, stride, kernel, shift, step, start, stop, best):
    """Max over the full windows start..stop-1, whose taps are ow * stride + shift + j * step. With stride,
    kernel and step constants the tap loop unrolls and the output loop becomes vector code; indexing views
    from 0 lets the compiler see that no index is negative (a negative one would wrap around)."""
    taps = row[start * stride + shift:]
    maxima = best[start:stop]
    for i in range(stop - start):
        w = i * stride
        b = taps[w]
        for j in range(1, kernel):
            v = taps[w + j * step]
            b = v if _wins(v, b) else b
        maxima[i] = b

@njit(cache=True)
def _full_maxima(row, interior, step, start, stop, best):
    """_full_max over windows start..stop-1 of the W-dim run `interior` (lo, hi, stride, kernel, shift), with the
    common undilated (kernel, stride) pairs as constants."""
    stride, kernel, shift = interior[2], interior[3], interior[4]
    if step == 1 and kernel == 2 and stride == 2:
        _full_max(row, 2, 2, shift, 1, start, stop, best)
    elif step == 1 and kernel == 3 and stride == 2:
        _full_max(row, 2, 3, shift, 1, start, stop, best)
    elif step == 1 and kernel == 3 and stride == 1:
        _full_max(row, 1, 3, shift, 1, start, stop, best)
    else:
        _full_max(row, stride, kernel, shift, step, start, stop, best)

@njit(cache=True)
def _edge_argmax(plane, width, first, count, step, interior, across, where):
    """_edge_max that also keeps where each max sits, as a flat offset into the plane."""
    out_w, rows, lo, hi = len(first), len(plane) // width, interior[0], interior[1]
    for edge in (range(0, lo), range(hi, out_w)):
        for ow in edge:
            for r in range(rows):
                w = r * width + first[ow]
                b, i = plane[w], w
                for j in range(1, count[ow]):
                    v = plane[w + j * step]
                    if _wins(v, b):
                        b, i = v, w + j * step
                across[r * out_w + ow] = b
                where[r * out_w + ow] = i

@njit(cache=True)
def _full_argmax(row, offset, stride, kernel, shift, step, start, stop, best, where):
    """_full_max that also keeps where each max sits."""
    origin = start * stride + shift
    taps = row[origin:]
    maxima, places = best[start:stop], where[start:stop]
    for i in range(stop - start):
        w = i * stride
        b, tap = taps[w], 0
        for j in range(1, kernel):
            v = taps[w + j * step]
            win = _wins(v, b)
            b = v if win else b
            tap = j if win else tap      # the tap number, not its offset: selecting constants is cheaper
        maxima[i] = b
        places[i] = offset + origin + w + tap * step

@njit(cache=True)
def _full_argmaxima(row, offset, interior, step, start, stop, best, where):
    """_full_maxima that also keeps where each max sits."""
    stride, kernel, shift = interior[2], interior[3], interior[4]
    if step == 1 and kernel == 2 and stride == 2:
        _full_argmax(row, offset, 2, 2, shift, 1, start, stop, best, where)
    elif step == 1 and kernel == 3 and stride == 2:
        _full_argmax(row, offset, 2, 3, shift, 1, start, stop, best, where)
    elif step == 1 and kernel == 3 and stride == 1:
        _full_argmax(row, offset, 1, 3, shift, 1, start, stop, best, where)
    else:
        _full_argmax(row, offset, stride, kernel, shift, step, start, stop, best, where)

@njit(cache=True, inline="always")
def _fold_max(row, kept, into):
    """into = the elementwise max of row and kept, a NaN winning. `into` is never `kept`: storing the old value
    back into the array it came from turns into masked stores, which are slow on AMD CPUs."""
    for ow in range(len(into)):
        v, b = row[ow], kept[ow]
        into[ow] = v if _wins(v, b) else b

@njit(cache=True, inline="always")
def _fold_argmax(row, row_where, kept, kept_where, into, into_where):
    """_fold_max that also carries where each max sits. Every operand is loaded before the selects: a load
    inside a select's branch stops the loop from becoming vector code."""
    for ow in range(len(into)):
        v, b, here, there = row[ow], kept[ow], row_where[ow], kept_where[ow]
        win = _wins(v, b)
        into[ow] = v if win else b
        into_where[ow] = here if win else there

@njit(cache=True)
def _sweeps(interior, rows, width, out_w):
    """How the W pass walks a plane's full windows: (sweeps, input length, output length, first, stop) per
    sweep. Normally one sweep per input row over its full windows first..stop-1. But when stride * out_w ==
    width, the windows of the next row continue the same pattern, so the plane's rows joined end to end are one
    long row: a single sweep covers every full window of the plane (on short rows the per-row overhead costs
    more than the taps). It also computes the clipped windows at the inner row ends from taps of the
    neighbouring row; the edge pass then overwrites those."""
    lo, hi, stride = interior[2, 0], interior[2, 1], interior[2, 2]
    if stride * out_w == width and lo < hi:
        return 1, rows * width, rows * out_w, lo, rows * out_w - (out_w - hi)
    return rows, width, out_w, lo, hi

@njit(cache=True)
def _padded(width):
    """Fold rows are `width` rounded up to a multiple of 16 elements, so that a fold runs wholly as vector code:
    the compiler leaves a shorter remainder to scalar code whose selects become branches, which mispredict on
    random data (a 12-wide fold costs twice as much as a 16-wide one). The extra lanes read the next `across`
    row, or the spare tail of the buffer, and are never copied out."""
    return -(-width // 16) * 16

@njit(parallel=True, cache=True)
def _max_pool_kernel(x, first, count, step, interior, out):
    """The max over each window, separably: the W-window maxima of every input row (`across`, rows of out_w
    one after another), then the elementwise max of the `across` rows that each (D, H)-window spans. Max is
    associative and a NaN wins in both passes, so this equals the max over the whole window. The folds
    alternate between two scratch rows."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    sweeps, length, out_length, lo, hi = _sweeps(interior, depth * height, width, out_w)
    lanes = _padded(out_w)
    for p in prange(planes):
        across = np.empty(depth * height * out_w + lanes, x.dtype)
        scratch = np.empty((2, lanes), x.dtype)
        plane = x[p].reshape(-1)
        for r in range(sweeps):
            _full_maxima(plane[r * length:(r + 1) * length], interior[2], step[2], lo, hi,
                         across[r * out_length:(r + 1) * out_length])
        _edge_max(plane, width, first[2, :out_w], count[2], step[2], interior[2], across)
        for od in range(out_d):
            for oh in range(out_h):
                rows_h = count[1, oh]
                at = (first[0, od] * height + first[1, oh]) * out_w
                best = across[at:at + lanes]
                for t in range(1, count[0, od] * rows_h):
                    d, h = first[0, od] + (t // rows_h) * step[0], first[1, oh] + (t % rows_h) * step[1]
                    at = (d * height + h) * out_w
                    _fold_max(across[at:at + lanes], best, scratch[t % 2])
                    best = scratch[t % 2]
                row = out[p, od, oh]
                for ow in range(out_w):
                    row[ow] = best[ow]

@njit(parallel=True, cache=True)
def _max_pool_indices_kernel(x, first, count, step, interior, out, indices):
    """_max_pool_kernel that also writes where each max sits, as a flat offset into its plane. Both passes
    move only on a strictly larger value or a NaN, so the index is the first tap equal to the max in
    (d, h, w) order, or the last NaN when there is one; an all -inf window gives its first in-range tap."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    sweeps, length, out_length, lo, hi = _sweeps(interior, depth * height, width, out_w)
    lanes = _padded(out_w)
    for p in prange(planes):
        across = np.empty(depth * height * out_w + lanes, x.dtype)
        where = np.empty(depth * height * out_w + lanes, np.int64)
        scratch, scratch_where = np.empty((2, lanes), x.dtype), np.empty((2, lanes), np.int64)
        plane = x[p].reshape(-1)
        for r in range(sweeps):
            done = slice(r * out_length, (r + 1) * out_length)
            _full_argmaxima(plane[r * length:(r + 1) * length], r * length, interior[2], step[2], lo, hi,
                            across[done], where[done])
        _edge_argmax(plane, width, first[2, :out_w], count[2], step[2], interior[2], across, where)
        for od in range(out_d):
            for oh in range(out_h):
                rows_h = count[1, oh]
                at = (first[0, od] * height + first[1, oh]) * out_w
                best, found = across[at:at + lanes], where[at:at + lanes]
                for t in range(1, count[0, od] * rows_h):
                    d, h = first[0, od] + (t // rows_h) * step[0], first[1, oh] + (t % rows_h) * step[1]
                    at = (d * height + h) * out_w
                    _fold_argmax(across[at:at + lanes], where[at:at + lanes], best, found, scratch[t % 2],
                                 scratch_where[t % 2])
                    best, found = scratch[t % 2], scratch_where[t % 2]
                row, row_indices = out[p, od, oh], indices[p, od, oh]
                for ow in range(out_w):
                    row[ow] = best[ow]
                    row_indices[ow] = found[ow]

# --- average pooling: sums along W for every input row, then sums over the (D, H)-window's rows -------------------
@njit(cache=True)
def _edge_sum(plane, width, first, count, interior, across):
    """For every row of `plane`, the sums over its clipped windows (see _edge_max), in float64."""
    out_w, rows, lo, hi = len(first), len(plane) // width, interior[0], interior[1]
    for edge in (range(0, lo), range(hi, out_w)):
        for ow in edge:
            for r in range(rows):
                start = r * width + first[ow]
                total = 0.0
                for w in range(start, start + count[ow]):
                    total += plane[w]
                across[r * out_w + ow] = total

@njit(cache=True)
def _full_sum(row, stride, kernel, shift, start, stop, sums):
    """Sums over the full windows start..stop-1 (see _full_max)."""
    taps = row[start * stride + shift:]
    totals = sums[start:stop]
    for i in range(stop - start):
        w = i * stride
        total = 0.0
        for j in range(kernel):
            total += taps[w + j]
        totals[i] = total

@njit(cache=True)
def _full_sums(row, interior, start, stop, sums):
    """_full_sum, with the common (kernel, stride) pairs as constants (see _full_maxima)."""
    stride, kernel, shift = interior[2], interior[3], interior[4]
    if kernel == 2 and stride == 2:
        _full_sum(row, 2, 2, shift, start, stop, sums)
    elif kernel == 3 and stride == 2:
        _full_sum(row, 2, 3, shift, start, stop, sums)
    elif kernel == 3 and stride == 1:
        _full_sum(row, 1, 3, shift, start, stop, sums)
    else:
        _full_sum(row, stride, kernel, shift, start, stop, sums)

@njit(parallel=True, cache=True)
def _avg_pool_kernel(x, first, count, interior, factor, out):
    """Window sums, separably: the W-window sums of every input row (`across`), then the sum of the `across`
    rows each (D, H)-window spans, divided by the product of the three per-dim divisor factors."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    sweeps, length, out_length, lo, hi = _sweeps(interior, depth * height, width, out_w)
    for p in prange(planes):
        across = np.empty((depth, height, out_w), np.float64)
        plane, across_flat = x[p].reshape(-1), across.reshape(-1)
        for r in range(sweeps):
            _full_sums(plane[r * length:(r + 1) * length], interior[2], lo, hi,
                       across_flat[r * out_length:(r + 1) * out_length])
        _edge_sum(plane, width, first[2, :out_w], count[2], interior[2], across_flat)
        total = np.empty(out_w, np.float64)
        for od in range(out_d):
            for oh in range(out_h):
                for ow in range(out_w):
                    total[ow] = 0.0
                for d in range(first[0, od], first[0, od] + count[0, od]):
                    for h in range(first[1, oh], first[1, oh] + count[1, oh]):
                        row = across[d, h]
                        for ow in range(out_w):
                            total[ow] += row[ow]
                divisor, averages = factor[0, od] * factor[1, oh], out[p, od, oh]
                for ow in range(out_w):
                    averages[ow] = total[ow] / (divisor * factor[2, ow])

@njit(parallel=True, cache=True)
def _max_pool_backward_kernel(grad_out, indices, grad_in):
    """grad_in[plane, index] += grad_out: overlapping windows that chose the same input add up. Each plane is
    zeroed just before its scatter, while it is in cache (zeroing the whole array first costs a pass over memory)."""
    for p in prange(grad_out.shape[0]):
        plane = grad_in[p]
        for i in range(len(plane)):
            plane[i] = 0
        for o in range(grad_out.shape[1]):
            plane[indices[p, o]] += grad_out[p, o]

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

def _interior_table(windows):
    return np.array([[r.start, r.stop, r.stride, r.kernel, r.shift] for r in windows.interior], np.int64)

def max_pool(x, windows, with_indices):
    """(planes, D, H, W) -> values (planes, OD, OH, OW), and their int64 flat indices if asked for."""
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    tables = (windows.first, windows.count, windows.step, _interior_table(windows))
    if not with_indices:
        _max_pool_kernel(x, *tables, out)
        return out, None
    indices = np.empty(out.shape, np.int64)
    _max_pool_indices_kernel(x, *tables, out, indices)
    return out, indices

def max_pool_backward(grad_out, indices, windows):
    planes = grad_out.shape[0]
    grad_in = np.empty((planes, int(np.prod(windows.in_shape))), grad_out.dtype)
    _max_pool_backward_kernel(np.ascontiguousarray(grad_out).reshape(planes, -1), indices.reshape(planes, -1),
                              grad_in)
    return grad_in.reshape((planes,) + windows.in_shape)

def avg_pool(x, windows, factor):
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    _avg_pool_kernel(x, windows.first, windows.count, _interior_table(windows), factor, out)
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
