"""Movement: reshape, permute, expand, indexing, padding, concatenation, diagonals and triangles, splitting,
stacking and broadcasting. Views on the CPU, copies on CUDA."""
import builtins
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from ..arguments import (check_choice, check_int, check_number, check_tensor, check_tensors, described, is_int,
                         normalize_dim, shape_arg)
from ..autograd import Function, Undoable
from ..tensor import Size, Tensor
from . import reduce
from .elementwise import broadcast_shape, cast, masked_fill, result_dtype, unbroadcast

class Reshape(Undoable):
    kernel, undo = "reshape", staticmethod(lambda x, shape: x.shape)

def reshape(input, *shape):
    """Accepts reshape(2, 3) and reshape((2, 3)); one entry may be -1."""
    check_tensor(input, "input", "reshape")
    shape = shape_arg(shape, "reshape", allow_unknown=True)
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1 or (-1 not in shape and known != input.numel()) or \
            (-1 in shape and (known == 0 or input.numel() % known)):
        raise ValueError(f"cannot reshape a tensor of shape {input.shape} ({input.numel()} elements) to {shape}")
    if -1 in shape:
        shape = tuple(input.numel() // known if s == -1 else s for s in shape)
    return Reshape.apply(input, shape)

def flatten(input, start_dim=0, end_dim=-1):
    check_tensor(input, "input", "flatten")
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim={start_dim} comes after end_dim={end_dim} for shape {input.shape}")
    return reshape(input, input.shape[:start] + (-1,) + input.shape[end + 1:])

def unsqueeze(input, dim):
    check_tensor(input, "input", "unsqueeze")
    dim = normalize_dim(dim, input.ndim + 1)
    return reshape(input, input.shape[:dim] + (1,) + input.shape[dim:])

def squeeze(input, dim=None):
    """Drop size-1 dims: all of them, the one `dim`, or those of a tuple of dims (others stay, as in PyTorch)."""
    check_tensor(input, "input", "squeeze")
    if dim is None:
        return reshape(input, tuple(s for s in input.shape if s != 1))
    if isinstance(dim, (tuple, list)):
        dims = {normalize_dim(d, input.ndim) for d in dim}
        return reshape(input, tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1)))
    dim = normalize_dim(dim, input.ndim)
    return input if input.shape[dim] != 1 else reshape(input, input.shape[:dim] + input.shape[dim + 1:])

class Permute(Undoable):
    kernel, undo = "permute", staticmethod(lambda x, axes: tuple(sorted(range(len(axes)), key=axes.__getitem__)))

def permute(input, *dims):
    check_tensor(input, "input", "permute")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    if sorted(dims) != list(range(input.ndim)):
        raise ValueError(f"permute{dims} is not a permutation of the {input.ndim} dims of shape {input.shape}")
    return Permute.apply(input, dims)

def transpose(input, dim0, dim1):
    check_tensor(input, "input", "transpose")
    dims = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(input, tuple(dims))

class Expand(Function):
    keeps_inputs = False
    def forward(self, x, shape):
        self.shape = x.shape
        return self.xp.expand(x, shape)
    def backward(self, g):
        return unbroadcast(self.xp, g, self.shape), None

def expand(input, *shape):
    """Size-1 dims repeat to `shape` (-1 keeps a dim's size); new leading dims may be added."""
    shape = shape_arg(shape, "expand", allow_unknown=True)
    if len(shape) < input.ndim:
        raise ValueError(f"cannot expand shape {input.shape} to fewer dims {shape}")
    lead = len(shape) - input.ndim
    target = tuple(s if s != -1 else (input.shape[i - lead] if i >= lead else -1) for i, s in enumerate(shape))
    for i, size in enumerate(input.shape):
        if size != 1 and size != target[lead + i]:
            raise ValueError(f"cannot expand shape {input.shape} to {shape}: dim {i} has size {size}")
    if any(s < 0 for s in target):
        raise ValueError(f"cannot expand shape {input.shape} to {shape}")
    return Expand.apply(input, target)

class Clone(Function):
    keeps_inputs = False
    def forward(self, x):
        return self.xp.copy(x)
    def backward(self, g):
        return g

def clone(input):
    return Clone.apply(input)

# --- indexing --------------------------------------------------------------------------------------------------
class GetItem(Function):
    keeps_inputs = False
    def forward(self, x, key):
        self.shape, self.key = x.shape, key
        return self.xp.getitem(x, key)
    def backward(self, g):
        return self.xp.index_add(self.shape, self.key, g), None

def index_key(key):
    """Turn Tensors, ranges and lists in an index into numpy arrays, so both backends see plain numpy keys."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for part in parts:
        if isinstance(part, Tensor):
            part = part.numpy()
        elif isinstance(part, (range, list)):
            part = np.asarray(part)
        if isinstance(part, np.ndarray) and part.dtype == np.uint8:
            raise IndexError("uint8 tensors are no indices here (PyTorch reads them as deprecated masks): index "
                             "with a bool mask, x[mask.bool()], or with integer positions, x[idx.long()]")
        if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be int64, int32 or bool, got {part.dtype}")
        out.append(part)
    return tuple(out)

def getitem(input, key):
    """input[key] with ints, slices, None, Ellipsis, and int or bool index tensors, arrays or lists."""
    return GetItem.apply(input, index_key(key))

def _along(dim, part):
    """The index key that takes `part` (an int or a slice) of `dim` and all of every dim before it."""
    return (slice(None),) * dim + (part,)

def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `split_size_or_sections` elements along `dim` (the last may be smaller), or of the sizes a list
    gives, which must add up to the dim's size. Each piece is a view on the CPU."""
    check_tensor(tensor, "tensor", "split")
    dim = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[dim] if tensor.ndim else 1
    if isinstance(split_size_or_sections, (tuple, list)):
        sizes = shape_arg(tuple(split_size_or_sections), "split")
        if builtins.sum(sizes) != length:
            raise ValueError(f"split: split_size_or_sections={list(sizes)} must add up to {length}, the size of dim "
                             f"{dim} of shape {tensor.shape}")
    else:
        if not is_int(split_size_or_sections):
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                            f"{described(split_size_or_sections)}")
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and length):
            raise ValueError(f"split: split_size={size} must be positive (0 only for a dim of size 0), dim {dim} of "
                             f"shape {tensor.shape} has {length}")
        sizes = ([size] * (length // size) + ([length % size] if length % size else [])) if size else []
        sizes = sizes or [0]   # a dim of size 0 splits into one empty piece
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(tensor, _along(dim, slice(start, start + size))))
        start += size
    return tuple(pieces)

def chunk(input, chunks, dim=0):
    """At most `chunks` pieces of ceil(size / chunks) elements along `dim`, as torch.chunk."""
    check_tensor(input, "input", "chunk")
    if not is_int(chunks):
        raise TypeError(f"chunk: chunks must be an int, got {described(chunks)}")
    if chunks < 1:
        raise ValueError(f"chunk: chunks={chunks} must be at least 1")
    dim = normalize_dim(dim, input.ndim)
    length = input.shape[dim] if input.ndim else 1
    if length == 0:
        return tuple(getitem(input, _along(dim, slice(0, 0))) for _ in range(chunks))
    return split(input, -(-length // chunks), dim)

def unbind(input, dim=0):
    """The slices along `dim`, each without that dim."""
    check_tensor(input, "input", "unbind")
    if input.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dim to unbind")
    dim = normalize_dim(dim, input.ndim)
    return tuple(getitem(input, _along(dim, i)) for i in range(input.shape[dim]))

def _dims(dims, ndim, op):
    """An int or a tuple or list of distinct dims, normalised."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    axes = [normalize_dim(d, ndim) for d in dims]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dims {dims!r} name a dim more than once")
    return axes

def flip(input, dims):
    """The elements of each dim in `dims` in reverse order."""
    check_tensor(input, "input", "flip")
    axes = _dims(dims, input.ndim, "flip")
    if not axes or input.ndim == 0:
        return clone(input)
    return getitem(input, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(input.ndim)))

def roll(input, shifts, dims=None):
    """Elements shifted by `shifts` along `dims`, those pushed past the end coming back at the start; without
    dims, over the flattened tensor (the shape stays)."""
    check_tensor(input, "input", "roll")
    if dims is None:
        if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
            raise ValueError(f"roll: shifts={shifts!r} needs one dim each, and dims is None (the flattened tensor)")
        return roll(flatten(input), shifts, 0).reshape(input.shape)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    axes = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shifts={shifts!r} and dims={axes!r} must have one shift per dim")
    out = input
    for shift, axis in zip(shifts, axes):
        if not is_int(shift):
            raise TypeError(f"roll: shifts must be ints, got {described(shift)}")
        axis = normalize_dim(axis, input.ndim)
        length = input.shape[axis] if input.ndim else 1
        shift = int(shift) % length if length else 0
        if shift and input.ndim:
            out = cat([getitem(out, _along(axis, slice(length - shift, None))),
                       getitem(out, _along(axis, slice(0, length - shift)))], axis)
    return out

def repeat(input, *sizes):
    """The tensor repeated sizes[i] times along dim i; extra leading sizes add dims (PyTorch's Tensor.repeat,
    numpy's tile)."""
    sizes = shape_arg(sizes, "repeat")
    if len(sizes) < input.ndim:
        raise ValueError(f"repeat: sizes {sizes} need at least one entry per dim of shape {input.shape}")
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    spread = reshape(input, tuple(n for size in shape for n in (1, size)))
    grown = expand(spread, tuple(n for repeats, size in zip(sizes, shape) for n in (repeats, size)))
    return reshape(grown, tuple(repeats * size for repeats, size in zip(sizes, shape)))

def tile(input, dims):
    """repeat, with ones in front of `dims` where it has fewer entries than the tensor has dims."""
    check_tensor(input, "input", "tile")
    dims = shape_arg(tuple(dims) if isinstance(dims, (tuple, list)) else (dims,), "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)

def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 1-d tensors: with indexing='ij' grid k varies along dim k; 'xy' swaps the roles of the
    first two dims, as numpy.meshgrid's default."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    tensors = check_tensors(list(tensors), "tensors", "meshgrid")
    check_choice(indexing, "indexing", "meshgrid", ("ij", "xy"))
    for i, t in enumerate(tensors):
        if t.ndim > 1:
            raise ValueError(f"meshgrid: tensors must be 0-d or 1-d, tensors[{i}] has shape {t.shape}")
    if len({t.dtype for t in tensors}) > 1:
        raise TypeError("meshgrid: tensors must share one dtype, got " + ", ".join(str(t.dtype) for t in tensors))
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    sizes = [t.numel() for t in tensors]
    shape = tuple(sizes[k] for k in order)
    grids = []
    for k, t in enumerate(tensors):
        position = order.index(k)
        grids.append(expand(reshape(t, tuple(-1 if d == position else 1 for d in range(len(shape)))), shape))
    return tuple(grids)

# --- padding ---------------------------------------------------------------------------------------------------
class Pad(Function):
    keeps_inputs = False
    def forward(self, x, widths, value):
        self.region = tuple(slice(lo, lo + size) for (lo, _), size in zip(widths, x.shape))
        return self.xp.pad(x, widths, value)
    def backward(self, g):
        return self.xp.contiguous(self.xp.getitem(g, self.region)), None, None

PAD_MODES = ("constant", "reflect", "replicate", "circular")

def pad(input, pad, mode="constant", value=None):
    """PyTorch's F.pad: `pad` holds (left, right) of the last dim first, then of the one before, ...; a negative
    width crops. 'constant' fills with `value` (0 by default) and pads any dims; 'reflect', 'replicate' and
    'circular' copy input values and pad the last 1-3 dims of a (C, *spatial) or (N, C, *spatial) input. Cropping
    comes first, as in PyTorch, so the copied values are those that remain."""
    check_tensor(input, "input", "pad")
    if not isinstance(pad, (tuple, list)) or any(isinstance(p, bool) or not isinstance(p, (int, np.integer))
                                                  for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints (left, right, ...), got {pad!r}")
    check_choice(mode, "mode", "pad", PAD_MODES)
    if value is not None:
        check_number(value, "value", "pad")
        if mode != "constant":
            raise ValueError(f"pad: mode={mode!r} takes no value (it copies input values); drop value={value!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad {tuple(pad)} needs an even length of at most 2 * ndim = {2 * input.ndim}")
    dims = len(pad) // 2
    if mode != "constant" and (dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2)):
        raise ValueError(f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of a (C, *spatial) or (N, C, *spatial) "
                         f"input, so {dims} (left, right) pairs need a {dims + 1}-d or {dims + 2}-d input, got "
                         f"shape {input.shape}")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(dims)][::-1]   # first padded dim first
    first = input.ndim - dims
    if any(left < 0 or right < 0 for left, right in pairs):
        key = [slice(None)] * input.ndim
        for axis, (left, right) in enumerate(pairs, first):
            start, stop = max(-left, 0), input.shape[axis] - max(-right, 0)
            if stop < start:
                raise ValueError(f"pad {tuple(pad)} crops more than the {input.shape[axis]} elements of dim {axis} "
                                 f"of input {input.shape}")
            key[axis] = slice(start, stop)
        input = getitem(input, tuple(key))
    pairs = [(max(left, 0), max(right, 0)) for left, right in pairs]
    if mode != "constant":
        return pad_mode(input, pairs, mode)
    widths = ((0, 0),) * first + tuple(pairs)
    return Pad.apply(input, widths, 0.0 if value is None else value)

def _source_index(length, left, right, mode):
    """For each padded position, the input position it copies (reflect, replicate, circular)."""
    positions = np.arange(-left, length + right)
    if mode == "reflect":
        if left >= length or right >= length:
            raise ValueError(f"reflect padding ({left}, {right}) must be smaller than the input length {length}")
        positions = np.abs(positions)
        return np.where(positions >= length, 2 * (length - 1) - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, length - 1)
    if mode == "circular":
        if left > length or right > length:
            raise ValueError(f"circular padding ({left}, {right}) must not exceed the input length {length}")
        return positions % length
    raise ValueError(f"padding_mode={mode!r}: use 'zeros', 'reflect', 'replicate' or 'circular'")

@dataclass(frozen=True, eq=False)
class CopySources:
    """Where each output element of a copying pad reads: along D, H and W (unit dims in front of 1-d and 2-d
    padding), the input position each output position copies. eq=False: hashed by identity, so a backend can keep
    its device copies in `device_copies`."""
    depth: np.ndarray     # (OD,) int64
    height: np.ndarray    # (OH,) int64
    width: np.ndarray     # (OW,) int64
    width_left: int       # the padding before W: outputs width_left ... width_left + W - 1 copy the row as it is
    device_copies: dict = field(default_factory=dict)

    @property
    def out_shape(self):
        return (self.depth.size, self.height.size, self.width.size)

class PadCopy(Function):
    keeps_inputs = False
    """(planes, D, H, W) -> (planes, OD, OH, OW), each element copied from where `sources` says."""
    def forward(self, x, sources):
        self.sources, self.shape = sources, x.shape
        return self.xp.pad_copy(x, sources)

    def backward(self, g):
        return self.xp.pad_copy_backward(g, self.sources, self.shape), None

@functools.lru_cache(maxsize=256)
def _copy_sources(spatial, pairs, mode):
    """The CopySources of padding the dims `spatial` by `pairs` as `mode` says. One per geometry: a network pads
    the same shapes every step, and a backend then makes its device copies of the tables once."""
    tables = [np.zeros(1, np.int64)] * (3 - len(pairs)) + [
        _source_index(length, left, right, mode).astype(np.int64) for length, (left, right) in zip(spatial, pairs)]
    for table in tables:
        table.flags.writeable = False   # shared by every call with this geometry
    return CopySources(*tables, width_left=pairs[-1][0])

def pad_mode(input, pairs, mode):
    """Pad the last len(pairs) dims by (left, right) each, copying input values as `mode` says."""
    dims = len(pairs)
    spatial = input.shape[input.ndim - dims:]
    sources = _copy_sources(tuple(spatial), tuple((int(left), int(right)) for left, right in pairs), mode)
    leading = input.shape[:input.ndim - dims]
    planes = input.reshape((math.prod(leading),) + (1,) * (3 - dims) + spatial)
    out = PadCopy.apply(planes, sources)
    return out.reshape(leading + sources.out_shape[3 - dims:])

# --- joining ---------------------------------------------------------------------------------------------------
class Cat(Function):
    keeps_inputs = False
    def forward(self, axis, *xs):
        self.axis, self.sizes = axis, [x.shape[axis] for x in xs]
        return self.xp.concatenate(xs, axis)
    def backward(self, g):
        grads, start = [None], 0
        for size, need in zip(self.sizes, self.needs_input_grad[1:]):
            region = (slice(None),) * self.axis + (slice(start, start + size),)
            grads.append(self.xp.contiguous(self.xp.getitem(g, region)) if need else None)
            start += size
        return tuple(grads)

def cat(tensors, dim=0):
    tensors = check_tensors(tensors, "tensors", "cat")
    if not tensors:
        raise ValueError("cat() needs at least one tensor")
    first = tensors[0]
    dim = normalize_dim(dim, first.ndim)
    for t in tensors[1:]:
        if t.ndim != first.ndim or t.shape[:dim] + t.shape[dim + 1:] != first.shape[:dim] + first.shape[dim + 1:]:
            raise ValueError(f"cat() along dim {dim}: shapes {first.shape} and {t.shape} differ outside that dim")
    dtype = first.dtype
    for t in tensors[1:]:
        dtype = result_dtype(dtype, t.dtype)
    return Cat.apply(dim, *[cast(t, dtype) for t in tensors])

def stack(tensors, dim=0):
    tensors = check_tensors(tensors, "tensors", "stack")
    if not tensors:
        raise ValueError("stack() needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack() needs tensors of one shape, got {sorted(tuple(s) for s in shapes)}")
    dim = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim)

# --- pixel shuffle ---------------------------------------------------------------------------------------------
def _check_factor(input, factor, op):
    check_tensor(input, "input", op)
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"{op}: the factor must be a positive int, got {factor!r}")
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input (*, C, H, W) with at least 3 dims, got shape {input.shape}")
    return int(factor)

def pixel_shuffle(input, upscale_factor):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): each group of r^2 channels becomes an r x r block of pixels."""
    r = _check_factor(input, upscale_factor, "pixel_shuffle")
    *lead, channels, height, width = input.shape
    if channels % (r * r):
        raise ValueError(f"pixel_shuffle: the {channels} channels of input {input.shape} must be divisible by "
                         f"upscale_factor^2 = {r * r}")
    n = len(lead)
    blocks = reshape(input, tuple(lead) + (channels // (r * r), r, r, height, width))
    moved = permute(blocks, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))   # (*, C, H, r, W, r)
    return reshape(moved, tuple(lead) + (channels // (r * r), height * r, width * r))

def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H * r, W * r) -> (*, C * r^2, H, W)."""
    r = _check_factor(input, downscale_factor, "pixel_unshuffle")
    *lead, channels, height, width = input.shape
    if height % r or width % r:
        raise ValueError(f"pixel_unshuffle: the height {height} and width {width} of input {input.shape} must be "
                         f"divisible by downscale_factor = {r}")
    n = len(lead)
    blocks = reshape(input, tuple(lead) + (channels, height // r, r, width // r, r))
    moved = permute(blocks, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))   # (*, C, r, r, H, W)
    return reshape(moved, tuple(lead) + (channels * r * r, height // r, width // r))

# --- moving and swapping dims ----------------------------------------------------------------------------------
def movedim(input, source, destination):
    """The dims `source` (an int or a sequence) moved to the places `destination`, the others keeping their
    order."""
    check_tensor(input, "input", "movedim")
    sources, targets = _dims(source, input.ndim, "movedim"), _dims(destination, input.ndim, "movedim")
    if len(sources) != len(targets):
        raise ValueError(f"movedim: source {source!r} and destination {destination!r} must name as many dims")
    if input.ndim == 0:
        return reshape(input, ())
    order = [d for d in range(input.ndim) if d not in sources]
    for target, moved in sorted(zip(targets, sources)):
        order.insert(target, moved)
    return Permute.apply(input, tuple(order))

moveaxis = movedim

def swapaxes(input, axis0, axis1):
    """numpy's name for transpose."""
    return transpose(input, axis0, axis1)

def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)

def t(input):
    """The transpose of a matrix; a 0-d or 1-d tensor as it is."""
    check_tensor(input, "input", "t")
    if input.ndim > 2:
        raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {input.shape}; use transpose(dim0, "
                         "dim1) or mT for batches of matrices")
    return Permute.apply(input, tuple(reversed(range(input.ndim))))

def matrix_transpose(input):
    """Tensor.mT: each matrix of a (..., m, n) batch transposed (a 0-d tensor as it is, as in PyTorch)."""
    if input.ndim == 1:
        raise ValueError("mT needs a matrix or a batch of matrices, got a 1-d tensor; use t() or .T")
    return transpose(input, -2, -1) if input.ndim else reshape(input, ())

def narrow(input, dim, start, length):
    """The `length` elements of dim from `start` on (negative counts from the end): a view on the CPU."""
    check_tensor(input, "input", "narrow")
    if input.ndim == 0:
        raise ValueError("narrow() cannot be applied to a 0-d tensor")
    axis = normalize_dim(dim, input.ndim)
    if isinstance(start, Tensor):
        if start.ndim or start.dtype.kind not in "iu":
            raise TypeError(f"narrow(): start must be an int or a 0-d integer tensor, got a {start.dtype} tensor of "
                            f"shape {start.shape}")
        start = start.item()
    start, length = check_int(start, "start", "narrow"), check_int(length, "length", "narrow")
    size = input.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start={start} is out of range (expected to be in range of [{-size}, {size}])")
    if length < 0:
        raise ValueError(f"narrow(): length={length} must be non-negative")
    if start < 0:
        start += size
    if start + length > size:
        raise ValueError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size})")
    return getitem(input, _along(axis, slice(start, start + length)))

# --- triangles and diagonals -----------------------------------------------------------------------------------
def _triangle(input, diagonal, op):
    """tril or triu of the last two dims: the elements on the other side of `diagonal` become 0."""
    check_tensor(input, "input", op)
    check_int(diagonal, "diagonal", op)
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions, got shape {input.shape}")
    rows, cols = input.shape[-2:]
    above = np.arange(cols)[None, :] - np.arange(rows)[:, None]   # how far each element lies above the diagonal
    dropped = above > diagonal if op == "tril" else above < diagonal
    return masked_fill(input, Tensor(dropped, device=input.device), 0)

def tril(input, diagonal=0):
    """The lower triangle of the last two dims, up to `diagonal` above the main one (below it if negative)."""
    return _triangle(input, diagonal, "tril")

def triu(input, diagonal=0):
    """The upper triangle of the last two dims, from `diagonal` above the main one (below it if negative) on."""
    return _triangle(input, diagonal, "triu")

def _diagonal(input, offset, dim1, dim2, op):
    check_int(offset, "offset", op)
    first, second = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    if first == second:
        raise ValueError(f"{op}: diagonal dimensions cannot be identical {dim1}, {dim2}")
    moved = movedim(input, (first, second), (-2, -1))
    rows, cols = moved.shape[-2:]
    below, above = max(-offset, 0), max(offset, 0)
    steps = np.arange(max(0, min(rows - below, cols - above)))
    return getitem(moved, (Ellipsis, steps + below, steps + above))

def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, `offset` above the main one (below it if negative), as a new last
    dim. A new tensor, where PyTorch's is a view."""
    check_tensor(input, "input", "diagonal")
    return _diagonal(input, offset, dim1, dim2, "diagonal")

class PlaceAt(Function):
    """Zeros of `shape` with x's elements at the distinct positions `key`: the adjoint of getitem."""
    keeps_inputs = False

    def forward(self, x, shape, key):
        self.key = key
        return self.xp.scatter(shape, key, x)

    def backward(self, g):
        return self.xp.contiguous(self.xp.getitem(g, self.key)), None, None

def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of input on their diagonal, `offset` above the main one (below it if negative),
    zeros elsewhere; dim1 and dim2 are the matrices' dims in the output."""
    check_tensor(input, "input", "diag_embed")
    check_int(offset, "offset", "diag_embed")
    first, second = normalize_dim(dim1, input.ndim + 1), normalize_dim(dim2, input.ndim + 1)
    if first == second:
        raise ValueError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    length = input.shape[-1]
    size = length + abs(offset)
    steps = np.arange(length)
    key = (Ellipsis, steps + max(-offset, 0), steps + max(offset, 0))
    matrices = PlaceAt.apply(input, input.shape[:-1] + (size, size), key)
    return movedim(matrices, (-2, -1), (first, second))

def diag(input, diagonal=0):
    """A 1-d input as the diagonal of a square matrix (`diagonal` above the main one, below it if negative), or
    the diagonal of a matrix."""
    check_tensor(input, "input", "diag")
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return _diagonal(input, diagonal, 0, 1, "diag")
    raise ValueError(f"diag(): supports 1-d or 2-d tensors, got shape {input.shape}")

def trace(input):
    """The sum of a matrix's main diagonal (integers sum as int64)."""
    check_tensor(input, "input", "trace")
    if input.ndim != 2:
        raise ValueError(f"trace: expected a matrix, got a tensor of shape {input.shape}")
    if input.dtype == np.dtype(bool):
        raise TypeError("trace: bool tensors have no trace; convert first, e.g. x.long()")
    return reduce.sum(_diagonal(input, 0, 0, 1, "trace"))

# --- rotating and flipping -------------------------------------------------------------------------------------
def rot90(input, k=1, dims=(0, 1)):
    """Rotated k times by 90 degrees in the plane of `dims`, from the first dim towards the second."""
    check_tensor(input, "input", "rot90")
    check_int(k, "k", "rot90")
    if not isinstance(dims, (tuple, list)) or len(dims) != 2:
        raise ValueError(f"rot90: dims must name 2 dims, got {dims!r}")
    if input.ndim < 2:
        raise ValueError(f"rot90: input must have at least 2 dims, got shape {input.shape}")
    first, second = normalize_dim(dims[0], input.ndim), normalize_dim(dims[1], input.ndim)
    if first == second:
        raise ValueError(f"rot90: dims must be different, got {dims!r}")
    turns = k % 4
    if turns == 0:
        return clone(input)
    if turns == 2:
        return flip(input, (first, second))
    if turns == 1:
        return transpose(flip(input, second), first, second)
    return flip(transpose(input, first, second), second)

def fliplr(input):
    """Columns (dim 1) in reverse order."""
    check_tensor(input, "input", "fliplr")
    if input.ndim < 2:
        raise ValueError(f"fliplr: input must be at least 2-d, got shape {input.shape}")
    return flip(input, 1)

def flipud(input):
    """Rows (dim 0) in reverse order."""
    check_tensor(input, "input", "flipud")
    if input.ndim < 1:
        raise ValueError("flipud: input must be at least 1-d, got a 0-d tensor")
    return flip(input, 0)

# --- splitting and stacking ------------------------------------------------------------------------------------
def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None):
    """numpy's array_split: `sections` pieces along dim (the first size % sections one longer), or the pieces
    between the positions `indices`. An int64 tensor gives sections (0-d) or indices (1-d)."""
    check_tensor(input, "input", "tensor_split")
    given = [value for value in (indices_or_sections, sections, indices) if value is not None]
    if len(given) != 1:
        raise TypeError("tensor_split: give exactly one of indices_or_sections, sections and indices")
    split_by = given[0]
    if input.ndim == 0:
        raise ValueError("tensor_split expects at least a 1-dimensional tensor, got a 0-d one")
    axis = normalize_dim(dim, input.ndim)
    length = input.shape[axis]
    if isinstance(split_by, Tensor):
        if split_by.dtype != np.dtype(np.int64) or split_by.ndim > 1:
            raise TypeError(f"tensor_split: a tensor of indices or sections must be 0-d or 1-d int64, got a "
                            f"{split_by.dtype} tensor of shape {split_by.shape}")
        split_by = split_by.item() if split_by.ndim == 0 else split_by.tolist()
    if isinstance(split_by, (tuple, list)):
        bounds = [0] + [check_int(i, "indices", "tensor_split") for i in split_by] + [length]
        return tuple(getitem(input, _along(axis, slice(lo, hi))) for lo, hi in zip(bounds, bounds[1:]))
    count = check_int(split_by, "sections", "tensor_split")
    if count < 1:
        raise ValueError(f"tensor_split: number of sections must be larger than 0, got {count}")
    ends = np.cumsum([length // count + (i < length % count) for i in range(count)])
    return tuple(getitem(input, _along(axis, slice(int(end - size), int(end))))
                 for end, size in zip(ends, np.diff(ends, prepend=0)))

def _grown(tensor, ndim):
    """tensor with ones added as numpy's atleast_1d/2d/3d add them: (n,) is (1, n) and (1, n, 1)."""
    if tensor.ndim >= ndim:
        return tensor
    if ndim == 3 and tensor.ndim:
        shape = (1,) + tensor.shape + (1,) if tensor.ndim == 1 else tensor.shape + (1,)
    else:
        shape = (1,) * (ndim - tensor.ndim) + tensor.shape
    return reshape(tensor, shape)

def _at_least(tensors, ndim, op):
    """One tensor back for one tensor, a tuple for several or for a list of them."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _grown(tensors[0], ndim)
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    return tuple(_grown(t, ndim) for t in check_tensors(list(tensors), "tensors", op))

def atleast_1d(*tensors):
    return _at_least(tensors, 1, "atleast_1d")

def atleast_2d(*tensors):
    return _at_least(tensors, 2, "atleast_2d")

def atleast_3d(*tensors):
    return _at_least(tensors, 3, "atleast_3d")

def _stack_list(tensors, op):
    tensors = check_tensors(tensors, "tensors", op)
    if not tensors:
        raise ValueError(f"{op} expects a non-empty list of tensors")
    return tensors

def hstack(tensors):
    """cat along dim 1, or along dim 0 when the tensors are 1-d (0-d ones count as 1-d)."""
    tensors = [_grown(t, 1) for t in _stack_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)

def vstack(tensors):
    """cat along dim 0 of the tensors made at least 2-d ((n,) is (1, n))."""
    return cat([_grown(t, 2) for t in _stack_list(tensors, "vstack")], 0)

row_stack = vstack

def dstack(tensors):
    """cat along dim 2 of the tensors made at least 3-d ((n,) is (1, n, 1), (m, n) is (m, n, 1))."""
    return cat([_grown(t, 3) for t in _stack_list(tensors, "dstack")], 2)

def column_stack(tensors):
    """cat along dim 1, each 0-d or 1-d tensor as a column (n, 1)."""
    tensors = _stack_list(tensors, "column_stack")
    return cat([reshape(t, (t.numel(), 1)) if t.ndim < 2 else t for t in tensors], 1)

# --- broadcasting and reshaping --------------------------------------------------------------------------------
def broadcast_to(input, size):
    """input expanded to `size` (-1 keeps a dim), as numpy broadcasts it."""
    check_tensor(input, "input", "broadcast_to")
    return expand(input, size)

def broadcast_shapes(*shapes):
    """The shape that tensors of `shapes` (ints or sequences of ints) broadcast to."""
    shapes = [(s,) if is_int(s) else shape_arg((s,), "broadcast_shapes") for s in shapes]
    return Size(broadcast_shape(*shapes))

def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    tensors = check_tensors(list(tensors), "tensors", "broadcast_tensors")
    shape = broadcast_shape(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)

def unflatten(input, dim, sizes):
    """dim split into the dims `sizes` (their product is its size; one may be -1)."""
    check_tensor(input, "input", "unflatten")
    axis = normalize_dim(dim, input.ndim)
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten: sizes must be a tuple or list of ints, got {described(sizes)}")
    sizes = shape_arg(tuple(sizes), "unflatten", allow_unknown=True)
    if not sizes:
        raise ValueError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    length = input.shape[axis] if input.ndim else 1
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or length % known)) or \
            (-1 not in sizes and known != length):
        raise ValueError(f"unflatten: sizes {list(sizes)} don't multiply up to the size of dim {axis} ({length}) "
                         f"of input {input.shape}")
    return reshape(input, input.shape[:axis] + sizes + input.shape[axis + 1:])

class Contiguous(Function):
    keeps_inputs = False

    def forward(self, x):
        return self.xp.contiguous(x)

    def backward(self, g):
        return g

def contiguous(input):
    """input in C order: itself when it already is, else a copy (only CPU views can be out of order)."""
    return input if input.is_contiguous() else Contiguous.apply(input)

def channel_shuffle(input, groups):
    """Split the channels (dim 1) into `groups` groups and interleave them: ShuffleNet's channel shuffle."""
    op = "channel_shuffle"
    check_tensor(input, "input", op)
    check_int(groups, "groups", op, minimum=1)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input (N, C, *spatial) with more than 2 dims, got shape {input.shape}")
    channels = input.shape[1]
    if channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the {channels} channels of input {input.shape}")
    grouped = input.reshape((input.shape[0], groups, channels // groups) + input.shape[2:])
    return grouped.transpose(1, 2).reshape(input.shape)
