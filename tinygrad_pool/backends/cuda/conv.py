"""Convolution kernels for CUDA: im2col with a thread per column entry, col2im with a thread per input element
that gathers from every (tap, output) pair reading it (no atomics); the products use the register-tiled matmul,
which reads the transposed operands of the backward in place.

Layouts as in the CPU backend's im2col, with the whole batch as one chunk: device memory is plentiful, and one
large product keeps the GPU busy. The kernels take the geometry as (D, H, W) tuples: the input's dims and the
ConvGeometry's kernel, stride, padding, dilation and out_shape.
"""
from numba import cuda, float64

from .array import THREADS, blocks, contiguous, empty, split_index
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
    columns = im2col(x, geometry)                                        # (C*K, N*O)
    grouped_w = reshape(w, (groups, out_channels // groups, -1))         # (G, C_out/G, C*K/G)
    grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
    out = reshape(product(grouped_w, grouped_cols), (out_channels, samples) + tuple(geometry.out_shape))
    out = contiguous(permute(out, (1, 0, 2, 3, 4)))
    return out if bias is None else add(out, reshape(bias, (1, out_channels, 1, 1, 1)))

def conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias):
    out_channels = w.shape[0]
    grouped_w = reshape(w, (groups, out_channels // groups, -1))
    g_rows = reshape(contiguous(permute(grad_out, (1, 0, 2, 3, 4))), (groups, out_channels // groups, -1))
    grad_x = grad_w = None
    if need_input:
        grad_cols = product(grouped_w, g_rows, transpose_a=True)               # (G, C*K/G, N*O)
        grad_x = col2im(reshape(grad_cols, (-1, grad_cols.shape[2])), x.shape, geometry)
    if need_weight:
        columns = im2col(x, geometry)
        grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
        grad_w = reshape(product(g_rows, grouped_cols, transpose_b=True), w.shape)
    grad_bias = sum(grad_out, (0, 2, 3, 4), False) if need_bias else None
    return grad_x, grad_w, grad_bias
