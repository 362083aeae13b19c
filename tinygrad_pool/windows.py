"""Pooling windows: the one primitive that every pooling variant is built from.

Along each spatial dim, output `o` reads the taps `first[o] + j * step` for `j < count[o]`: only taps inside
the input, so padding never costs a bounds check in a kernel. Fixed windows (any kernel, stride, padding,
dilation, ceil_mode) and adaptive windows both become such tables, and so do the per-dim factors of the
average divisor. `cover_first[i]` and `cover_count[i]` list the outputs whose window spans input `i`, which
lets a backward kernel gather into each input instead of scattering (no write races, no atomics).
Tables always describe three dims; 1-d and 2-d pooling use leading dims of size one.

`interior` marks, per dim, the outputs lo..hi-1 whose windows lie wholly inside the input: their taps are
`o * stride + shift + j * step` for every `j < kernel`, an affine pattern that a CPU kernel can turn into vector
code once stride and kernel are constants. Adaptive windows have no such run (lo = hi = 0).
"""
import functools
from dataclasses import dataclass, field

import numpy as np

@dataclass(frozen=True, eq=False)
class Windows:
    in_shape: tuple          # (D, H, W)
    out_shape: tuple         # (OD, OH, OW)
    first: np.ndarray        # (3, max O) int64: first in-range tap of each output
    count: np.ndarray        # (3, max O) int64: in-range taps of each output
    step: np.ndarray         # (3,) int64: distance between taps (the dilation)
    factor: np.ndarray       # (3, max O) float64: the divisor of an average is the product of the three factors
    cover_first: np.ndarray  # (3, max L) int64: first output whose window spans input i
    cover_count: np.ndarray  # (3, max L) int64: how many consecutive outputs span input i
    interior: np.ndarray     # (3, 5) int64: lo, hi, stride, kernel, shift of each dim's run of full windows
    has_empty_window: bool   # some window has no tap inside the input (only possible with dilation)
    device_copies: dict = field(default_factory=dict, repr=False)   # backends keep their uploaded copy here

@dataclass(frozen=True)
class DimWindows:
    """One spatial dim: the unclipped span [start, end) of every window and its in-range taps."""
    length: int
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray
    count: np.ndarray
    step: int
    factor: np.ndarray
    interior: tuple = (0, 0, 1, 1, 0)   # lo, hi, stride, kernel, shift (see the module docstring)

def output_length(length, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length; below 1 means the configuration is invalid."""
    effective = dilation * (kernel - 1) + 1
    numerator = length + 2 * padding - effective + ((stride - 1) if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1     # a window may not start inside the right padding
    return out

def fixed_dim(length, kernel, stride, padding, dilation, ceil_mode, count_include_pad):
    """Windows of max/avg pooling along one dim (avg passes dilation=1)."""
    out = output_length(length, kernel, stride, padding, dilation, ceil_mode)
    start = np.arange(out, dtype=np.int64) * stride - padding
    # Taps start + j*dilation lie in [0, length) for j in [j_low, j_high).
    j_low = np.where(start < 0, (-start + dilation - 1) // dilation, 0)
    j_high = np.minimum(kernel, np.where(length - 1 - start >= 0, (length - 1 - start) // dilation + 1, 0))
    count = np.maximum(j_high - j_low, 0)
    first = start + j_low * dilation
    # Average divisor per dim: the window clipped at length + padding counts padding; the clipped-to-input
    # window does not (count_include_pad=False). A ceil_mode window never counts what lies past length + padding.
    pooled = np.minimum(start + kernel, length + padding) - start
    factor = (pooled if count_include_pad else count).astype(np.float64)
    full = np.flatnonzero(count == kernel)     # a contiguous run: start grows with the output index
    lo, hi = (int(full[0]), int(full[-1]) + 1) if len(full) else (0, 0)
    return DimWindows(length, start, start + (kernel - 1) * dilation + 1, first, count, dilation, factor,
                      interior=(lo, hi, stride, kernel, -padding))

def adaptive_dim(length, out):
    """Adaptive windows: output i covers [floor(i*L/out), ceil((i+1)*L/out))."""
    i = np.arange(out, dtype=np.int64)
    start = (i * length) // out
    end = ((i + 1) * length + out - 1) // out
    return DimWindows(length, start, end, start, end - start, 1, (end - start).astype(np.float64))

def combine(dims):
    """Stack 1-3 DimWindows into three-dim tables, with unit dims in front."""
    zero, one = np.zeros(1, np.int64), np.ones(1, np.int64)
    unit = DimWindows(length=1, start=zero, end=one, first=zero, count=one, step=1, factor=np.ones(1))
    dims = [unit] * (3 - len(dims)) + list(dims)
    widest_out = max(len(d.first) for d in dims)
    widest_in = max(d.length for d in dims)

    def table(rows, width, dtype):
        out = np.zeros((3, max(width, 1)), dtype)
        for row, values in zip(out, rows):
            row[:len(values)] = values
        return out

    cover_first, cover_count = [], []
    for d in dims:
        inputs = np.arange(d.length)
        lo = np.searchsorted(d.end, inputs, side="right")     # first window that ends after i
        hi = np.searchsorted(d.start, inputs, side="right")   # windows that start at or before i
        cover_first.append(lo)
        cover_count.append(np.maximum(hi - lo, 0))
    return Windows(
        in_shape=tuple(d.length for d in dims), out_shape=tuple(len(d.first) for d in dims),
        first=table([d.first for d in dims], widest_out, np.int64),
        count=table([d.count for d in dims], widest_out, np.int64),
        step=np.array([d.step for d in dims], np.int64),
        factor=table([d.factor for d in dims], widest_out, np.float64),
        cover_first=table(cover_first, widest_in, np.int64), cover_count=table(cover_count, widest_in, np.int64),
        interior=np.array([d.interior for d in dims], np.int64),
        has_empty_window=any(bool((d.count == 0).any()) for d in dims))

@functools.lru_cache(maxsize=256)
def fixed_windows(in_shape, kernel, stride, padding, dilation, ceil_mode, count_include_pad=True):
    """Tables for max/avg pooling; every argument is a tuple with one entry per spatial dim."""
    return combine([fixed_dim(*args, ceil_mode, count_include_pad)
                    for args in zip(in_shape, kernel, stride, padding, dilation)])

@functools.lru_cache(maxsize=256)
def adaptive_windows(in_shape, out_shape):
    return combine([adaptive_dim(length, out) for length, out in zip(in_shape, out_shape)])
