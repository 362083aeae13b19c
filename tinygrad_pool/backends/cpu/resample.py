"""Resampling kernels for the CPU: one pass per spatial dim over (planes, D, H, W) arrays, driven by tap tables.

A resampling is separable (see `tinygrad_pool/ops/resample.py` for the tables), so each plane goes through up to
three passes, each along one dim: output o of that dim sums weight[k] * input[index[k]] over its taps. The D and H
passes combine whole rows, which is vector code; the W pass gathers within rows, which is not, so it runs where
the plane has fewer rows: first when the D and H passes add rows (upsampling), last when they remove rows (the
gradient of an upsampling). Dims that the tables mark as identities are skipped. Planes run in parallel
(`prange`), each thread keeping its intermediate planes in cache; the forward and the backward pass are the same
kernel, the backward with the transposed tables.
"""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL
from .memory import keep_freed_memory

@njit(cache=True)
def _gather_any(src, dst, first, count, index, weight):
    """Outputs with any number of taps (the transposed tables), 0 where there are none."""
    for r in range(src.shape[0]):
        row, out = src[r], dst[r]
        for o in range(dst.shape[1]):
            start, stop = first[o], first[o] + count[o]
            if start == stop:
                out[o] = 0
                continue
            total = weight[start] * row[index[start]]
            for k in range(start + 1, stop):
                total += weight[k] * row[index[k]]
            out[o] = total

@njit(cache=True)
def _gather_uniform(src, dst, index, weight, taps):
    """_gather_any for tables where every output has `taps` taps: with `taps` a constant, the tap loop unrolls."""
    for r in range(src.shape[0]):
        row, out = src[r], dst[r]
        for o in range(dst.shape[1]):
            k = o * taps
            total = weight[k] * row[index[k]]
            for j in range(1, taps):
                total += weight[k + j] * row[index[k + j]]
            out[o] = total

@njit(cache=True)
def _gather_within_rows(src, dst, first, count, index, weight, uniform):
    """dst[r, o] = the sum of weight[k] * src[r, index[k]] over o's taps, starting from the first tap. `uniform`:
    the number of taps when every output has that many, else 0. The common counts run as constants (a 2x bilinear
    upsampling: 1.5x faster)."""
    if uniform == 1:
        _gather_uniform(src, dst, index, weight, 1)
    elif uniform == 2:
        _gather_uniform(src, dst, index, weight, 2)
    elif uniform == 4:
        _gather_uniform(src, dst, index, weight, 4)
    else:
        _gather_any(src, dst, first, count, index, weight)

@njit(cache=True)
def _combine_rows(src, dst, first, count, index, weight):
    """Along the middle axis of (A, L, B) arrays: row dst[a, o] = the sum of weight[k] * src[a, index[k]] over o's
    taps, a whole row at a time."""
    for a in range(src.shape[0]):
        for o in range(dst.shape[1]):
            out, start, stop = dst[a, o], first[o], first[o] + count[o]
            if start == stop:
                out[:] = 0
                continue
            row, w = src[a, index[start]], weight[start]
            for b in range(len(out)):
                out[b] = w * row[b]
            for k in range(start + 1, stop):
                row, w = src[a, index[k]], weight[k]
                for b in range(len(out)):
                    out[b] += w * row[b]

@njit(parallel=PARALLEL, cache=True)
def _resample_kernel(x, passes, first, count, index, weight, uniform, out):
    """Each plane through the passes along the dims `passes` lists, in that order; intermediate planes are
    scratch, the last pass writes the output."""
    planes = x.shape[0]
    out_d, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    out_planes = out.reshape(planes, out_d * out_h * out_w)
    for p in prange(planes):
        src = x[p].reshape(-1)
        d, h, w = x.shape[1], x.shape[2], x.shape[3]
        for step in range(len(passes)):
            dim = passes[step]
            next_d, next_h, next_w = (out_d if dim == 0 else d), (out_h if dim == 1 else h), (out_w if dim == 2 else w)
            if step == len(passes) - 1:
                dst = out_planes[p]
            else:
                dst = np.empty(next_d * next_h * next_w, x.dtype)
            if dim == 2:
                _gather_within_rows(src.reshape(d * h, w), dst.reshape(d * h, next_w), first[2], count[2], index[2],
                                    weight[2], uniform)
            elif dim == 1:
                _combine_rows(src.reshape(d, h, w), dst.reshape(d, next_h, w), first[1], count[1], index[1],
                              weight[1])
            else:
                _combine_rows(src.reshape(1, d, h * w), dst.reshape(1, next_d, h * w), first[0], count[0], index[0],
                              weight[0])
            src, d, h, w = dst, next_d, next_h, next_w
        if len(passes) == 0:
            out_planes[p][:] = src

def _prepared(taps, dtype):
    """The dims to pass along, in order, the weights in the input's dtype, and the W dim's number of taps per
    output when it is the same for all (else 0), kept with the tables."""
    key = ("cpu", np.dtype(dtype))
    if key not in taps.device_copies:
        rows_in, rows_out = taps.in_shape[0] * taps.in_shape[1], taps.out_shape[0] * taps.out_shape[1]
        order = (2, 1, 0) if rows_in <= rows_out else (0, 1, 2)
        passes = np.array([dim for dim in order if not taps.identity[dim]], np.int64)
        counts = taps.count[2, :taps.out_shape[2]]
        uniform = int(counts[0]) if (counts == counts[0]).all() else 0
        taps.device_copies[key] = passes, taps.weight.astype(dtype), uniform
    return taps.device_copies[key]

def resample(x, taps):
    """(planes, D, H, W) -> (planes, OD, OH, OW) by the tables of `taps`."""
    keep_freed_memory()
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0],) + taps.out_shape, x.dtype)
    passes, weight, uniform = _prepared(taps, x.dtype)
    _resample_kernel(x, passes, taps.first, taps.count, taps.index, weight, uniform, out)
    return out
