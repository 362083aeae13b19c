"""`Tensor`: an array on a device plus the autograd tape that produced it.

The data lives in `self._data` as the device backend's array (numpy on "cpu", `CudaArray` on "cuda").
This file holds what a Tensor is (data, dtype, device, grad, conversion, backward). Its PyTorch-style methods
(`x + y`, `x.sum(1)`, `x.reshape(...)`) are one line each: they call the op family modules in `ops/`, where
each op's argument checks, Function and public function live.
"""
import itertools
import math

import numpy as np

from . import autograd, printing
from .arguments import check_bool, described, is_int, normalize_dim
from .backends import get_backend, normalize_device
from .dtypes import get_default_dtype

float32, float64, bool_ = np.dtype("float32"), np.dtype("float64"), np.dtype("bool")
int64, int32, uint8 = np.dtype("int64"), np.dtype("int32"), np.dtype("uint8")
DTYPES = (float32, float64, int64, int32, uint8, bool_)
DTYPE_NAMES = ("float32", "float64", "int64", "int32", "uint8", "bool", "double", "long", "int")
_SUPPORTED = "float32, float64, int64, int32, uint8 or bool"

def as_dtype(dtype):
    """Accept np.float32, 'float32', tinygrad_pool.float32, ... and return one of the supported dtypes.
    The string 'int' is PyTorch's torch.int, int32; the python type int is int64, as torch.tensor infers it."""
    if dtype is None:
        return None
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if isinstance(dtype, str) and dtype not in DTYPE_NAMES:
        raise TypeError(f"unknown dtype {dtype!r}: use {_SUPPORTED}")
    try:
        resolved = int32 if isinstance(dtype, str) and dtype == "int" else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}: use {_SUPPORTED}") from None
    if resolved not in DTYPES:
        raise TypeError(f"unsupported dtype {resolved}: use {_SUPPORTED}")
    return resolved

_INT64_RANGE = (np.iinfo(np.int64).min, np.iinfo(np.int64).max)

def _infer_numpy(data, dtype):
    """numpy array for `data` with PyTorch's default dtypes: python floats -> the default float dtype (float32
    unless set_default_dtype changed it), ints -> int64, while numpy float64, int32 and uint8 data keep their dtype
    (other numpy integers become int64). Values that do not fit the dtype are a ValueError, never wrapped."""
    try:
        array = np.asarray(data)
    except ValueError as error:   # ragged nested lists
        raise ValueError(f"cannot make a Tensor from {type(data).__name__} data: {error}") from None
    kind = array.dtype.kind
    if kind == "O" and _holds_big_int(data):
        raise ValueError("cannot make a Tensor: an integer value does not fit int64 "
                         f"[{_INT64_RANGE[0]}, {_INT64_RANGE[1]}]")
    if kind not in "fiub":
        raise TypeError(f"cannot make a Tensor from data of dtype {array.dtype}: use numbers, lists or numpy "
                        "arrays of float, int or bool")
    if dtype is None:
        if kind == "f":
            keep64 = isinstance(data, (np.ndarray, np.generic)) and array.dtype == float64
            dtype = float64 if keep64 else get_default_dtype()
        else:
            keep = isinstance(data, (np.ndarray, np.generic)) and array.dtype in (int32, uint8)
            dtype = array.dtype if keep else int64 if kind in "iu" else bool_
    if dtype.kind in "iu" and kind in "fiu":
        _check_fits(array, dtype)
    return get_backend("cpu").copy(array) if array.dtype == dtype else array.astype(dtype)   # copy: all threads

def _holds_big_int(data):
    """Whether nested python data holds an int beyond numpy's 64-bit range (numpy then makes an object array)."""
    if isinstance(data, (list, tuple)):
        return any(_holds_big_int(item) for item in data)
    return isinstance(data, int) and not isinstance(data, bool)

def _check_fits(array, dtype):
    """Values bound for an integer dtype must be finite and in its range: NaN would become INT64_MIN and 300 a
    uint8 44, silently. (Casts of existing Tensors wrap, as in PyTorch; making a Tensor from data does not.)"""
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            raise ValueError(f"cannot convert {array[~finite].flat[0]} to {dtype}: only finite values have an "
                             "integer")
    info = np.iinfo(dtype)
    if array.size and (array.min() < info.min or array.max() > info.max
                       or (array.dtype.kind == "f" and array.max() >= float(info.max) + 1)):
        raise ValueError(f"cannot convert values in [{array.min()}, {array.max()}] to {dtype}: out of range "
                         f"[{info.min}, {info.max}]")

class Size(tuple):
    """PyTorch's torch.Size: the tuple of sizes that `shape` and `size()` return, equal to the plain tuple.
    repr and str read `tinygrad_pool.Size([1, 84])`; a slice or a sum with a tuple is a Size again. In an f-string
    without a format spec it reads as the tuple, `(1, 84)`: that is how the library's messages show shapes."""
    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for size in sizes:
            if not is_int(size):
                raise TypeError(f"Size: sizes must be ints, got {described(size)} in {sizes!r}")
        return super().__new__(cls, (int(s) for s in sizes))

    def __repr__(self):
        return f"tinygrad_pool.Size({list(self)})"

    __str__ = __repr__

    def __format__(self, spec):
        return tuple.__repr__(self) if not spec else format(repr(self), spec)

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return tuple.__new__(Size, item) if isinstance(key, slice) else item

    def __add__(self, other):
        return tuple.__new__(Size, tuple.__add__(self, other)) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other):
        return tuple.__new__(Size, tuple.__add__(other, self)) if isinstance(other, tuple) else NotImplemented

    def __reduce__(self):
        return Size, (tuple(self),)

    def numel(self):
        """The number of elements of a tensor of this shape."""
        return math.prod(self)

_new_size = tuple.__new__   # a Size from a tuple of ints known to be valid, without Size.__new__'s checks

def common_device(args):
    """The one device of the Tensors among `args`; mixing devices is a ValueError."""
    devices = {a.device for a in args if isinstance(a, Tensor)}
    if len(devices) > 1:
        raise ValueError(f"tensors on different devices {sorted(devices)}: move them with .to(device) first")
    return devices.pop() if devices else "cpu"

class RemovableHandle:
    """What registering a hook returns: remove() unregisters it (a second call does nothing). Keys are never
    reused, so a stale handle cannot remove a later hook."""
    keys = itertools.count()

    def __init__(self, hooks, key):
        self._hooks, self.id = hooks, key

    def remove(self):
        self._hooks.pop(self.id, None)

class Tensor:
    __array_priority__ = 1000  # numpy scalars and arrays on the left defer to Tensor's reflected operators

    def __init__(self, data, dtype=None, device="cpu", requires_grad=False):
        device = normalize_device(device)
        dtype = as_dtype(dtype)
        if isinstance(data, Tensor):
            data = data.numpy()
        self._data = get_backend(device).asarray(_infer_numpy(data, dtype))
        self.device = device
        self._grad = None
        self._ctx = None
        self.requires_grad = requires_grad

    # --- construction helpers --------------------------------------------------------------------------------
    @classmethod
    def _wrap(cls, data, device, requires_grad=False, ctx=None):
        out = cls.__new__(cls)
        out._data, out.device, out._grad, out._ctx = data, device, None, ctx
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
        value = check_bool(value, "requires_grad", "Tensor")
        if value and self.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, this one is {self.dtype}")
        self._requires_grad = value

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        """None, or a Tensor of this tensor's shape, dtype and device (optimizers update with it in place)."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if (value.shape, value.dtype, value.device) != (self.shape, self.dtype, self.device):
                raise ValueError(f"grad of shape {value.shape}, dtype {value.dtype} on {value.device} does not fit "
                                 f"a tensor of shape {self.shape}, dtype {self.dtype} on {self.device}")
        self._grad = value

    def register_post_accumulate_grad_hook(self, hook):
        """PyTorch's: `hook(tensor)` runs each time backward has accumulated into this leaf's .grad (the .grad
        is final for that pass). Returns a handle whose remove() unregisters it."""
        if self._ctx is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only a leaf tensor gets its .grad accumulated; "
                               "this tensor is the result of an operation")
        if not callable(hook):
            raise TypeError(f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", {})
        key = next(RemovableHandle.keys)
        hooks[key] = hook
        return RemovableHandle(hooks, key)

    # --- properties and conversion ---------------------------------------------------------------------------
    shape = property(lambda self: _new_size(Size, self._data.shape))
    dtype = property(lambda self: np.dtype(self._data.dtype))
    ndim = property(lambda self: len(self._data.shape))
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: self._ctx, doc="The Function that computed this tensor (None for a leaf).")

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[normalize_dim(dim, self.ndim)]

    def numel(self):
        return math.prod(self._data.shape)

    nelement = numel

    def dim(self):
        return self.ndim

    ndimension = dim

    def element_size(self):
        """Bytes per element."""
        return self.dtype.itemsize

    is_cuda = property(lambda self: self.device == "cuda")

    def _one_value(self, what):
        if self.numel() != 1:
            raise ValueError(f"{what} needs a tensor with one element, this one has {self.numel()} (shape "
                             f"{self.shape}), so its value is ambiguous: reduce it first, e.g. with .sum() or .max()")
        return self.numpy().reshape(()).item()

    def __bool__(self):
        return bool(self._one_value("bool()"))

    def __float__(self):
        return float(self._one_value("float()"))

    def __int__(self):
        return int(self._one_value("int()"))

    def __index__(self):
        if self.dtype.kind not in "ib":
            raise TypeError(f"only integer tensors can be used as an index, this one is {self.dtype}")
        return int(self._one_value("an index"))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        """The slices along dim 0, as PyTorch's iteration (`for row in x`)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(movement.unbind(self, 0))

    def __contains__(self, element):
        """Whether any element equals `element` (a number or a tensor that broadcasts)."""
        return bool(reduce.any(elementwise.compare(self, element, "eq")))

    def numpy(self):
        """A numpy array of the values (shares memory on the CPU, a copy from CUDA)."""
        return self.xp.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    @property
    def __cuda_array_interface__(self):
        if self.device != "cuda":
            raise AttributeError("__cuda_array_interface__ exists only for tensors on 'cuda'")
        return self._data.__cuda_array_interface__

    def item(self):
        return self._one_value("item()")

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
        return Tensor._wrap(self._data, self.device)

    @property
    def data(self):
        """PyTorch's `.data`: a leaf Tensor without grad on the same storage, so that `p.data.add_(...)` and
        `m.bias.data.fill_(0)` change this tensor without being recorded on the tape."""
        return Tensor._wrap(self._data, self.device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}; wrap an array with "
                            "tinygrad_pool.tensor(array) first")
        self._data, self.device = value._data, value.device

    def detach_(self):
        """Cut this tensor from the graph that made it, in place: it becomes a leaf without grad."""
        self._ctx, self._requires_grad = None, False
        return self

    def type_as(self, other):
        return self.type(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A tensor of `data` with this tensor's dtype and device unless given."""
        return Tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                             requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return creation.zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return creation.ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                             requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return creation.empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    def clone(self):
        return movement.clone(self)

    def type(self, dtype=None):
        """This tensor cast to `dtype`; without one, the name of its legacy type ('tinygrad_pool.FloatTensor')."""
        return legacy.tensor_type_name(self) if dtype is None else elementwise.cast(self, dtype)

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this tensor; returns it."""
        self.requires_grad = requires_grad
        return self

    def is_floating_point(self):
        return self.dtype.kind == "f"

    def is_complex(self):
        return False

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def int(self):
        return self.type(int32)

    def byte(self):
        return self.type(uint8)

    def bool(self):
        return self.type(bool_)

    def half(self):
        raise TypeError(f"half(): float16 tensors are not supported (tensors hold {_SUPPORTED}); "
                        "use .float()")

    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`; a non-scalar output needs `gradient`."""
        check_bool(retain_graph, "retain_graph", "backward")
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
            grad = gradient.to(self.device).type(self.dtype)._data
        autograd.backward(self, grad, retain_graph)

    def __repr__(self):
        """PyTorch's layout (printing.py): tensor([1.5000, 2.0000], dtype=tinygrad_pool.float64)."""
        extras = []
        if self.numel() == 0 and self.shape != (0,):
            extras.append(f"size={self.shape}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}:0'")
        default = (float32,) if self.numel() == 0 else (float32, int64, bool_)
        if self.dtype not in default:
            extras.append(f"dtype=tinygrad_pool.{self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}Backward0>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([printing.tensor_text(self.numpy())] + extras) + ")"

    def __reduce__(self):
        """pickle, copy.deepcopy and DataLoader workers keep the values, device and requires_grad, as in PyTorch;
        not the graph that made the tensor, nor its gradient."""
        return _unpickle_tensor, (self.numpy(), self.device, self.requires_grad)

    def __format__(self, spec):
        """A one-element tensor formats as its number (f"{loss:.3f}"), anything else as its repr."""
        if self.numel() == 1 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    # --- the ops, by family (tinygrad_pool/ops/) -------------------------------------------------------------
    __add__ = lambda self, o: elementwise.add(self, o)
    __radd__ = lambda self, o: elementwise.add(self, o, reverse=True)
    __sub__ = lambda self, o: elementwise.sub(self, o)
    __rsub__ = lambda self, o: elementwise.sub(self, o, reverse=True)
    __mul__ = lambda self, o: elementwise.mul(self, o)
    __rmul__ = lambda self, o: elementwise.mul(self, o, reverse=True)
    __truediv__ = lambda self, o: elementwise.div(self, o)
    __rtruediv__ = lambda self, o: elementwise.div(self, o, reverse=True)
    __pow__ = lambda self, o: elementwise.pow(self, o)
    __rpow__ = lambda self, o: elementwise.pow(self, o, reverse=True)
    __matmul__ = lambda self, o: matmul.matmul(self, o)
    __rmatmul__ = lambda self, o: matmul.matmul(o if isinstance(o, Tensor) else Tensor(o, device=self.device), self)
    __neg__ = lambda self: elementwise.neg(self)
    __floordiv__ = lambda self, o: elementwise.floor_divide(self, o)
    __rfloordiv__ = lambda self, o: elementwise.floor_divide(self, o, reverse=True)
    __mod__ = lambda self, o: elementwise.remainder(self, o)
    __rmod__ = lambda self, o: elementwise.remainder(self, o, reverse=True)
    __and__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_and")
    __rand__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_and", reverse=True)
    __or__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_or")
    __ror__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_or", reverse=True)
    __xor__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_xor")
    __rxor__ = lambda self, o: elementwise.bitwise(self, o, "bitwise_xor", reverse=True)
    __invert__ = lambda self: elementwise.invert(self)
    mul, pow = __mul__, __pow__
    add = lambda self, other, *, alpha=1: elementwise.add(self, other, alpha=alpha)
    sub = lambda self, other, *, alpha=1: elementwise.sub(self, other, alpha=alpha)
    div = lambda self, other, *, rounding_mode=None: elementwise.div(self, other, rounding_mode=rounding_mode)
    subtract, multiply, divide, true_divide, negative = sub, mul, div, __truediv__, __neg__
    neg, floor_divide, remainder, bitwise_not = __neg__, __floordiv__, __mod__, __invert__
    bitwise_and, bitwise_or, bitwise_xor = __and__, __or__, __xor__
    logical_not = lambda self: elementwise.compare(self, 0, "eq")
    maximum = lambda self, other: elementwise.maximum(self, other)
    minimum = lambda self, other: elementwise.minimum(self, other)
    # elementwise math (ops/elementwise.py)
    log2 = lambda self: elementwise.log2(self)
    log10 = lambda self: elementwise.log10(self)
    expm1 = lambda self: elementwise.expm1(self)
    trunc = lambda self: elementwise.trunc(self)
    fix = trunc
    frac = lambda self: elementwise.frac(self)
    erf = lambda self: elementwise.erf(self)
    erfc = lambda self: elementwise.erfc(self)
    erfinv = lambda self: elementwise.erfinv(self)
    sinc = lambda self: elementwise.sinc(self)
    deg2rad = lambda self: elementwise.deg2rad(self)
    rad2deg = lambda self: elementwise.rad2deg(self)
    signbit = lambda self: elementwise.signbit(self)
    atan2 = lambda self, other: elementwise.atan2(self, other)
    arctan2 = atan2
    fmod = lambda self, other: elementwise.fmod(self, other)
    hypot = lambda self, other: elementwise.hypot(self, other)
    copysign = lambda self, other: elementwise.copysign(self, other)
    logaddexp = lambda self, other: elementwise.logaddexp(self, other)
    logaddexp2 = lambda self, other: elementwise.logaddexp2(self, other)
    xlogy = lambda self, other: elementwise.xlogy(self, other)
    heaviside = lambda self, values: elementwise.heaviside(self, values)
    float_power = lambda self, exponent: elementwise.float_power(self, exponent)
    lerp = lambda self, end, weight: elementwise.lerp(self, end, weight)
    addcmul = lambda self, tensor1, tensor2, *, value=1: elementwise.addcmul(self, tensor1, tensor2, value=value)
    addcdiv = lambda self, tensor1, tensor2, *, value=1: elementwise.addcdiv(self, tensor1, tensor2, value=value)
    nan_to_num = lambda self, nan=0.0, posinf=None, neginf=None: elementwise.nan_to_num(self, nan, posinf, neginf)
    logical_and = lambda self, other: elementwise.logical_and(self, other)
    logical_or = lambda self, other: elementwise.logical_or(self, other)
    logical_xor = lambda self, other: elementwise.logical_xor(self, other)
    isclose = lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: elementwise.isclose(
        self, other, rtol, atol, equal_nan)
    allclose = lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: elementwise.allclose(
        self, other, rtol, atol, equal_nan)

    __eq__ = lambda self, o: elementwise.compare(self, o, "eq")
    __ne__ = lambda self, o: elementwise.compare(self, o, "ne")
    __lt__ = lambda self, o: elementwise.compare(self, o, "lt")
    __le__ = lambda self, o: elementwise.compare(self, o, "le")
    __gt__ = lambda self, o: elementwise.compare(self, o, "gt")
    __ge__ = lambda self, o: elementwise.compare(self, o, "ge")
    __hash__ = object.__hash__
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    isnan = lambda self: elementwise.isnan(self)
    isinf = lambda self: elementwise.isinf(self)
    isfinite = lambda self: elementwise.isfinite(self)
    masked_fill = lambda self, mask, value: elementwise.masked_fill(self, mask, value)

    exp = lambda self: elementwise.exp(self)
    log = lambda self: elementwise.log(self)
    sqrt = lambda self: elementwise.sqrt(self)
    abs = lambda self: elementwise.abs(self)
    __abs__ = abs
    clamp = lambda self, min=None, max=None: elementwise.clamp(self, min, max)
    clip = clamp
    log1p = lambda self: elementwise.log1p(self)
    sin = lambda self: elementwise.sin(self)
    cos = lambda self: elementwise.cos(self)
    sinh = lambda self: elementwise.sinh(self)
    cosh = lambda self: elementwise.cosh(self)
    floor = lambda self: elementwise.floor(self)
    ceil = lambda self: elementwise.ceil(self)
    round = lambda self, decimals=0: elementwise.round(self, decimals=decimals)
    sign = lambda self: elementwise.sign(self)
    square = lambda self: elementwise.square(self)
    rsqrt = lambda self: elementwise.rsqrt(self)
    reciprocal = lambda self: elementwise.reciprocal(self)
    relu = lambda self: activation.relu(self)
    sigmoid = lambda self: activation.sigmoid(self)
    tanh = lambda self: activation.tanh(self)
    softmax = lambda self, dim: activation.softmax(self, dim)
    log_softmax = lambda self, dim: activation.log_softmax(self, dim)

    def where(self, condition, other):
        """PyTorch's x.where(condition, y): x where condition holds, else y."""
        return elementwise.where(condition, self, other)

    sum = lambda self, dim=None, keepdim=False, dtype=None, *, axis=None: reduce.sum(self, dim, keepdim, dtype,
                                                                                      axis=axis)
    mean = lambda self, dim=None, keepdim=False, dtype=None, *, axis=None: reduce.mean(self, dim, keepdim, dtype,
                                                                                        axis=axis)
    prod = lambda self, dim=None, keepdim=False, dtype=None, *, axis=None: reduce.prod(self, dim, keepdim, dtype,
                                                                                        axis=axis)
    max = lambda self, dim=None, keepdim=False, *, axis=None: reduce.max(self, dim, keepdim, axis=axis)
    min = lambda self, dim=None, keepdim=False, *, axis=None: reduce.min(self, dim, keepdim, axis=axis)
    amax = lambda self, dim=(), keepdim=False: reduce.amax(self, dim, keepdim)
    amin = lambda self, dim=(), keepdim=False: reduce.amin(self, dim, keepdim)
    argmax = lambda self, dim=None, keepdim=False, *, axis=None: reduce.argmax(self, dim, keepdim, axis=axis)
    argmin = lambda self, dim=None, keepdim=False, *, axis=None: reduce.argmin(self, dim, keepdim, axis=axis)
    all = lambda self, dim=None, keepdim=False, *, axis=None: reduce.all(self, dim, keepdim, axis=axis)
    any = lambda self, dim=None, keepdim=False, *, axis=None: reduce.any(self, dim, keepdim, axis=axis)
    var = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None: reduce.var(
        self, dim, unbiased, keepdim, correction=correction, axis=axis)
    std = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None: reduce.std(
        self, dim, unbiased, keepdim, correction=correction, axis=axis)
    norm = lambda self, p="fro", dim=None, keepdim=False, dtype=None: reduce.norm(self, p, dim, keepdim, dtype)
    cumsum = lambda self, dim=None, dtype=None, *, axis=None: reduce.cumsum(self, dim, dtype, axis=axis)
    cumprod = lambda self, dim, dtype=None: reduce.cumprod(self, dim, dtype=dtype)
    cummax = lambda self, dim: reduce.cummax(self, dim)
    cummin = lambda self, dim: reduce.cummin(self, dim)
    logsumexp = lambda self, dim, keepdim=False: reduce.logsumexp(self, dim, keepdim)
    count_nonzero = lambda self, dim=None: reduce.count_nonzero(self, dim)
    nansum = lambda self, dim=None, keepdim=False, *, dtype=None: reduce.nansum(self, dim, keepdim, dtype=dtype)
    nanmean = lambda self, dim=None, keepdim=False, *, dtype=None: reduce.nanmean(self, dim, keepdim, dtype=dtype)
    aminmax = lambda self, *, dim=None, keepdim=False: reduce.aminmax(self, dim=dim, keepdim=keepdim)
    # sorting and selection (ops/sorting.py)
    sort = lambda self, dim=-1, descending=False, *, stable=False: sorting.sort(self, dim, descending, stable=stable)
    argsort = lambda self, dim=-1, descending=False, *, stable=False: sorting.argsort(self, dim, descending,
                                                                                     stable=stable)
    msort = lambda self: sorting.msort(self)
    topk = lambda self, k, dim=-1, largest=True, sorted=True: sorting.topk(self, k, dim, largest, sorted)
    kthvalue = lambda self, k, dim=-1, keepdim=False: sorting.kthvalue(self, k, dim, keepdim)
    median = lambda self, dim=None, keepdim=False: sorting.median(self, dim, keepdim)
    nanmedian = lambda self, dim=None, keepdim=False: sorting.nanmedian(self, dim, keepdim)
    mode = lambda self, dim=-1, keepdim=False: sorting.mode(self, dim, keepdim)
    unique = lambda self, sorted=True, return_inverse=False, return_counts=False, dim=None: sorting.unique(
        self, sorted, return_inverse, return_counts, dim)
    unique_consecutive = lambda self, return_inverse=False, return_counts=False, dim=None: (
        sorting.unique_consecutive(self, return_inverse, return_counts, dim))

    reshape = lambda self, *shape: movement.reshape(self, *shape)
    view = reshape
    flatten = lambda self, start_dim=0, end_dim=-1: movement.flatten(self, start_dim, end_dim)
    permute = lambda self, *dims: movement.permute(self, *dims)
    transpose = lambda self, dim0, dim1: movement.transpose(self, dim0, dim1)
    T = property(lambda self: movement.permute(self, tuple(reversed(range(self.ndim)))))
    unsqueeze = lambda self, dim: movement.unsqueeze(self, dim)
    squeeze = lambda self, dim=None: movement.squeeze(self, dim)
    expand = lambda self, *shape: movement.expand(self, *shape)
    view_as = lambda self, other: movement.reshape(self, other.shape)
    reshape_as = view_as
    expand_as = lambda self, other: movement.expand(self, other.shape)
    repeat = lambda self, *sizes: movement.repeat(self, *sizes)
    tile = lambda self, *dims: movement.tile(self, dims[0] if len(dims) == 1 else dims)
    split = lambda self, split_size, dim=0: movement.split(self, split_size, dim)
    chunk = lambda self, chunks, dim=0: movement.chunk(self, chunks, dim)
    unbind = lambda self, dim=0: movement.unbind(self, dim)
    flip = lambda self, *dims: movement.flip(self, dims[0] if len(dims) == 1 else dims)
    roll = lambda self, shifts, dims=None: movement.roll(self, shifts, dims)
    __getitem__ = lambda self, key: movement.getitem(self, key)
    pad = lambda self, pad, value=0.0: movement.pad(self, pad, value=value)
    matmul = lambda self, other: matmul.matmul(self, other)
    mm = lambda self, mat2: matmul.mm(self, mat2)
    bmm = lambda self, mat2: matmul.bmm(self, mat2)
    dot = lambda self, tensor: matmul.dot(self, tensor)
    vdot = lambda self, other: matmul.vdot(self, other)
    outer = lambda self, vec2: matmul.outer(self, vec2)
    ger = outer
    mv = lambda self, vec: matmul.mv(self, vec)
    kron = lambda self, other: matmul.kron(self, other)
    addmm = lambda self, mat1, mat2, *, beta=1, alpha=1: matmul.addmm(self, mat1, mat2, beta=beta, alpha=alpha)
    addmv = lambda self, mat, vec, *, beta=1, alpha=1: matmul.addmv(self, mat, vec, beta=beta, alpha=alpha)
    baddbmm = lambda self, batch1, batch2, *, beta=1, alpha=1: matmul.baddbmm(self, batch1, batch2, beta=beta,
                                                                              alpha=alpha)
    addbmm = lambda self, batch1, batch2, *, beta=1, alpha=1: matmul.addbmm(self, batch1, batch2, beta=beta,
                                                                            alpha=alpha)
    # random samples (ops/random.py)
    bernoulli = lambda self, p=None, *, generator=None: random.bernoulli(self, p, generator=generator)
    multinomial = lambda self, num_samples, replacement=False, *, generator=None: random.multinomial(
        self, num_samples, replacement, generator=generator)
    narrow = lambda self, dim, start, length: movement.narrow(self, dim, start, length)
    tril = lambda self, diagonal=0: movement.tril(self, diagonal)
    triu = lambda self, diagonal=0: movement.triu(self, diagonal)
    diag = lambda self, diagonal=0: movement.diag(self, diagonal)
    diagonal = lambda self, offset=0, dim1=0, dim2=1: movement.diagonal(self, offset, dim1, dim2)
    diag_embed = lambda self, offset=0, dim1=-2, dim2=-1: movement.diag_embed(self, offset, dim1, dim2)
    trace = lambda self: movement.trace(self)
    movedim = lambda self, source, destination: movement.movedim(self, source, destination)
    moveaxis = movedim
    swapaxes = lambda self, axis0, axis1: movement.swapaxes(self, axis0, axis1)
    swapdims = lambda self, dim0, dim1: movement.swapdims(self, dim0, dim1)
    t = lambda self: movement.t(self)
    mT = property(lambda self: movement.matrix_transpose(self))
    rot90 = lambda self, k=1, dims=(0, 1): movement.rot90(self, k, dims)
    fliplr = lambda self: movement.fliplr(self)
    flipud = lambda self: movement.flipud(self)
    tensor_split = lambda self, indices_or_sections=None, dim=0, *, sections=None, indices=None: (
        movement.tensor_split(self, indices_or_sections, dim, sections=sections, indices=indices))
    broadcast_to = lambda self, size: movement.broadcast_to(self, size)
    unflatten = lambda self, dim, sizes: movement.unflatten(self, dim, sizes)
    contiguous = lambda self: movement.contiguous(self)

    def is_contiguous(self):
        """Whether the elements lie in C order: CUDA arrays always do, CPU views (a transpose, a step) may not."""
        return self.device != "cpu" or self._data.flags.c_contiguous

    # gather, scatter and index ops (ops/indexing.py)
    gather = lambda self, dim, index, *, sparse_grad=False: indexing.gather(self, dim, index, sparse_grad=sparse_grad)
    scatter = lambda self, dim, index, src=None, value=None, *, reduce=None: indexing.scatter(
        self, dim, index, src, value, reduce=reduce)
    scatter_add = lambda self, dim, index, src: indexing.scatter_add(self, dim, index, src)
    scatter_reduce = lambda self, dim, index, src, reduce, *, include_self=True: indexing.scatter_reduce(
        self, dim, index, src, reduce, include_self=include_self)
    index_select = lambda self, dim, index: indexing.index_select(self, dim, index)
    index_add = lambda self, dim, index, source, *, alpha=1: indexing.index_add(self, dim, index, source, alpha=alpha)
    index_copy = lambda self, dim, index, source: indexing.index_copy(self, dim, index, source)
    index_fill = lambda self, dim, index, value: indexing.index_fill(self, dim, index, value)
    masked_select = lambda self, mask: indexing.masked_select(self, mask)
    masked_scatter = lambda self, mask, source: indexing.masked_scatter(self, mask, source)
    take = lambda self, index: indexing.take(self, index)
    take_along_dim = lambda self, indices, dim=None: indexing.take_along_dim(self, indices, dim)
    put = lambda self, index, source, accumulate=False: indexing.put(self, index, source, accumulate)
    nonzero = lambda self, *, as_tuple=False: indexing.nonzero(self, as_tuple=as_tuple)
    argwhere = lambda self: indexing.argwhere(self)
    repeat_interleave = lambda self, repeats, dim=None, *, output_size=None: indexing.repeat_interleave(
        self, repeats, dim, output_size=output_size)
    unfold = lambda self, dimension, size, step: indexing.unfold(self, dimension, size, step)

    # in place (ops/inplace.py): the result is written into this tensor's storage
    add_ = lambda self, other, alpha=1: inplace.add_(self, other, alpha)
    sub_ = lambda self, other, alpha=1: inplace.sub_(self, other, alpha)
    mul_ = lambda self, other: inplace.mul_(self, other)
    div_ = lambda self, other: inplace.div_(self, other)
    pow_ = lambda self, exponent: inplace.pow_(self, exponent)
    neg_ = lambda self: inplace.neg_(self)
    clamp_ = lambda self, min=None, max=None: inplace.clamp_(self, min, max)
    fill_ = lambda self, value: inplace.fill_(self, value)
    zero_ = lambda self: inplace.zero_(self)
    copy_ = lambda self, src: inplace.copy_(self, src)
    exp_ = lambda self: inplace.update(self, "exp_", elementwise.exp)
    log_ = lambda self: inplace.update(self, "log_", elementwise.log)
    sqrt_ = lambda self: inplace.update(self, "sqrt_", elementwise.sqrt)
    abs_ = lambda self: inplace.update(self, "abs_", elementwise.abs)
    relu_ = lambda self: inplace.update(self, "relu_", activation.relu)
    sigmoid_ = lambda self: inplace.update(self, "sigmoid_", activation.sigmoid)
    tanh_ = lambda self: inplace.update(self, "tanh_", activation.tanh)
    masked_fill_ = lambda self, mask, value: inplace.update(self, "masked_fill_", elementwise.masked_fill, mask, value)
    floor_ = lambda self: inplace.update(self, "floor_", elementwise.floor)
    ceil_ = lambda self: inplace.update(self, "ceil_", elementwise.ceil)
    round_ = lambda self, decimals=0: inplace.update(self, "round_", elementwise.round, decimals)
    tril_ = lambda self, diagonal=0: inplace.update(self, "tril_", movement.tril, diagonal)
    triu_ = lambda self, diagonal=0: inplace.update(self, "triu_", movement.triu, diagonal)
    scatter_ = lambda self, dim, index, src=None, value=None, *, reduce=None: indexing.scatter_(
        self, dim, index, src, value, reduce=reduce)
    scatter_add_ = lambda self, dim, index, src: indexing.scatter_add_(self, dim, index, src)
    scatter_reduce_ = lambda self, dim, index, src, reduce, *, include_self=True: indexing.scatter_reduce_(
        self, dim, index, src, reduce, include_self=include_self)
    index_add_ = lambda self, dim, index, source, *, alpha=1: indexing.index_add_(self, dim, index, source,
                                                                                 alpha=alpha)
    index_copy_ = lambda self, dim, index, source: indexing.index_copy_(self, dim, index, source)
    index_fill_ = lambda self, dim, index, value: indexing.index_fill_(self, dim, index, value)
    masked_scatter_ = lambda self, mask, source: indexing.masked_scatter_(self, mask, source)
    put_ = lambda self, index, source, accumulate=False: indexing.put_(self, index, source, accumulate)
    log2_ = lambda self: inplace.update(self, "log2_", elementwise.log2)
    log10_ = lambda self: inplace.update(self, "log10_", elementwise.log10)
    expm1_ = lambda self: inplace.update(self, "expm1_", elementwise.expm1)
    trunc_ = lambda self: inplace.update(self, "trunc_", elementwise.trunc)
    fix_ = trunc_
    frac_ = lambda self: inplace.update(self, "frac_", elementwise.frac)
    erf_ = lambda self: inplace.update(self, "erf_", elementwise.erf)
    erfc_ = lambda self: inplace.update(self, "erfc_", elementwise.erfc)
    erfinv_ = lambda self: inplace.update(self, "erfinv_", elementwise.erfinv)
    sinc_ = lambda self: inplace.update(self, "sinc_", elementwise.sinc)
    deg2rad_ = lambda self: inplace.update(self, "deg2rad_", elementwise.deg2rad)
    rad2deg_ = lambda self: inplace.update(self, "rad2deg_", elementwise.rad2deg)
    square_ = lambda self: inplace.update(self, "square_", elementwise.square)
    rsqrt_ = lambda self: inplace.update(self, "rsqrt_", elementwise.rsqrt)
    atan2_ = lambda self, other: inplace.update(self, "atan2_", elementwise.atan2, other)
    arctan2_ = atan2_
    fmod_ = lambda self, other: inplace.update(self, "fmod_", elementwise.fmod, other)
    hypot_ = lambda self, other: inplace.update(self, "hypot_", elementwise.hypot, other)
    copysign_ = lambda self, other: inplace.update(self, "copysign_", elementwise.copysign, other)
    xlogy_ = lambda self, other: inplace.update(self, "xlogy_", elementwise.xlogy, other)
    heaviside_ = lambda self, values: inplace.update(self, "heaviside_", elementwise.heaviside, values)
    float_power_ = lambda self, exponent: inplace.update(elementwise.require_float64(self, "float_power_"),
                                                         "float_power_", elementwise.float_power, exponent)
    lerp_ = lambda self, end, weight: inplace.update(self, "lerp_", elementwise.lerp, end, weight)
    addcmul_ = lambda self, tensor1, tensor2, *, value=1: inplace.update(
        self, "addcmul_", lambda s, a, b: elementwise.addcmul(s, a, b, value=value), tensor1, tensor2)
    addcdiv_ = lambda self, tensor1, tensor2, *, value=1: inplace.update(
        self, "addcdiv_", lambda s, a, b: elementwise.addcdiv(s, a, b, value=value), tensor1, tensor2)
    nan_to_num_ = lambda self, nan=0.0, posinf=None, neginf=None: inplace.update(
        self, "nan_to_num_", elementwise.nan_to_num, nan, posinf, neginf)
    logical_and_ = lambda self, other: inplace.update(self, "logical_and_", elementwise.logical_and, other)
    logical_or_ = lambda self, other: inplace.update(self, "logical_or_", elementwise.logical_or, other)
    logical_xor_ = lambda self, other: inplace.update(self, "logical_xor_", elementwise.logical_xor, other)
    logical_not_ = lambda self: inplace.update(self, "logical_not_", elementwise.logical_not)
    cumprod_ = lambda self, dim, dtype=None: inplace.update(
        self, "cumprod_", lambda s, d: reduce.cumprod(s, d, dtype=dtype), dim)
    addmm_ = lambda self, mat1, mat2, *, beta=1, alpha=1: inplace.update(
        self, "addmm_", lambda s, a, b: matmul.addmm(s, a, b, beta=beta, alpha=alpha), mat1, mat2)
    addmv_ = lambda self, mat, vec, *, beta=1, alpha=1: inplace.update(
        self, "addmv_", lambda s, a, b: matmul.addmv(s, a, b, beta=beta, alpha=alpha), mat, vec)
    baddbmm_ = lambda self, batch1, batch2, *, beta=1, alpha=1: inplace.update(
        self, "baddbmm_", lambda s, a, b: matmul.baddbmm(s, a, b, beta=beta, alpha=alpha), batch1, batch2)
    addbmm_ = lambda self, batch1, batch2, *, beta=1, alpha=1: inplace.update(
        self, "addbmm_", lambda s, a, b: matmul.addbmm(s, a, b, beta=beta, alpha=alpha), batch1, batch2)
    # random fills (ops/random.py)
    normal_ = lambda self, mean=0.0, std=1.0, *, generator=None: random.normal_(self, mean, std, generator=generator)
    uniform_ = lambda self, from_=0.0, to=1.0, *, generator=None: random.uniform_(self, from_, to, generator=generator)
    bernoulli_ = lambda self, p=0.5, *, generator=None: random.bernoulli_(self, p, generator=generator)
    exponential_ = lambda self, lambd=1.0, *, generator=None: random.exponential_(self, lambd, generator=generator)
    log_normal_ = lambda self, mean=1.0, std=2.0, *, generator=None: random.log_normal_(self, mean, std,
                                                                                        generator=generator)
    geometric_ = lambda self, p, *, generator=None: random.geometric_(self, p, generator=generator)
    cauchy_ = lambda self, median=0.0, sigma=1.0, *, generator=None: random.cauchy_(self, median, sigma,
                                                                                    generator=generator)
    random_ = lambda self, from_=None, to=None, *, generator=None: random.random_(self, from_, to, generator=generator)
    clip_ = clamp_
    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def __setitem__(self, key, value):
        inplace.setitem(self, key, value)

def is_tensor(obj):
    return isinstance(obj, Tensor)

def numel(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: input must be a Tensor, got {type(input).__name__}")
    return input.numel()

def is_floating_point(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point: input must be a Tensor, got {type(input).__name__}")
    return input.is_floating_point()

def is_complex(input):
    """False: the library has no complex dtypes."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_complex: input must be a Tensor, got {type(input).__name__}")
    return False

def _unpickle_tensor(array, device, requires_grad):
    out = Tensor._wrap(get_backend(device).asarray(array), device)
    out.requires_grad = requires_grad
    return out

# The op families build on Tensor, so they load after it; the methods above look them up when called.
from . import creation, legacy  # noqa: E402
from .ops import activation, elementwise, indexing, inplace, matmul, movement, reduce  # noqa: E402
from .ops import sorting  # noqa: E402
from .ops import random  # noqa: E402
