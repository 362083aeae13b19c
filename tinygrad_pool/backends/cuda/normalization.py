"""Normalisation kernels for CUDA, the twins of `cpu/normalization.py`, on an (N, C, S) view of the input.

The statistics take one block per statistic, which folds its elements in two passes (the sum, then the squared
deviations from the mean) with a shared-memory tree each; normalising and the input's gradient take one thread
per element. The backward pass first sums g and g * x_hat per (n, c) run (one block each), then folds those
small (N, C) tables per statistic, per channel or, for layer norm's per-position weight, per position.
Means and variances are float64, and so are weights and biases inside (ones, and -0.0 where there is no bias).
"""
import math

import numpy as np
from numba import cuda, float64

from .array import THREADS, astype, blocks, empty, full

@cuda.jit(device=True, inline="always")
def _block_sum(partial, value):
    """The sum of `value` over the block's threads, returned to every thread."""
    t = cuda.threadIdx.x
    partial[t] = value
    cuda.syncthreads()
    width = THREADS // 2
    while width > 0:
        if t < width:
            partial[t] += partial[t + width]
        cuda.syncthreads()
        width //= 2
    total = partial[0]
    cuda.syncthreads()   # every thread has read partial[0] before it is written again
    return total

@cuda.jit(device=True, inline="always")
def _rstd(var, eps):
    """1 / sqrt(var + eps): inf for 0, written out since the simulator's division by zero raises."""
    v = var + eps
    return math.inf if v == 0 else 1.0 / math.sqrt(v)

@cuda.jit(device=True, inline="always")
def _run(st, k, channels, over_batch, groups):
    """The (n, c) of run k of statistic st."""
    if over_batch:
        return k, st
    return st // groups, st % groups * (channels // groups) + k

@cuda.jit(device=True, inline="always")
def _statistic(n, c, channels, over_batch, groups):
    """The statistic of the elements of run (n, c)."""
    if over_batch:
        return c
    return n * groups + c // (channels // groups)

@cuda.jit(cache=True)
def _moments_kernel(x, runs, channels, positions, over_batch, groups, mean, var):
    """One block per statistic: its mean and biased variance, by two passes."""
    partial = cuda.shared.array(THREADS, float64)
    st, t = cuda.blockIdx.x, cuda.threadIdx.x
    count = runs * positions
    total = 0.0
    for j in range(t, count, THREADS):
        n, c = _run(st, j // positions, channels, over_batch, groups)
        total += float64(x[(n * channels + c) * positions + j % positions])
    total = _block_sum(partial, total)
    if count == 0:
        if t == 0:
            mean[st], var[st] = math.nan, math.nan
        return
    m = total / count
    squares = 0.0
    for j in range(t, count, THREADS):
        n, c = _run(st, j // positions, channels, over_batch, groups)
        d = float64(x[(n * channels + c) * positions + j % positions]) - m
        squares += d * d
    squares = _block_sum(partial, squares)
    if t == 0:
        mean[st], var[st] = m, squares / count

@cuda.jit(cache=True)
def _normalize_kernel(x, mean, var, eps, weight, bias, channels, positions, over_batch, groups, per_position, out):
    i = cuda.grid(1)
    if i < out.size:
        s, run = i % positions, i // positions
        n, c = run // channels, run % channels
        st = _statistic(n, c, channels, over_batch, groups)
        at = s if per_position else c
        out[i] = (float64(x[i]) - mean[st]) * (_rstd(var[st], eps) * weight[at]) + bias[at]

@cuda.jit(cache=True)
def _run_sums_kernel(x, g, mean, var, eps, weight, channels, positions, over_batch, groups, per_position, sum_g,
                     sum_gx):
    """One block per (n, c) run: the sums of g * w and g * w * x_hat, w = weight[s] per position, else 1."""
    partial = cuda.shared.array(THREADS, float64)
    run, t = cuda.blockIdx.x, cuda.threadIdx.x
    n, c = run // channels, run % channels
    st = _statistic(n, c, channels, over_batch, groups)
    m = mean[st]
    a, b = 0.0, 0.0
    for s in range(t, positions, THREADS):
        gw = float64(g[run * positions + s]) * (weight[s] if per_position else 1.0)
        a += gw
        b += gw * (float64(x[run * positions + s]) - m)
    a = _block_sum(partial, a)
    b = _block_sum(partial, b)
    if t == 0:
        sum_g[run], sum_gx[run] = a, b * _rstd(var[st], eps)

@cuda.jit(cache=True)
def _group_means_kernel(sum_g, sum_gx, weight, runs, channels, positions, over_batch, groups, per_position,
                        batch_statistics, mean_g, mean_gx):
    """One thread per statistic: the means of g * w and g * w * x_hat over its elements (0 for constants)."""
    st = cuda.grid(1)
    if st < mean_g.size:
        a, b = 0.0, 0.0
        for k in range(runs):
            n, c = _run(st, k, channels, over_batch, groups)
            w = 1.0 if per_position else weight[c]
            a += w * sum_g[n * channels + c]
            b += w * sum_gx[n * channels + c]
        count = runs * positions
        mean_g[st], mean_gx[st] = (a / count, b / count) if batch_statistics and count else (0.0, 0.0)

@cuda.jit(cache=True)
def _input_grad_kernel(x, g, mean, var, eps, weight, channels, positions, over_batch, groups, per_position, mean_g,
                       mean_gx, grad):
    i = cuda.grid(1)
    if i < grad.size:
        s, run = i % positions, i // positions
        n, c = run // channels, run % channels
        st = _statistic(n, c, channels, over_batch, groups)
        rstd = _rstd(var[st], eps)
        w = weight[s] if per_position else weight[c]
        grad[i] = rstd * (float64(g[i]) * w - mean_g[st] - (float64(x[i]) - mean[st]) * rstd * mean_gx[st])

@cuda.jit(cache=True)
def _channel_totals_kernel(sum_g, sum_gx, samples, channels, grad_w, grad_b):
    """One thread per channel: the weight's and bias's gradients, the (N, C) run sums added over n."""
    c = cuda.grid(1)
    if c < channels:
        a, b = 0.0, 0.0
        for n in range(samples):
            a += sum_gx[n * channels + c]
            b += sum_g[n * channels + c]
        grad_w[c], grad_b[c] = a, b

@cuda.jit(cache=True)
def _position_sums_kernel(x, g, mean, var, eps, samples, positions, grad_w, grad_b):
    """One thread per position of a (N, 1, S) view: the sums over n of g * x_hat and g (layer norm)."""
    s = cuda.grid(1)
    if s < positions:
        a, b = 0.0, 0.0
        for n in range(samples):
            v = float64(g[n * positions + s])
            a += v * (float64(x[n * positions + s]) - mean[n]) * _rstd(var[n], eps)
            b += v
        grad_w[s], grad_b[s] = a, b

def _affine(values, size, fill):
    return full((size,), fill, np.float64) if values is None else astype(values, np.float64)

def _layout(x, grouping):
    """(samples, channels, positions, runs per statistic, statistics count, groups for the kernels)."""
    samples, channels, positions = x.shape
    if grouping.over_batch:
        return samples, channels, positions, samples, channels, 1
    groups = grouping.groups
    return samples, channels, positions, channels // groups, samples * groups, groups

def normalize(x, weight, bias, statistics, eps, grouping):
    samples, channels, positions, runs, count, groups = _layout(x, grouping)
    if statistics is None:
        mean, var = empty((count,), np.float64), empty((count,), np.float64)
        if count:
            _moments_kernel[count, THREADS](x.buffer, runs, channels, positions, grouping.over_batch, groups,
                                            mean.buffer, var.buffer)
    else:
        mean, var = (astype(a, np.float64) for a in statistics)
    size = positions if grouping.per_position else channels
    w, b = _affine(weight, size, 1.0), _affine(bias, size, -0.0)
    out = empty(x.shape, x.dtype)
    if out.size:
        _normalize_kernel[blocks(out.size), THREADS](x.buffer, mean.buffer, var.buffer, float(eps), w.buffer,
                                                     b.buffer, channels, positions, grouping.over_batch, groups,
                                                     grouping.per_position, out.buffer)
    return out, mean, var

def normalize_backward(x, g, mean, var, weight, eps, grouping, batch_statistics, need_input, need_weight, need_bias):
    samples, channels, positions, runs, count, groups = _layout(x, grouping)
    mean, var, eps = astype(mean, np.float64), astype(var, np.float64), float(eps)
    w = _affine(weight, positions if grouping.per_position else channels, 1.0)
    layout = (channels, positions, grouping.over_batch, groups, grouping.per_position)
    sum_g, sum_gx = empty((samples * channels,), np.float64), empty((samples * channels,), np.float64)
    if samples * channels and (need_input or not grouping.per_position):
        _run_sums_kernel[samples * channels, THREADS](x.buffer, g.buffer, mean.buffer, var.buffer, eps, w.buffer,
                                                      *layout, sum_g.buffer, sum_gx.buffer)
    grad_x = grad_w = grad_b = None
    if need_input:
        mean_g, mean_gx = empty((count,), np.float64), empty((count,), np.float64)
        if count:
            _group_means_kernel[blocks(count), THREADS](sum_g.buffer, sum_gx.buffer, w.buffer, runs, *layout,
                                                        batch_statistics, mean_g.buffer, mean_gx.buffer)
        grad_x = empty(x.shape, x.dtype)
        if grad_x.size:
            _input_grad_kernel[blocks(grad_x.size), THREADS](x.buffer, g.buffer, mean.buffer, var.buffer, eps,
                                                             w.buffer, *layout, mean_g.buffer, mean_gx.buffer,
                                                             grad_x.buffer)
    if need_weight or need_bias:
        size = positions if grouping.per_position else channels
        grad_w, grad_b = empty((size,), np.float64), empty((size,), np.float64)
        if size and grouping.per_position:
            _position_sums_kernel[blocks(size), THREADS](x.buffer, g.buffer, mean.buffer, var.buffer, eps, samples,
                                                         positions, grad_w.buffer, grad_b.buffer)
        elif size:
            _channel_totals_kernel[blocks(size), THREADS](sum_g.buffer, sum_gx.buffer, samples, channels,
                                                          grad_w.buffer, grad_b.buffer)
        dtype = x.dtype if weight is None else weight.dtype
        grad_w, grad_b = astype(grad_w, dtype), astype(grad_b, dtype)
    return grad_x, grad_w if need_weight else None, grad_b if need_bias else None
