"""Pooling kernels for the CPU: one kernel per reduction, for 1-3 spatial dims, driven by window tables.

Arrays arrive as (planes, D, H, W), planes = N * C, and the kernels run planes in parallel (max pooling's
forward as one worker per thread over its share of the planes, `workers.py`; the rest as `prange` loops), so each
thread owns whole planes and the backward scatters never race. See `tinygrad_pool/ops/pooling.py` for the tables.

Both reductions are separable. A first pass reduces every input row over its W-windows into `across`
(D, H, OW); a second folds the `across` rows that each (D, H)-window spans, elementwise, into the output row.
A k x k window then costs k + k steps per output instead of k * k, and both passes become vector code:
- the W pass sweeps the run of full windows (the W dim's `InteriorRun`) with the common undilated
  (kernel, stride) pairs as constants, which lets the compiler unroll the taps and vectorise across outputs;
  the clipped windows at the edges read the tables. When stride * out_w == width, the whole plane is swept as
  one long row (`_sweeps`).
- the fold pass walks contiguous rows. Max pooling carries the index of each running max beside it only when
  indices are asked for; max is associative and both passes keep the first maximum (or the last NaN), so the
  result equals a scan of the whole window in (d, h, w) order.
One shape of window has a kernel of its own: the whole 2x2 blocks of a CNN's max_pool2d(x, 2), whose four taps a
direct loop reads in place (`_max_pool_2x2_kernel`, same values and indices). Average pooling sums in float64;
its backward gathers over the outputs covering each input (the `cover_*` tables), so every input is written once. Max pooling starts each window from one of its own taps, never from
-inf, so the same kernels serve float and integer inputs. Fractional max pooling reads a start table per plane
and scans each (small) window directly.

One source serves every reduction of the W pass, and max pooling with and without indices: the functions take
the arrays they fill (`maxima`, `where`, `sums`), and the ones a call does not fill are None. Numba compiles a
version for each combination and drops the code under `if where is not None` when the argument `where` is None
(decided by its type at compile time), so max pooling without indices runs exactly the code it would if it were
written alone.
"""
import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from .compile import PARALLEL, max_wins
from .memory import keep_freed_memory
from .workers import run_workers, worker_count

def _part(buffer, key):
    """buffer[key], or None for a buffer the kernel does not keep."""
    return None if buffer is None else buffer[key]

def _index_buffer(indices, size):
    """A scratch array of `size` for the offsets of running maxima, of the indices' dtype, or None when no indices
    are asked for."""
    return None if indices is None else np.empty(size, indices.dtype)

# In a kernel these two are chosen by the argument's type when it compiles: a jitted `if buffer is None: return
# None` would return an Optional for an array, which every later use of the result would check.
@overload(_part, inline="always")
def _part_of_type(buffer, key):
    if isinstance(buffer, types.NoneType):
        return lambda buffer, key: None
    return lambda buffer, key: buffer[key]

@overload(_index_buffer, inline="always")
def _index_buffer_of_type(indices, size):
    if isinstance(indices, types.NoneType):
        return lambda indices, size: None
    return lambda indices, size: np.empty(size, indices.dtype)

# --- the W pass: every input row reduced over its W-windows -----------------------------------------------------
@njit(cache=True)
def _windows(row, offset, stride, kernel, shift, step, start, stop, maxima, where, sums):
    """Windows start..stop-1 of an affine tap pattern, window i reading row[i * stride + shift + j * step] for
    j < kernel: its max into maxima[i] and the max's flat offset (`offset`: where `row` starts in its plane) into
    where[i], or its float64 sum into sums[i]. Max keeps the first maximum, or the last NaN. With stride, kernel
    and step constants the tap loop unrolls and the window loop becomes vector code; indexing views from 0 lets
    the compiler see that no index is negative (a negative one would wrap around)."""
    origin = start * stride + shift
    taps = row[origin:]
    windows = slice(start, stop)
    kept, places, totals = _part(maxima, windows), _part(where, windows), _part(sums, windows)
    for i in range(stop - start):
        w = i * stride
        if maxima is not None:
            b, tap = taps[w], 0
            for j in range(1, kernel):
                v = taps[w + j * step]
                win = max_wins(v, b)
                b = v if win else b
                tap = j if win else tap      # the tap number, not its offset: selecting constants is cheaper
            kept[i] = b
            if where is not None:
                places[i] = offset + origin + w + tap * step
        if sums is not None:
            total = 0.0
            for j in range(kernel):
                total += taps[w + j * step]
            totals[i] = total

@njit(cache=True)
def _full_run(row, offset, stride, kernel, shift, step, start, stop, maxima, where, sums):
    """_windows with the common undilated (kernel, stride) pairs as constants."""
    if step == 1 and kernel == 2 and stride == 2:
        _windows(row, offset, 2, 2, shift, 1, start, stop, maxima, where, sums)
    elif step == 1 and kernel == 3 and stride == 2:
        _windows(row, offset, 2, 3, shift, 1, start, stop, maxima, where, sums)
    elif step == 1 and kernel == 3 and stride == 1:
        _windows(row, offset, 1, 3, shift, 1, start, stop, maxima, where, sums)
    else:
        _windows(row, offset, stride, kernel, shift, step, start, stop, maxima, where, sums)

@njit(cache=True)
def _sweeps(run_start, run_stop, run_stride, rows, width, out_w):
    """How the W pass walks a plane's full windows: (sweeps, input length, output length, first, stop) per
    sweep. Normally one sweep per input row over its full windows first..stop-1. But when stride * out_w ==
    width, the windows of the next row continue the same pattern, so the plane's rows joined end to end are one
    long row: a single sweep covers every full window of the plane (on short rows the per-row overhead costs
    more than the taps). It also computes the clipped windows at the inner row ends from taps of the
    neighbouring row; the edge outputs then overwrite those."""
    if run_stride * out_w == width and run_start < run_stop:
        return 1, rows * width, rows * out_w, run_start, rows * out_w - (out_w - run_stop)
    return rows, width, out_w, run_start, run_stop

@njit(cache=True, inline="always")
def _w_pass(plane, width, first, count, step, run_start, run_stop, run_stride, run_kernel, run_shift, maxima, where,
            sums):
    """Every row of `plane` (rows of `width`) reduced over its W-windows into `maxima` and `where`, or `sums` (rows
    of len(first)): the run of full windows run_start..run_stop-1, output o reading o * run_stride + run_shift +
    j * step for j < run_kernel, then the clipped windows at the edges from the tables. An edge output is a run
    down the rows: one window per row, each `width` after the last (a few edge outputs per row, for many rows;
    none at all when every window is full). Inlined into the kernels: on small planes a call per plane costs more
    than the pass (max pooling 2x2 of 24x24 planes: 7% slower as a function)."""
    out_w, rows = len(first), len(plane) // width
    sweeps, length, out_length, lo, hi = _sweeps(run_start, run_stop, run_stride, rows, width, out_w)
    for r in range(sweeps):
        done = slice(r * out_length, (r + 1) * out_length)
        _full_run(plane[r * length:(r + 1) * length], r * length, run_stride, run_kernel, run_shift, step, lo, hi,
                  _part(maxima, done), _part(where, done), _part(sums, done))
    for edge in (range(0, run_start), range(run_stop, out_w)):
        for ow in edge:
            column = slice(ow, rows * out_w, out_w)
            _windows(plane, 0, width, count[ow], first[ow], step, 0, rows, _part(maxima, column), _part(where, column),
                     _part(sums, column))

# --- max pooling: the W pass, then a max over the (D, H)-window's rows -----------------------------------------
@njit(cache=True)
def _padded(width):
    """Fold rows are `width` rounded up to a multiple of 16 elements, so that a fold runs wholly as vector code:
    the compiler leaves a shorter remainder to scalar code whose selects become branches, which mispredict on
    random data (a 12-wide fold costs twice as much as a 16-wide one). The extra lanes read the next `across`
    row, or the spare tail of the buffer, and are never copied out."""
    return -(-width // 16) * 16

@njit(cache=True)
def _max_pool_kernel(worker, workers, x, first, count, step, run_start, run_stop, run_stride, run_kernel, run_shift,
                     out, indices):
    """The max over each window, separably: the W-window maxima of every input row (`across`, rows of out_w
    one after another), then the elementwise max of the `across` rows that each (D, H)-window spans, a NaN
    winning. Max is associative and a NaN wins in both passes, so this equals the max over the whole window.
    Unless `indices` is None, it also receives where each max sits, as a flat offset into its plane: both passes
    move only on a strictly larger value or a NaN, so the index is the first tap equal to the max in (d, h, w)
    order, or the last NaN when there is one; an all -inf window gives its first in-range tap.
    Each fold writes a scratch row other than the one holding the running max, alternating between two: storing
    a kept value back into the array it came from turns into masked stores, which are slow on AMD CPUs. Every
    operand is loaded before the selects: a load inside a select's branch stops the loop from becoming vector
    code. The fold stays in this loop: as a function taking the None index arrays it could only be a plain call
    (Numba inlines a function before it drops the branches a None rules out), and a call per row made 2x2 max
    pooling with indices twice as slow."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    lanes = _padded(out_w)
    size = depth * height * out_w + lanes
    across, where = np.empty(size, x.dtype), _index_buffer(indices, size)
    scratch, scratch_where = np.empty(2 * lanes, x.dtype), _index_buffer(indices, 2 * lanes)
    for p in range(worker * planes // workers, (worker + 1) * planes // workers):
        _w_pass(x[p].reshape(-1), width, first[2, :out_w], count[2], step[2], run_start, run_stop, run_stride,
                run_kernel, run_shift, across, where, None)
        for od in range(out_d):
            for oh in range(out_h):
                rows_h = count[1, oh]
                at = (first[0, od] * height + first[1, oh]) * out_w
                best, found = across[at:at + lanes], _part(where, slice(at, at + lanes))
                for t in range(1, count[0, od] * rows_h):
                    d, h = first[0, od] + (t // rows_h) * step[0], first[1, oh] + (t % rows_h) * step[1]
                    at, into = (d * height + h) * out_w, (t % 2) * lanes
                    row, row_where = across[at:at + lanes], _part(where, slice(at, at + lanes))
                    kept, kept_where = best, found
                    best, found = scratch[into:into + lanes], _part(scratch_where, slice(into, into + lanes))
                    for ow in range(lanes):
                        v, b = row[ow], kept[ow]
                        if indices is not None:
                            here, there = row_where[ow], kept_where[ow]
                        win = max_wins(v, b)
                        best[ow] = v if win else b
                        if indices is not None:
                            found[ow] = here if win else there
                values = out[p, od, oh]
                for ow in range(out_w):
                    values[ow] = best[ow]
                if indices is not None:
                    offsets = indices[p, od, oh]
                    for ow in range(out_w):
                        offsets[ow] = found[ow]

@njit(parallel=PARALLEL, cache=True)
def _max_pool_2x2_kernel(x, out, indices):
    """Max pooling whose windows are the whole 2x2 blocks at (2 oh, 2 ow) of every depth row (a CNN's
    max_pool2d(x, 2) of even or odd sizes): the four taps of each output read in place, in (h, w) order with the
    separable kernel's rule, so values and indices are the same. The separable passes' scratch rows cost more than
    four taps: on the 2-core Xeon, (64, 64, 24, 24) with indices took 0.69 ms this way, 1.61 ms separably (0.91 ms
    even without indices)."""
    planes, depth, width = x.shape[0], x.shape[1], x.shape[3]
    plane_rows = x.shape[2] * width
    for task in prange(planes * depth):
        p, d = task // depth, task % depth
        for oh in range(out.shape[2]):
            top, bottom, values = x[p, d, 2 * oh], x[p, d, 2 * oh + 1], out[p, d, oh]
            places, row_start = _part(indices, (p, d, oh)), d * plane_rows + 2 * oh * width
            for ow in range(out.shape[3]):
                a, b, c, e = top[2 * ow], top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]
                best, tap = a, 0
                win = max_wins(b, best)
                best, tap = (b, 1) if win else (best, tap)
                win = max_wins(c, best)
                best, tap = (c, width) if win else (best, tap)
                win = max_wins(e, best)
                best, tap = (e, width + 1) if win else (best, tap)
                values[ow] = best
                if indices is not None:
                    places[ow] = row_start + 2 * ow + tap

def _whole_2x2_blocks(windows):
    """Whether every window is the 2x2 block at (2 oh, 2 ow) of one depth row: no padding, no dilation, and no
    window clipped at an edge (ceil_mode can clip the last)."""
    _, height, width = windows.interior
    out_d = windows.out_shape[0]
    return (tuple(windows.step) == (1, 1, 1) and windows.in_shape[0] == out_d
            and (windows.count[0, :out_d] == 1).all() and np.array_equal(windows.first[0, :out_d], np.arange(out_d))
            and all((run.start, run.stop, run.stride, run.kernel, run.shift) == (0, length, 2, 2, 0)
                    for run, length in zip((height, width), windows.out_shape[1:])))

# --- average pooling: the W pass, then sums over the (D, H)-window's rows ----------------------------------------
@njit(parallel=PARALLEL, cache=True)
def _avg_pool_kernel(x, first, count, run_start, run_stop, run_stride, run_kernel, run_shift, factor, out):
    """Window sums, separably: the W-window sums of every input row (`across`), then the sum of the `across`
    rows each (D, H)-window spans, divided by the product of the three per-dim divisor factors."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        across = np.empty((depth, height, out_w), np.float64)
        _w_pass(x[p].reshape(-1), width, first[2, :out_w], count[2], 1, run_start, run_stop, run_stride, run_kernel,
                run_shift, None, None, across.reshape(-1))
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

@njit(parallel=PARALLEL, cache=True)
def _fractional_max_pool_kernel(x, starts, kernel, out, indices):
    """The max over each window of a plane's own start table: output (od, oh, ow) of plane p reads the kernel box
    from (starts[p, 0, od], starts[p, 1, oh], starts[p, 2, ow]), in (d, h, w) order, keeping the first maximum
    (or the last NaN) and, unless `indices` is None, its flat offset in the plane. Windows are few and small, so
    a direct scan serves; it starts from the window's first tap, which suits every dtype (no -inf for integers)."""
    planes, depth, height, width = x.shape
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        plane = x[p]
        for od in range(out_d):
            d0 = starts[p, 0, od]
            for oh in range(out_h):
                h0 = starts[p, 1, oh]
                for ow in range(out_w):
                    w0 = starts[p, 2, ow]
                    best, best_at = plane[d0, h0, w0], (d0 * height + h0) * width + w0
                    for d in range(d0, d0 + kernel[0]):
                        for h in range(h0, h0 + kernel[1]):
                            for w in range(w0, w0 + kernel[2]):
                                v = plane[d, h, w]
                                if max_wins(v, best):
                                    best, best_at = v, (d * height + h) * width + w
                    out[p, od, oh, ow] = best
                    if indices is not None:
                        indices[p, od, oh, ow] = best_at

@njit(parallel=PARALLEL, cache=True)
def _max_pool_backward_kernel(grad_out, indices, grad_in):
    """grad_in[plane, index] += grad_out: overlapping windows that chose the same input add up. Each plane is
    zeroed just before its scatter, while it is in cache (zeroing the whole array first costs a pass over memory)."""
    for p in prange(grad_out.shape[0]):
        plane = grad_in[p]
        for i in range(len(plane)):
            plane[i] = 0
        for o in range(grad_out.shape[1]):
            plane[indices[p, o]] += grad_out[p, o]

@njit(parallel=PARALLEL, cache=True)
def _avg_pool_backward_kernel(grad_out, factor, cover_first, cover_count, run_lo, run_hi, run_first, run_kernel,
                              grad_in):
    """The adjoint of _avg_pool_kernel, as gathers over the outputs covering each input (no zero fill, no
    read-modify-write): `across` (D, H, OW) sums the shares grad_out / divisor of the (D, H)-windows covering each
    input row, then each input sums `across` over the W-windows covering it. Inputs run_lo..run_hi-1 of a row are
    each covered by the run_kernel outputs from w + run_first on (stride-1 windows): they sum shifted slices of
    `across`, tap by tap, which is vector code; the others, and every input of other windows, read the tables.
    Both add the same terms in the same order."""
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
        line = np.empty(max(run_hi - run_lo, 0), np.float64)
        for d in range(depth):
            for h in range(height):
                across[:] = 0.0
                for od in range(cover_first[0, d], cover_first[0, d] + cover_count[0, d]):
                    for oh in range(cover_first[1, h], cover_first[1, h] + cover_count[1, h]):
                        across += share[od, oh]
                row = grad_in[p, d, h]
                line[:] = 0.0
                for j in range(run_kernel):
                    taps = across[run_lo + run_first + j:]
                    for i in range(line.size):
                        line[i] += taps[i]
                for i in range(line.size):
                    row[run_lo + i] = line[i]
                for w in range(width):
                    if run_lo <= w < run_hi:
                        continue
                    total = 0.0
                    for ow in range(cover_first[2, w], cover_first[2, w] + cover_count[2, w]):
                        total += across[ow]
                    row[w] = total

def _w_cover_run(windows, width, out_w):
    """(lo, hi, first, kernel): the inputs lo..hi-1 that the `kernel` outputs from w + first on all cover, when the
    W windows have stride 1 and no dilation (the tables say so); else an empty run."""
    run, step = windows.interior[2], windows.step[2]
    lo, hi = max(0, run.shift + run.kernel - 1), min(width, out_w + run.shift)
    first = -(run.shift + run.kernel - 1)
    inputs = np.arange(lo, hi)
    if (run.stride != 1 or step != 1 or run.start == run.stop or hi <= lo
            or not np.array_equal(windows.cover_first[2, lo:hi], inputs + first)
            or not (windows.cover_count[2, lo:hi] == run.kernel).all()):
        return 0, 0, 0, 0
    return lo, hi, first, run.kernel

def _w_run(windows):
    """The W dim's run of full windows as the scalars the kernels take: start, stop, stride, kernel, shift."""
    run = windows.interior[2]
    return run.start, run.stop, run.stride, run.kernel, run.shift

def offset_dtype(plane_size):
    """int32 offsets for planes of fewer than 2^31 elements (all real ones), else int64. Half the bytes of int64
    to write and to carry through the folds: 3x3 stride-2 pooling with indices of (32, 64, 112, 112) took 12.0 ms
    with int32 offsets and 18.3 ms with int64 on the 2-core Xeon, and its backward scatter 0.30 against 0.36 ms
    for 2x2 windows of (64, 64, 24, 24)."""
    return np.dtype(np.int32) if plane_size < 2**31 else np.dtype(np.int64)

def max_pool(x, windows, with_indices):
    """(planes, D, H, W) -> values (planes, OD, OH, OW), and their flat offsets into each plane if asked for."""
    keep_freed_memory()
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    indices = np.empty(out.shape, offset_dtype(int(np.prod(x.shape[1:])))) if with_indices else None
    if _whole_2x2_blocks(windows):
        _max_pool_2x2_kernel(x, out, indices)
    else:
        run_workers(_max_pool_kernel, worker_count(x.shape[0]), x, windows.first, windows.count, windows.step,
                    *_w_run(windows), out, indices)
    return out, indices

def fractional_max_pool(x, starts, kernel, out_shape, with_indices):
    """(planes, D, H, W) -> values (planes, *out_shape), and their int64 flat indices if asked for."""
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + tuple(out_shape), x.dtype)
    indices = np.empty(out.shape, np.int64) if with_indices else None
    _fractional_max_pool_kernel(x, starts, kernel, out, indices)
    return out, indices

def max_pool_backward(grad_out, indices, windows):
    """Sizes are given, not inferred: a -1 cannot be inferred from an array without planes."""
    planes, outputs = grad_out.shape[0], int(np.prod(windows.out_shape))
    grad_in = np.empty((planes, int(np.prod(windows.in_shape))), grad_out.dtype)
    _max_pool_backward_kernel(np.ascontiguousarray(grad_out).reshape(planes, outputs),
                              indices.reshape(planes, outputs), grad_in)
    return grad_in.reshape((planes,) + windows.in_shape)

def avg_pool(x, windows, factor):
    keep_freed_memory()
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + windows.out_shape, x.dtype)
    _avg_pool_kernel(x, windows.first, windows.count, *_w_run(windows), factor, out)
    return out

def avg_pool_backward(grad_out, windows, factor):
    grad_in = np.empty((grad_out.shape[0],) + windows.in_shape, grad_out.dtype)
    _avg_pool_backward_kernel(np.ascontiguousarray(grad_out), factor, windows.cover_first, windows.cover_count,
                              *_w_cover_run(windows, windows.in_shape[2], windows.out_shape[2]), grad_in)
    return grad_in
