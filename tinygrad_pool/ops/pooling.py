"""Every pooling op: the windowing primitive, argument checks with PyTorch's rules, the Functions and the
public functions (`nn.functional` re-exports them with PyTorch's signatures).

Inputs (N, C, *spatial) or (C, *spatial) with 1-3 spatial dims are viewed as (planes, D, H, W), planes = N*C,
with unit dims in front for 1-d and 2-d. Every variant (max, average, adaptive, lp, global) becomes one
`Windows` table set and one of two kernels per device (max, avg); fractional max pooling, whose windows differ
per plane, has a third. docs/semantics.md has the rules, docs/pooling.md the design. The argument checks serve
the functions and the nn modules' constructors alike, so that every bad argument is found in one place, before
any kernel runs.

Windows: along each spatial dim, output `o` reads the taps `first[o] + j * step` for `j < count[o]`: only taps
inside the input, so padding never costs a bounds check in a kernel. Fixed windows (any kernel, stride, padding,
dilation, ceil_mode) and adaptive windows both become such tables, and so do the per-dim factors of the
average divisor. `cover_first[i]` and `cover_count[i]` list the outputs whose window spans input `i`, which
lets a backward kernel gather into each input instead of scattering (no write races, no atomics).
Tables always describe three dims (rows D, H, W); 1-d and 2-d pooling use leading dims of size one.
`interior` holds, per dim, the run of outputs whose windows lie wholly inside the input (an `InteriorRun`): an
affine tap pattern that a CPU kernel turns into vector code once stride and kernel are constants.

Fractional max pooling draws its windows per plane, so its kernel reads a start table of shape (planes, 3, widest
output) instead; its `Windows` are the envelope of every plane's windows, whose cover tables list, for each
input, every output that spans it in some plane (the backward keeps the ones whose index names it).
"""
import functools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ..arguments import check_bool, described, is_int
from ..autograd import Function
from ..seeding import generator
from ..tensor import Tensor, int64

# --- windows: the one primitive every pooling is built from ------------------------------------------------------
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
    interior: tuple          # an InteriorRun per dim
    has_empty_window: bool   # some window has no tap inside the input (only possible with dilation)
    device_copies: dict = field(default_factory=dict, repr=False)   # backends keep their uploaded copy here

@dataclass(frozen=True)
class InteriorRun:
    """The outputs start..stop-1 of one dim whose windows lie wholly inside the input: output o reads the taps
    o * stride + shift + j * dilation for every j < kernel. Empty (start == stop) for adaptive windows."""
    start: int = 0
    stop: int = 0
    stride: int = 1
    kernel: int = 1
    shift: int = 0

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
    interior: InteriorRun = InteriorRun()

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
                      interior=InteriorRun(start=lo, stop=hi, stride=stride, kernel=kernel, shift=-padding))

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
        interior=tuple(d.interior for d in dims),
        has_empty_window=any(bool((d.count == 0).any()) for d in dims))

@functools.lru_cache(maxsize=256)
def fixed_windows(in_shape, kernel, stride, padding, dilation, ceil_mode, count_include_pad=True):
    """Tables for max/avg pooling; every argument is a tuple with one entry per spatial dim."""
    return combine([fixed_dim(*args, ceil_mode, count_include_pad)
                    for args in zip(in_shape, kernel, stride, padding, dilation)])

@functools.lru_cache(maxsize=256)
def adaptive_windows(in_shape, out_shape):
    return combine([adaptive_dim(length, out) for length, out in zip(in_shape, out_shape)])

# PyTorch's order of a plane's samples: 2-d pooling takes W's sample first, then H's; 3-d pooling D, H, W.
SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}

def fractional_starts(samples, length, out, kernel):
    """The first tap of each output window along one dim, one row per plane, from each plane's sample u in
    [0, 1) (Graham 2014, as PyTorch draws them): output i < out - 1 starts at trunc((i + u) * alpha) -
    trunc(u * alpha) with alpha = (length - kernel) / (out - 1), and the last one at length - kernel, so the
    windows reach both ends. The arithmetic runs in the samples' dtype, as PyTorch's does, so that float32
    samples give PyTorch's starts bit for bit; every start lies in [0, length - kernel]."""
    starts = np.empty((len(samples), out), np.int64)
    if out > 1:
        real = samples.dtype.type
        alpha = real(length - kernel) / real(out - 1)
        steps = np.arange(out - 1).astype(samples.dtype)
        starts[:, :-1] = (((steps + samples[:, None]) * alpha).astype(np.int64)
                          - (samples * alpha).astype(np.int64)[:, None])
    if out:
        starts[:, -1] = length - kernel
    return starts

def fractional_windows(samples, in_shape, out_shape, kernel):
    """(start table (planes, 3, widest output) int64, envelope Windows) of fractional max pooling, from the
    samples (planes, dims) in PyTorch's order. Unit dims in front read start 0 with a kernel of 1."""
    dims = len(in_shape)
    starts = np.zeros((len(samples), 3, max(max(out_shape), 1)), np.int64)
    envelopes = []
    for j, (length, out, k) in enumerate(zip(in_shape, out_shape, kernel)):
        row = fractional_starts(samples[:, SAMPLE_OF_DIM[dims][j]], length, out, k)
        starts[:, 3 - dims + j, :out] = row
        if not len(row):       # no planes: the windows of u = 0 stand in for the envelope
            row = fractional_starts(np.zeros(1, samples.dtype), length, out, k)
        low, high = row.min(axis=0), row.max(axis=0) + k
        envelopes.append(DimWindows(length, low, high, low, high - low, 1, (high - low).astype(np.float64)))
    return starts, combine(envelopes)


# --- argument checks: every pooling function and module checks its arguments here, before any kernel runs ------
_INT64_MAX = 2 ** 63 - 1

def _check_int64(values, name, value, op):
    """PyTorch's sizes are int64: a larger python int is a ValueError here rather than an overflow later."""
    if any(abs(v) > _INT64_MAX for v in values if v is not None):
        raise ValueError(f"{op}: {name}={value!r} is beyond the int64 range")

def check_input(input, dims, op, empty_channels=False, integers=False):
    """(N, C, *spatial) or (C, *spatial), float32 or float64 (or any integer dtype where `integers`: max pooling,
    as in PyTorch), non-empty spatial dims; returns batched-ness. A batch of 0 gives an empty result; 0 channels
    are allowed only where PyTorch allows them (`empty_channels`)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, *spatial) input, "
                         f"got shape {input.shape}")
    if input.dtype.kind != "f" and not (integers and input.dtype.kind in "iu"):
        kinds = "float32, float64 or an integer dtype" if integers else "float32 or float64"
        raise TypeError(f"{op}: input must be {kinds}, got {input.dtype}")
    if 0 in input.shape[-dims:] or (input.shape[-dims - 1] == 0 and not empty_channels):
        what = "spatial" if empty_channels else "channel and spatial"
        raise ValueError(f"{op}: {what} dims must be non-empty, got shape {input.shape}")
    return input.ndim == dims + 2

def window_arg(value, dims, name, op):
    """kernel_size, stride, padding or dilation as a tuple of `dims` ints: from an int, or a tuple or list of one
    int (for every dim) or of one int per spatial dim, as PyTorch takes them."""
    if type(value) is int and abs(value) <= _INT64_MAX:   # the common case, answered before the slower checks
        return (value,) * dims
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not all(is_int(v) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {described(value)}")
    _check_int64(values, name, value, op)
    if len(values) not in (1, dims):
        counts = "1 entry" if dims == 1 else f"1 entry (for every dim) or {dims} (one per spatial dim)"
        raise ValueError(f"{op}: {name}={value!r} needs {counts}")
    return tuple(int(v) for v in values) * (dims // len(values))

def check_window(op, dims, kernel_size, stride, padding, dilation, padding_limit=True):
    """Per-dim tuples (kernel, stride, padding, dilation). stride None (or an empty tuple) means the kernel size;
    max and average pooling also limit padding to half the kernel (`padding_limit`)."""
    kernel = window_arg(kernel_size, dims, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else window_arg(stride, dims, "stride", op)
    padding = window_arg(padding, dims, "padding", op)
    dilation = window_arg(dilation, dims, "dilation", op)
    for name, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(values) < 1:
            raise ValueError(f"{op}: {name} must be positive, got {values}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    if padding_limit and any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size {kernel}")
    return kernel, stride, padding, dilation

def check_output(op, spatial, kernel, stride, padding, dilation, ceil_mode):
    out = tuple(output_length(*args, ceil_mode) for args in zip(spatial, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: output size is too small: input {spatial} with kernel_size {kernel}, stride "
                         f"{stride}, padding {padding}, dilation {dilation} gives output {out}")

def check_divisor(divisor_override, op):
    """None, or a non-zero int (negative is allowed, as in PyTorch)."""
    if divisor_override is None:
        return None
    if not is_int(divisor_override):
        raise TypeError(f"{op}: divisor_override must be an int or None, got {described(divisor_override)}")
    _check_int64((divisor_override,), "divisor_override", divisor_override, op)
    if divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must not be 0")
    return int(divisor_override)

def check_norm_type(norm_type, op):
    """lp pooling's p as a float: any real number but 0 (which has no root 1/p) and NaN. inf and -inf give the
    max and min of |x| over each window, as in PyTorch."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"{op}: norm_type must be a number, got {described(norm_type)}")
    try:
        p = float(norm_type)
    except OverflowError:   # an int beyond float64's range
        raise ValueError(f"{op}: norm_type={norm_type!r} is beyond the float64 range") from None
    if p == 0 or math.isnan(p):
        raise ValueError(f"{op}: norm_type must be a non-zero number (inf gives the max of |x|), got {norm_type}")
    return p

def check_adaptive_size(output_size, dims, op):
    """Adaptive pooling's output_size: one int for every dim, or a tuple of `dims` entries, each an int >= 0 or
    None (None keeps that dim's input length)."""
    if is_int(output_size):
        sizes = (int(output_size),) * dims
    elif isinstance(output_size, (tuple, list)) and all(s is None or is_int(s) for s in output_size):
        sizes = tuple(output_size)
    else:
        raise TypeError(f"{op}: output_size must be an int or a tuple of ints (or None entries), got "
                        f"{described(output_size)}")
    _check_int64(sizes, "output_size", output_size, op)
    if len(sizes) != dims:
        entries = "1 entry" if dims == 1 else f"{dims} entries"
        raise ValueError(f"{op}: output_size={output_size!r} needs {entries}, one per spatial dim")
    if any(s is not None and s < 0 for s in sizes):
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return tuple(None if s is None else int(s) for s in sizes)

def check_unpool_size(output_size, dims, op):
    """max_unpool's output_size: None, or `dims` ints (or `dims + 2`, with N and C in front); the spatial part."""
    if output_size is None:
        return None
    if not isinstance(output_size, (tuple, list)) or not all(is_int(s) for s in output_size):
        raise TypeError(f"{op}: output_size must be None or a tuple of ints, got {described(output_size)}")
    _check_int64(output_size, "output_size", output_size, op)
    if len(output_size) not in (dims, dims + 2):
        raise ValueError(f"{op}: output_size={tuple(output_size)!r} needs {dims} or {dims + 2} entries")
    return tuple(int(s) for s in output_size[-dims:])

def max_pool_arguments(op, dims, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    """Everything but the input, for the functions and for the modules' constructors."""
    check_bool(ceil_mode, "ceil_mode", op)
    check_bool(return_indices, "return_indices", op)
    return check_window(op, dims, kernel_size, stride, padding, dilation)

def avg_pool_arguments(op, dims, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    check_bool(ceil_mode, "ceil_mode", op)
    check_bool(count_include_pad, "count_include_pad", op)
    kernel, stride, padding, _ = check_window(op, dims, kernel_size, stride, padding, 1)
    return kernel, stride, padding, check_divisor(divisor_override, op)

def lp_pool_arguments(op, dims, norm_type, kernel_size, stride, ceil_mode):
    norm_type = check_norm_type(norm_type, op)
    check_bool(ceil_mode, "ceil_mode", op)
    kernel, stride, _, _ = check_window(op, dims, kernel_size, stride, 0, 1)
    return norm_type, kernel, stride

def adaptive_arguments(op, dims, output_size, return_indices=False):
    check_bool(return_indices, "return_indices", op)
    return check_adaptive_size(output_size, dims, op)

def max_unpool_arguments(op, dims, kernel_size, stride, padding):
    kernel, stride, padding, _ = check_window(op, dims, kernel_size, stride, padding, 1, padding_limit=False)
    return kernel, stride, padding

def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)

def _per_dim(value, dims, name, op, is_entry, entry):
    """One value for every dim, or a tuple or list of `dims` values (fractional pooling takes no 1-entry tuple,
    as in PyTorch); each must pass `is_entry`, described as `entry`."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if not all(is_entry(v) for v in values):
        raise TypeError(f"{op}: {name} must be {entry} or a tuple of {dims} of them, got {described(value)}")
    if len(values) != dims:
        raise ValueError(f"{op}: {name}={value!r} needs {dims} entries, one per spatial dim")
    return values

def fractional_arguments(op, dims, kernel_size, output_size, output_ratio, return_indices):
    """(kernel, output size or None, output ratio or None): exactly one of output_size (ints >= 0) and
    output_ratio (numbers strictly between 0 and 1) is given."""
    check_bool(return_indices, "return_indices", op)
    kernel = _per_dim(kernel_size, dims, "kernel_size", op, is_int, "an int")
    _check_int64(kernel, "kernel_size", kernel_size, op)
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel_size must be positive, got {kernel}")
    kernel = tuple(int(k) for k in kernel)
    if (output_size is None) == (output_ratio is None):
        raise ValueError(f"{op}: give exactly one of output_size and output_ratio, got output_size="
                         f"{output_size!r} and output_ratio={output_ratio!r}")
    if output_size is not None:
        size = _per_dim(output_size, dims, "output_size", op, is_int, "an int")
        _check_int64(size, "output_size", output_size, op)
        if min(size) < 0:
            raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
        return kernel, tuple(int(s) for s in size), None
    ratio = _per_dim(output_ratio, dims, "output_ratio", op, _is_real, "a number")
    if not all(0 < r < 1 for r in ratio):
        raise ValueError(f"{op}: output_ratio must lie strictly between 0 and 1, got {output_ratio!r}")
    return kernel, None, ratio

def check_fractional_output(op, spatial, kernel, size):
    """Each window must fit: output + kernel - 1 <= input length per dim, as PyTorch's fractional_max_pool2d
    requires; its fractional_max_pool3d requires output + kernel - 1 < input length, which 3-d pooling keeps."""
    strict = len(spatial) == 3
    if any(o + k - 1 > L or (strict and o + k - 1 == L) for L, k, o in zip(spatial, kernel, size)):
        relation = "less than" if strict else "at most"
        raise ValueError(f"{op}: output size {size} with kernel_size {kernel} does not fit the input {spatial}: "
                         f"output + kernel_size - 1 must be {relation} the input length in every dim")

def check_samples(samples, input, dims, batched, op):
    """_random_samples as a numpy array (planes, dims): a Tensor of shape (N, C, dims) (N = 1 for an unbatched
    input; further rows are unused, as in PyTorch) of the input's dtype and device, needing no grad, every value
    in [0, 1), where the window formula holds."""
    if not isinstance(samples, Tensor):
        raise TypeError(f"{op}: _random_samples must be a Tensor or None, got {type(samples).__name__}")
    batch, channels = input.shape[:2] if batched else (1, input.shape[0])
    if samples.ndim != 3 or samples.shape[0] < batch or samples.shape[1:] != (channels, dims):
        raise ValueError(f"{op}: _random_samples must have shape (N, C, {dims}) = ({batch}, {channels}, {dims}), "
                         f"got {samples.shape}")
    if samples.dtype != input.dtype:
        raise TypeError(f"{op}: _random_samples must have the input's dtype {input.dtype}, got {samples.dtype}")
    if samples.device != input.device:
        raise ValueError(f"{op}: _random_samples is on {samples.device}, the input on {input.device}")
    if samples.requires_grad:
        raise ValueError(f"{op}: _random_samples must not require grad: no gradient flows to the samples")
    values = samples.numpy()[:batch].reshape(batch * channels, dims)
    outside = values[~((values >= 0) & (values < 1))]
    if outside.size:
        raise ValueError(f"{op}: _random_samples must lie in [0, 1), got {outside[0]}")
    return values

# --- shape juggling --------------------------------------------------------------------------------------------
def plane_count(input, dims):
    """N * C (or C): given, never inferred, since a -1 cannot be inferred when a batch or channel count is 0."""
    return math.prod(input.shape[:-dims])

def to_planes(input, dims):
    """(N, C, *spatial) -> (N*C, D, H, W) with unit dims in front of 1-d and 2-d inputs."""
    return input.reshape((plane_count(input, dims),) + (1,) * (3 - dims) + input.shape[-dims:])

def from_planes(output, input, dims, batched):
    lead = input.shape[:2] if batched else input.shape[:1]
    return output.reshape(lead + output.shape[4 - dims:])

# --- Functions -------------------------------------------------------------------------------------------------
class MaxPool(Function):
    """Indices are computed only when returned or needed by backward (values alone are much cheaper)."""
    def forward(self, x, windows, return_indices):
        with_indices = return_indices or self.needs_input_grad[0]
        out, self.indices = self.xp.max_pool(x, windows, with_indices)
        self.windows = windows
        if not return_indices:
            return out
        return out, self.xp.astype(self.indices, np.dtype(np.int64))   # PyTorch's dtype; backward keeps the narrow
    def backward(self, g):
        return self.xp.max_pool_backward(g, self.indices, self.windows), None, None

class AvgPool(Function):
    def forward(self, x, windows, factor):
        self.windows, self.factor = windows, factor
        return self.xp.avg_pool(x, windows, factor)
    def backward(self, g):
        return self.xp.avg_pool_backward(g, self.windows, self.factor), None, None

class LpRoot(Function):
    """total ** (1/p), lp pooling's last step. A window whose total is 0 passes no gradient, as in PyTorch (its
    sign(t) * relu(|t|) step masks it): the chain rule alone would give 0 * inf = NaN there for p > 1, and a
    gradient of 1 for p = 1."""
    def forward(self, total, norm_type):
        self.save_for_backward(total)
        self.norm_type = norm_type
        return self.xp.pow(total, 1.0 / norm_type)
    def backward(self, g):
        xp, (total,), p = self.xp, self.saved, self.norm_type
        zero = xp.eq(total, 0)
        slope = xp.mul(xp.pow(xp.where(zero, 1.0, total), 1.0 / p - 1.0), 1.0 / p)   # no 0 ** -x to warn about
        return xp.where(zero, 0.0, xp.mul(g, slope)), None

class FractionalMaxPool(Function):
    """Max pooling over windows drawn per plane (`starts`, `kernel`); the backward is max pooling's, by index."""
    def forward(self, x, starts, kernel, windows, return_indices):
        with_indices = return_indices or self.needs_input_grad[0]
        out, self.indices = self.xp.fractional_max_pool(x, starts, kernel, windows.out_shape, with_indices)
        self.windows = windows
        return (out, self.indices) if return_indices else out
    def backward(self, g):
        return self.xp.max_pool_backward(g, self.indices, self.windows), None, None, None, None

class MaxUnpool(Function):
    def forward(self, x, key, shape):
        self.key, self.input_shape = key, x.shape
        return self.xp.scatter(shape, key, self.xp.reshape(x, key[1].shape))
    def backward(self, g):
        return self.xp.reshape(self.xp.getitem(g, self.key), self.input_shape), None, None

# --- the pooling family ----------------------------------------------------------------------------------------
def max_pool(input, dims, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
             return_indices=False, op="max_pool"):
    batched = check_input(input, dims, op, integers=True)
    kernel, stride, padding, dilation = max_pool_arguments(op, dims, kernel_size, stride, padding, dilation,
                                                           ceil_mode, return_indices)
    spatial = input.shape[-dims:]
    check_output(op, spatial, kernel, stride, padding, dilation, ceil_mode)
    windows = fixed_windows(spatial, kernel, stride, padding, dilation, ceil_mode)
    if windows.has_empty_window:
        raise ValueError(f"{op}: with dilation {dilation} and padding {padding} some window of kernel_size "
                         f"{kernel} touches no input element of {spatial}; lower the dilation or padding")
    return _run_max(input, dims, batched, windows, return_indices)

def _run_max(input, dims, batched, windows, return_indices):
    if not return_indices:
        return from_planes(MaxPool.apply(to_planes(input, dims), windows, False), input, dims, batched)
    values, indices = MaxPool.apply(to_planes(input, dims), windows, True)
    return from_planes(values, input, dims, batched), from_planes(indices, input, dims, batched)

def avg_pool(input, dims, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None, op="avg_pool"):
    batched = check_input(input, dims, op)
    kernel, stride, padding, divisor = avg_pool_arguments(op, dims, kernel_size, stride, padding, ceil_mode,
                                                          count_include_pad, divisor_override)
    spatial = input.shape[-dims:]
    check_output(op, spatial, kernel, stride, padding, (1,) * dims, ceil_mode)
    windows = fixed_windows(spatial, kernel, stride, padding, (1,) * dims, ceil_mode, count_include_pad)
    factor = windows.factor
    if divisor is not None:
        factor = np.ones_like(windows.factor)
        factor[0] = divisor
    return _run_avg(input, dims, batched, windows, factor)

def _run_avg(input, dims, batched, windows, factor):
    return from_planes(AvgPool.apply(to_planes(input, dims), windows, factor), input, dims, batched)

def _adaptive_windows(input, dims, output_size, op, return_indices=False):
    """Adaptive pooling accepts 0 channels (PyTorch's adaptive_avg_pool does) and output sizes of 0."""
    batched = check_input(input, dims, op, empty_channels=True)
    spatial = input.shape[-dims:]
    sizes = adaptive_arguments(op, dims, output_size, return_indices)
    return batched, adaptive_windows(spatial, tuple(L if s is None else s for s, L in zip(sizes, spatial)))

def adaptive_avg_pool(input, dims, output_size, op="adaptive_avg_pool"):
    batched, windows = _adaptive_windows(input, dims, output_size, op)
    return _run_avg(input, dims, batched, windows, windows.factor)

def adaptive_max_pool(input, dims, output_size, return_indices=False, op="adaptive_max_pool"):
    batched, windows = _adaptive_windows(input, dims, output_size, op, return_indices)
    return _run_max(input, dims, batched, windows, return_indices)

def lp_pool(input, dims, norm_type, kernel_size, stride=None, ceil_mode=False, op="lp_pool"):
    """(sum over the window of x**p) ** (1/p), computed as (avg_pool(x**p) * prod(kernel)) ** (1/p); p = inf
    and p = -inf give the max and the min of |x| over the window, as in PyTorch."""
    check_input(input, dims, op)
    norm_type, kernel, stride = lp_pool_arguments(op, dims, norm_type, kernel_size, stride, ceil_mode)
    check_output(op, input.shape[-dims:], kernel, stride, (0,) * dims, (1,) * dims, ceil_mode)
    if norm_type == math.inf:
        return max_pool(abs(input), dims, kernel, stride, 0, 1, ceil_mode, op=op)
    if norm_type == -math.inf:
        return -max_pool(-abs(input), dims, kernel, stride, 0, 1, ceil_mode, op=op)
    average = avg_pool(input ** norm_type, dims, kernel, stride, 0, ceil_mode, op=op)
    return LpRoot.apply(average * math.prod(kernel), norm_type)

def fractional_max_pool(input, dims, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                        _random_samples=None, op="fractional_max_pool"):
    """Max pooling over pseudo-random windows (docs/pooling.md) to output_size, or to output_ratio times the
    input size (rounded down). _random_samples (N, C, dims) fixes the windows; by default they are drawn from
    the library's generator (`manual_seed`)."""
    batched = check_input(input, dims, op)
    kernel, size, ratio = fractional_arguments(op, dims, kernel_size, output_size, output_ratio, return_indices)
    spatial = input.shape[-dims:]
    if size is None:
        size = tuple(int(length * r) for length, r in zip(spatial, ratio))
    check_fractional_output(op, spatial, kernel, size)
    if _random_samples is None:
        samples = generator().random((plane_count(input, dims), dims), dtype=input.dtype)
    else:
        samples = check_samples(_random_samples, input, dims, batched, op)
    starts, windows = fractional_windows(samples, spatial, size, kernel)
    args = (to_planes(input, dims), starts, np.array((1,) * (3 - dims) + kernel, np.int64), windows)
    if not return_indices:
        return from_planes(FractionalMaxPool.apply(*args, False), input, dims, batched)
    values, indices = FractionalMaxPool.apply(*args, True)
    return from_planes(values, input, dims, batched), from_planes(indices, input, dims, batched)

def max_unpool(input, indices, dims, kernel_size, stride=None, padding=0, output_size=None, op="max_unpool"):
    """Place each value at its index in a zero plane: the inverse of max_pool(..., return_indices=True)."""
    batched = check_input(input, dims, op)
    kernel, stride, padding = max_unpool_arguments(op, dims, kernel_size, stride, padding)
    if not isinstance(indices, Tensor):
        raise TypeError(f"{op}: indices must be a Tensor, got {type(indices).__name__}")
    if indices.dtype != int64:
        raise TypeError(f"{op}: indices must be int64, as max pooling returns them, got {indices.dtype}")
    if indices.shape != input.shape:
        raise ValueError(f"{op}: indices must have the input's shape {input.shape}, got {indices.shape}")
    spatial = input.shape[-dims:]
    default = tuple((i - 1) * s - 2 * p + k for i, s, p, k in zip(spatial, stride, padding, kernel))
    size = check_unpool_size(output_size, dims, op)
    if size is None:
        size = default
    elif not all(want - s < got < want + s for got, want, s in zip(size, default, stride)):
        raise ValueError(f"{op}: output_size {size} must lie strictly within stride {stride} of the default "
                         f"{default}")
    if min(size) < 1:
        raise ValueError(f"{op}: output size {size} is too small: kernel_size {kernel}, stride {stride} and "
                         f"padding {padding} leave no output for input {spatial}")
    plane = math.prod(size)
    flat = indices.numpy().reshape(plane_count(input, dims), math.prod(spatial))
    bad = flat[(flat < 0) | (flat >= plane)]
    if bad.size:
        raise ValueError(f"{op}: index {bad[0]} lies outside the output plane of size {size} ({plane} elements)")
    key = (np.arange(flat.shape[0])[:, None], flat)
    out = MaxUnpool.apply(input, key, (flat.shape[0], plane))
    lead = input.shape[:2] if batched else input.shape[:1]
    return out.reshape(lead + tuple(size))

def global_avg_pool2d(input):
    """The mean of each (H, W) plane, shape (N, C, 1, 1): average pooling with the whole plane as kernel."""
    check_input(input, 2, "global_avg_pool2d")
    return avg_pool(input, 2, input.shape[-2:], op="global_avg_pool2d")

# --- PyTorch's signatures (nn.functional re-exports them) -------------------------------------------------------
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")

def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")

def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")

def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")

def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                          "avg_pool2d")

def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                          "avg_pool3d")

def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool(input, 1, output_size, "adaptive_avg_pool1d")

def adaptive_avg_pool2d(input, output_size):
    return adaptive_avg_pool(input, 2, output_size, "adaptive_avg_pool2d")

def adaptive_avg_pool3d(input, output_size):
    return adaptive_avg_pool(input, 3, output_size, "adaptive_avg_pool3d")

def adaptive_max_pool1d(input, output_size, return_indices=False):
    return adaptive_max_pool(input, 1, output_size, return_indices, "adaptive_max_pool1d")

def adaptive_max_pool2d(input, output_size, return_indices=False):
    return adaptive_max_pool(input, 2, output_size, return_indices, "adaptive_max_pool2d")

def adaptive_max_pool3d(input, output_size, return_indices=False):
    return adaptive_max_pool(input, 3, output_size, return_indices, "adaptive_max_pool3d")

def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")

def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")

def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")

def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return fractional_max_pool(input, 2, kernel_size, output_size, output_ratio, return_indices, _random_samples,
                               "fractional_max_pool2d")

def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return fractional_max_pool(input, 3, kernel_size, output_size, output_ratio, return_indices, _random_samples,
                               "fractional_max_pool3d")

def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")

def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")

def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")
