"""3x3 stride-1 convolution of inputs with few channels (a network's first layer: 1 for MNIST, 3 for RGB), computed
directly on the CPU.

With C_in * 9 = 9 rows, im2col's product has almost no inner dimension: BLAS spends its time writing the output,
and Winograd's 16 products are thinner still. Directly, each output is 9 multiply-adds per input channel, and the
loop over a whole plane vectorises: lay the zero-padded input plane out flat, PW = OW + 2 wide, and let output
(oh, ow) sit at i = oh * PW + ow. Tap (jh, jw) then reads input i + jh * PW + jw for every i, one contiguous run
per tap, and the two extra columns per row (ow = OW, OW + 1) are computed and dropped.

The weight gradient reads the same runs: grad_w[o, c, jh, jw] sums grad_out[o] (laid out as wide, with zeros in
the extra columns) times the run of tap (jh, jw). The input gradient is a convolution of the same kind (grad_out
padded by 2 - pad with the flipped, transposed kernel), so it runs on the forward kernel.
"""
import numpy as np
from numba import get_num_threads, njit, prange

@njit(cache=True)
def _accumulate_taps(plane, w, row, acc):
    """acc[i] += sum over the 3x3 taps of w[jh, jw] * plane[i + jh * row + jw], for every i."""
    w0, w1, w2 = w[0, 0], w[0, 1], w[0, 2]
    w3, w4, w5 = w[1, 0], w[1, 1], w[1, 2]
    w6, w7, w8 = w[2, 0], w[2, 1], w[2, 2]
    top, middle, bottom = plane[:], plane[row:], plane[2 * row:]
    for i in range(acc.size):
        acc[i] += (w0 * top[i] + w1 * top[i + 1] + w2 * top[i + 2]
                   + w3 * middle[i] + w4 * middle[i + 1] + w5 * middle[i + 2]
                   + w6 * bottom[i] + w7 * bottom[i + 1] + w8 * bottom[i + 2])

@njit(cache=True, fastmath={"reassoc", "contract"})   # reassoc: the nine sums may be vectorised
def _tap_products(plane, g, row, grad_w):
    """grad_w[jh, jw] += sum over i of g[i] * plane[i + jh * row + jw], in one pass over g. The sums are in g's
    dtype: a float64 sum of float32 products would not vectorise."""
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = t8 = g.dtype.type(0)
    top, middle, bottom = plane[:], plane[row:], plane[2 * row:]
    for i in range(g.size):
        gi = g[i]
        t0 += gi * top[i]
        t1 += gi * top[i + 1]
        t2 += gi * top[i + 2]
        t3 += gi * middle[i]
        t4 += gi * middle[i + 1]
        t5 += gi * middle[i + 2]
        t6 += gi * bottom[i]
        t7 += gi * bottom[i + 1]
        t8 += gi * bottom[i + 2]
    grad_w[0, 0] += t0
    grad_w[0, 1] += t1
    grad_w[0, 2] += t2
    grad_w[1, 0] += t3
    grad_w[1, 1] += t4
    grad_w[1, 2] += t5
    grad_w[2, 0] += t6
    grad_w[2, 1] += t7
    grad_w[2, 2] += t8

@njit(cache=True)
def _copy_sample(x, n, pad_h, pad_w, row, padded):
    """Sample n's channels into the flat zero-padded planes (rows `row` long); the padding keeps its zeros."""
    for c in range(x.shape[1]):
        for h in range(x.shape[2]):
            source, target = x[n, c, h], padded[c, (h + pad_h) * row + pad_w:]
            for j in range(x.shape[3]):
                target[j] = source[j]

@njit(parallel=True, cache=True)
def _direct_conv(x, w, bias, pad_h, pad_w, workers, out):
    """out (N, C_out, OH, OW) = the 3x3 stride-1 convolution of x (N, C, H, W) padded by (pad_h, pad_w) before
    (and as out's shape implies after). One worker per core takes every workers-th sample."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    row = out_w + 2
    for worker in prange(workers):
        padded = np.zeros((channels, (out_h + 2) * row + 2), x.dtype)   # + 2: the last row's dropped columns
        acc = np.empty(out_h * row, x.dtype)
        for n in range(worker, n_samples, workers):
            _copy_sample(x, n, pad_h, pad_w, row, padded)
            for o in range(out_channels):
                start = bias[o] if bias.size else 0.0
                for i in range(acc.size):
                    acc[i] = start
                for c in range(channels):
                    _accumulate_taps(padded[c], w[o, c], row, acc)
                for h in range(out_h):
                    source, target = acc[h * row:], out[n, o, h]
                    for j in range(out_w):
                        target[j] = source[j]

@njit(parallel=True, cache=True)
def _direct_weight_grad(x, grad_out, pad_h, pad_w, workers, parts):
    """parts[worker] (C_out, C, 3, 3) = the weight gradient summed over that worker's samples."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    row = out_w + 2
    for worker in prange(workers):
        padded = np.zeros((channels, (out_h + 2) * row + 2), x.dtype)
        wide = np.zeros(out_h * row, x.dtype)   # grad_out of one channel; the extra columns stay 0
        part = parts[worker]
        part[:] = 0
        for n in range(worker, n_samples, workers):
            _copy_sample(x, n, pad_h, pad_w, row, padded)
            for o in range(out_channels):
                for h in range(out_h):
                    source, target = grad_out[n, o, h], wide[h * row:]
                    for j in range(out_w):
                        target[j] = source[j]
                for c in range(channels):
                    _tap_products(padded[c], wide, row, part[o, c])

def conv3x3_direct_weight_grad(x, grad_out, pad):
    """The weight gradient (C_out, C, 3, 3) of conv3x3_direct(x, w, ., pad, grad_out.shape[2:])."""
    x, grad_out = np.ascontiguousarray(x), np.ascontiguousarray(grad_out)
    workers = max(1, min(get_num_threads(), x.shape[0]))
    parts = np.empty((workers, grad_out.shape[1], x.shape[1], 3, 3), x.dtype)
    _direct_weight_grad(x, grad_out, pad[0], pad[1], workers, parts)
    return parts.sum(axis=0)

def conv3x3_direct(x, w, bias, pad, out_shape):
    """x (N, C, H, W), w (C_out, C, 3, 3), bias (C_out,) or None -> (N, C_out, *out_shape), stride 1, with
    pad = (top, left) zeros before the input; out_shape implies the zeros after it."""
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    bias = np.zeros(0, x.dtype) if bias is None else np.ascontiguousarray(bias)
    out = np.empty((x.shape[0], w.shape[0]) + tuple(out_shape), x.dtype)
    if out.size:
        _direct_conv(x, w, bias, pad[0], pad[1], max(1, min(get_num_threads(), x.shape[0])), out)
    return out
