"""3x3 stride-1 convolution of inputs with few channels (a network's first layer: 1 for MNIST, 3 for RGB), computed
directly on the CPU.

With C_in * 9 = 9 rows, im2col's product has almost no inner dimension: BLAS spends its time writing the output,
and Winograd's 16 products are thinner still. Directly, each output is 9 multiply-adds per input channel, and the
loop over a whole plane vectorises once every tap is a contiguous run at a fixed offset. Two layouts give that:

- Shifted (few channels in, more out: a first layer's forward pass; and every weight gradient). Three shifted copies
  of each zero-padded input plane, each as narrow as the output: shifted[c, jw, h, ow] = padded x[c, h, ow + jw].
  Output (oh, ow) sits at k = oh * OW + ow of its flat plane, and tap (jh, jw) reads shifted[c, jw] at
  k + jh * OW for every k. The output is written in place, and two output channels share each pass, so nine input
  loads serve 18 multiply-adds. The weight gradient reads the same runs: grad_w[o, c, jh, jw] sums the flat
  grad_out[o] times the run of tap (jh, jw).
- Wide (more channels in than out: a first layer's input gradient, which is a convolution of grad_out padded by
  2 - pad with the flipped, transposed kernel). One flat copy of each zero-padded plane, PW = OW + 2 wide; output
  (oh, ow) sits at i = oh * PW + ow, tap (jh, jw) reads i + jh * PW + jw, and each output plane is computed
  wide in a small buffer, then its rows are copied out without the two extra columns.

The shifted layout copies each input channel three times and each output channel never; the wide one copies each
input channel once and each output channel once more. So each convolution takes the one that copies the side
with fewer channels.

Both layouts multiply the zero padding like any input, and a padded zero times an infinite weight is NaN where the
definition has no term at all; conv.py recomputes those values when a weight is inf or NaN. A sum of zeros is
+0.0, as in the other kernels: a bias of -0.0 starts the sums as +0.0 does.
"""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL
from .workers import worker_count

FASTMATH = {"contract"}   # fused multiply-adds, as BLAS and PyTorch's kernels use

@njit(cache=True)
def _shift_sample(x, n, pad_h, pad_w, shifted):
    """shifted[c, jw, h, ow] = x[n, c, h - pad_h, ow + jw - pad_w] wherever that lies inside x. The rest of
    `shifted` is the zero padding: the same for every sample, so the caller zeroes it once."""
    width, out_w = x.shape[3], shifted.shape[3]
    for c in range(x.shape[1]):
        for jw in range(3):
            offset = jw - pad_w
            low, high = max(0, -offset), min(out_w, width - offset)
            for h in range(x.shape[2]):
                target, source = shifted[c, jw, h + pad_h, low:], x[n, c, h, low + offset:]
                for i in range(high - low):   # from 0: numba then needs no negative-index check
                    target[i] = source[i]

@njit(cache=True)
def _tap_runs(shifted):
    """The nine runs one channel's shifted copies (3, H, OW) give, in tap order (jh, jw) = (0, 0), (0, 1), ...,
    (2, 2): tap (jh, jw) at flat output position k reads run[k] = shifted[jw] at k + jh * OW."""
    row = shifted.shape[2]
    left, centre, right = shifted[0].ravel(), shifted[1].ravel(), shifted[2].ravel()
    return left, centre, right, left[row:], centre[row:], right[row:], left[2 * row:], centre[2 * row:], right[2 * row:]

@njit(cache=True, fastmath=FASTMATH)
def _taps_pair(shifted, w, v, w_start, v_start, first, out, out2):
    """out[k] = (w_start if first else out[k]) + the 3x3 taps of w over one channel's `shifted` (3, H, OW) at flat
    position k, for every k; out2 likewise with v."""
    a0, b0, c0, a1, b1, c1, a2, b2, c2 = _tap_runs(shifted)
    w0, w1, w2, w3, w4, w5, w6, w7, w8 = w[0, 0], w[0, 1], w[0, 2], w[1, 0], w[1, 1], w[1, 2], w[2, 0], w[2, 1], w[2, 2]
    v0, v1, v2, v3, v4, v5, v6, v7, v8 = v[0, 0], v[0, 1], v[0, 2], v[1, 0], v[1, 1], v[1, 2], v[2, 0], v[2, 1], v[2, 2]
    for k in range(out.size):
        p0, p1, p2, p3, p4, p5, p6, p7, p8 = a0[k], b0[k], c0[k], a1[k], b1[k], c1[k], a2[k], b2[k], c2[k]
        s = w0 * p0 + w1 * p1 + w2 * p2 + w3 * p3 + w4 * p4 + w5 * p5 + w6 * p6 + w7 * p7 + w8 * p8
        t = v0 * p0 + v1 * p1 + v2 * p2 + v3 * p3 + v4 * p4 + v5 * p5 + v6 * p6 + v7 * p7 + v8 * p8
        if first:
            out[k] = w_start + s
            out2[k] = v_start + t
        else:
            out[k] += s
            out2[k] += t

@njit(cache=True, fastmath=FASTMATH)
def _taps(shifted, w, w_start, first, out):
    """_taps_pair for one output channel (the last of an odd number)."""
    a0, b0, c0, a1, b1, c1, a2, b2, c2 = _tap_runs(shifted)
    w0, w1, w2, w3, w4, w5, w6, w7, w8 = w[0, 0], w[0, 1], w[0, 2], w[1, 0], w[1, 1], w[1, 2], w[2, 0], w[2, 1], w[2, 2]
    for k in range(out.size):
        s = (w0 * a0[k] + w1 * b0[k] + w2 * c0[k] + w3 * a1[k] + w4 * b1[k] + w5 * c1[k]
             + w6 * a2[k] + w7 * b2[k] + w8 * c2[k])
        if first:
            out[k] = w_start + s
        else:
            out[k] += s

@njit(parallel=PARALLEL, cache=True)
def _conv_shifted(x, w, bias, pad_h, pad_w, workers, out):
    """out (N, C_out, OH, OW) = the 3x3 stride-1 convolution of x (N, C, H, W) padded by (pad_h, pad_w) before
    (and as out's shape implies after), in the shifted layout. One worker per core takes every workers-th sample."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    planes = out.reshape(n_samples, out_channels, out_h * out_w)
    zero = x.dtype.type(0)
    for worker in prange(workers):
        shifted = np.zeros((channels, 3, out_h + 2, out_w), x.dtype)
        for n in range(worker, n_samples, workers):
            _shift_sample(x, n, pad_h, pad_w, shifted)
            for o in range(0, out_channels - 1, 2):
                w_start = bias[o] + zero if bias.size else zero
                v_start = bias[o + 1] + zero if bias.size else zero
                for c in range(channels):
                    _taps_pair(shifted[c], w[o, c], w[o + 1, c], w_start, v_start, c == 0, planes[n, o],
                               planes[n, o + 1])
            if out_channels % 2:
                o = out_channels - 1
                for c in range(channels):
                    _taps(shifted[c], w[o, c], bias[o] + zero if bias.size else zero, c == 0, planes[n, o])

@njit(cache=True, fastmath={"reassoc", "contract"})   # reassoc: the nine sums may be vectorised
def _tap_products(shifted, g, grad_w):
    """grad_w[jh, jw] += sum over k of g[k] * shifted[jw] at k + jh * OW, in one pass over g. The sums are in g's
    dtype: a float64 sum of float32 products would not vectorise."""
    a0, b0, c0, a1, b1, c1, a2, b2, c2 = _tap_runs(shifted)
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = t8 = g.dtype.type(0)
    for k in range(g.size):
        gk = g[k]
        t0 += gk * a0[k]
        t1 += gk * b0[k]
        t2 += gk * c0[k]
        t3 += gk * a1[k]
        t4 += gk * b1[k]
        t5 += gk * c1[k]
        t6 += gk * a2[k]
        t7 += gk * b2[k]
        t8 += gk * c2[k]
    grad_w[0, 0] += t0
    grad_w[0, 1] += t1
    grad_w[0, 2] += t2
    grad_w[1, 0] += t3
    grad_w[1, 1] += t4
    grad_w[1, 2] += t5
    grad_w[2, 0] += t6
    grad_w[2, 1] += t7
    grad_w[2, 2] += t8

@njit(parallel=PARALLEL, cache=True)
def _weight_grad_shifted(x, grad_out, pad_h, pad_w, workers, parts):
    """parts[worker] (C_out, C, 3, 3) = the weight gradient summed over that worker's samples (shifted layout)."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    planes = grad_out.reshape(n_samples, out_channels, out_h * out_w)
    for worker in prange(workers):
        shifted = np.zeros((channels, 3, out_h + 2, out_w), x.dtype)
        part = parts[worker]
        part[:] = 0
        for n in range(worker, n_samples, workers):
            _shift_sample(x, n, pad_h, pad_w, shifted)
            for o in range(out_channels):
                for c in range(channels):
                    _tap_products(shifted[c], planes[n, o], part[o, c])

@njit(cache=True, fastmath=FASTMATH)
def _accumulate_taps(plane, w, row, acc):
    """acc[i] += sum over the 3x3 taps of w[jh, jw] * plane[i + jh * row + jw], for every i."""
    w0, w1, w2, w3, w4, w5, w6, w7, w8 = w[0, 0], w[0, 1], w[0, 2], w[1, 0], w[1, 1], w[1, 2], w[2, 0], w[2, 1], w[2, 2]
    top, middle, bottom = plane[:], plane[row:], plane[2 * row:]
    for i in range(acc.size):
        acc[i] += (w0 * top[i] + w1 * top[i + 1] + w2 * top[i + 2]
                   + w3 * middle[i] + w4 * middle[i + 1] + w5 * middle[i + 2]
                   + w6 * bottom[i] + w7 * bottom[i + 1] + w8 * bottom[i + 2])

@njit(cache=True)
def _copy_sample(x, n, pad_h, pad_w, row, padded):
    """Sample n's channels into the flat zero-padded planes (rows `row` long); the padding keeps its zeros."""
    for c in range(x.shape[1]):
        for h in range(x.shape[2]):
            source, target = x[n, c, h], padded[c, (h + pad_h) * row + pad_w:]
            for j in range(x.shape[3]):
                target[j] = source[j]

@njit(parallel=PARALLEL, cache=True)
def _conv_wide(x, w, bias, pad_h, pad_w, workers, out):
    """_conv_shifted's result, computed in the wide layout."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    row = out_w + 2
    for worker in prange(workers):
        padded = np.zeros((channels, (out_h + 2) * row + 2), x.dtype)   # + 2: the last row's dropped columns
        acc = np.empty(out_h * row, x.dtype)
        for n in range(worker, n_samples, workers):
            _copy_sample(x, n, pad_h, pad_w, row, padded)
            for o in range(out_channels):
                acc[:] = bias[o] + 0 if bias.size else 0
                for c in range(channels):
                    _accumulate_taps(padded[c], w[o, c], row, acc)
                for h in range(out_h):
                    source, target = acc[h * row:], out[n, o, h]
                    for j in range(out_w):
                        target[j] = source[j]

def conv3x3_direct(x, w, bias, pad, out_shape):
    """x (N, C, H, W), w (C_out, C, 3, 3), bias (C_out,) or None -> (N, C_out, *out_shape), stride 1, with
    pad = (top, left) zeros before the input; out_shape implies the zeros after it."""
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    bias = np.zeros(0, x.dtype) if bias is None else np.ascontiguousarray(bias)
    out = np.empty((x.shape[0], w.shape[0]) + tuple(out_shape), x.dtype)
    if out.size:
        kernel = _conv_shifted if w.shape[0] >= x.shape[1] else _conv_wide
        kernel(x, w, bias, pad[0], pad[1], worker_count(x.shape[0]), out)
    return out

def conv3x3_direct_weight_grad(x, grad_out, pad):
    """The weight gradient (C_out, C, 3, 3) of conv3x3_direct(x, w, ., pad, grad_out.shape[2:])."""
    x, grad_out = np.ascontiguousarray(x), np.ascontiguousarray(grad_out)
    workers = worker_count(x.shape[0])
    parts = np.empty((workers, grad_out.shape[1], x.shape[1], 3, 3), x.dtype)
    _weight_grad_shifted(x, grad_out, pad[0], pad[1], workers, parts)
    return parts.sum(axis=0)

def conv3x3_direct_backward(x, w, grad_out, pad, need_input, need_weight):
    """(grad_x or None, grad_w or None) of conv3x3_direct(x, w, ., pad, grad_out.shape[2:]). grad_x is a direct
    convolution too: grad_out, padded by 2 - pad, with the flipped, transposed kernel (docs/convolution.md)."""
    grad_x = grad_w = None
    if need_input:
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        grad_x = conv3x3_direct(grad_out, flipped, None, tuple(2 - p for p in pad), x.shape[2:])
    if need_weight:
        grad_w = conv3x3_direct_weight_grad(x, grad_out, pad)
    return grad_x, grad_w
