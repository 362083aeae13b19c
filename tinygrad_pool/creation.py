"""Ways to make tensors: from data, filled, random (from the seeded generator), ranges, and `*_like` twins.

Float tensors get the default dtype (float32, or what set_default_dtype chose) unless a dtype is given.
"""
import numpy as np

from .arguments import check_int, check_number, check_tensor, shape_arg
from .backends import get_backend, normalize_device
from .dtypes import get_default_dtype
from .seeding import Generator, generator as default_generator
from .tensor import Tensor, as_dtype, common_device, int64

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
    dtype = as_dtype(dtype) or get_default_dtype()
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
    dtype = as_dtype(dtype) or {"b": np.dtype(bool), "i": int64, "u": int64}.get(kind, get_default_dtype())
    if dtype.kind in "iu" and not isinstance(fill_value, (bool, np.bool_)):
        info = np.iinfo(dtype)
        if not np.isfinite(fill_value) or not info.min <= fill_value < info.max + 1:
            raise ValueError(f"full: fill_value={fill_value} cannot be converted to {dtype} "
                             f"[{info.min}, {info.max}]")
    return _filled(shape, fill_value, dtype, device, requires_grad)

def _size(sizes, size, op):
    """The shape of f(2, 3), f((2, 3)) or f(size=(2, 3)); both forms at once is a TypeError, as in PyTorch."""
    if size is None:
        return shape_arg(sizes, op)
    if sizes:
        raise TypeError(f"{op}() got the size twice: as {sizes!r} and as size={size!r}")
    return shape_arg(size if isinstance(size, (tuple, list)) else (size,), op)

def zeros(*sizes, size=None, dtype=None, device="cpu", requires_grad=False):
    return _filled(_size(sizes, size, "zeros"), 0, as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def ones(*sizes, size=None, dtype=None, device="cpu", requires_grad=False):
    return _filled(_size(sizes, size, "ones"), 1, as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def randn(*sizes, size=None, generator=None, dtype=None, device="cpu", requires_grad=False):
    """Standard normal samples."""
    dtype = _float_dtype(dtype, "randn")
    shape = _size(sizes, size, "randn")
    return _make(random_stream(generator, "randn").standard_normal(shape), dtype, device, requires_grad)

def below_one(values, dtype):
    """Uniform samples in [0, 1) of float64 rounded to `dtype`, kept below 1 (rounding can reach it)."""
    return np.minimum(values.astype(dtype), np.nextafter(dtype.type(1), dtype.type(0)))

def rand(*sizes, size=None, generator=None, dtype=None, device="cpu", requires_grad=False):
    """Uniform samples in [0, 1)."""
    dtype = _float_dtype(dtype, "rand")
    shape = _size(sizes, size, "rand")
    return _make(below_one(random_stream(generator, "rand").random(shape), dtype), dtype, device, requires_grad)

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
    default = get_default_dtype() if values.dtype.kind == "f" else int64
    return _make(values, as_dtype(dtype) or default, device, requires_grad)

def empty(*sizes, size=None, dtype=None, device="cpu", requires_grad=False):
    """A tensor of `size` whose values are to be written; here they are zeros."""
    return _filled(_size(sizes, size, "empty"), 0, as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def eye(n, m=None, dtype=None, device="cpu", requires_grad=False):
    """The n x m (n x n by default) matrix with ones on the diagonal."""
    check_int(n, "n", "eye", minimum=0)
    m = n if m is None else check_int(m, "m", "eye", minimum=0)
    return _make(np.eye(n, m), as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def _check_steps(start, end, steps, op):
    check_number(start, "start", op)
    check_number(end, "end", op)
    return check_int(steps, "steps", op, minimum=0)

def linspace(start, end, steps, dtype=None, device="cpu", requires_grad=False):
    """`steps` evenly spaced values from start to end, both included (computed in float64, then cast)."""
    steps = _check_steps(start, end, steps, "linspace")
    return _make(np.linspace(start, end, steps), as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def logspace(start, end, steps, base=10.0, dtype=None, device="cpu", requires_grad=False):
    """base ** linspace(start, end, steps)."""
    steps = _check_steps(start, end, steps, "logspace")
    check_number(base, "base", "logspace")
    with np.errstate(over="ignore"):
        values = np.float64(base) ** np.linspace(start, end, steps)
    return _make(values, as_dtype(dtype) or get_default_dtype(), device, requires_grad)

def random_stream(generator, op):
    """The numpy Generator to draw from: the library's, or that of a tinygrad_pool.Generator."""
    if generator is None:
        return default_generator()
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be a tinygrad_pool.Generator or None, got {type(generator).__name__}")
    return generator.numpy

def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples with `mean` and `std`, numbers (then `size` is needed) or tensors that broadcast (the samples
    take their shape, dtype and device). No gradient flows to mean or std."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for name, value in (("mean", mean), ("std", std)):
        if not isinstance(value, Tensor):
            check_number(value, name, "normal")
        elif value.dtype.kind != "f":
            raise TypeError(f"normal: {name} must be a float tensor, got {value.dtype}")
    if tensors and size is not None:
        raise TypeError("normal: size is given by the tensor mean or std; pass size only with two numbers")
    if not tensors and size is None:
        raise TypeError("normal: with a number mean and std, pass size too, e.g. normal(0.0, 1.0, (2, 3))")
    values = [t.numpy() if isinstance(t, Tensor) else np.float64(t) for t in (mean, std)]
    if np.any(values[1] < 0) or np.any(np.isnan(values[1])):
        raise ValueError("normal: std must be >= 0 everywhere, got a negative or NaN value")
    if tensors:
        shape = np.broadcast_shapes(*(np.shape(v) for v in values))
        dtype = as_dtype(dtype) or np.result_type(*(t.dtype for t in tensors))
        device = device or common_device(tensors)
    else:
        shape = shape_arg(size if isinstance(size, (tuple, list)) else (size,), "normal")
        dtype = _float_dtype(dtype, "normal")
    samples = values[0] + values[1] * random_stream(generator, "normal").standard_normal(shape)
    return _make(np.asarray(samples), dtype, device or "cpu", requires_grad)

def randint(*args, size=None, generator=None, dtype=None, device="cpu", requires_grad=False):
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size); int64 by
    default."""
    if size is None and args:
        *args, size = args
    if len(args) not in (1, 2) or size is None:
        raise TypeError("randint: call it as randint(high, size) or randint(low, high, size), e.g. randint(10, (3,))")
    low, high = (0, args[0]) if len(args) == 1 else args
    check_int(low, "low", "randint")
    check_int(high, "high", "randint")
    if low >= high:
        raise ValueError(f"randint: low={low} must be less than high={high}")
    shape = shape_arg(size if isinstance(size, (tuple, list)) else (size,), "randint")
    values = random_stream(generator, "randint").integers(low, high, shape)
    return _make(values, as_dtype(dtype) or int64, device, requires_grad)

def randperm(n, *, generator=None, dtype=None, device="cpu", requires_grad=False):
    """0, ..., n - 1 in a random order."""
    check_int(n, "n", "randperm", minimum=0)
    return _make(random_stream(generator, "randperm").permutation(n), as_dtype(dtype) or int64, device, requires_grad)

def _like(maker):
    def like(input, dtype=None, device=None, requires_grad=False):
        check_tensor(input, "input", maker.__name__ + "_like")
        return maker(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                     requires_grad=requires_grad)
    like.__name__ = maker.__name__ + "_like"
    like.__doc__ = f"`{maker.__name__}` with the shape (and by default dtype and device) of `input`."
    return like

zeros_like, ones_like, randn_like, rand_like = _like(zeros), _like(ones), _like(randn), _like(rand)
empty_like = _like(empty)

def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """randint with input's shape (and by default its dtype and device): randint_like(input, high) or
    randint_like(input, low, high)."""
    check_tensor(input, "input", "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator, dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad)

def as_tensor(data, dtype=None, device=None):
    """`data` as a Tensor without a copy where it can be: a Tensor of that dtype and device is returned itself,
    a numpy array becomes a CPU tensor sharing its memory (as from_numpy); anything else is copied (tensor())."""
    dtype = as_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(device or data.device, dtype or data.dtype)
    if isinstance(data, np.ndarray) and (device is None or normalize_device(device) == "cpu") and \
            (dtype is None or dtype == data.dtype):
        try:
            return from_numpy(data)
        except TypeError:   # a dtype the library does not hold: tensor() converts it
            pass
    return tensor(data, dtype=dtype, device=device or "cpu")

def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    check_tensor(input, "input", "full_like")
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)
