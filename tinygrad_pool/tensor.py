"""`Tensor`: an array on a device plus the autograd tape that produced it.

The data lives in `self.data` as the device backend's array (numpy on "cpu", `CudaArray` on "cuda").
Every differentiable method applies a `Function` from `functions.py`; this file only checks arguments, picks
dtypes the way PyTorch does, and turns PyTorch-style calls (dim, keepdim, *shape) into backend calls.
"""
import numbers
from collections import namedtuple

import numpy as np

from . import autograd, functions as F
from .backends import get_backend, normalize_device

float32, float64, int64, bool_ = np.dtype("float32"), np.dtype("float64"), np.dtype("int64"), np.dtype("bool")
DTYPES = (float32, float64, int64, bool_)
_CATEGORY = {bool_: 0, int64: 1, float32: 2, float64: 2}

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])

def as_dtype(dtype):
    """Accept np.float32, 'float32', tinygrad_pool.float32, ... and return one of the four supported dtypes."""
    if dtype is None:
        return None
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}: use float32, float64, int64 or bool") from None
    if resolved not in DTYPES:
        raise TypeError(f"unsupported dtype {resolved}: use float32, float64, int64 or bool")
    return resolved

def _infer_numpy(data, dtype):
    """numpy array for `data` with PyTorch's default dtypes: python floats -> float32, ints -> int64."""
    array = np.array(data)
    if dtype is not None:
        return array.astype(dtype)
    kind = array.dtype.kind
    if kind == "f":
        # float64 numpy arrays keep their precision; python floats and lists default to float32, as in PyTorch.
        keep64 = isinstance(data, np.ndarray) and array.dtype == float64
        return array.astype(float64 if keep64 else float32)
    if kind in "iu":
        return array.astype(int64)
    if kind == "b":
        return array
    raise TypeError(f"cannot make a Tensor from data of dtype {array.dtype}: use numbers, lists or numpy arrays "
                    "of float, int or bool")

def common_device(args):
    """The one device of the Tensors among `args`; mixing devices is a ValueError."""
    devices = {a.device for a in args if isinstance(a, Tensor)}
    if len(devices) > 1:
        raise ValueError(f"tensors on different devices {sorted(devices)}: move them with .to(device) first")
    return devices.pop() if devices else "cpu"

def _normalize_dim(dim, ndim, what="dim"):
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {dim!r}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{what}={dim} is out of range for a tensor with {ndim} dimensions")
    return dim % max(ndim, 1)

def _shape_arg(shape):
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)

class Tensor:
    __array_priority__ = 1000  # numpy scalars and arrays on the left defer to Tensor's reflected operators

    def __init__(self, data, dtype=None, device="cpu", requires_grad=False):
        device = normalize_device(device)
        dtype = as_dtype(dtype)
        if isinstance(data, Tensor):
            data = data.numpy()
        self.data = get_backend(device).asarray(_infer_numpy(data, dtype))
        self.device = device
        self.grad = None
        self._ctx = None
        self.requires_grad = requires_grad

    # --- construction helpers --------------------------------------------------------------------------------
    @classmethod
    def _wrap(cls, data, device, requires_grad=False, ctx=None):
        out = cls.__new__(cls)
        out.data, out.device, out.grad, out._ctx = data, device, None, ctx
        out._requires_grad = requires_grad
        return out

    @staticmethod
    def backend(device):
        return get_backend(device)

    @property
    def xp(self):
        return get_backend(self.device)

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, this one is {self.dtype}")
        self._requires_grad = bool(value)

    # --- properties and conversion ---------------------------------------------------------------------------
    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: np.dtype(self.data.dtype))
    ndim = property(lambda self: len(self.data.shape))
    is_leaf = property(lambda self: self._ctx is None)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[_normalize_dim(dim, self.ndim)]

    def numel(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def numpy(self):
        """A numpy array of the values (shares memory on the CPU, a copy from CUDA)."""
        return self.xp.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    @property
    def __cuda_array_interface__(self):
        if self.device != "cuda":
            raise AttributeError("__cuda_array_interface__ exists only for tensors on 'cuda'")
        return self.data.__cuda_array_interface__

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def to(self, device=None, dtype=None):
        """Move to another device and/or cast: t.to('cuda'), t.to(float64), t.to('cpu', float32)."""
        if device is not None and not isinstance(device, str):
            device, dtype = None, device
        out = self if dtype is None else self.type(dtype)
        if device is None or normalize_device(device) == self.device:
            return out
        target = normalize_device(device)
        moved = Tensor._wrap(get_backend(target).asarray(out.numpy()), target, requires_grad=out.requires_grad)
        return moved

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def detach(self):
        return Tensor._wrap(self.data, self.device)

    def clone(self):
        return F.Clone.apply(self)

    def type(self, dtype):
        dtype = as_dtype(dtype)
        if dtype == self.dtype:
            return self
        if self.requires_grad and dtype.kind == "f":
            return F.Cast.apply(self, dtype)
        return Tensor._wrap(self.xp.astype(self.data, dtype), self.device)

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def bool(self):
        return self.type(bool_)

    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`; a non-scalar output needs `gradient`."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: no input has requires_grad=True")
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError(f"backward() needs a gradient argument for a non-scalar output of shape "
                                   f"{self.shape}")
            grad = self.xp.full(self.shape, 1, self.dtype)
        else:
            gradient = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=self.dtype)
            if gradient.shape != self.shape:
                raise ValueError(f"gradient of shape {gradient.shape} does not match the output shape {self.shape}")
            grad = gradient.to(self.device).type(self.dtype).data
        autograd.backward(self, grad, retain_graph)

    def __repr__(self):
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (float32, int64, bool_) or (self.dtype == float32 and self.numel() == 0):
            extras.append(f"dtype={self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # --- elementwise arithmetic ------------------------------------------------------------------------------
    def _binary(self, other, fn, reverse=False, true_divide=False):
        a, b = _promote(self, other, true_divide)
        return fn.apply(b, a) if reverse else fn.apply(a, b)

    __add__ = lambda self, o: self._binary(o, F.Add)
    __radd__ = lambda self, o: self._binary(o, F.Add, reverse=True)
    __sub__ = lambda self, o: self._binary(o, F.Sub)
    __rsub__ = lambda self, o: self._binary(o, F.Sub, reverse=True)
    __mul__ = lambda self, o: self._binary(o, F.Mul)
    __rmul__ = lambda self, o: self._binary(o, F.Mul, reverse=True)
    __truediv__ = lambda self, o: self._binary(o, F.Div, true_divide=True)
    __rtruediv__ = lambda self, o: self._binary(o, F.Div, reverse=True, true_divide=True)
    __pow__ = lambda self, o: self._binary(o, F.Pow)
    __rpow__ = lambda self, o: self._binary(o, F.Pow, reverse=True)
    __matmul__ = lambda self, o: self.matmul(o)
    __rmatmul__ = lambda self, o: _as_tensor(o, self).matmul(self)
    add, sub, mul, div, pow = __add__, __sub__, __mul__, __truediv__, __pow__

    def __neg__(self):
        return F.Neg.apply(self)

    def maximum(self, other):
        return self._binary(other, F.Maximum)

    def minimum(self, other):
        return self._binary(other, F.Minimum)

    def _compare(self, other, name):
        a, b = _promote(self, other)
        device = common_device((a, b))
        raw = [x.data if isinstance(x, Tensor) else x for x in (a, b)]
        return Tensor._wrap(getattr(get_backend(device), name)(*raw), device)

    __eq__ = lambda self, o: self._compare(o, "eq")
    __ne__ = lambda self, o: self._compare(o, "ne")
    __lt__ = lambda self, o: self._compare(o, "lt")
    __le__ = lambda self, o: self._compare(o, "le")
    __gt__ = lambda self, o: self._compare(o, "gt")
    __ge__ = lambda self, o: self._compare(o, "ge")
    __hash__ = object.__hash__

    def _float_unary(self, fn):
        x = self if self.dtype.kind == "f" else self.float()
        return fn.apply(x)

    exp = lambda self: self._float_unary(F.Exp)
    log = lambda self: self._float_unary(F.Log)
    sqrt = lambda self: self._float_unary(F.Sqrt)
    sigmoid = lambda self: self._float_unary(F.Sigmoid)
    tanh = lambda self: self._float_unary(F.Tanh)
    abs = lambda self: F.Abs.apply(self)
    __abs__ = abs
    relu = lambda self: F.Relu.apply(self)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp() needs at least one of min and max")
        return F.Clamp.apply(self, min, max)

    def where(self, condition, other):
        """PyTorch's x.where(condition, y): x where condition holds, else y."""
        return where(condition, self, other)

    # --- reductions -------------------------------------------------------------------------------------------
    def _axes(self, dim):
        if dim is None:
            return tuple(range(self.ndim))
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        return tuple(sorted({_normalize_dim(d, self.ndim) for d in dims}))

    def sum(self, dim=None, keepdim=False):
        x = self if self.dtype.kind in "fi" else self.long()
        return F.Sum.apply(x, self._axes(dim), keepdim)

    def mean(self, dim=None, keepdim=False):
        if self.dtype.kind != "f":
            raise TypeError(f"mean() needs a floating-point tensor, this one is {self.dtype}: call .float() first")
        count = int(np.prod([self.shape[a] for a in self._axes(dim)], dtype=np.int64))
        return self.sum(dim, keepdim) / count

    def _extreme(self, dim, keepdim, kind):
        if self.numel() == 0:
            raise ValueError(f"{kind}() of an empty tensor of shape {self.shape}")
        if dim is None:
            return F.Extreme.apply(self, kind)
        dim = _normalize_dim(dim, self.ndim)
        values = F.ExtremeAlongDim.apply(self, dim, keepdim, kind)
        indices = getattr(self.xp, "arg" + kind)(self.data, dim, keepdim)
        return ValuesIndices(values, Tensor._wrap(indices, self.device))

    def max(self, dim=None, keepdim=False):
        """max over everything, or (values, indices) along `dim` like torch.max."""
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, "min")

    def argmax(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._wrap(self.xp.argmax(self.xp.reshape(self.data, (self.numel(),)), 0, False), self.device)
        return Tensor._wrap(self.xp.argmax(self.data, _normalize_dim(dim, self.ndim), keepdim), self.device)

    # --- shape and movement -----------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_arg(shape)
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if shape.count(-1) > 1 or (-1 not in shape and known != self.numel()) or \
                (-1 in shape and (known == 0 or self.numel() % known)):
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} ({self.numel()} elements) to {shape}")
        if -1 in shape:
            shape = tuple(self.numel() // known if s == -1 else s for s in shape)
        return F.Reshape.apply(self, shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _normalize_dim(start_dim, self.ndim), _normalize_dim(end_dim, self.ndim)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def permute(self, *dims):
        dims = tuple(_normalize_dim(d, self.ndim) for d in _shape_arg(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise ValueError(f"permute{dims} is not a permutation of the {self.ndim} dims of shape {self.shape}")
        return F.Permute.apply(self, dims)

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        a, b = _normalize_dim(dim0, self.ndim), _normalize_dim(dim1, self.ndim)
        dims[a], dims[b] = dims[b], dims[a]
        return F.Permute.apply(self, tuple(dims))

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim):
        dim = _normalize_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        dim = _normalize_dim(dim, self.ndim)
        return self if self.shape[dim] != 1 else self.reshape(self.shape[:dim] + self.shape[dim + 1:])

    def expand(self, *shape):
        shape = _shape_arg(shape)
        if len(shape) < self.ndim:
            raise ValueError(f"cannot expand shape {self.shape} to fewer dims {shape}")
        lead = len(shape) - self.ndim
        target = tuple(s if s != -1 else (self.shape[i - lead] if i >= lead else -1) for i, s in enumerate(shape))
        for i, size in enumerate(self.shape):
            if size != 1 and size != target[lead + i]:
                raise ValueError(f"cannot expand shape {self.shape} to {shape}: dim {i} has size {size}")
        if any(s < 0 for s in target):
            raise ValueError(f"cannot expand shape {self.shape} to {shape}")
        return F.Expand.apply(self, target)

    def contiguous(self):
        return self

    def __getitem__(self, key):
        return F.GetItem.apply(self, _index_key(key))

    def matmul(self, other):
        other = _as_tensor(other, self)
        if self.ndim == 0 or other.ndim == 0:
            raise ValueError(f"matmul needs tensors with at least 1 dim, got shapes {self.shape} and {other.shape}")
        if self.dtype != other.dtype:
            raise TypeError(f"matmul of {self.dtype} and {other.dtype}: cast one with .to(dtype) first")
        a = self.unsqueeze(0) if self.ndim == 1 else self
        b = other.unsqueeze(-1) if other.ndim == 1 else other
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul shape mismatch: {self.shape} @ {other.shape} "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul batch dims do not broadcast: {self.shape} @ {other.shape}") from None
        out = F.MatMul.apply(a, b)
        if self.ndim == 1:
            out = out.squeeze(-2)
        if other.ndim == 1:
            out = out.squeeze(-1)
        return out

    def softmax(self, dim):
        return F.Softmax.apply(self._float_input("softmax"), _normalize_dim(dim, self.ndim))

    def log_softmax(self, dim):
        return F.LogSoftmax.apply(self._float_input("log_softmax"), _normalize_dim(dim, self.ndim))

    def _float_input(self, what):
        if self.dtype.kind != "f":
            raise TypeError(f"{what} needs a floating-point tensor, this one is {self.dtype}")
        return self

    def pad(self, pad, value=0.0):
        """PyTorch's F.pad(x, pad) order: (left, right) for the last dim, then the one before, ..."""
        if len(pad) % 2 or len(pad) // 2 > self.ndim:
            raise ValueError(f"pad {tuple(pad)} needs an even length of at most 2 * ndim = {2 * self.ndim}")
        if any(p < 0 for p in pad):
            raise ValueError(f"negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * self.ndim
        for i in range(len(pad) // 2):
            widths[self.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
        return F.Pad.apply(self, tuple(widths), value)

def _as_tensor(value, like):
    return value if isinstance(value, Tensor) else Tensor(value, device=like.device)

def result_dtype(a, b):
    """PyTorch's promotion: the higher category (bool < int < float) wins; within floats the wider one."""
    if _CATEGORY[a] != _CATEGORY[b]:
        return a if _CATEGORY[a] > _CATEGORY[b] else b
    return np.promote_types(a, b)

def broadcast_shape(*shapes):
    """numpy's broadcast result shape, or a ValueError that names the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"shapes {' and '.join(map(str, shapes))} do not broadcast: each dim must match or be 1")\
            from None

def _promote(a, b, true_divide=False):
    """Bring a Tensor and a Tensor-or-scalar to one dtype; scalars stay python numbers (no device copy)."""
    if isinstance(b, np.ndarray) or (isinstance(b, (list, tuple))):
        b = Tensor(b, device=a.device)
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(b, Tensor):
        broadcast_shape(a.shape, b.shape)
        dtype = result_dtype(a.dtype, b.dtype)
    elif isinstance(b, bool):
        dtype = a.dtype
    elif isinstance(b, numbers.Integral):
        dtype = a.dtype if a.dtype != bool_ else int64
    elif isinstance(b, numbers.Real):
        dtype = a.dtype if a.dtype.kind == "f" else float32
    else:
        raise TypeError(f"unsupported operand {b!r} of type {type(b).__name__}: use a Tensor or a number")
    if true_divide and dtype.kind != "f":
        dtype = float32
    if isinstance(b, Tensor):
        return a.type(dtype), b.type(dtype)
    return a.type(dtype), (float(b) if dtype.kind == "f" else b)

def _index_key(key):
    """Turn Tensors, ranges and lists in an index into numpy arrays, so both backends see plain numpy keys."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for part in parts:
        if isinstance(part, Tensor):
            part = part.numpy()
        elif isinstance(part, (range, list)):
            part = np.asarray(part)
        if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be int64 or bool, got {part.dtype}")
        out.append(part)
    return tuple(out)

def where(condition, input, other):
    """Elementwise `input if condition else other`, broadcasting all three."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    input, other = _promote(input, other) if isinstance(input, Tensor) else reversed(_promote(other, input))
    device = common_device((condition, input, other))
    broadcast_shape(condition.shape, *(x.shape for x in (input, other) if isinstance(x, Tensor)))
    return F.Where.apply(condition.bool().to(device), input, other)

def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat() needs at least one tensor")
    first = tensors[0]
    dim = _normalize_dim(dim, first.ndim)
    for t in tensors[1:]:
        if t.ndim != first.ndim or t.shape[:dim] + t.shape[dim + 1:] != first.shape[:dim] + first.shape[dim + 1:]:
            raise ValueError(f"cat() along dim {dim}: shapes {first.shape} and {t.shape} differ outside that dim")
    dtype = first.dtype
    for t in tensors[1:]:
        dtype = result_dtype(dtype, t.dtype)
    return F.Cat.apply(dim, *[t.type(dtype) for t in tensors])

def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack() needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack() needs tensors of one shape, got {sorted(shapes)}")
    dim = _normalize_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(dim) for t in tensors], dim)
