"""Naive pooling, written as plain loops straight from the rules in docs/semantics.md, for the tests.

Every function takes a numpy array (N, C, *spatial) and per-dim tuples; nothing here is shared with the
library, so a mistake in the library's window tables cannot hide behind the same mistake here.
"""
import itertools
import math

import numpy as np

def out_length(L, k, s, p, d, ceil_mode):
    eff = d * (k - 1) + 1
    o = (L + 2 * p - eff + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= L + p:
        o -= 1
    return o

def _positions(shape):
    return itertools.product(*(range(n) for n in shape))

def max_pool(x, k, s, p, d, ceil_mode):
    """Values and flat indices: first maximum in scan order wins, the last NaN wins, -inf windows keep the
    first in-range tap."""
    spatial = x.shape[2:]
    out_shape = [out_length(*a, ceil_mode) for a in zip(spatial, k, s, p, d)]
    values = np.zeros(x.shape[:2] + tuple(out_shape), x.dtype)
    indices = np.zeros(values.shape, np.int64)
    for n, c in _positions(x.shape[:2]):
        for o in _positions(out_shape):
            taps = ([oi * si - pi + ji * di for oi, si, pi, ji, di in zip(o, s, p, j, d)] for j in _positions(k))
            inside = [tuple(pos) for pos in taps if all(0 <= q < L for q, L in zip(pos, spatial))]
            values[(n, c) + o], indices[(n, c) + o] = _window_max(x[n, c], inside)
    return values, indices

def _window_max(plane, positions):
    """The running max of section 3 over in-range positions in scan order: (value, flat index)."""
    best, best_index = -math.inf, None
    for pos in positions:
        flat = int(np.ravel_multi_index(pos, plane.shape))
        value = plane[pos]
        if best_index is None:
            best_index = flat
        if value > best or math.isnan(value):
            best, best_index = value, flat
    return best, best_index

def avg_windows(L, k, s, p, ceil_mode, count_include_pad):
    """Per output: the clipped range [a', b') and the per-dim divisor."""
    windows = []
    for o in range(out_length(L, k, s, p, 1, ceil_mode)):
        a = o * s - p
        b = min(a + k, L + p)
        a_in, b_in = max(a, 0), min(b, L)
        windows.append((a_in, b_in, (b - a) if count_include_pad else (b_in - a_in)))
    return windows

def avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override=None):
    per_dim = [avg_windows(*a, ceil_mode, count_include_pad) for a in zip(x.shape[2:], k, s, p)]
    return _average(x, per_dim, divisor_override)

def _average(x, per_dim, divisor_override=None):
    out = np.zeros(x.shape[:2] + tuple(len(w) for w in per_dim), np.float64)
    for n, c in _positions(x.shape[:2]):
        for o in _positions(out.shape[2:]):
            windows = [per_dim[i][oi] for i, oi in enumerate(o)]
            region = (n, c) + tuple(slice(a, b) for a, b, _ in windows)
            divisor = divisor_override if divisor_override is not None else math.prod(w[2] for w in windows)
            out[(n, c) + o] = x[region].astype(np.float64).sum() / divisor
    return out.astype(x.dtype)

def avg_pool_backward(grad_out, input_shape, k, s, p, ceil_mode, count_include_pad, divisor_override=None):
    per_dim = [avg_windows(*a, ceil_mode, count_include_pad) for a in zip(input_shape[2:], k, s, p)]
    grad_in = np.zeros(input_shape, np.float64)
    for n, c in _positions(input_shape[:2]):
        for o in _positions(grad_out.shape[2:]):
            windows = [per_dim[i][oi] for i, oi in enumerate(o)]
            divisor = divisor_override if divisor_override is not None else math.prod(w[2] for w in windows)
            grad_in[(n, c) + tuple(slice(a, b) for a, b, _ in windows)] += grad_out[(n, c) + o] / divisor
    return grad_in

def adaptive_windows(L, out):
    return [((i * L) // out, ((i + 1) * L + out - 1) // out) for i in range(out)]

def adaptive_avg_pool(x, out_size):
    per_dim = [[(a, b, b - a) for a, b in adaptive_windows(L, o)] for L, o in zip(x.shape[2:], out_size)]
    return _average(x, per_dim)

def adaptive_max_pool(x, out_size):
    spatial = x.shape[2:]
    per_dim = [adaptive_windows(L, o) for L, o in zip(spatial, out_size)]
    values = np.zeros(x.shape[:2] + tuple(out_size), x.dtype)
    indices = np.zeros(values.shape, np.int64)
    for n, c in _positions(x.shape[:2]):
        for o in _positions(out_size):
            ranges = [range(*per_dim[i][oi]) for i, oi in enumerate(o)]
            values[(n, c) + o], indices[(n, c) + o] = _window_max(x[n, c], itertools.product(*ranges))
    return values, indices

def lp_pool(x, norm_type, k, s, ceil_mode):
    """Each window's p-norm as docs/semantics.md defines it, each step in x's dtype (so float32 overflows where
    the library's does): the sums of x**p, scaled by k / (taps in range) for a cut ceil_mode window, then the
    root 1/p. p = inf and -inf give the max and min of |x|."""
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool(sign * np.abs(x), k, s, (0,) * len(k), (1,) * len(k), ceil_mode)[0]
    return _lp_total(x, norm_type, k, s, ceil_mode) ** _in(x, 1.0 / norm_type)

def lp_pool_backward(x, grad_out, norm_type, k, s, ceil_mode):
    """The input gradient through the same steps, with PyTorch's rule that a window whose total is 0 passes no
    gradient: (1/p) * total**(1/p - 1) per window (0 where the total is 0), times k / (taps in range) on each
    tap, times p * x**(p - 1). p = inf and -inf: the gradient goes to the tap of the max (min) of |x|, times
    sign(x), which is 0 at NaN as in PyTorch."""
    dims = len(k)
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        _, indices = max_pool(sign * np.abs(x), k, s, (0,) * dims, (1,) * dims, ceil_mode)
        slope = np.where(np.isnan(x), 0.0, np.sign(x))
        return (max_pool_backward(grad_out, indices, x.shape) * slope).astype(x.dtype)
    total = _lp_total(x, norm_type, k, s, ceil_mode)
    slope = total ** _in(x, 1.0 / norm_type - 1.0) * _in(x, 1.0 / norm_type)
    to_total = np.where(total == 0, _in(x, 0.0), grad_out.astype(x.dtype) * slope) * _in(x, math.prod(k))
    to_power = avg_pool_backward(to_total, x.shape, k, s, (0,) * dims, ceil_mode, True).astype(x.dtype)
    return to_power * (_in(x, norm_type) * x ** _in(x, norm_type - 1))

def _in(x, value):
    """A scalar in x's dtype, so that numpy computes in that dtype."""
    return x.dtype.type(value)

def _lp_total(x, norm_type, k, s, ceil_mode):
    """avg_pool(x**p) * prod(k): the window sums of x**p, a cut ceil_mode window scaled to the full kernel."""
    powers = x ** _in(x, norm_type)
    return avg_pool(powers, k, s, (0,) * len(k), ceil_mode, True) * _in(x, math.prod(k))

def max_pool_backward(grad_out, indices, input_shape):
    """Each output gradient added (in float64) to the input element its index names."""
    grad_in = np.zeros(input_shape, np.float64)
    for n, c in _positions(input_shape[:2]):
        plane = grad_in[n, c].reshape(-1)
        for o in _positions(grad_out.shape[2:]):
            plane[indices[(n, c) + o]] += grad_out[(n, c) + o]
    return grad_in

def adaptive_avg_pool_backward(grad_out, input_shape):
    grad_in = np.zeros(input_shape, np.float64)
    per_dim = [adaptive_windows(L, o) for L, o in zip(input_shape[2:], grad_out.shape[2:])]
    for n, c in _positions(input_shape[:2]):
        for o in _positions(grad_out.shape[2:]):
            windows = [per_dim[i][oi] for i, oi in enumerate(o)]
            share = grad_out[(n, c) + o] / math.prod(b - a for a, b in windows)
            grad_in[(n, c) + tuple(slice(a, b) for a, b in windows)] += share
    return grad_in

def max_unpool(x, indices, out_spatial):
    out = np.zeros(x.shape[:2] + tuple(out_spatial), x.dtype)
    for n, c in _positions(x.shape[:2]):
        plane = out[n, c].reshape(-1)
        for o in _positions(x.shape[2:]):
            plane[indices[(n, c) + o]] = x[(n, c) + o]
    return out

def fractional_starts(u, L, O, k):
    """The first tap of each of the O windows along a dim of length L for the sample u, by PyTorch's formula:
    trunc((i + u) * alpha) - trunc(u * alpha) with alpha = (L - k) / (O - 1), the last window at L - k. u is a
    numpy scalar, so the arithmetic runs in its dtype as PyTorch's does."""
    real = type(u)
    starts = []
    for i in range(O):
        if i == O - 1:
            starts.append(L - k)
        else:
            alpha = real(L - k) / real(O - 1)
            starts.append(int((real(i) + u) * alpha) - int(u * alpha))
    return starts

def fractional_max_pool(x, k, out_size, samples):
    """Values and flat indices of max pooling over the windows that the samples (N, C, dims) give each plane.
    PyTorch's order: 2-d pooling takes a plane's W sample first, then H's; 3-d pooling D, H, W."""
    spatial, dims = x.shape[2:], len(k)
    order = [1, 0] if dims == 2 else [0, 1, 2]
    values = np.zeros(x.shape[:2] + tuple(out_size), x.dtype)
    indices = np.zeros(values.shape, np.int64)
    for n, c in _positions(x.shape[:2]):
        starts = [fractional_starts(samples[n, c, order[j]], spatial[j], out_size[j], k[j]) for j in range(dims)]
        for o in _positions(out_size):
            window = itertools.product(*(range(starts[j][o[j]], starts[j][o[j]] + k[j]) for j in range(dims)))
            values[(n, c) + o], indices[(n, c) + o] = _window_max(x[n, c], window)
    return values, indices
