"""Convolution kernels for the CPU: im2col and col2im as parallel Numba loops; the products go to BLAS.

Inputs are (N, C, D, H, W) (unit dims in front for 1-d and 2-d). Columns are (C * KD*KH*KW, B * OD*OH*OW) for a
chunk of B samples: row r = (c, jd, jh, jw) holds, for every output position of every sample in the chunk, the
input element that tap (jd, jh, jw) of channel c reads there, or 0 where the tap falls in the zero padding.
One BLAS product per group then convolves the chunk.

The batch goes through in chunks whose columns fit in a core's cache (`CHUNK_ELEMENTS`): columns of the whole
batch would be many megabytes, and writing them costs more than the product itself (fresh pages fault, and the
product reads them back from memory). Each thread (`prange` over workers) takes every workers-th chunk and
reuses its own buffers for all of them; its products are single-threaded BLAS calls (see `blas.py`).
The backward pass rebuilds each chunk's columns instead of saving them, for the same reason.

2-d 3x3 stride-1 convolutions take other kernels, forward and backward: Winograd's F(2x2, 3x3) with at least 4
channels in and out (`winograd.py`), or its larger tile F(4x4, 3x3) (`winograd4.py`) where this kind of CPU runs
that faster (`WINOGRAD4_MAX_CHANNELS`), and a direct loop with fewer (`direct.py`, a network's first layer).

Convolutions use *wide* columns: lay each sample out flat, zero-padded and split into its stride phases (with
stride s, phase p of a dim holds the padded positions p, p + s, p + 2s, ...), and let output position
(od, oh, ow) sit at column (od * QH + oh) * QW + ow, as if the output were as wide as a phase (Q = O + d(k-1)//s
per dim). A tap at offset t = j * d reads phase t % s, t // s positions in, so every row of the columns is one
contiguous slice of the flat sample, copied in one go instead of OH strided pieces, and col2im adds one contiguous
slice back. With stride 1 there is one phase, the padded sample itself. The extra columns (ow >= OW) are
computed and dropped in the forward pass, and hold zeros of grad_out in the backward pass, so they add nothing.
Where they would be more than half as many again as the outputs (`WIDE_WASTE`, small strided outputs), or where
each tap reads a phase of its own (1x1 and 2x2 kernels of stride 2: the split would be one more copy and save none),
a strided convolution takes one column per output position instead.

Nothing, that is, while they multiply finite values. The definition sums x * w over the taps that fall inside the
input: the padding is no term of it, and neither are the extra wide columns. Here a padded zero times an infinite
weight (forward, input gradient) and a zero of the padding or of an extra column times an inf or NaN of grad_out or
of the input (weight gradient) are NaN. So when a weight is not finite, or a weight gradient comes out with an inf
or NaN, the rows that hold an inf or NaN are recomputed from the definition by plain loops (`_exact_outputs`,
`_exact_input_grad`, `_exact_weight_grad`, float64 sums). Winograd's kernels check what they write instead (its
transforms give inf - inf even without padding). A value that came out finite met no inf or NaN, so it is the
definition's sum up to rounding; an inf or NaN is the definition's: the right sign of inf, and NaN only where a
term is NaN (0 * inf among them) or +inf meets -inf. Where finite terms overflow, the result depends on the order
of the additions, as in any floating-point sum. The checks read the weights or a small gradient, or a sample still
in cache: they cost nothing measurable.
"""
import functools
import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .blas import gemm
from .compile import PARALLEL, split_index
from .direct import conv3x3_direct, conv3x3_direct_backward
from .memory import keep_freed_memory
from . import winograd, winograd4
from .machine import tuned
from .winograd import all_finite
from .workers import worker_count

@njit(cache=True)
def _valid_range(tap_offset, stride, count, length):
    """The outputs o in [low, high) whose tap o * stride + tap_offset lies inside [0, length)."""
    low = 0 if tap_offset >= 0 else (-tap_offset + stride - 1) // stride
    high = (length - 1 - tap_offset) // stride + 1 if length - 1 - tap_offset >= 0 else 0
    return min(low, count), max(min(high, count), min(low, count))

@njit(cache=True, inline="always")
def _add_taps(row, col, low, high, step, offset, target):
    """target[o * step + offset] += row[col + o] for the outputs o in [low, high) whose tap lies in `target`."""
    for o in range(low, high):
        target[o * step + offset] += row[col + o]

@njit(cache=True)
def _im2col(x, kernel, stride, pad, dilation, out_shape, cols, adjoint):
    """Columns (C*K, B*O) of the B samples of x, one per output position; or with `adjoint`, col2im, the adjoint:
    every column entry added back into the element of x it was read from (x holds the gradient, zeros at first).
    Both walk the same map from (row, output position) to input element. Callers pass `adjoint` as a constant,
    so each direction compiles to its own code."""
    n_samples, channels, depth, height, width = x.shape
    kd, kh, kw = kernel[0], kernel[1], kernel[2]
    od_n, oh_n, ow_n = out_shape[0], out_shape[1], out_shape[2]
    for r in range(channels * kd * kh * kw):
        c, jd, jh, jw = split_index(r, kd, kh, kw)
        offset_w, step = jw * dilation[2] - pad[2], stride[2]
        low, high = _valid_range(offset_w, step, ow_n, width)   # columns inside the input
        row = cols[r]
        col = 0
        for n in range(n_samples):
            for od in range(od_n):
                d = od * stride[0] - pad[0] + jd * dilation[0]
                for oh in range(oh_n):
                    h = oh * stride[1] - pad[1] + jh * dilation[1]
                    inside = 0 <= d < depth and 0 <= h < height
                    if adjoint:
                        if inside:
                            _add_taps(row, col, low, high, step, offset_w, x[n, c, d, h])
                    elif inside:   # copy the taps inside the input row, zeros for those in the padding
                        row[col:col + low] = 0
                        source = x[n, c, d, h]
                        if step == 1:   # the common case: a straight copy the compiler vectorises
                            row[col + low:col + high] = source[low + offset_w:high + offset_w]
                        else:   # indices from 0 into slices: no negative-index checks, about 25% faster
                            target, taps = row[col + low:col + high], source[low * step + offset_w:]
                            for i in range(high - low):
                                target[i] = taps[i * step]
                        row[col + high:col + ow_n] = 0
                    else:
                        row[col:col + ow_n] = 0
                    col += ow_n

@njit(cache=True)
def _tapped(phase, kernel, dilation, stride):
    """Whether some tap j < kernel reads stride phase `phase` of a dim: (j * dilation) % stride == phase."""
    for j in range(kernel):
        if j * dilation % stride == phase:
            return True
    return False

@njit(cache=True)
def _phase_copy(x, n, pad, stride, padded, kernel, dilation, flat, into_phases):
    """Sample n of x into `flat`, the zero-padded sample split into its stride phases: as an array (C, SD, SH, SW,
    QD, QH, QW), flat[c, pd, ph, pw, qd, qh, qw] = padded x[n, c, qd*SD + pd, qh*SH + ph, qw*SW + pw] (zeros stay
    where the padding lies); or, without `into_phases`, back. Only the phases that a tap reads are copied (a 1x1
    kernel of stride 2 reads one of four), and input elements that no position of `flat` holds are read by no
    tap. Flat indices, not views: the rows are short, and a view per row made the copy 1.5x slower."""
    channels, depth, height, width = x.shape[1], x.shape[2], x.shape[3], x.shape[4]
    sd, sh, sw = stride[0], stride[1], stride[2]
    source = x[n].reshape(-1)
    for c in range(channels):
        for d in range(depth):
            qd, pd = (d + pad[0]) // sd, (d + pad[0]) % sd
            read = qd < padded[0] and _tapped(pd, kernel[0], dilation[0], sd)
            for h in range(height if read else 0):
                qh, ph = (h + pad[1]) // sh, (h + pad[1]) % sh
                if qh >= padded[1] or not _tapped(ph, kernel[1], dilation[1], sh):
                    continue
                first = ((c * depth + d) * height + h) * width
                for pw in range(sw):
                    if not _tapped(pw, kernel[2], dilation[2], sw):
                        continue
                    row = (((((c * sd + pd) * sh + ph) * sw + pw) * padded[0] + qd) * padded[1] + qh) * padded[2]
                    shift = first + pw - pad[2]   # flat[row + q] holds source[shift + q * sw]
                    low = max(0, -((pw - pad[2]) // sw))
                    high = min(padded[2], -((pw - pad[2] - width) // sw))
                    for q in range(low, high):
                        if into_phases:
                            flat[row + q] = source[shift + q * sw]
                        else:
                            source[shift + q * sw] = flat[row + q]

@njit(cache=True)
def _is_flat(shape, pad, stride, padded):
    """Whether a sample of `shape` (N, C, D, H, W) is its own flat wide layout: no padding, stride 1, no element
    beyond what the taps read."""
    return (pad[0] == pad[1] == pad[2] == 0 and stride[0] == stride[1] == stride[2] == 1
            and padded[0] == shape[2] and padded[1] == shape[3] and padded[2] == shape[4])

@njit(cache=True)
def _wide_offset(r, kernel, stride, dilation, padded):
    """Where row r = (c, jd, jh, jw) of wide columns starts in the flat phase-split sample: tap offset t = j * d
    lies in phase t % s, t // s positions in."""
    c, jd, jh, jw = split_index(r, kernel[0], kernel[1], kernel[2])
    td, th, tw = jd * dilation[0], jh * dilation[1], jw * dilation[2]
    phase = ((td % stride[0]) * stride[1] + th % stride[1]) * stride[2] + tw % stride[2]
    volume = padded[0] * padded[1] * padded[2]
    return ((c * stride[0] * stride[1] * stride[2] + phase) * volume
            + ((td // stride[0]) * padded[1] + th // stride[1]) * padded[2] + tw // stride[2])

@njit(cache=True)
def _wide_im2col(x, kernel, stride, dilation, pad, padded, span, buffer, cols, adjoint):
    """Wide columns (C*K, B * span) of the B samples of x: each row of a sample is one slice of its flat
    phase-split copy. With `adjoint`, the reverse: each row's slice added back into a zeroed copy, which then goes
    back into x (holding the gradient, zeros at first)."""
    flat = _is_flat(x.shape, pad, stride, padded)
    for n in range(x.shape[0]):
        sample = x[n].reshape(-1) if flat else buffer
        if not flat:
            sample[:] = 0
            if not adjoint:
                _phase_copy(x, n, pad, stride, padded, kernel, dilation, sample, True)
        for r in range(cols.shape[0]):
            offset = _wide_offset(r, kernel, stride, dilation, padded)
            row, taps = cols[r, n * span:(n + 1) * span], sample[offset:offset + span]
            if adjoint:
                for i in range(span):
                    taps[i] += row[i]
            else:   # a loop, not row[:] = taps: Numba's slice assignment ran 4x slower here
                for i in range(span):
                    row[i] = taps[i]
        if adjoint and not flat:
            _phase_copy(x, n, pad, stride, padded, kernel, dilation, sample, False)

CHUNK_ELEMENTS = 1 << 18   # column entries per chunk: 1 MiB of float32, half of one core's L2 cache here

@njit(cache=True)
def _samples_to_rows(batch_part, column_of, span, rows):
    """(B, C_out, O) -> (C_out, B * span): output o of sample n goes to column n * span + column_of[o]; wide
    columns that no output fills get zeros."""
    n_samples, channels, size = batch_part.shape
    for c in range(channels):
        target = rows[c]
        if span != size:
            target[:] = 0
        for n in range(n_samples):
            source = batch_part[n, c]
            for o in range(size):
                target[n * span + column_of[o]] = source[o]

@njit(cache=True)
def _rows_to_samples(rows, bias, column_of, span, batch_part):
    """(C_out, B * span) -> (B, C_out, O), the reverse of _samples_to_rows, adding the bias (when it has
    entries) on the way."""
    n_samples, channels, size = batch_part.shape
    for n in range(n_samples):
        for c in range(channels):
            shift = bias[c] if bias.size else 0
            source, target = rows[c, n * span:(n + 1) * span], batch_part[n, c]
            for o in range(size):
                target[o] = source[column_of[o]] + shift

@njit(cache=True)
def _columns(x, kernel, stride, pad, dilation, out_shape, wide, padded, span, buffer, cols, adjoint):
    """The columns of a chunk of samples: wide or one per output position. With `adjoint`, every column entry is
    added back into the input element it came from instead."""
    if wide:
        _wide_im2col(x, kernel, stride, dilation, pad, padded, span, buffer, cols, adjoint)
    else:
        _im2col(x, kernel, stride, pad, dilation, out_shape, cols, adjoint)

@njit(cache=True)
def _worker_buffers(x, rows, out_channels, chunk, workers, span, stride, wide, padded):
    """Each worker's buffers, reused for all its chunks: columns (rows x chunk * span), output rows
    (C_out x chunk * span), and for wide columns one flat phase-split sample."""
    cols = np.empty((workers, rows * chunk * span), x.dtype)
    out_rows = np.empty((workers, out_channels * chunk * span), x.dtype)
    phases = stride[0] * stride[1] * stride[2]
    samples = np.empty((workers, x.shape[1] * phases * padded[0] * padded[1] * padded[2] if wide else 0), x.dtype)
    return cols, out_rows, samples

@njit(parallel=PARALLEL, cache=True)
def _conv_forward(x, w, bias, groups, chunk, workers, kernel, stride, pad, dilation, out_shape, wide, padded,
                  column_of, out):
    """out (N, C_out, O) = the convolution of x (N, C, D, H, W) with w (C_out, C*K/G) plus bias (C_out, or
    empty for none), chunk samples at a time. Each product is out_g = w_g @ columns_g, a row per output channel:
    with the scipy BLAS here that runs up to 30% faster than the transposed product columns^T @ w^T, and never
    slower, for inner dims of 256-2304 and 64-256 output channels."""
    n_samples, out_channels = out.shape[0], out.shape[1]
    span = column_of[-1] + 1
    rows, per_group = w.shape[1], out_channels // groups
    cols, out_rows, samples = _worker_buffers(x, groups * rows, out_channels, chunk, workers, span, stride, wide,
                                              padded)
    for worker in prange(workers):
        for start in range(worker * chunk, n_samples, workers * chunk):
            stop = min(start + chunk, n_samples)
            width = (stop - start) * span
            part_cols = cols[worker, :groups * rows * width].reshape(groups * rows, width)
            part_out = out_rows[worker, :out_channels * width].reshape(out_channels, width)
            _columns(x[start:stop], kernel, stride, pad, dilation, out_shape, wide, padded, span, samples[worker],
                     part_cols, False)
            for g in range(groups):
                np.dot(w[g * per_group:(g + 1) * per_group], part_cols[g * rows:(g + 1) * rows],
                       part_out[g * per_group:(g + 1) * per_group])
            _rows_to_samples(part_out, bias, column_of, span, out[start:stop])

@njit(parallel=PARALLEL, cache=True)
def _conv_backward(x, w, grad_out, groups, chunk, workers, kernel, stride, pad, dilation, out_shape, wide, padded,
                   column_of, grad_x, grad_w_t):
    """grad_w_t[worker, g] (C*K/G, C_out/G) += columns_g @ grad_out_g^T over that worker's chunks (w's gradient,
    transposed: the faster product here), and grad_x += col2im(w^T @ grad_out). Either may be an
    empty array, meaning that gradient is not needed."""
    n_samples, out_channels = grad_out.shape[0], grad_out.shape[1]
    span = column_of[-1] + 1
    rows, per_group = w.shape[1], out_channels // groups
    cols, g_rows, samples = _worker_buffers(x, groups * rows, out_channels, chunk, workers, span, stride, wide,
                                            padded)
    for worker in prange(workers):
        for start in range(worker * chunk, n_samples, workers * chunk):
            stop = min(start + chunk, n_samples)
            width = (stop - start) * span
            part_cols = cols[worker, :groups * rows * width].reshape(groups * rows, width)
            part_g = g_rows[worker, :out_channels * width].reshape(out_channels, width)
            _samples_to_rows(grad_out[start:stop], column_of, span, part_g)
            if grad_w_t.size:
                _columns(x[start:stop], kernel, stride, pad, dilation, out_shape, wide, padded, span,
                         samples[worker], part_cols, False)
                for g in range(groups):
                    gemm(part_cols[g * rows:(g + 1) * rows], part_g[g * per_group:(g + 1) * per_group].T,
                         grad_w_t[worker, g], True)
            if grad_x.size:
                for g in range(groups):
                    np.dot(w[g * per_group:(g + 1) * per_group].T, part_g[g * per_group:(g + 1) * per_group],
                           part_cols[g * rows:(g + 1) * rows])
                _columns(grad_x[start:stop], kernel, stride, pad, dilation, out_shape, wide, padded, span,
                         samples[worker], part_cols, True)

class _Layout(NamedTuple):
    """A ConvGeometry as the im2col kernels read it, in their parameters' order: its fields as int64 arrays, then
    how the columns lie: `wide`, over samples zero-padded and split into stride phases of the `padded` dims each,
    else one column per output position; `column_of[o]` is the column of output o in its sample's span."""
    kernel: np.ndarray
    stride: np.ndarray
    pad: np.ndarray
    dilation: np.ndarray
    out_shape: np.ndarray
    wide: bool
    padded: np.ndarray
    column_of: np.ndarray

    @property
    def span(self):
        return int(self.column_of[-1]) + 1

def _phases_read(geometry):
    """How many stride phases of a sample the taps read: where it is no fewer than the taps (a 1x1 kernel of stride
    2 reads one phase, a 2x2 one of stride 2 each of four once), splitting a sample into phases copies it once more
    and saves no copy."""
    return int(np.prod([sum(_tapped(p, k, d, s) for p in range(s))
                        for k, d, s in zip(geometry.kernel, geometry.dilation, geometry.stride)]))

WIDE_WASTE = 1.5   # a strided convolution takes wide columns while they are at most this many times its outputs

@functools.lru_cache(maxsize=64)   # forward and backward ask for the same geometry
def _layout(geometry):
    fields = [np.asarray(f, np.int64) for f in (geometry.kernel, geometry.stride, geometry.padding,
                                                 geometry.dilation, geometry.out_shape)]
    out_shape = tuple(int(o) for o in geometry.out_shape)
    positions = np.arange(int(np.prod(out_shape)), dtype=np.int64)
    padded = np.array([o + d * (k - 1) // s for o, d, k, s in zip(out_shape, geometry.dilation, geometry.kernel,
                                                                   geometry.stride)], np.int64)
    od, oh, ow = np.unravel_index(positions, out_shape)
    column_of = (od * padded[1] + oh) * padded[2] + ow
    if any(int(s) != 1 for s in geometry.stride) and (column_of[-1] + 1 > WIDE_WASTE * positions.size
                                                      or _phases_read(geometry) >= np.prod(geometry.kernel)):
        return _Layout(*fields, False, np.ones(3, np.int64), positions)
    return _Layout(*fields, True, padded, column_of)

def _plan(x, out_channels, geometry, span):
    """(samples per chunk, workers): chunks whose columns and output rows each fit CHUNK_ELEMENTS, and still
    give every thread work."""
    workers = worker_count(x.shape[0])
    per_sample = max(x.shape[1] * int(np.prod(geometry.kernel)), out_channels) * span
    chunk = max(1, min(-(-x.shape[0] // workers), CHUNK_ELEMENTS // max(per_sample, 1)))
    return chunk, workers

def _im2col_forward(x, w, bias, geometry, groups):
    """out (N, C_out, OD, OH, OW) by im2col and one product per group."""
    layout = _layout(geometry)
    x, w2 = np.ascontiguousarray(x), np.ascontiguousarray(w).reshape(w.shape[0], w[0].size)
    out = np.empty((x.shape[0], w.shape[0], layout.column_of.size), x.dtype)
    if out.size:
        chunk, workers = _plan(x, w.shape[0], geometry, layout.span)
        _conv_forward(x, w2, _bias_entries(bias, x.dtype), groups, chunk, workers, *layout, out)
    return out.reshape(out.shape[:2] + tuple(geometry.out_shape))

def _im2col_backward(x, w, grad_out, geometry, groups, need_input, need_weight):
    """(grad_x or None, grad_w or None) by im2col, for a non-empty x and grad_out. Only the weight gradient reads
    x's values: without it, x may be any array of its shape (a broadcast zero), which is never copied."""
    layout = _layout(geometry)
    w2 = np.ascontiguousarray(w).reshape(w.shape[0], w[0].size)
    g = np.ascontiguousarray(grad_out).reshape(grad_out.shape[:2] + (grad_out[0, 0].size,))
    rows, per_group = w2.shape[1], w2.shape[0] // groups
    grad_x = np.zeros(x.shape if need_input else (0,) * 5, x.dtype)
    x = np.ascontiguousarray(x) if need_weight else grad_x   # the kernel then reads only its shape
    chunk, workers = _plan(x, w.shape[0], geometry, layout.span)
    grad_w_t = np.zeros((workers, groups, rows, per_group) if need_weight else (0, 0, 0, 0), x.dtype)
    _conv_backward(x, w2, g, groups, chunk, workers, *layout, grad_x, grad_w_t)
    grad_w = grad_w_t.sum(axis=0).transpose(0, 2, 1).reshape(w.shape) if need_weight else None
    return (grad_x if need_input else None), grad_w

# --- the definition, for the values that a fast kernel may have left wrong -------------------------------------------

@njit(cache=True, inline="always")
def _tap_index(o, j, stride, pad, dilation, length):
    """The input index that output o's tap j reads along one dim, or -1 where it falls in the padding."""
    i = o * stride - pad + j * dilation
    return i if 0 <= i < length else -1

@njit(cache=True, inline="always")
def _reader(i, j, stride, pad, dilation, count):
    """The output (of `count`) whose tap j reads input i along one dim, or -1 where none does."""
    t = i + pad - j * dilation
    return t // stride if 0 <= t < count * stride and t % stride == 0 else -1

@njit(parallel=PARALLEL, cache=True)
def _exact_outputs(x, w, bias, groups, kernel, stride, pad, dilation, out):
    """Each row out[n, o, od, oh] (along OW) that holds an inf or NaN, recomputed from the definition: the sum of
    x * w over the taps that fall inside x, in float64 from +0.0, plus the bias (when it has entries)."""
    n_samples, out_channels, od_n, oh_n, ow_n = out.shape
    depth, height, width = x.shape[2], x.shape[3], x.shape[4]
    per_group_in, per_group_out = w.shape[1], out_channels // groups
    for row in prange(n_samples * out_channels * od_n * oh_n):
        n, o, od, oh = split_index(row, out_channels, od_n, oh_n)
        target = out[n, o, od, oh]
        if all_finite(target):
            continue
        first, total = o // per_group_out * per_group_in, np.zeros(ow_n)
        for c in range(per_group_in):
            for jd in range(kernel[0]):
                d = _tap_index(od, jd, stride[0], pad[0], dilation[0], depth)
                for jh in range(kernel[1] if d >= 0 else 0):
                    h = _tap_index(oh, jh, stride[1], pad[1], dilation[1], height)
                    for jw in range(kernel[2] if h >= 0 else 0):
                        offset = jw * dilation[2] - pad[2]
                        low, high = _valid_range(offset, stride[2], ow_n, width)
                        weight, source = float(w[o, c, jd, jh, jw]), x[n, first + c, d, h]
                        for ow in range(low, high):
                            total[ow] += weight * source[ow * stride[2] + offset]
        for ow in range(ow_n):
            target[ow] = total[ow] + (float(bias[o]) if bias.size else 0.0)

@njit(parallel=PARALLEL, cache=True)
def _exact_input_grad(w, grad_out, groups, kernel, stride, pad, dilation, grad_x):
    """Each row grad_x[n, c, d, h] (along W) that holds an inf or NaN, recomputed from the definition: the sum of
    grad_out * w over the (output, tap) pairs that read each input element, in float64."""
    n_samples, channels, depth, height, width = grad_x.shape
    od_n, oh_n, ow_n = grad_out.shape[2], grad_out.shape[3], grad_out.shape[4]
    per_group_in, per_group_out = w.shape[1], grad_out.shape[1] // groups
    for row in prange(n_samples * channels * depth * height):
        n, c, d, h = split_index(row, channels, depth, height)
        target = grad_x[n, c, d, h]
        if all_finite(target):
            continue
        first, k, total = c // per_group_in * per_group_out, c % per_group_in, np.zeros(width)
        for o in range(first, first + per_group_out):
            for jd in range(kernel[0]):
                od = _reader(d, jd, stride[0], pad[0], dilation[0], od_n)
                for jh in range(kernel[1] if od >= 0 else 0):
                    oh = _reader(h, jh, stride[1], pad[1], dilation[1], oh_n)
                    for jw in range(kernel[2] if oh >= 0 else 0):
                        offset = jw * dilation[2] - pad[2]
                        low, high = _valid_range(offset, stride[2], ow_n, width)
                        weight, source = float(w[o, k, jd, jh, jw]), grad_out[n, o, od, oh]
                        for ow in range(low, high):
                            total[ow * stride[2] + offset] += float(source[ow]) * weight
        for i in range(width):
            target[i] = total[i]

@njit(parallel=PARALLEL, cache=True)
def _exact_weight_grad(x, grad_out, groups, kernel, stride, pad, dilation, grad_w):
    """Each filter grad_w[o, c] that holds an inf or NaN, recomputed from the definition: the sum of grad_out * x
    over the samples and outputs whose tap reads inside x, in float64."""
    n_samples, out_channels, od_n, oh_n, ow_n = grad_out.shape
    depth, height, width = x.shape[2], x.shape[3], x.shape[4]
    per_group_in, per_group_out = grad_w.shape[1], out_channels // groups
    for f in prange(out_channels * per_group_in):
        o, c = f // per_group_in, f % per_group_in
        taps, channel = grad_w[o, c], o // per_group_out * per_group_in + c
        if all_finite(taps):
            continue
        for t in range(taps.size):
            _, jd, jh, jw = split_index(t, kernel[0], kernel[1], kernel[2])
            offset = jw * dilation[2] - pad[2]
            low, high = _valid_range(offset, stride[2], ow_n, width)
            total = 0.0
            for n in range(n_samples):
                for od in range(od_n):
                    d = _tap_index(od, jd, stride[0], pad[0], dilation[0], depth)
                    for oh in range(oh_n if d >= 0 else 0):
                        h = _tap_index(oh, jh, stride[1], pad[1], dilation[1], height)
                        if h >= 0:
                            g, source = grad_out[n, o, od, oh], x[n, channel, d, h]
                            for ow in range(low, high):
                                total += float(g[ow]) * float(source[ow * stride[2] + offset])
            taps[jd, jh, jw] = total

# --- choosing the kernels --------------------------------------------------------------------------------------------

# 3x3 convolutions with 4 to this many channels in and out take F(4x4, 3x3), by kind of CPU (`machine.py`). On the
# 2-core Xeon, against F(2x2, 3x3), forward and backward in ms (float32, best of 7): (32, 64, 56, 56) x 64 pad 1
# 23.2 / 46.8 -> 20.1 / 36.9, the MNIST CNN's (64, 32, 26, 26) x 64 4.4 / 8.3 -> 3.3 / 5.8; but (32, 128, 28, 28) x
# 128 18.0 / 35.8 -> 28.4 / 53.7 and (32, 256, 14, 14) x 256 19.9 / 43.7 -> 75.3 / 122.8. The EPYC keeps F(2x2, 3x3)
# everywhere, as measured there before the larger tile existed.
WINOGRAD4_MAX_CHANNELS = tuned("winograd4_max_channels")

def choose_path(geometry, groups, in_shape, w_shape):
    """The kernels for a convolution of x (N, C, D, H, W) = `in_shape` with w `w_shape`. A 2-d 3x3 convolution
    with stride 1, no dilation, one group and at most 2 of padding on each side takes 'winograd' with at least 4
    channels in and out ('winograd4', the larger tile, with at most WINOGRAD4_MAX_CHANNELS of them), else 'direct'
    (for few channels BLAS has too little to do); one without input channels
    takes 'exact', the definition's loops (its outputs are the bias, or 0); any other 'im2col'. 'exact' and
    'im2col' serve every convolution, so tests may replace this function to run either."""
    kernel, stride, pad, dilation, out_shape = (geometry.kernel, geometry.stride, geometry.padding,
                                                geometry.dilation, geometry.out_shape)
    if w_shape[1] == 0:
        return "exact"
    if not (tuple(kernel) == (1, 3, 3) and tuple(stride) == (1, 1, 1) and tuple(dilation) == (1, 1, 1)
            and groups == 1 and pad[0] == 0 and in_shape[2] == out_shape[0] == 1
            and all(0 <= pad[i] <= 2 and 0 <= out_shape[i] + 2 - in_shape[2 + i] - pad[i] <= 2 for i in (1, 2))):
        return "im2col"
    if min(w_shape[:2]) < 4:
        return "direct"
    return "winograd4" if max(w_shape[:2]) <= WINOGRAD4_MAX_CHANNELS else "winograd"

def _bias_entries(bias, dtype):
    """The bias as the kernels take it: its entries, or none."""
    return np.zeros(0, dtype) if bias is None else np.ascontiguousarray(bias)

def _with_depth(a):
    """A 2-d kernel's (N, C, H, W) result with the unit depth dim the backend's arrays have, or None."""
    return None if a is None else a.reshape(a.shape[:2] + (1,) + a.shape[2:])

def conv_forward(x, w, bias, geometry, groups):
    """x (N, C, D, H, W), w (C_out, C/G, KD, KH, KW), bias (C_out,) or None -> (N, C_out, OD, OH, OW).
    `geometry` is an ops.conv.ConvGeometry. Outputs that a fast path may have left wrong come from the definition."""
    keep_freed_memory()
    path = choose_path(geometry, groups, x.shape, w.shape)
    # recheck: whether the values that came out inf or NaN may differ from the definition's. Winograd's transforms
    # can make NaN of any inf; the other kernels only multiply padded zeros by the weights.
    if path in ("winograd", "winograd4"):
        tiles = winograd if path == "winograd" else winograd4
        out, finite = tiles.conv3x3(x[:, :, 0], w[:, :, 0], bias, geometry.padding[1:], geometry.out_shape[1:])
        out, recheck = _with_depth(out), not finite
    elif path == "direct":
        out = _with_depth(conv3x3_direct(x[:, :, 0], w[:, :, 0], bias, geometry.padding[1:], geometry.out_shape[1:]))
        recheck = not np.isfinite(w).all()
    elif path == "im2col":
        out, recheck = _im2col_forward(x, w, bias, geometry, groups), not np.isfinite(w).all()
    else:
        out, recheck = np.full((x.shape[0], w.shape[0]) + tuple(geometry.out_shape), np.nan, x.dtype), True
    if recheck:
        layout = _layout(geometry)
        _exact_outputs(np.ascontiguousarray(x), np.ascontiguousarray(w), _bias_entries(bias, x.dtype), groups,
                       layout.kernel, layout.stride, layout.pad, layout.dilation, out)
    return out

@njit(parallel=PARALLEL, cache=True, fastmath={"reassoc"})   # reassoc: the sums vectorise
def _channel_sums(g, out):
    """out[c] = the float64 sum of g[:, c] (g: (N, C, S)) from +0.0, one channel per task."""
    for c in prange(g.shape[1]):
        total = 0.0
        for n in range(g.shape[0]):
            plane = g[n, c]
            for s in range(plane.size):
                total += plane[s]
        out[c] = total

def _bias_gradient(grad_out):
    """The bias's gradient, grad_out (N, C_out, OD, OH, OW) summed over all but C_out: on every thread, where
    numpy's sum over those axes runs on one."""
    g = np.ascontiguousarray(grad_out).reshape(grad_out.shape[:2] + (math.prod(grad_out.shape[2:]),))
    sums = np.empty(grad_out.shape[1])
    _channel_sums(g, sums)
    return sums.astype(grad_out.dtype)

def conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias):
    """(grad_x, grad_w, grad_bias) of conv_forward; None for a gradient that is not needed. A 3x3 convolution
    that the Winograd or direct kernels serve gets both gradients from them. As in the forward, gradient values
    that a fast path may have left wrong come from the definition. Only the weight gradient reads x's values, so
    a transposed convolution passes a broadcast zero of x's shape, which no path copies."""
    grad_bias = _bias_gradient(grad_out) if need_bias else None
    if x.size == 0 or grad_out.size == 0:   # no sample or no input channel: the sums have no terms
        return (np.zeros_like(x) if need_input else None), (np.zeros_like(w) if need_weight else None), grad_bias
    if not (need_input or need_weight):
        return None, None, grad_bias
    path = choose_path(geometry, groups, x.shape, w.shape)
    recheck_x = not np.isfinite(w).all()   # as in the forward; the weight gradient is checked whole below
    if path in ("winograd", "winograd4"):
        tiles = winograd if path == "winograd" else winograd4
        grad_x, finite, grad_w = tiles.conv3x3_backward(x[:, :, 0], w[:, :, 0], grad_out[:, :, 0],
                                                        geometry.padding[1:], need_input, need_weight)
        grad_x, grad_w, recheck_x = _with_depth(grad_x), _with_depth(grad_w), not finite
    elif path == "direct":
        grad_x, grad_w = (_with_depth(grad) for grad in conv3x3_direct_backward(
            x[:, :, 0], w[:, :, 0], grad_out[:, :, 0], geometry.padding[1:], need_input, need_weight))
    elif path == "im2col":
        grad_x, grad_w = _im2col_backward(x, w, grad_out, geometry, groups, need_input, need_weight)
    else:
        grad_x, recheck_x = (np.full(x.shape, np.nan, x.dtype) if need_input else None), True
        grad_w = np.full(w.shape, np.nan, x.dtype) if need_weight else None
    layout = _layout(geometry)
    taps = (layout.kernel, layout.stride, layout.pad, layout.dilation)
    if need_input and recheck_x:
        _exact_input_grad(np.ascontiguousarray(w), np.ascontiguousarray(grad_out), groups, *taps, grad_x)
    if need_weight and not np.isfinite(grad_w).all():
        grad_w = np.ascontiguousarray(grad_w)
        _exact_weight_grad(np.ascontiguousarray(x), np.ascontiguousarray(grad_out), groups, *taps, grad_w)
    return grad_x, grad_w, grad_bias
