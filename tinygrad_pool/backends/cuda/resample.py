"""Resampling kernels for CUDA: one thread per output element, driven by tap tables.

Arrays arrive as (planes, D, H, W) CudaArrays. Each thread sums, over the taps of its output along each of the
three dims, the product of the three weights times the input element (see `tinygrad_pool/ops/resample.py` for the
tables), in float64. The backward pass is the same kernel with the transposed tables: each input element gathers
from the outputs that read it, so no two threads write one element and no atomics are needed.
"""
from collections import namedtuple

from numba import cuda, float64

from .array import THREADS, blocks, empty, split_index

_TABLES = ("first", "count", "index", "weight")
_DeviceTables = namedtuple("_DeviceTables", _TABLES)

def _tables(taps):
    """Device copies of the tap tables, uploaded once per table set."""
    if "cuda" not in taps.device_copies:
        taps.device_copies["cuda"] = _DeviceTables(*(cuda.to_device(getattr(taps, t)) for t in _TABLES))
    return taps.device_copies["cuda"]

@cuda.jit(cache=True)
def _resample_kernel(x, in_d, in_h, in_w, first, count, index, weight, out, out_d, out_h, out_w):
    """out[p, od, oh, ow] = the sum of weight_d * weight_h * weight_w * x[p, d, h, w] over the taps, starting from
    the first term (so -0.0 stays -0.0); an output without taps is 0."""
    i = cuda.grid(1)
    if i >= out.size:
        return
    p, od, oh, ow = split_index(i, out_d, out_h, out_w)
    base = p * in_d * in_h * in_w
    total = float64(0.0)
    started = False
    for kd in range(first[0, od], first[0, od] + count[0, od]):
        for kh in range(first[1, oh], first[1, oh] + count[1, oh]):
            for kw in range(first[2, ow], first[2, ow] + count[2, ow]):
                term = weight[0, kd] * weight[1, kh] * weight[2, kw] * \
                    x[base + (index[0, kd] * in_h + index[1, kh]) * in_w + index[2, kw]]
                total = total + term if started else term
                started = True
    out[i] = total

def resample(x, taps):
    tables = _tables(taps)
    out = empty((x.shape[0],) + taps.out_shape, x.dtype)
    if out.size:
        _resample_kernel[blocks(out.size), THREADS](x.buffer, *taps.in_shape, tables.first, tables.count,
                                                    tables.index, tables.weight, out.buffer, *taps.out_shape)
    return out
