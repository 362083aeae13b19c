"""One emitter per Function class: the ONNX nodes that compute what the Function computed, read from the
attributes and arguments the Function kept (its `parents`, its geometry, its activation code).

An emitter takes the graph and the Function and returns the name of the value that holds the Function's output.
Pooling and resampling see (planes, D, H, W) arrays behind a reshape; their emitters work on the tensor before that
reshape where they can, so the graph holds a plain MaxPool on (N, C, H, W).
"""
import math

import numpy as np

from ..autograd import Function
from ..backends import scalar
from ..ops import pooling
from ..tensor import Tensor

EMITTERS = {}

def emits(*names):
    def register(emitter):
        for name in names:
            EMITTERS[name] = emitter
        return emitter
    return register

def output_dtype(g, fn):
    return g.trace.output_of[id(fn)].dtype

def operand(g, fn, i):
    """Argument i of `fn` as a value: a Tensor's value, or a python number as a constant of the output's dtype (the
    same in both runs: a number computed from a dynamic size would be frozen at the example's)."""
    if isinstance(fn.parents[i], Tensor):
        return g.input(fn, i)
    number, grown = fn.parents[i], g.twin(fn).parents[i]
    if number != grown:
        raise ValueError(f"onnx.export: {fn.name} takes the number {number}, which changes with the dynamic axes "
                         f"(to {grown}): a python number computed from a tensor's size cannot follow them; use a "
                         "tensor operation (mean() rather than sum() / size) instead")
    return g.scalar(number, output_dtype(g, fn))

def reduce(g, op, value, axes, keepdims, shapes=None):
    """A reduction over `axes`; ReduceSum takes them as an input from opset 13, the others from opset 18."""
    axes = [int(a) for a in axes]
    if op == "ReduceSum" or g.opset >= 18:
        return g.node(op, [value, g.ints(axes)], shapes, keepdims=int(keepdims))
    return g.node(op, [value], shapes, axes=axes, keepdims=int(keepdims))

# --- elementwise -------------------------------------------------------------------------------------------------
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max", "Minimum": "Min"}

@emits(*_BINARY)
def _binary(g, fn):
    if _is_mean(g, fn):
        sum_node = fn.parent_nodes[0]
        return reduce(g, "ReduceMean", g.input(sum_node, 0), sum_node.axes, sum_node.parents[2])
    return g.node(_BINARY[fn.name], [operand(g, fn, 0), operand(g, fn, 1)])

def _is_mean(g, fn):
    """A sum divided by the number of elements it summed, in both runs: `mean`, which becomes ReduceMean so that
    the count follows the dynamic axes."""
    sum_node = fn.parent_nodes[0] if fn.name == "Div" and fn.needs_input_grad[0] else None
    if not isinstance(sum_node, Function) or sum_node.name != "Sum" or not sum_node.axes or \
            isinstance(fn.parents[1], Tensor):
        return False
    counts = [(f.parents[1], math.prod(f.parent_nodes[0].parents[0].shape[a] for a in f.parent_nodes[0].axes))
              for f in (fn, g.twin(fn))]
    return all(number == count for number, count in counts)

_UNARY = {"Exp": "Exp", "Sqrt": "Sqrt", "Neg": "Neg", "Log": "Log", "Abs": "Abs", "Relu": "Relu",
          "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Clone": "Identity", "Sin": "Sin", "Cos": "Cos", "Sinh": "Sinh",
          "Cosh": "Cosh"}

@emits(*_UNARY)
def _unary(g, fn):
    return g.node(_UNARY[fn.name], [g.input(fn, 0)])

@emits("Log1p")
def _log1p(g, fn):
    """log(1 + x): ONNX has no log1p, so for |x| below float eps the sum rounds to 1 and the result to 0."""
    return g.node("Log", [g.node("Add", [g.input(fn, 0), g.scalar(1.0, output_dtype(g, fn))])])

@emits("Where")
def _where(g, fn):
    return g.node("Where", [g.input(fn, 0), operand(g, fn, 1), operand(g, fn, 2)])

@emits("Clamp")
def _clamp(g, fn):
    dtype = output_dtype(g, fn)
    low, high = fn.parents[1], fn.parents[2]
    bounds = ["" if b is None else g.scalar(b, dtype) for b in (low, high)]
    return g.node("Clip", [g.input(fn, 0)] + bounds)

@emits("Cast")
def _cast(g, fn):
    from .graph import ELEMENT_TYPES
    return g.node("Cast", [g.input(fn, 0)], to=ELEMENT_TYPES[np.dtype(fn.parents[1])])

# --- activations ---------------------------------------------------------------------------------------------------
def _gelu(g, x, dtype, approximate):
    half = g.node("Mul", [x, g.scalar(0.5, dtype)])
    if approximate:
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, dtype)])])
        curve = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dtype)])])
    else:
        curve = g.node("Erf", [g.node("Mul", [x, g.scalar(math.sqrt(0.5), dtype)])])
    return g.node("Mul", [half, g.node("Add", [curve, g.scalar(1.0, dtype)])])

def _softplus(g, x, dtype, beta, threshold):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold, as the library computes it."""
    scaled = g.node("Mul", [x, g.scalar(beta, dtype)])
    smooth = g.node("Div", [g.node("Softplus", [scaled]), g.scalar(beta, dtype)])
    return g.node("Where", [g.node("Greater", [scaled, g.scalar(threshold, dtype)]), x, smooth])

@emits("Pointwise")
def _pointwise(g, fn):
    x, kind, a, b = g.input(fn, 0), fn.kind, fn.a, fn.b
    dtype = output_dtype(g, fn)
    if kind == scalar.LEAKY_RELU:
        return g.node("LeakyRelu", [x], alpha=a)
    if kind == scalar.ELU:
        return g.node("Elu", [x], alpha=a)
    if kind == scalar.CELU:
        return g.node("Celu", [x], alpha=a)
    if kind == scalar.SELU:
        return g.node("Selu", [x], alpha=scalar.SELU_ALPHA, gamma=scalar.SELU_SCALE)
    if kind in (scalar.GELU, scalar.GELU_TANH):
        return _gelu(g, x, dtype, kind == scalar.GELU_TANH)
    if kind == scalar.SILU:
        return g.node("Mul", [x, g.node("Sigmoid", [x])])
    if kind == scalar.MISH:
        return g.node("Mul", [x, g.node("Tanh", [g.node("Softplus", [x])])])
    if kind == scalar.SOFTPLUS:
        return _softplus(g, x, dtype, a, b)
    if kind == scalar.HARDTANH:
        return g.node("Clip", [x, g.scalar(a, dtype), g.scalar(b, dtype)])
    if kind == scalar.HARDSWISH:
        return g.node("HardSwish", [x])
    if kind == scalar.HARDSIGMOID:
        return g.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)
    if kind == scalar.SOFTSIGN:
        return g.node("Softsign", [x])
    if kind == scalar.LOGSIGMOID:
        return g.node("Neg", [g.node("Softplus", [g.node("Neg", [x])])])
    raise ValueError(f"onnx.export: pointwise activation code {kind} has no ONNX form here")

@emits("PRelu")
def _prelu(g, fn):
    return g.node("PRelu", [g.input(fn, 0), g.input(fn, 1)])

@emits("Softmax", "LogSoftmax")
def _softmax(g, fn):
    return g.node(fn.name, [g.input(fn, 0)], axis=int(fn.dim))

@emits("Dropout")
def _dropout(g, fn):
    """In inference, ONNX's Dropout passes its input through, as an exported model in eval mode does."""
    return g.node("Dropout", [g.input(fn, 0), g.scalar(fn.p, output_dtype(g, fn))])

# --- reductions, matrix products -----------------------------------------------------------------------------------
@emits("Sum")
def _sum(g, fn):
    if not fn.axes:
        return g.node("Identity", [g.input(fn, 0)])
    return reduce(g, "ReduceSum", g.input(fn, 0), fn.axes, fn.parents[2])

@emits("Extreme")
def _extreme(g, fn):
    op = "ReduceMax" if fn.parents[1] == "max" else "ReduceMin"
    return reduce(g, op, g.input(fn, 0), range(fn.parents[0].ndim), False)

@emits("ExtremeAlongDim")
def _extreme_along_dim(g, fn):
    op = "ReduceMax" if fn.parents[3] == "max" else "ReduceMin"
    return reduce(g, op, g.input(fn, 0), [fn.dim], fn.parents[2])

@emits("MatMul")
def _matmul(g, fn):
    return g.node("MatMul", [g.input(fn, 0), g.input(fn, 1)])

@emits("Linear")
def _linear(g, fn):
    inputs = [g.input(fn, 0), g.input(fn, 1)] + ([] if fn.parents[2] is None else [g.input(fn, 2)])
    return g.node("Gemm", inputs, transB=1)

# --- movement ------------------------------------------------------------------------------------------------------
@emits("Reshape")
def _reshape(g, fn):
    return g.reshape(g.input(fn, 0), g.shape_pair(fn), "reshape")

@emits("Permute")
def _permute(g, fn):
    return g.node("Transpose", [g.input(fn, 0)], perm=[int(a) for a in fn.parents[1]])

@emits("Expand")
def _expand(g, fn):
    """ONNX's Expand broadcasts: a dim the input already has is written as 1, so only grown unit dims are fixed."""
    (source, _), (target, grown) = g.argument_shapes(fn, 0), g.shape_pair(fn)
    lead = len(target) - len(source)
    dims = []
    for i, (a, b) in enumerate(zip(target, grown)):
        if i >= lead and source[i - lead] == a:
            dims.append(1)
        elif a == b:
            dims.append(a)
        else:
            raise ValueError(f"onnx.export: expand to shape {target} grows a unit dim {i} by an amount that "
                             "depends on the dynamic axes")
    return g.node("Expand", [g.input(fn, 0), g.ints(dims)])

@emits("Pad")
def _pad(g, fn):
    widths, value = fn.parents[1], fn.parents[2]
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return g.node("Pad", [g.input(fn, 0), g.ints(pads), g.scalar(value, output_dtype(g, fn))], mode="constant")

@emits("PadCopy")
def _pad_copy(g, fn):
    """Reflect, replicate and circular padding: a gather of the source positions along each padded dim."""
    sources, value = fn.sources, g.input(fn, 0)
    spatial = _static(g, fn, "input size", lambda f: tuple(f.parents[0].shape[1:]))
    for axis, (length, table) in enumerate(zip(spatial, (sources.depth, sources.height, sources.width)), 1):
        if not np.array_equal(table, np.arange(length)):
            value = g.node("Gather", [value, g.ints(table)], axis=axis)
    return value

@emits("Cat")
def _cat(g, fn):
    return g.node("Concat", [g.input(fn, i) for i in range(1, len(fn.parents))], axis=int(fn.axis))

_INT64_MAX, _INT64_MIN = 2 ** 63 - 1, -2 ** 63

@emits("GetItem")
def _getitem(g, fn):
    """Basic indexing (ints, slices, None, Ellipsis) as Slice, Gather and Unsqueeze, with the slices' own bounds
    (a missing one is the end of the dim, whatever its size); one integer index array among full slices as
    Gather."""
    value, ndim, key = g.input(fn, 0), fn.parents[0].ndim, list(fn.key)
    arrays = [i for i, part in enumerate(key) if isinstance(part, np.ndarray)]
    if arrays:
        axis = arrays[0]
        part = key[axis]
        if len(arrays) > 1 or part.dtype == bool or any(p is Ellipsis for p in key) or \
                any(p != slice(None) for i, p in enumerate(key) if i != axis and not isinstance(p, np.ndarray)):
            raise ValueError(f"onnx.export: indexing with {fn.key!r} is not supported: only basic indexing, or one "
                             "integer index tensor among full slices")
        return g.node("Gather", [value, g.ints(part)], axis=axis)
    if any(p is Ellipsis for p in key):
        at = next(i for i, p in enumerate(key) if p is Ellipsis)
        named = sum(1 for p in key if p is not None and p is not Ellipsis)
        key[at:at + 1] = [slice(None)] * (ndim - named)
    starts, ends, axes, steps, taken, unsqueeze = [], [], [], [], [], []
    axis = out_axis = 0
    for part in key:
        if part is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(part, slice):
            step = 1 if part.step is None else int(part.step)
            if (part.start, part.stop, step) not in ((None, None, 1), (0, None, 1)):
                starts.append((0 if step > 0 else _INT64_MAX) if part.start is None else int(part.start))
                ends.append((_INT64_MAX if step > 0 else _INT64_MIN) if part.stop is None else int(part.stop))
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:
            taken.append((axis, int(part)))
        axis += 1
    if starts:
        value = g.node("Slice", [value, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    for axis, index in reversed(taken):   # the last axis first, so that the earlier ones keep their numbers
        value = g.node("Gather", [value, g.scalar(index, np.int64)], axis=axis)   # a 0-d index drops the axis
    if unsqueeze:
        value = g.node("Unsqueeze", [value, g.ints(unsqueeze)])
    return value if starts or taken or unsqueeze else g.node("Identity", [value])

# --- convolution ---------------------------------------------------------------------------------------------------
@emits("Conv")
def _conv(g, fn):
    x, w, bias, geometry, groups = fn.parents
    dims = x.ndim - 2
    rows = slice(3 - dims, 3)
    kernel, stride = geometry.kernel[rows], geometry.stride[rows]
    dilation, before = geometry.dilation[rows], geometry.padding[rows]
    after = []
    for L, k, s, d, a, out in zip(x.shape[2:], kernel, stride, dilation, before, geometry.out_shape[rows]):
        span = d * (k - 1) + 1
        after.append(a if (L + 2 * a - span) // s + 1 == out else (out - 1) * s + span - L - a)
    inputs = [g.input(fn, 0), g.input(fn, 1)] + ([] if bias is None else [g.input(fn, 2)])
    return g.node("Conv", inputs, kernel_shape=list(kernel), strides=list(stride), dilations=list(dilation),
                  pads=list(before) + after, group=int(groups))

@emits("ConvTranspose")
def _conv_transpose(g, fn):
    x, w, bias, geometry, groups, out_spatial, _ = fn.parents
    dims = x.ndim - 2
    rows = slice(3 - dims, 3)
    kernel, stride, dilation, padding = (tuple(geometry.kernel[rows]), tuple(geometry.stride[rows]),
                                         tuple(geometry.dilation[rows]), tuple(geometry.padding[rows]))
    output_padding = [o - ((L - 1) * s - 2 * p + d * (k - 1) + 1)
                      for o, L, s, p, d, k in zip(out_spatial, x.shape[2:], stride, padding, dilation, kernel)]
    inputs = [g.input(fn, 0), g.input(fn, 1)] + ([] if bias is None else [g.input(fn, 2)])
    return g.node("ConvTranspose", inputs, kernel_shape=list(kernel), strides=list(stride), dilations=list(dilation),
                  pads=list(padding) * 2, output_padding=output_padding, group=int(groups))

# --- normalisation -------------------------------------------------------------------------------------------------
def _statistic(g, fn, array):
    """A running statistic (a raw backend array) under its buffer's name."""
    return g.array(fn.xp.to_numpy(array), g.leaf_names.get(id(array)), key=id(array))

@emits("Normalize")
def _normalize(g, fn):
    x, weight, bias, statistics, view, grouping, eps = fn.parents
    value, dtype, channels = g.input(fn, 0), x.dtype, view[1]
    if statistics is not None:   # batch norm with running statistics: ONNX's BatchNormalization
        affine = [g.input(fn, i) if fn.parents[i] is not None else g.array(np.full(channels, fill, dtype))
                  for i, fill in ((1, 1.0), (2, 0.0))]
        mean, var = (_statistic(g, fn, s) for s in statistics)
        return g.node("BatchNormalization", [value] + affine + [mean, var], epsilon=float(eps))
    if grouping.per_position:   # layer norm over the trailing dims that hold view[2] elements
        axis = x.ndim
        while axis > 0 and math.prod(x.shape[axis:]) != view[2]:
            axis -= 1
        if weight is not None:
            axis = x.ndim - weight.ndim
        rows = g.node("Reshape", [value, g.ints([0] * axis + [-1])])
        _, normalised = _standardise(g, rows, dtype, eps, [axis])
        out = g.node("Reshape", [normalised, g.node("Shape", [value])])
    else:   # group (and instance) norm: statistics of each sample's groups of channels
        groups = grouping.groups
        grouped = g.node("Reshape", [value, g.ints([0, groups, -1])])
        _, normalised = _standardise(g, grouped, dtype, eps, [2])
        out = g.node("Reshape", [normalised, g.node("Shape", [value])])
    for i, op in ((1, "Mul"), (2, "Add")):   # layer norm's weight broadcasts as it is, the others' per channel
        if fn.parents[i] is not None:
            factor = g.input(fn, i)
            if not grouping.per_position:
                factor = g.node("Reshape", [factor, g.ints([-1] + [1] * (x.ndim - 2))])
            out = g.node(op, [out, factor])
    return out

def _standardise(g, value, dtype, eps, axes):
    """(x - mean) / sqrt(biased variance + eps) over `axes`."""
    centred = g.node("Sub", [value, reduce(g, "ReduceMean", value, axes, True)])
    var = reduce(g, "ReduceMean", g.node("Mul", [centred, centred]), axes, True)
    return centred, g.node("Div", [centred, g.node("Sqrt", [g.node("Add", [var, g.scalar(eps, dtype)])])])

# --- pooling and resampling over (planes, D, H, W) -------------------------------------------------------------------
def _static(g, fn, what, read):
    """read(fn), which must be the same for fn's node in the grown run: the tables and attributes below are
    written for one input size, so a dynamic axis may not change them."""
    value, grown = read(fn), read(g.twin(fn))
    if value != grown:
        raise ValueError(f"onnx.export: the {what} of {fn.name} depends on the dynamic axes ({value} with the example "
                         f"input, {grown} with those axes grown), which its ONNX form cannot follow; keep the "
                         "spatial dims static or pick sizes where it does not change")
    return value

def _source(g, fn):
    """(value, spatial dims): the pooled tensor as (N, C, *spatial) when a reshape to planes made it, else the
    planes themselves as (planes, 1, D, H, W)."""
    planes = g.input(fn, 0)
    shape = tuple(fn.parents[0].shape)
    source = g.reshaped_from.get(planes)
    if source is not None:
        source_shape = g.shapes[source][0]
        dims = len(source_shape) - 2
        if 1 <= dims <= 3 and source_shape[0] * source_shape[1] == shape[0] and \
                (1,) * (3 - dims) + tuple(source_shape[2:]) == shape[1:]:
            return source, dims, False
    shapes = tuple(s[:1] + (1,) + s[1:] for s in g.shapes[planes])
    return g.node("Unsqueeze", [planes, g.ints([1])], shapes), 3, True

def _finish(g, fn, pooled, dims, unsqueezed):
    """The pooled value back as fn's (planes, D, H, W) output."""
    if unsqueezed:
        return g.node("Squeeze", [pooled, g.ints([1])])
    source_shapes = g.shapes[g.reshaped_from[g.input(fn, 0)]]
    out_a, out_b = g.shape_pair(fn)
    g.shapes[pooled] = tuple(tuple(s[:2]) + tuple(o[4 - dims:]) for s, o in zip(source_shapes, (out_a, out_b)))
    return g.reshape(pooled, (out_a, out_b), "pooling")

def _fixed(windows, factor=None):
    """(kernel, stride, padding, dilation, ceil_mode, count_include_pad) per dim (rows D, H, W) of windows that a
    fixed kernel makes, or None (adaptive windows that no kernel and stride describe)."""
    candidates = [(tuple(r.kernel for r in windows.interior), tuple(r.stride for r in windows.interior),
                   tuple(-r.shift for r in windows.interior), tuple(int(s) for s in windows.step))]
    if all(o and L % o == 0 for L, o in zip(windows.in_shape, windows.out_shape)):
        sizes = tuple(L // o for L, o in zip(windows.in_shape, windows.out_shape))
        candidates.append((sizes, sizes, (0,) * 3, (1,) * 3))
    for kernel, stride, padding, dilation in candidates:
        for ceil_mode in (False, True):
            for include_pad in (True, False):
                if min(pooling.output_length(*a, ceil_mode) for a in zip(windows.in_shape, kernel, stride, padding,
                                                                           dilation)) < 1:
                    continue
                other = pooling.fixed_windows(windows.in_shape, kernel, stride, padding, dilation, ceil_mode,
                                              include_pad)
                if other.out_shape == windows.out_shape and np.array_equal(other.first, windows.first) and \
                        np.array_equal(other.count, windows.count) and \
                        (factor is None or np.array_equal(other.factor, factor)):
                    return kernel, stride, padding, dilation, ceil_mode, include_pad
    return None

def _pool_attributes(fixed, windows, dims):
    """kernel_shape, strides and pads; ceil_mode's last windows come from extra padding at the end, which a max
    never reads and which no average uses (those take their tables instead)."""
    kernel, stride, padding, dilation, ceil_mode, _ = fixed
    rows = slice(3 - dims, 3)
    after = [(o - 1) * s + d * (k - 1) + 1 - L - p if ceil_mode else p
             for L, o, k, s, p, d in zip(windows.in_shape[rows], windows.out_shape[rows], kernel[rows], stride[rows],
                                         padding[rows], dilation[rows])]
    return dict(kernel_shape=list(kernel[rows]), strides=list(stride[rows]),
                pads=list(padding[rows]) + [max(a, p) for a, p in zip(after, padding[rows])])

def _is_global(windows, fixed):
    return fixed is not None and windows.out_shape == (1, 1, 1) and \
        all(k >= L and p == 0 for L, k, p in zip(windows.in_shape, fixed[0], fixed[2]))

def _pool_plan(windows, factor, dims):
    """('global', None), ('window', (fixed parameters, ONNX attributes)) or ('tables', None) for these windows."""
    fixed = _fixed(windows, factor)
    if _is_global(windows, fixed) and fixed[5]:
        return "global", None
    if fixed is None or (factor is not None and (fixed[4] or fixed[3] != (1, 1, 1))):
        return "tables", None
    return "window", (fixed, _pool_attributes(fixed, windows, dims))

@emits("MaxPool")
def _max_pool(g, fn):
    value, dims, unsqueezed = _source(g, fn)
    kind, plan = _static(g, fn, "pooling window", lambda f: _pool_plan(f.windows, None, dims))
    if kind == "tables":
        windows = fn.windows
        raise ValueError(f"onnx.export: adaptive max pooling from {windows.in_shape} to {windows.out_shape} has "
                         "windows of unequal sizes, which ONNX's MaxPool cannot express; pick an output size that "
                         "divides the input size")
    if kind == "global":
        return _finish(g, fn, g.node("GlobalMaxPool", [value]), dims, unsqueezed)
    fixed, attributes = plan[0], dict(plan[1])
    pads = attributes["pads"]
    if any(p >= k for p, k in zip(pads, attributes["kernel_shape"] * 2)):   # runtimes want pads below the kernel
        dtype = fn.parents[0].dtype
        lowest = -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
        value = g.node("Pad", [value, g.ints([0, 0] + pads[:dims] + [0, 0] + pads[dims:]), g.scalar(lowest, dtype)],
                       mode="constant")
        attributes["pads"] = [0] * (2 * dims)
    pooled = g.node("MaxPool", [value], dilations=list(fixed[3][3 - dims:]), **attributes)
    return _finish(g, fn, pooled, dims, unsqueezed)

@emits("AvgPool")
def _avg_pool(g, fn):
    """AveragePool where a kernel describes the windows without ceil_mode (whose clipped windows runtimes divide
    differently); otherwise, as for adaptive windows, the window sums one dim at a time."""
    value, dims, unsqueezed = _source(g, fn)
    kind, plan = _static(g, fn, "pooling window", lambda f: _pool_plan(f.windows, f.factor, dims))
    if kind == "global":
        pooled = g.node("GlobalAveragePool", [value])
    elif kind == "window":
        pooled = g.node("AveragePool", [value], count_include_pad=int(plan[0][5]), **plan[1])
    else:
        _static(g, fn, "input size", lambda f: f.windows.in_shape)
        pooled = _window_sums(g, value, dims, fn.windows, fn.factor, fn.parents[0].dtype)
    return _finish(g, fn, pooled, dims, unsqueezed)

def _window_sums(g, value, dims, windows, factor, dtype):
    """Each window's sum, one dim at a time, divided by that dim's factor (their product is the divisor): per tap
    j, a Gather of the inputs first + j * step, so that only the window's own elements enter (an inf outside it
    stays outside). Unit dims in front hold only a factor, such as a divisor_override."""
    divisor = 1.0
    for r in range(3):
        out, length, step = windows.out_shape[r], windows.in_shape[r], int(windows.step[r])
        first, count = windows.first[r, :out], windows.count[r, :out]
        if r < 3 - dims:
            divisor *= float(factor[r, 0])
            continue
        if out == length and (first == np.arange(length)).all() and (count == 1).all() and \
                (factor[r, :out] == 1).all():
            continue
        widest = int(count.max())
        taps = first[:, None] + step * np.arange(widest)[None, :]
        valid = np.arange(widest)[None, :] < count[:, None]
        value = _weighted_taps(g, value, 3 - r, taps, None, valid, dtype)
        value = g.node("Div", [value, _along(g, factor[r, :out].astype(dtype), 3 - r)])
    if divisor != 1.0:
        value = g.node("Div", [value, g.scalar(divisor, dtype)])
    return value

def _along(g, vector, from_end):
    """A constant (out,) vector shaped to broadcast along the axis `from_end` places from the last."""
    return g.array(vector.reshape((-1,) + (1,) * (from_end - 1)))

def _weighted_taps(g, value, from_end, index, weight, valid, dtype):
    """Along the axis `from_end` places from the last, output o = sum over k of weight[o, k] * x[index[o, k]],
    for the taps where valid[o, k] (index, weight and valid are (out, taps) tables; weight None means 1). The
    terms are added in tap order, from the first, as the kernels add them."""
    total = None
    for k in range(index.shape[1]):
        rows = np.where(valid[:, k], index[:, k], index[:, 0])
        term = g.node("Gather", [value, g.ints(rows)], axis=-from_end)
        if weight is not None:
            term = g.node("Mul", [term, _along(g, weight[:, k].astype(dtype), from_end)])
        if not valid[:, k].all():
            term = g.node("Where", [_along(g, valid[:, k], from_end), term, g.scalar(0, dtype)])
        total = term if total is None else g.node("Add", [total, term])
    return total

@emits("Resample")
def _resample(g, fn):
    """Per resampled dim, the weighted sum of each output's taps (Gather, Mul, Add): every mode, align_corners
    and scale rule exactly as the tap tables say."""
    taps, dtype = fn.taps, fn.parents[0].dtype
    _static(g, fn, "input size", lambda f: f.taps.in_shape)
    value, dims, unsqueezed = _source(g, fn)
    for r in range(3 - dims, 3):
        if taps.identity[r]:
            continue
        out = taps.out_shape[r]
        first, count = taps.first[r, :out], taps.count[r, :out]
        widest = int(count.max())
        valid = np.arange(widest)[None, :] < count[:, None]
        slots = np.where(valid, first[:, None] + np.arange(widest)[None, :], first[:, None])
        value = _weighted_taps(g, value, 3 - r, taps.index[r][slots], taps.weight[r][slots], valid, dtype)
    return _finish(g, fn, value, dims, unsqueezed)

@emits("LpRoot")
def _lp_root(g, fn):
    return g.node("Pow", [g.input(fn, 0), g.scalar(1.0 / fn.norm_type, output_dtype(g, fn))])
