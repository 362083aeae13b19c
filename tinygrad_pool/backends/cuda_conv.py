"""Convolution kernels for CUDA: im2col with a thread per column entry, col2im with a thread per input element
that gathers from every (tap, output) pair reading it (no atomics); the products use the register-tiled matmul,
which reads the transposed operands of the backward in place.
Layouts as in `cpu_conv.py`, with the whole batch as one chunk: device memory is plentiful, and one large
product keeps the GPU busy."""
from numba import cuda, float64

from .cuda import THREADS, _blocks, _empty, add, contiguous, permute, reshape, sum
from .cuda_matmul import matmul

@cuda.jit(cache=True)
def _im2col_kernel(x, channels, depth, height, width, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
                   od_n, oh_n, ow_n, cols):
    i = cuda.grid(1)
    per_row = cols.size // (channels * kd * kh * kw)
    if i >= channels * kd * kh * kw * per_row:
        return
    r, col = i // per_row, i % per_row
    ow = col % ow_n
    t = col // ow_n
    oh = t % oh_n
    t //= oh_n
    od = t % od_n
    n = t // od_n
    jw = r % kw
    t = r // kw
    jh = t % kh
    t //= kh
    jd = t % kd
    c = t // kd
    d = od * sd - pd + jd * dd
    h = oh * sh - ph + jh * dh
    w = ow * sw - pw + jw * dw
    value = 0.0
    if 0 <= d < depth and 0 <= h < height and 0 <= w < width:
        value = x[(((n * channels + c) * depth + d) * height + h) * width + w]
    cols[i] = value

@cuda.jit(cache=True)
def _col2im_kernel(cols, samples, channels, depth, height, width, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
                   od_n, oh_n, ow_n, grad_x):
    i = cuda.grid(1)
    if i >= samples * channels * depth * height * width:
        return
    w = i % width
    t = i // width
    h = t % height
    t //= height
    d = t % depth
    t //= depth
    c = t % channels
    n = t // channels
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

def im2col(x, geometry):
    kernel, stride, pad, dilation, out_shape = (geometry.kernel, geometry.stride, geometry.padding,
                                                geometry.dilation, geometry.out_shape)
    samples, channels = x.shape[:2]
    rows = channels * kernel[0] * kernel[1] * kernel[2]
    cols = _empty((rows, samples * out_shape[0] * out_shape[1] * out_shape[2]), x.dtype)
    if cols.size:
        _im2col_kernel[_blocks(cols.size), THREADS](x.buffer, channels, *x.shape[2:], *kernel, *stride, *pad,
                                                    *dilation, *out_shape, cols.buffer)
    return cols

def col2im(cols, input_shape, geometry):
    kernel, stride, pad, dilation, out_shape = (geometry.kernel, geometry.stride, geometry.padding,
                                                geometry.dilation, geometry.out_shape)
    grad_x = _empty(input_shape, cols.dtype)
    if grad_x.size:
        _col2im_kernel[_blocks(grad_x.size), THREADS](cols.buffer, *input_shape, *kernel, *stride, *pad, *dilation,
                                                      *out_shape, grad_x.buffer)
    return grad_x

def conv_forward(x, w, bias, geometry, groups):
    samples, out_channels = x.shape[0], w.shape[0]
    columns = im2col(x, geometry)                                        # (C*K, N*O)
    grouped_w = reshape(w, (groups, out_channels // groups, -1))         # (G, C_out/G, C*K/G)
    grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
    out = reshape(matmul(grouped_w, grouped_cols), (out_channels, samples) + tuple(geometry.out_shape))
    out = contiguous(permute(out, (1, 0, 2, 3, 4)))
    return out if bias is None else add(out, reshape(bias, (1, out_channels, 1, 1, 1)))

def conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias):
    out_channels = w.shape[0]
    grouped_w = reshape(w, (groups, out_channels // groups, -1))
    g_rows = reshape(contiguous(permute(grad_out, (1, 0, 2, 3, 4))), (groups, out_channels // groups, -1))
    grad_x = grad_w = None
    if need_input:
        grad_cols = matmul(grouped_w, g_rows, transpose_a=True)               # (G, C*K/G, N*O)
        grad_x = col2im(reshape(grad_cols, (-1, grad_cols.shape[2])), x.shape, geometry)
    if need_weight:
        columns = im2col(x, geometry)
        grouped_cols = reshape(columns, (groups, columns.shape[0] // groups, columns.shape[1]))
        grad_w = reshape(matmul(g_rows, grouped_cols, transpose_b=True), w.shape)
    grad_bias = sum(grad_out, (0, 2, 3, 4), False) if need_bias else None
    return grad_x, grad_w, grad_bias
