"""Ways to make tensors: from data, filled, random (from the seeded generator), ranges, and `*_like` twins."""
import numpy as np

from .arguments import check_number, check_tensor, shape_arg
from .backends import get_backend, normalize_device
from .seeding import generator
from .tensor import Tensor, as_dtype, float32, int64

def tensor(data, dtype=None, device="cpu", requires_grad=False):
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)

def from_numpy(array):
    """A CPU tensor that shares memory with `array` (no copy); its dtype must be one the library supports."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}; use tensor(...) for "
                        "other data")
    return Tensor._wrap(array.astype(as_dtype(array.dtype), copy=False), "cpu")

def _float_dtype(dtype, op):
    """Random samples are real numbers: an integer or bool dtype is a TypeError, as in PyTorch."""
    dtype = as_dtype(dtype) or float32
    if dtype.kind != "f":
        raise TypeError(f"{op}: dtype must be float32 or float64, got {dtype}: draw floats and cast them")
    return dtype

def _make(array, dtype, device, requires_grad):
    device = normalize_device(device)
    out = Tensor._wrap(get_backend(device).asarray(array.astype(dtype, copy=False)), device)
    out.requires_grad = requires_grad
    return out

def _filled(shape, value, dtype, device, requires_grad):
    """Filled where it lives: a GPU tensor is filled by a kernel, not copied over from the host."""
    device = normalize_device(device)
    out = Tensor._wrap(get_backend(device).full(shape, value, dtype), device)
    out.requires_grad = requires_grad
    return out

def full(size, fill_value, dtype=None, device="cpu", requires_grad=False):
    """A tensor of `size` (an int or a tuple) filled with `fill_value`; the dtype follows the value's type."""
    shape = shape_arg(size if isinstance(size, (tuple, list)) else (size,), "full")
    if not isinstance(fill_value, (bool, np.bool_)):
        check_number(fill_value, "fill_value", "full")
    kind = np.asarray(fill_value).dtype.kind
    dtype = as_dtype(dtype) or {"b": np.dtype(bool), "i": int64, "u": int64}.get(kind, float32)
    if dtype.kind in "iu" and not isinstance(fill_value, (bool, np.bool_)):
        info = np.iinfo(dtype)
        if not np.isfinite(fill_value) or not info.min <= fill_value < info.max + 1:
            raise ValueError(f"full: fill_value={fill_value} cannot be converted to {dtype} "
                             f"[{info.min}, {info.max}]")
    return _filled(shape, fill_value, dtype, device, requires_grad)

def zeros(*size, dtype=None, device="cpu", requires_grad=False):
    return _filled(shape_arg(size, "zeros"), 0, as_dtype(dtype) or float32, device, requires_grad)

def ones(*size, dtype=None, device="cpu", requires_grad=False):
    return _filled(shape_arg(size, "ones"), 1, as_dtype(dtype) or float32, device, requires_grad)

def randn(*size, dtype=None, device="cpu", requires_grad=False):
    """Standard normal samples."""
    dtype = _float_dtype(dtype, "randn")
    return _make(generator().standard_normal(shape_arg(size, "randn")), dtype, device, requires_grad)

def rand(*size, dtype=None, device="cpu", requires_grad=False):
    """Uniform samples in [0, 1)."""
    dtype = _float_dtype(dtype, "rand")
    return _make(generator().random(shape_arg(size, "rand")), dtype, device, requires_grad)

def arange(start, end=None, step=1, dtype=None, device="cpu", requires_grad=False):
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        check_number(value, name, "arange")
        if not np.isfinite(value):
            raise ValueError(f"arange: {name}={value} must be finite")
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    values = np.arange(start, end, step)
    default = float32 if values.dtype.kind == "f" else int64
    return _make(values, as_dtype(dtype) or default, device, requires_grad)

def _like(maker):
    def like(input, dtype=None, device=None, requires_grad=False):
        check_tensor(input, "input", maker.__name__ + "_like")
        return maker(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                     requires_grad=requires_grad)
    like.__name__ = maker.__name__ + "_like"
    like.__doc__ = f"`{maker.__name__}` with the shape (and by default dtype and device) of `input`."
    return like

zeros_like, ones_like, randn_like, rand_like = _like(zeros), _like(ones), _like(randn), _like(rand)

def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    check_tensor(input, "input", "full_like")
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)
