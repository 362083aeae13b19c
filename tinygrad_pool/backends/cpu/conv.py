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
channels in and out (`winograd.py`), a direct loop with fewer (`direct.py`, a network's first layer).

Stride-1 convolutions (the common case) use *wide* columns: lay each sample out flat (zero-padded first when
there is padding) and let output position (od, oh, ow) sit at column (od * PH + oh) * PW + ow, as if the output
were as wide as the padded input. Then every row of the columns is one contiguous slice of the flat sample,
copied in one go instead of OH short pieces, and col2im adds one contiguous slice back. The extra columns (ow >= OW)
are computed and dropped in the forward pass, and hold zeros of grad_out in the backward pass, so they add nothing.
"""
import functools
from typing import NamedTuple

import numpy as np
from numba import get_num_threads, njit, prange

from .compile import split_index
from .direct import conv3x3_direct, conv3x3_direct_backward
from .memory import keep_freed_memory
from .winograd import conv3x3, conv3x3_backward

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
                        else:
                            for ow in range(low, high):
                                row[col + ow] = source[ow * step + offset_w]
                        row[col + high:col + ow_n] = 0
                    else:
                        row[col:col + ow_n] = 0
                    col += ow_n

@njit(cache=True)
def _interior(flat, shape, pad, padded):
    """The (C, D, H, W) interior, a view, of a flat zero-padded sample of an array of `shape` (N, C, D, H, W)."""
    box = flat.reshape(shape[1], padded[0], padded[1], padded[2])
    return box[:, pad[0]:pad[0] + shape[2], pad[1]:pad[1] + shape[3], pad[2]:pad[2] + shape[4]]

@njit(cache=True)
def _copy_planes(source, target):
    """target = source for two (C, D, H, W) arrays, one contiguous row at a time."""
    for c in range(source.shape[0]):
        for d in range(source.shape[1]):
            for h in range(source.shape[2]):
                target[c, d, h] = source[c, d, h]

@njit(cache=True)
def _flat_sample(x, n, pad, padded, buffer):
    """Sample n of x as a flat (C * PD*PH*PW) array: x[n] itself, or a zero-padded copy in `buffer`."""
    depth, height, width = x.shape[2], x.shape[3], x.shape[4]
    if pad[0] == pad[1] == pad[2] == 0 and padded[0] == depth and padded[1] == height and padded[2] == width:
        return x[n].reshape(-1)
    buffer[:] = 0
    _copy_planes(x[n], _interior(buffer, x.shape, pad, padded))
    return buffer

@njit(cache=True)
def _wide_offset(r, kernel, dilation, padded):
    """Where row r = (c, jd, jh, jw) of wide columns starts in the flat padded sample."""
    c, jd, jh, jw = split_index(r, kernel[0], kernel[1], kernel[2])
    plane = padded[0] * padded[1] * padded[2]
    return c * plane + (jd * dilation[0] * padded[1] + jh * dilation[1]) * padded[2] + jw * dilation[2]

@njit(cache=True)
def _wide_im2col(x, kernel, dilation, pad, padded, span, buffer, cols, adjoint):
    """Wide stride-1 columns (C*K, B * span) of the B samples of x: each row of a sample is one slice. With
    `adjoint`, the reverse: each row's slice added back into the (padded) flat sample, x holding the gradient."""
    for n in range(x.shape[0]):
        sample = _flat_sample(x, n, pad, padded, buffer)   # with adjoint: zeros, as x[n] is
        for r in range(cols.shape[0]):
            offset = _wide_offset(r, kernel, dilation, padded)
            row, taps = cols[r, n * span:(n + 1) * span], sample[offset:offset + span]
            if adjoint:
                for i in range(span):
                    taps[i] += row[i]
            else:
                row[:] = taps
        if adjoint and sample.size != x[n].size:   # padded: keep the interior
            _copy_planes(_interior(sample, x.shape, pad, padded), x[n])

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
def _positions_to_samples(out_t, bias, column_of, span, batch_part):
    """(G, B * span, C_out/G) -> (B, C_out, O), adding the bias (when it has entries) on the way."""
    n_samples, channels, size = batch_part.shape
    per_group = out_t.shape[2]
    for n in range(n_samples):
        for c in range(channels):
            shift = bias[c] if bias.size else 0
            source, target = out_t[c // per_group, n * span:(n + 1) * span, c % per_group], batch_part[n, c]
            for o in range(size):
                target[o] = source[column_of[o]] + shift

@njit(cache=True)
def _columns(x, kernel, stride, pad, dilation, out_shape, wide, padded, span, buffer, cols, adjoint):
    """The columns of a chunk of samples: wide (stride 1) or one per output position. With `adjoint`, every
    column entry is added back into the input element it came from instead."""
    if wide:
        _wide_im2col(x, kernel, dilation, pad, padded, span, buffer, cols, adjoint)
    else:
        _im2col(x, kernel, stride, pad, dilation, out_shape, cols, adjoint)

@njit(cache=True)
def _worker_buffers(x, rows, out_channels, chunk, workers, span, wide, padded):
    """Each worker's buffers, reused for all its chunks: columns (rows x chunk * span), output rows
    (C_out x chunk * span), and for wide columns one zero-padded flat sample."""
    cols = np.empty((workers, rows * chunk * span), x.dtype)
    out_rows = np.empty((workers, out_channels * chunk * span), x.dtype)
    samples = np.empty((workers, x.shape[1] * padded[0] * padded[1] * padded[2] if wide else 0), x.dtype)
    return cols, out_rows, samples

@njit(parallel=True, cache=True)
def _conv_forward(x, w, bias, groups, chunk, workers, kernel, stride, pad, dilation, out_shape, wide, padded,
                  column_of, out):
    """out (N, C_out, O) = the convolution of x (N, C, D, H, W) with w (C_out, C*K/G) plus bias (C_out, or
    empty for none), chunk samples at a time. Each product is out^T = columns^T @ w^T: with the output positions
    as BLAS's rows it runs about 15% faster here than w @ columns (BLAS reads both transposes in place)."""
    n_samples, out_channels = out.shape[0], out.shape[1]
    span = column_of[-1] + 1
    rows, per_group = w.shape[1], out_channels // groups
    cols, out_t, samples = _worker_buffers(x, groups * rows, out_channels, chunk, workers, span, wide, padded)
    for worker in prange(workers):
        for start in range(worker * chunk, n_samples, workers * chunk):
            stop = min(start + chunk, n_samples)
            width = (stop - start) * span
            part_cols = cols[worker, :groups * rows * width].reshape(groups * rows, width)
            part_out_t = out_t[worker, :out_channels * width].reshape(groups, width, per_group)
            _columns(x[start:stop], kernel, stride, pad, dilation, out_shape, wide, padded, span, samples[worker],
                     part_cols, False)
            for g in range(groups):
                np.dot(part_cols[g * rows:(g + 1) * rows].T, w[g * per_group:(g + 1) * per_group].T, part_out_t[g])
            _positions_to_samples(part_out_t, bias, column_of, span, out[start:stop])

@njit(parallel=True, cache=True)
def _conv_backward(x, w, grad_out, groups, chunk, workers, kernel, stride, pad, dilation, out_shape, wide, padded,
                   column_of, grad_x, grad_w_t):
    """grad_w_t[worker, g] (C*K/G, C_out/G) += columns_g @ grad_out_g^T over that worker's chunks (w's gradient,
    transposed: the faster product, as in the forward), and grad_x += col2im(w^T @ grad_out). Either may be an
    empty array, meaning that gradient is not needed."""
    n_samples, out_channels = grad_out.shape[0], grad_out.shape[1]
    span = column_of[-1] + 1
    rows, per_group = w.shape[1], out_channels // groups
    cols, g_rows, samples = _worker_buffers(x, groups * rows, out_channels, chunk, workers, span, wide, padded)
    partial = np.empty((workers, rows, per_group), x.dtype)
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
                    np.dot(part_cols[g * rows:(g + 1) * rows], part_g[g * per_group:(g + 1) * per_group].T,
                           partial[worker])
                    grad_w_t[worker, g] += partial[worker]
            if grad_x.size:
                for g in range(groups):
                    np.dot(w[g * per_group:(g + 1) * per_group].T, part_g[g * per_group:(g + 1) * per_group],
                           part_cols[g * rows:(g + 1) * rows])
                _columns(grad_x[start:stop], kernel, stride, pad, dilation, out_shape, wide, padded, span,
                         samples[worker], part_cols, True)

class _Layout(NamedTuple):
    """A ConvGeometry as the im2col kernels read it, in their parameters' order: its fields as int64 arrays, then
    how the columns lie: `wide` (stride 1) over samples zero-padded to the `padded` dims, else one column per
    output position; `column_of[o]` is the column of output o in its sample's span of columns."""
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

@functools.lru_cache(maxsize=64)   # forward and backward ask for the same geometry
def _layout(geometry):
    fields = [np.asarray(f, np.int64) for f in (geometry.kernel, geometry.stride, geometry.padding,
                                                 geometry.dilation, geometry.out_shape)]
    out_shape = tuple(int(o) for o in geometry.out_shape)
    positions = np.arange(int(np.prod(out_shape)), dtype=np.int64)
    if any(int(s) != 1 for s in geometry.stride):
        return _Layout(*fields, False, np.ones(3, np.int64), positions)
    padded = np.array([o + d * (k - 1) for o, d, k in zip(out_shape, geometry.dilation, geometry.kernel)], np.int64)
    od, oh, ow = np.unravel_index(positions, out_shape)
    return _Layout(*fields, True, padded, (od * padded[1] + oh) * padded[2] + ow)

def _plan(x, out_channels, geometry, span):
    """(samples per chunk, workers): chunks whose columns and output rows each fit CHUNK_ELEMENTS, and still
    give every thread work."""
    workers = max(1, min(get_num_threads(), x.shape[0]))
    per_sample = max(x.shape[1] * int(np.prod(geometry.kernel)), out_channels) * span
    chunk = max(1, min(-(-x.shape[0] // workers), CHUNK_ELEMENTS // max(per_sample, 1)))
    return chunk, workers

def _kernels_3x3(geometry, groups, in_shape, w_shape):
    """(forward, backward) of the kernels that compute a 2-d 3x3 convolution with stride 1, no dilation,
    one group and at most 2 of padding on each side: Winograd's with at least 4 channels in and out, else the
    direct ones (for few channels BLAS has too little to do); None for any other convolution, which goes to im2col."""
    kernel, stride, pad, dilation, out_shape = (geometry.kernel, geometry.stride, geometry.padding,
                                                geometry.dilation, geometry.out_shape)
    if not (tuple(kernel) == (1, 3, 3) and tuple(stride) == (1, 1, 1) and tuple(dilation) == (1, 1, 1)
            and groups == 1 and pad[0] == 0 and in_shape[0] == out_shape[0] == 1
            and all(0 <= pad[i] <= 2 and 0 <= out_shape[i] + 2 - in_shape[i] - pad[i] <= 2 for i in (1, 2))):
        return None
    if min(w_shape[:2]) >= 4:
        return conv3x3, conv3x3_backward
    return conv3x3_direct, conv3x3_direct_backward

def conv_forward(x, w, bias, geometry, groups):
    """x (N, C, D, H, W), w (C_out, C/G, KD, KH, KW), bias (C_out,) or None -> (N, C_out, OD, OH, OW).
    `geometry` is an ops.conv.ConvGeometry."""
    keep_freed_memory()
    kernels = _kernels_3x3(geometry, groups, x.shape[2:], w.shape)
    if kernels:
        return kernels[0](x[:, :, 0], w[:, :, 0], bias, geometry.padding[1:], geometry.out_shape[1:])[:, :, None]
    layout = _layout(geometry)
    x, w2 = np.ascontiguousarray(x), np.ascontiguousarray(w).reshape(w.shape[0], -1)
    bias = np.zeros(0, x.dtype) if bias is None else np.ascontiguousarray(bias)
    out = np.empty((x.shape[0], w.shape[0], layout.column_of.size), x.dtype)
    if out.size:
        chunk, workers = _plan(x, w.shape[0], geometry, layout.span)
        _conv_forward(x, w2, bias, groups, chunk, workers, *layout, out)
    return out.reshape(out.shape[:2] + tuple(geometry.out_shape))

def conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias):
    """(grad_x, grad_w, grad_bias) of conv_forward; None for a gradient that is not needed. A 3x3 convolution
    that the Winograd or direct kernels serve gets both gradients from them."""
    kernels = _kernels_3x3(geometry, groups, x.shape[2:], w.shape)
    if kernels:
        grads = kernels[1](x[:, :, 0], w[:, :, 0], grad_out[:, :, 0], geometry.padding[1:], need_input, need_weight)
        grad_x, grad_w = (None if grad is None else grad[:, :, None] for grad in grads)
        return grad_x, grad_w, (grad_out.sum(axis=(0, 2, 3, 4)) if need_bias else None)
    layout = _layout(geometry)
    x, w2 = np.ascontiguousarray(x), np.ascontiguousarray(w).reshape(w.shape[0], -1)
    g = np.ascontiguousarray(grad_out).reshape(grad_out.shape[0], grad_out.shape[1], -1)
    rows, per_group = w2.shape[1], w2.shape[0] // groups
    grad_x = np.zeros(x.shape if need_input else (0,) * 5, x.dtype)
    chunk, workers = _plan(x, w.shape[0], geometry, layout.span) if g.size else (1, 1)
    grad_w_t = np.zeros((workers, groups, rows, per_group) if need_weight else (0, 0, 0, 0), x.dtype)
    if g.size and (need_input or need_weight):
        _conv_backward(x, w2, g, groups, chunk, workers, *layout, grad_x, grad_w_t)
    grad_w = grad_w_t.sum(axis=0).transpose(0, 2, 1).reshape(w.shape) if need_weight else None
    grad_bias = g.sum(axis=(0, 2)) if need_bias else None
    return (grad_x if need_input else None), grad_w, grad_bias
