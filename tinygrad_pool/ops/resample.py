"""Resampling, PyTorch's `interpolate`: argument checks with PyTorch's rules, the tap tables of every mode, the
Function and the public function (`nn.functional` re-exports it, `nn.Upsample` calls it).

Every mode is separable: along each spatial dim, output `o` is a weighted sum of a few input elements, its taps
(one for the nearest modes, two for the linear family, four for bicubic); 'area' is adaptive average pooling, as
in PyTorch, and runs as that op. `dim_taps` computes the taps once per shape, in numpy and float64, from the source
coordinate that PyTorch's definition gives each output; `Taps` stacks three dims of them (unit dims in front of 1-d
and 2-d inputs) as one table per dim, which a kernel applies to (planes, D, H, W) arrays. A resampling is linear,
so its gradient is the resampling with every table transposed (each input sums the outputs that read it, by the
same weights): `Taps.transposed` builds it, and one backend function serves the forward and the backward pass.
"""
import functools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ..arguments import check_bool, check_choice, described, is_int
from ..autograd import Function
from ..tensor import Tensor
from .pooling import adaptive_avg_pool

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")   # the modes that take align_corners
_RANK_OF_MODE = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_CUBIC_A = -0.75
_INT64_MAX = 2 ** 63 - 1

# --- taps: one table per spatial dim ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Taps:
    """Along dim r (rows D, H, W) output o sums weight[r, k] * input[index[r, k]] for k in first[r, o] ..
    first[r, o] + count[r, o] - 1, starting from its first tap (so -0.0 stays -0.0)."""
    in_shape: tuple          # (D, H, W)
    out_shape: tuple         # (OD, OH, OW)
    first: np.ndarray        # (3, widest output) int64
    count: np.ndarray        # (3, widest output) int64
    index: np.ndarray        # (3, most taps of a dim) int64
    weight: np.ndarray       # (3, most taps of a dim) float64
    identity: tuple          # per dim: output o is input o, so a kernel may skip that dim
    device_copies: dict = field(default_factory=dict, repr=False)   # backends keep their converted copies here

    @functools.cached_property
    def transposed(self):
        """The adjoint: along each dim, input i sums weight * grad_out[o] over the taps (o, i) of the forward."""
        dims = []
        for r in range(3):
            length, out = self.in_shape[r], self.out_shape[r]
            used = self.count[r, :out].sum()
            source = np.repeat(np.arange(out), self.count[r, :out])
            index, weight = self.index[r, :used], self.weight[r, :used]
            order = np.argsort(index, kind="stable")
            dims.append(DimTaps(out, source[order], weight[order], np.bincount(index, minlength=length)))
        return _stack(dims)

@dataclass(frozen=True)
class DimTaps:
    """One dim's taps, output after output: output o has the next count[o] entries of index and weight."""
    length: int
    index: np.ndarray
    weight: np.ndarray
    count: np.ndarray

    @property
    def identity(self):
        """Output o is input o, by weight 1."""
        return bool(len(self.count) == self.length and (self.count == 1).all()
                    and (self.index == np.arange(self.length)).all() and (self.weight == 1).all())

def _uniform(length, index, weight):
    """Every output with the same number of taps: index and weight are (outputs, taps) arrays."""
    outputs, taps = index.shape
    return DimTaps(length, index.reshape(-1), weight.reshape(-1), np.full(outputs, taps, np.int64))

def _stack(dims):
    """Three DimTaps (D, H, W) as one Taps; unit dims go in front of 1-d and 2-d inputs."""
    one = DimTaps(1, np.zeros(1, np.int64), np.ones(1), np.ones(1, np.int64))
    dims = [one] * (3 - len(dims)) + list(dims)
    widest_out = max(len(d.count) for d in dims)
    widest_taps = max(len(d.index) for d in dims)

    def table(rows, width, dtype):
        out = np.zeros((3, max(width, 1)), dtype)
        for row, values in zip(out, rows):
            row[:len(values)] = values
        return out

    return Taps(in_shape=tuple(d.length for d in dims), out_shape=tuple(len(d.count) for d in dims),
                first=table([np.cumsum(d.count) - d.count for d in dims], widest_out, np.int64),
                count=table([d.count for d in dims], widest_out, np.int64),
                index=table([d.index for d in dims], widest_taps, np.int64),
                weight=table([d.weight for d in dims], widest_taps, np.float64),
                identity=tuple(d.identity for d in dims))

def _source_scale(length, out, align_corners, scale):
    """Input distance between neighbouring outputs: the corners' ratio, else 1 / scale_factor when one was given
    (and not recomputed), else length / out."""
    if align_corners:
        return (length - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None else length / out

def _nearest_scale(length, out, scale):
    """PyTorch computes the nearest modes' scale and source coordinates in float32, so the same rounding picks
    the same element."""
    return np.float32(1.0 / scale) if scale is not None else np.float32(length) / np.float32(out)

def _nearest(length, out, scale, exact):
    """Source floor(o * scale), or floor((o + 0.5) * scale) for nearest-exact, clipped to the input, always by the
    scale_factor given: some of PyTorch's 'nearest' kernels (its gradients, some of its 2-d forwards) instead copy
    a dim that keeps its length and halve the index along one that doubles (docs/semantics.md)."""
    o = np.arange(out)
    step = _nearest_scale(length, out, scale)
    position = (o + 0.5) * np.float64(step) if exact else o.astype(np.float32) * step
    index = np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), length - 1)
    return _uniform(length, index[:, None], np.ones((out, 1)))

def _linear(length, out, align_corners, scale):
    """Source s = o * scale (align_corners) or (o + 0.5) * scale - 0.5 clamped at 0; taps floor(s) and the next
    element (the same one at the last), weighted 1 - t and t for t = s - floor(s). Along a dim that keeps its
    length PyTorch reads input o twice, weighted 1 and 0 (so an inf becomes NaN), whatever the scale_factor."""
    step, o = _source_scale(length, out, align_corners, scale), np.arange(out)
    if out == length:
        return _uniform(length, np.stack([o, o], 1), np.stack([np.ones(out), np.zeros(out)], 1))
    source = o * step if align_corners else np.maximum((o + 0.5) * step - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), length - 1)
    t = np.clip(source - low, 0.0, 1.0)
    high = np.minimum(low + 1, length - 1)
    return _uniform(length, np.stack([low, high], 1), np.stack([1 - t, t], 1))

def _cubic(length, out, align_corners, scale):
    """Keys' cubic convolution (A = -0.75) over taps floor(s) - 1 .. floor(s) + 2 of the unclamped source s, each
    tap index clamped into the input, as PyTorch's bicubic does."""
    step, o = _source_scale(length, out, align_corners, scale), np.arange(out)
    source = o * step if align_corners else (o + 0.5) * step - 0.5
    low = np.floor(source)
    t = source - low
    weight = np.stack([_cubic_far(t + 1), _cubic_near(t), _cubic_near(1 - t), _cubic_far(2 - t)], 1)
    index = np.clip(low.astype(np.int64)[:, None] + np.arange(-1, 3), 0, length - 1)
    return _uniform(length, index, weight)

def _cubic_near(x):
    """The cubic kernel at distance 0 <= x <= 1."""
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1

def _cubic_far(x):
    """The cubic kernel at distance 1 <= x <= 2."""
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A

def dim_taps(length, out, mode, align_corners, scale):
    """The taps of one spatial dim of `length` resampled to `out` (scale: the given scale_factor or None)."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest(length, out, scale, mode == "nearest-exact")
    if mode == "bicubic":
        return _cubic(length, out, align_corners, scale)
    return _linear(length, out, align_corners, scale)

@functools.lru_cache(maxsize=256)
def resampling_taps(in_shape, out_shape, mode, align_corners, scales):
    """Taps for every spatial dim; all arguments are tuples with one entry per spatial dim, except mode and
    align_corners."""
    return _stack([dim_taps(length, out, mode, align_corners, scale)
                   for length, out, scale in zip(in_shape, out_shape, scales)])

# --- argument checks: every interpolate call and nn.Upsample constructor checks its arguments here --------------
def check_size(size, dims, op):
    """size: None, an int, or a tuple or list of one int per spatial dim (a tuple of `dims` ints comes back)."""
    if size is None:
        return None
    values = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    if not all(is_int(v) for v in values):
        raise TypeError(f"{op}: size must be an int or a tuple of ints, got {described(size)}")
    if any(abs(v) > _INT64_MAX for v in values):
        raise ValueError(f"{op}: size={size!r} is beyond the int64 range")
    if dims is not None and isinstance(size, (tuple, list)) and len(values) != dims:
        raise ValueError(f"{op}: size={size!r} needs {dims} entries, one per spatial dim of the input")
    if min(values, default=1) < 1:
        raise ValueError(f"{op}: size must be positive, got {size!r}")
    return tuple(int(v) for v in values) * (1 if isinstance(size, (tuple, list)) or dims is None else dims)

def check_scale_factor(scale_factor, dims, op):
    """scale_factor: None, a number, or a tuple or list of one number per spatial dim; each finite and positive."""
    if scale_factor is None:
        return None
    values = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,)
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{op}: scale_factor must be a number or a tuple of numbers, got {described(scale_factor)}")
    try:
        values = tuple(float(v) for v in values)
    except OverflowError:   # an int beyond float64's range
        raise ValueError(f"{op}: scale_factor={scale_factor!r} is beyond the float64 range") from None
    if dims is not None and isinstance(scale_factor, (tuple, list)) and len(values) != dims:
        raise ValueError(f"{op}: scale_factor={scale_factor!r} needs {dims} entries, one per spatial dim of the "
                         "input")
    if not all(0 < v < math.inf for v in values):
        raise ValueError(f"{op}: scale_factor must be positive and finite, got {scale_factor!r}")
    return values * (1 if isinstance(scale_factor, (tuple, list)) or dims is None else dims)

def check_options(op, size, scale_factor, mode, align_corners, recompute_scale_factor, dims=None):
    """Everything but the input and its rank, for the function and for nn.Upsample's constructor: (size,
    scale_factor) as tuples (or None), checked against `dims` spatial dims when it is known."""
    check_choice(mode, "mode", op, MODES)
    if align_corners is not None:
        if mode not in INTERPOLATING:
            raise ValueError(f"{op}: align_corners={align_corners!r} applies only to the modes "
                             f"{', '.join(INTERPOLATING)}, not to mode={mode!r}; leave it None")
        check_bool(align_corners, "align_corners", op)
    if recompute_scale_factor is not None:
        check_bool(recompute_scale_factor, "recompute_scale_factor", op)
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: give size or scale_factor, not both (got size={size!r}, "
                         f"scale_factor={scale_factor!r})")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: give size or scale_factor, the output's size or its ratio to the input's")
    if size is not None and recompute_scale_factor:
        raise ValueError(f"{op}: recompute_scale_factor=True applies only to a scale_factor, not to size={size!r}")
    return check_size(size, dims, op), check_scale_factor(scale_factor, dims, op)

def check_input(input, mode, antialias, op):
    """(N, C, *spatial) with 1-3 spatial dims, the rank the mode needs, float32 or float64, no empty dim but the
    batch; returns the number of spatial dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected a 3-d, 4-d or 5-d (N, C, *spatial) input, got shape {input.shape}")
    rank = _RANK_OF_MODE.get(mode)
    if rank is not None and input.ndim != rank:
        raise ValueError(f"{op}: mode={mode!r} needs a {rank}-d (N, C, *spatial) input, got shape {input.shape}")
    check_bool(antialias, "antialias", op)
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{op}: antialias=True applies only to the modes 'bilinear' and 'bicubic', not to "
                         f"mode={mode!r}")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported; resample with antialias=False, or "
                                  "smooth the input first (avg_pool2d) when shrinking it")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    if 0 in input.shape[1:]:
        raise ValueError(f"{op}: channel and spatial dims must be non-empty, got shape {input.shape}")
    return input.ndim - 2

def output_size(spatial, size, scale_factor, op):
    """The output's spatial size: `size`, or floor(length * scale_factor) per dim."""
    if size is not None:
        return size
    out = tuple(math.floor(length * scale) for length, scale in zip(spatial, scale_factor))
    if min(out) < 1 or max(out) > _INT64_MAX:
        raise ValueError(f"{op}: scale_factor {scale_factor} turns the input's spatial size {spatial} into {out}; "
                         "every output size must be positive and within the int64 range")
    return out

# --- the Function and the public function ----------------------------------------------------------------------
class Resample(Function):
    def forward(self, x, taps):
        self.taps = taps
        return self.xp.resample(x, taps)
    def backward(self, g):
        return self.xp.resample(g, self.taps.transposed), None

def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """PyTorch's F.interpolate. The source coordinates use the given scale_factor, unless recompute_scale_factor
    is True (then only the output size derived from it counts); align_corners None means False; 'area' is
    adaptive_avg_pool to the output size."""
    op = "interpolate"
    check_choice(mode, "mode", op, MODES)
    dims = check_input(input, mode, antialias, op)
    size, scale_factor = check_options(op, size, scale_factor, mode, align_corners, recompute_scale_factor, dims)
    spatial = input.shape[2:]
    out = output_size(spatial, size, scale_factor, op)
    if mode == "area":
        return adaptive_avg_pool(input, dims, out, op)
    scales = scale_factor if scale_factor is not None and not recompute_scale_factor else (None,) * dims
    taps = resampling_taps(spatial, out, mode, bool(align_corners), scales)
    planes = input.shape[0] * input.shape[1]
    flat = Resample.apply(input.reshape((planes,) + (1,) * (3 - dims) + spatial), taps)
    return flat.reshape(input.shape[:2] + out)
