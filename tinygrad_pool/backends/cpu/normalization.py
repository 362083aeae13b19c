"""Normalisation kernels (batch, layer, group and instance norm) on an (N, C, S) view of the input.

Every norm is statistics over groups of elements, then a per-element scale and shift; `grouping` (an
ops.normalization.Grouping) says which elements share statistics. Each statistic covers whole (n, c) runs of S
contiguous elements: channel c's N runs over the batch (over_batch), or sample n's C/groups consecutive channels
(layer norm's view is (rows, 1, normalised size): one run per row). One parallel task per statistic computes it
and then normalises its runs while they are still in cache; the backward pass is one task per statistic too.
Weight and bias index the channel, or the position s for layer norm; a layer norm task adds its rows' share of
the weight's and bias's gradients into a row of sums of its thread's own, so no two threads write one sum.

The statistics read memory once and stay as stable as two passes: each CHUNK (it fits in L1) gets its mean and
squared deviations from two passes over the chunk, and the chunks merge by Chan, Golub and LeVeque's pairwise
formula in float64. Within a chunk, and in every per-element pass, the arithmetic runs in the input's dtype, since
float32 takes twice the vector lanes of float64: the chunk's sums are of deviations from a rough mean, which are
small, and the float64 mean enters as hi + lo in the dtype (`_split`), so a mean far from zero costs no accuracy.
On the (32, 64, 56, 56) rows of benchmarks/normalization.py this took group_norm's forward from 1.37-1.42 to
1.16-1.21 ms and layer_norm's forward+backward from about 10 to 8-9 ms on a 2-core Xeon. Means and variances are
float64 arrays; weights and biases have the input's dtype (ones, and -0.0 where there is no bias: x + -0.0 is x,
even for x = -0.0), so each kernel compiles once per input dtype.
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
@njit(**_EXACT)
def _split(xs, m):
    """The float64 mean m as hi + lo in xs's dtype: (x - hi) - lo is x - m to within the dtype's rounding of the
    result, where x - m alone in float32 would carry m's own rounding (large for a mean far from zero)."""
    hi = xs.dtype.type(m)
    return hi, xs.dtype.type(m - hi)

@njit(**_SUMS)
def _chunk_moments(chunk):
    """(mean, squared deviations) of a chunk, summed in its dtype (float32 takes twice the lanes): a first pass
    for a rough mean c, then the deviations e = x - c, which are small, so their sums lose nothing to a large mean;
    the mean is c + mean(e) and the squared deviations sum(e^2) - sum(e)^2 / n, in float64 from there."""
    t = chunk.dtype.type
    total = t(0)
    for i in range(chunk.size):
        total += chunk[i]
    c = t(total / chunk.size)
    sum_e, sum_e2 = t(0), t(0)
    for i in range(chunk.size):
        e = chunk[i] - c
        sum_e += e
        sum_e2 += e * e
    return c + sum_e / chunk.size, max(sum_e2 - float(sum_e) * sum_e / chunk.size, 0.0)

@njit(**_SUMS)
def _chunk_moments_float64(chunk):
    """_chunk_moments with every sum in float64: where float32's sums overflow, or meet an inf or NaN."""
    total = 0.0
    for i in range(chunk.size):
        total += chunk[i]
    mean, m2 = total / chunk.size, 0.0
    for i in range(chunk.size):
        d = chunk[i] - mean
        m2 += d * d
    return mean, m2

@njit(**_SUMS)
def _merge(count, mean, m2, chunk):
    """(count, mean, squared deviations) of the elements so far, merged with those of `chunk`. A mean that is inf
    or NaN is the sum's, as in PyTorch: inf stays inf, +inf with -inf is NaN; the variance is then NaN."""
    chunk_mean, chunk_m2 = _chunk_moments(chunk)
    if not np.isfinite(chunk_m2):
        chunk_mean, chunk_m2 = _chunk_moments_float64(chunk)
    size = chunk.size
    merged = count + size
    if not (np.isfinite(mean) and np.isfinite(chunk_mean)):
        return merged, mean + chunk_mean, np.nan
    delta = chunk_mean - mean
    return (merged, mean + delta * (size / merged),
            m2 + chunk_m2 + delta * delta * (count * size / merged))

@njit(**_SUMS)
def _chunk_sums(xs, gs, hi, lo):
    """The sums of g and of g * ((x - hi) - lo) over one chunk, in its dtype."""
    a, b = xs.dtype.type(0), xs.dtype.type(0)
    for s in range(xs.size):
        a += gs[s]
        b += gs[s] * ((xs[s] - hi) - lo)
    return a, b

@njit(**_SUMS)
def _run_sums(xs, gs, m):
    """The sums of g and of g * (x - m) over a run: in its dtype over each CHUNK, then in float64."""
    hi, lo = _split(xs, m)
    a, b = 0.0, 0.0
    for start in range(0, xs.size, CHUNK):
        chunk_a, chunk_b = _chunk_sums(xs[start:start + CHUNK], gs[start:start + CHUNK], hi, lo)
        a, b = a + chunk_a, b + chunk_b
    return a, b

@njit(**_EXACT)
def _scale_shift(xs, m, scale, shift, out):
    """out = (x - m) * scale + shift in xs's dtype: float32 runs twice the lanes of float64 per instruction."""
    hi, lo = _split(xs, m)
    scale, shift = xs.dtype.type(scale), xs.dtype.type(shift)
    for s in range(xs.size):
        out[s] = ((xs[s] - hi) - lo) * scale + shift

@njit(**_EXACT)
def _scale_shift_positions(xs, m, rstd, weight, bias, out):
    hi, lo = _split(xs, m)
    rstd = xs.dtype.type(rstd)
    for s in range(xs.size):
        out[s] = ((xs[s] - hi) - lo) * rstd * weight[s] + bias[s]

@njit(**_SUMS)
def _chunk_position_sums(xs, gs, hi, lo, rstd, weight, sum_g, sum_gx):
    """One chunk of _position_sums, in its dtype."""
    a, b = xs.dtype.type(0), xs.dtype.type(0)
    for s in range(xs.size):
        d = (xs[s] - hi) - lo
        gw = gs[s] * weight[s]
        a += gw
        b += gw * d
        sum_g[s] += gs[s]
        sum_gx[s] += gs[s] * d * rstd
    return a, b

@njit(**_SUMS)
def _position_sums(xs, gs, m, rstd, weight, sum_g, sum_gx):
    """Adds g and g * x_hat into the per-position sums (rows of the input's dtype); returns the sums of g * w and
    g * w * (x - m), in the dtype over each CHUNK, then in float64."""
    hi, lo = _split(xs, m)
    rstd = xs.dtype.type(rstd)
    a, b = 0.0, 0.0
    for start in range(0, xs.size, CHUNK):
        stop = start + CHUNK
        chunk_a, chunk_b = _chunk_position_sums(xs[start:stop], gs[start:stop], hi, lo, rstd, weight[start:stop],
                                                sum_g[start:stop], sum_gx[start:stop])
        a, b = a + chunk_a, b + chunk_b
    return a, b

@njit(**_EXACT)
def _run_input_grad(xs, gs, m, rstd, w, a, b, out):
    hi, lo = _split(xs, m)
    t = xs.dtype.type
    rstd, w, a, rb = t(rstd), t(w), t(a), t(rstd * b)
    for s in range(xs.size):
        out[s] = rstd * (gs[s] * w - a - ((xs[s] - hi) - lo) * rb)

@njit(**_EXACT)
def _position_input_grad(xs, gs, m, rstd, weight, a, b, out):
    hi, lo = _split(xs, m)
    t = xs.dtype.type
    rstd, a, rb = t(rstd), t(a), t(rstd * b)
    for s in range(xs.size):
        out[s] = rstd * (gs[s] * weight[s] - a - ((xs[s] - hi) - lo) * rb)

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
        sum_g, sum_gx = (np.zeros((config.NUMBA_NUM_THREADS, positions), x.dtype) for _ in range(2))   # ids < this
    else:
        w = _affine(weight, channels, 1.0, x.dtype)
        sum_g, sum_gx = np.empty((samples, channels)), np.empty((samples, channels))
    grad_x = np.empty_like(x) if need_input else np.empty((0, 0, 0), x.dtype)
    _backward(x, g, mean, var, float(eps), w, grouping.over_batch, grouping.groups, grouping.per_position,
              batch_statistics, need_input, sum_g, sum_gx, grad_x)
    dtype = x.dtype if weight is None else weight.dtype
    return (grad_x if need_input else None, sum_gx.sum(0).astype(dtype) if need_weight else None,
            sum_g.sum(0).astype(dtype) if need_bias else None)
