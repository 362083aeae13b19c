"""Convolution kernels for CUDA: im2col with a thread per column entry, col2im with a thread per input element
that gathers from every (tap, output) pair reading it (no atomics); the products use the register-tiled matmul,
which reads the transposed operands of the backward in place.

Layouts as in the CPU backend's im2col, with the whole batch as one chunk: device memory is plentiful, and one
large product keeps the GPU busy. The kernels take the geometry as (D, H, W) tuples: the input's dims and the
ConvGeometry's kernel, stride, padding, dilation and out_shape.

The columns hold zeros where a tap falls in the padding, which the definition has no term for: a zero times an
infinite weight (forward) or an infinite grad_out (weight gradient) is NaN. Where a convolution reads padding, a
kernel with a thread per output (per weight) then recomputes each entry that came out inf or NaN from the
definition; the finite ones had no inf or NaN among their terms. The input gradient gathers only the (tap, output)
pairs that read each element, so it needs no such pass.
"""
import math

from numba import cuda, float64

from .array import THREADS, blocks, contiguous, empty, split_index, zeros
from .elementwise import add
from .matmul import product
from .movement import permute, reshape
from .reduce import sum

@cuda.jit(cache=True)
def _im2col_kernel(x, channels, in_dims, kernel, stride, padding, dilation, out_shape, cols):
    i = cuda.grid(1)
    kd, kh, kw = kernel
    per_row = cols.size // (channels * kd * kh * kw)
    if i >= channels * kd * kh * kw * per_row:
        return
    r, col = i // per_row, i % per_row
    n, od, oh, ow = split_index(col, out_shape[0], out_shape[1], out_shape[2])
    c, jd, jh, jw = split_index(r, kd, kh, kw)
    d = od * stride[0] - padding[0] + jd * dilation[0]
    h = oh * stride[1] - padding[1] + jh * dilation[1]
    w = ow * stride[2] - padding[2] + jw * dilation[2]
    depth, height, width = in_dims
    value = 0.0
    if 0 <= d < depth and 0 <= h < height and 0 <= w < width:
        value = x[(((n * channels + c) * depth + d) * height + h) * width + w]
    cols[i] = value

@cuda.jit(cache=True)
def _col2im_kernel(cols, samples, channels, in_dims, kernel, stride, padding, dilation, out_shape, grad_x):
    i = cuda.grid(1)
    depth, height, width = in_dims
    if i >= samples * channels * depth * height * width:
        return
    plane, d, h, w = split_index(i, depth, height, width)
    n, c = plane // channels, plane % channels
    kd, kh, kw = kernel
    sd, sh, sw = stride
    pd, ph, pw = padding
    dd, dh, dw = dilation
    od_n, oh_n, ow_n = out_shape
    per_row = samples * od_n * oh_n * ow_n
    total = float64(0.0)
    for jd in range(kd):
        td = d + pd - jd * dd               # = od * sd for the output that reads (d) through tap jd
        if td < 0 or td % sd != 0 or td // sd >= od_n:
            continue
        for jh in range(kh):
            th = h + ph - jh * dh
            if th < 0 or th % sh != 0 or th // sh >= oh_n:
                continue
            for jw in range(kw):
                tw = w + pw - jw * dw
                if tw < 0 or tw % sw != 0 or tw // sw >= ow_n:
                    continue
                r = ((c * kd + jd) * kh + jh) * kw + jw
                col = ((n * od_n + td // sd) * oh_n + th // sh) * ow_n + tw // sw
                total += cols[r * per_row + col]
    grad_x[i] = total

@cuda.jit(device=True, inline="always")
def _source(o, j, stride, pad, dilation, length):
    """The input index that output o's tap j reads along one dim, or -1 where it falls in the padding."""
    i = o * stride - pad + j * dilation
    return i if 0 <= i < length else -1

@cuda.jit(cache=True)
def _exact_outputs_kernel(x, w, bias, has_bias, samples, channels, groups, in_dims, kernel, stride, padding,
                          dilation, out_shape, out_channels, out):
    """Each entry of out (N, C_out, OD, OH, OW) that is not finite, recomputed from the definition: the sum of
    x * w over the taps that fall inside x, in float64 from +0.0, plus the bias when has_bias."""
    i = cuda.grid(1)
    if i >= samples * out_channels * out_shape[0] * out_shape[1] * out_shape[2] or math.isfinite(out[i]):
        return
    plane, od, oh, ow = split_index(i, out_shape[0], out_shape[1], out_shape[2])
    n, o = plane // out_channels, plane % out_channels
    kd, kh, kw = kernel
    depth, height, width = in_dims
    per_group_in = channels // groups
    first, taps = o // (out_channels // groups) * per_group_in, per_group_in * kd * kh * kw
    total = float64(0.0)
    for r in range(taps):
        c, jd, jh, jw = split_index(r, kd, kh, kw)
        d = _source(od, jd, stride[0], padding[0], dilation[0], depth)
        h = _source(oh, jh, stride[1], padding[1], dilation[1], height)
        v = _source(ow, jw, stride[2], padding[2], dilation[2], width)
        if d >= 0 and h >= 0 and v >= 0:
            total += float64(x[(((n * channels + first + c) * depth + d) * height + h) * width + v]) * \
                float64(w[o * taps + r])
    out[i] = total + (float64(bias[o]) if has_bias else 0.0)

@cuda.jit(cache=True)
def _exact_weight_grad_kernel(x, grad_out, samples, channels, groups, in_dims, kernel, stride, padding, dilation,
                              out_shape, out_channels, grad_w):
    """Each entry of grad_w (C_out, C/G, KD, KH, KW) that is not finite, recomputed from the definition: the sum of
    grad_out * x over the samples and outputs whose tap reads inside x, in float64."""
    i = cuda.grid(1)
    kd, kh, kw = kernel
    per_group_in = channels // groups
    if i >= out_channels * per_group_in * kd * kh * kw or math.isfinite(grad_w[i]):
        return
    f, jd, jh, jw = split_index(i, kd, kh, kw)
    o, c = f // per_group_in, f % per_group_in
    channel = o // (out_channels // groups) * per_group_in + c
    depth, height, width = in_dims
    od_n, oh_n, ow_n = out_shape
    total = float64(0.0)
    for q in range(samples * od_n * oh_n * ow_n):
        n, od, oh, ow = split_index(q, od_n, oh_n, ow_n)
        d = _source(od, jd, stride[0], padding[0], dilation[0], depth)
        h = _source(oh, jh, stride[1], padding[1], dilation[1], height)
        v = _source(ow, jw, stride[2], padding[2], dilation[2], width)
        if d >= 0 and h >= 0 and v >= 0:
            total += float64(grad_out[(((n * out_channels + o) * od_n + od) * oh_n + oh) * ow_n + ow]) * \
                float64(x[(((n * channels + channel) * depth + d) * height + h) * width + v])
    grad_w[i] = total

def _reads_padding(geometry, in_dims):
    """Whether some output's tap falls in the zero padding, before or after the input, along some dim."""
    return any(p > 0 or (o - 1) * s - p + (k - 1) * d >= length
               for length, k, s, p, d, o in zip(in_dims, geometry.kernel, geometry.stride, geometry.padding,
                                                 geometry.dilation, geometry.out_shape))

def _geometry_tuples(geometry):
    """The ConvGeometry's kernel, stride, padding, dilation and out_shape as the kernels take them: tuples of
    python ints, so whatever int types the fields hold, the kernels compile once."""
    return tuple(tuple(int(v) for v in field) for field in (geometry.kernel, geometry.stride, geometry.padding,
                                                           geometry.dilation, geometry.out_shape))

def im2col(x, geometry):
    """(N, C, D, H, W) -> the column matrix (C * KD * KH * KW, N * OD * OH * OW)."""
    samples, channels = x.shape[:2]
    kd, kh, kw = geometry.kernel
    od, oh, ow = geometry.out_shape
    cols = empty((channels * kd * kh * kw, samples * od * oh * ow), x.dtype)
    if cols.size:
        _im2col_kernel[blocks(cols.size), THREADS](x.buffer, channels, x.shape[2:], *_geometry_tuples(geometry),
                                                   cols.buffer)
    return cols

def col2im(cols, input_shape, geometry):
    """The adjoint of im2col: each input element sums the column entries that copied it."""
    grad_x = empty(input_shape, cols.dtype)
    if grad_x.size:
        _col2im_kernel[blocks(grad_x.size), THREADS](cols.buffer, *input_shape[:2], tuple(input_shape[2:]),
                                                     *_geometry_tuples(geometry), grad_x.buffer)
    return grad_x

def conv_forward(x, w, bias, geometry, groups):
    samples, out_channels = x.shape[0], w.shape[0]
    if x.size == 0:   # no sample, or no input channel: no terms, so the bias or 0
        out = zeros((samples, out_channels) + tuple(geometry.out_shape), x.dtype)
        return out if bias is None or out.size == 0 else add(out, reshape(bias, (1, out_channels, 1, 1, 1)))
    columns = im2col(x, geometry)                                        # (C*K, N*O)
    grouped_w = reshape(w, (groups, out_channels // groups, w.size // out_channels))   # (G, C_out/G, C*K/G)
    grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
    out = reshape(product(grouped_w, grouped_cols), (out_channels, samples) + tuple(geometry.out_shape))
    out = contiguous(permute(out, (1, 0, 2, 3, 4)))
    if bias is not None:
        out = add(out, reshape(bias, (1, out_channels, 1, 1, 1)))
    if _reads_padding(geometry, x.shape[2:]):
        _exact_outputs_kernel[blocks(out.size), THREADS](
            x.buffer, w.buffer, (out if bias is None else bias).buffer, bias is not None, samples, x.shape[1],
            groups, x.shape[2:], *_geometry_tuples(geometry), out_channels, out.buffer)
    return out

def conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias):
    out_channels = w.shape[0]
    if x.size == 0 or grad_out.size == 0:   # no sample, or no input channel: the sums have no terms
        return ((zeros(x.shape, x.dtype) if need_input else None), (zeros(w.shape, w.dtype) if need_weight else None),
                sum(grad_out, (0, 2, 3, 4), False) if need_bias else None)
    grouped_w = reshape(w, (groups, out_channels // groups, w.size // out_channels))
    g_rows = reshape(contiguous(permute(grad_out, (1, 0, 2, 3, 4))),
                     (groups, out_channels // groups, grad_out.size // out_channels))
    grad_x = grad_w = None
    if need_input:
        grad_cols = product(grouped_w, g_rows, transpose_a=True)               # (G, C*K/G, N*O)
        grad_x = col2im(reshape(grad_cols, (-1, grad_cols.shape[2])), x.shape, geometry)
    if need_weight:
        columns = im2col(x, geometry)
        grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
        grad_w = reshape(product(g_rows, grouped_cols, transpose_b=True), w.shape)
        if _reads_padding(geometry, x.shape[2:]):
            _exact_weight_grad_kernel[blocks(grad_w.size), THREADS](
                x.buffer, grad_out.buffer, x.shape[0], x.shape[1], groups, x.shape[2:], *_geometry_tuples(geometry),
                out_channels, grad_w.buffer)
    grad_bias = sum(grad_out, (0, 2, 3, 4), False) if need_bias else None
    return grad_x, grad_w, grad_bias
