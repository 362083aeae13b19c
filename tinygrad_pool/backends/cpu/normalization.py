"""Normalisation kernels (batch, layer, group and instance norm) on an (N, C, S) view of the input.

Every norm is statistics over groups of elements, then a per-element scale and shift; `grouping` (an
ops.normalization.Grouping) says which elements share statistics. Each statistic covers whole (n, c) runs of S
contiguous elements: channel c's N runs over the batch (over_batch), or sample n's C/groups consecutive channels
(layer norm's view is (rows, 1, normalised size): one run per row). One parallel task per statistic computes it
and then normalises its runs while they are still in cache; the backward pass is one task per statistic too.
Weight and bias index the channel, or the position s for layer norm; a layer norm task adds its rows' share of
the weight's and bias's gradients into a row of sums of its thread's own, so no two threads write one sum.

The statistics read memory once and stay as stable as two passes: each CHUNK (it fits in L1) gets its mean and
squared deviations from two passes over the chunk, in float64, and the chunks merge by Chan, Golub and LeVeque's
pairwise formula. Means and variances are float64 arrays; weights and biases have the input's dtype (ones, and
-0.0 where there is no bias: x + -0.0 is x, even for x = -0.0), so each kernel compiles once per input dtype.
"""
import numpy as np
from numba import config, get_thread_id, njit, prange

from .compile import PARALLEL
from .memory import keep_freed_memory

CHUNK = 2048
# reassoc lets LLVM vectorise the sums (only theirs: the kernels and elementwise helpers keep IEEE order, so a
# constant group normalises to exactly 0); numpy's error model makes 1 / sqrt(0) inf (eps=0), as in PyTorch
_SUMS = dict(cache=True, fastmath={"reassoc"}, error_model="numpy")
_EXACT = dict(cache=True, error_model="numpy")

# --- per-run helpers: 1-d views whose loops start at 0, so LLVM knows every index is in range and vectorises ---
@njit(**_SUMS)
def _merge(count, mean, m2, chunk):
    """(count, mean, squared deviations) of the elements so far, merged with those of `chunk`."""
    total = 0.0
    for i in range(chunk.size):
        total += chunk[i]
    chunk_mean = total / chunk.size
    chunk_m2 = 0.0
    for i in range(chunk.size):
        d = chunk[i] - chunk_mean
        chunk_m2 += d * d
    merged = count + chunk.size
    delta = chunk_mean - mean
    return (merged, mean + delta * (chunk.size / merged),
            m2 + chunk_m2 + delta * delta * (count * chunk.size / merged))

@njit(**_SUMS)
def _run_sums(xs, gs, m):
    """The sums of g and of g * (x - m) over a run."""
    a, b = 0.0, 0.0
    for s in range(xs.size):
        a += gs[s]
        b += gs[s] * (xs[s] - m)
    return a, b

@njit(**_EXACT)
def _scale_shift(xs, m, scale, shift, out):
    for s in range(xs.size):
        out[s] = (xs[s] - m) * scale + shift

@njit(**_EXACT)
def _scale_shift_positions(xs, m, rstd, weight, bias, out):
    for s in range(xs.size):
        out[s] = (xs[s] - m) * rstd * weight[s] + bias[s]

@njit(**_SUMS)
def _position_sums(xs, gs, m, rstd, weight, sum_g, sum_gx):
    """Adds g and g * x_hat into the per-position sums; returns the sums of g * w and g * w * (x - m)."""
    a, b = 0.0, 0.0
    for s in range(xs.size):
        gw = gs[s] * weight[s]
        a += gw
        b += gw * (xs[s] - m)
        sum_g[s] += gs[s]
        sum_gx[s] += gs[s] * (xs[s] - m) * rstd
    return a, b

@njit(**_EXACT)
def _run_input_grad(xs, gs, m, rstd, w, a, b, out):
    for s in range(xs.size):
        out[s] = rstd * (gs[s] * w - a - (xs[s] - m) * rstd * b)

@njit(**_EXACT)
def _position_input_grad(xs, gs, m, rstd, weight, a, b, out):
    for s in range(xs.size):
        out[s] = rstd * (gs[s] * weight[s] - a - (xs[s] - m) * rstd * b)

@njit(**_EXACT)
def _run(st, k, over_batch, groups, group_channels):
    """The (n, c) of run k of statistic st (a prange index may be unsigned: int64 keeps // and % integral)."""
    st, k = np.int64(st), np.int64(k)
    if over_batch:
        return k, st
    return st // groups, st % groups * group_channels + k

@njit(**_EXACT)
def _moments(x, st, runs, over_batch, groups):
    """The mean and biased variance of statistic st, chunk by chunk."""
    count, mu, m2 = 0, 0.0, 0.0
    for k in range(runs):
        n, c = _run(st, k, over_batch, groups, runs)
        for lo in range(0, x.shape[2], CHUNK):
            count, mu, m2 = _merge(count, mu, m2, x[n, c, lo:lo + CHUNK])
    return (mu, m2 / count) if count else (np.nan, np.nan)

# --- the kernels: one task per statistic -------------------------------------------------------------------
@njit(parallel=PARALLEL, **_EXACT)
def _forward(x, weight, bias, eps, over_batch, groups, per_position, with_statistics, mean, var, out):
    """out = (x - mean) * rstd * weight + bias, weight and bias per channel or per position; mean and var are
    computed first unless with_statistics."""
    samples, channels = x.shape[0], x.shape[1]
    runs = samples if over_batch else channels // groups
    for st in prange(mean.size):
        if not with_statistics:
            mean[st], var[st] = _moments(x, st, runs, over_batch, groups)
        m, rstd = mean[st], 1.0 / np.sqrt(var[st] + eps)
        for k in range(runs):
            n, c = _run(st, k, over_batch, groups, runs)
            if per_position:
                _scale_shift_positions(x[n, c], m, rstd, weight, bias, out[n, c])
            else:
                _scale_shift(x[n, c], m, rstd * weight[c], bias[c], out[n, c])

@njit(parallel=PARALLEL, **_EXACT)
def _backward(x, g, mean, var, eps, weight, over_batch, groups, per_position, batch_statistics, need_input, sum_g,
              sum_gx, grad):
    """The sums of g and g * x_hat for the weight's and bias's gradients: per channel, sum_g and sum_gx (N, C) get
    those of each run; per position, (threads, S), each thread's over its runs. With need_input, grad = rstd *
    (g * w - mean(g * w) - x_hat * mean(g * w * x_hat)) over each group (the means are 0 when the statistics are
    constants)."""
    samples, channels = x.shape[0], x.shape[1]
    runs = samples if over_batch else channels // groups
    for st in prange(mean.size):
        m, rstd = mean[st], 1.0 / np.sqrt(var[st] + eps)
        a, b = 0.0, 0.0
        for k in range(runs):
            n, c = _run(st, k, over_batch, groups, runs)
            if per_position:
                thread = get_thread_id()
                run_a, run_b = _position_sums(x[n, c], g[n, c], m, rstd, weight, sum_g[thread], sum_gx[thread])
                a, b = a + run_a, b + run_b * rstd
            else:
                run_g, run_gx = _run_sums(x[n, c], g[n, c], m)
                sum_g[n, c], sum_gx[n, c] = run_g, run_gx * rstd
                a, b = a + weight[c] * run_g, b + weight[c] * run_gx * rstd
        if need_input:
            count = runs * x.shape[2]
            a, b = (a / count, b / count) if batch_statistics else (0.0, 0.0)
            for k in range(runs):
                n, c = _run(st, k, over_batch, groups, runs)
                if per_position:
                    _position_input_grad(x[n, c], g[n, c], m, rstd, weight, a, b, grad[n, c])
                else:
                    _run_input_grad(x[n, c], g[n, c], m, rstd, weight[c], a, b, grad[n, c])

def _affine(values, size, fill, dtype):
    return np.full(size, fill, dtype) if values is None else values.reshape(-1)

def normalize(x, weight, bias, statistics, eps, grouping):
    keep_freed_memory()
    x = np.ascontiguousarray(x)
    samples, channels, positions = x.shape
    out = np.empty_like(x)
    count = channels if grouping.over_batch else samples * grouping.groups
    if statistics is None:
        mean, var = np.empty(count), np.empty(count)
    else:
        mean, var = (np.asarray(a, np.float64) for a in statistics)
    size = positions if grouping.per_position else channels
    _forward(x, _affine(weight, size, 1.0, x.dtype), _affine(bias, size, -0.0, x.dtype), float(eps),
             grouping.over_batch, grouping.groups, grouping.per_position, statistics is not None, mean, var, out)
    return out, mean, var

def normalize_backward(x, g, mean, var, weight, eps, grouping, batch_statistics, need_input, need_weight, need_bias):
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g)
    mean, var = np.asarray(mean, np.float64), np.asarray(var, np.float64)
    samples, channels, positions = x.shape
    if grouping.per_position:   # a row of sums per thread
        w = _affine(weight, positions, 1.0, x.dtype)
        sum_g, sum_gx = (np.zeros((config.NUMBA_NUM_THREADS, positions)) for _ in range(2))   # ids < this
    else:
        w = _affine(weight, channels, 1.0, x.dtype)
        sum_g, sum_gx = np.empty((samples, channels)), np.empty((samples, channels))
    grad_x = np.empty_like(x) if need_input else np.empty((0, 0, 0), x.dtype)
    _backward(x, g, mean, var, float(eps), w, grouping.over_batch, grouping.groups, grouping.per_position,
              batch_statistics, need_input, sum_g, sum_gx, grad_x)
    dtype = x.dtype if weight is None else weight.dtype
    return (grad_x if need_input else None, sum_gx.sum(0).astype(dtype) if need_weight else None,
            sum_g.sum(0).astype(dtype) if need_bias else None)
