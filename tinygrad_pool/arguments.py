"""Argument checks shared by the ops: Tensors, flags, numbers, sizes, dims, and PyTorch's int-or-tuple spatial
arguments. Each check raises a TypeError or ValueError that names the op, the argument and what was expected,
before any kernel runs; the op families call them on entry."""
import numbers

def is_int(value):
    """An int, python's or numpy's, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

def described(value):
    """A bad value and its type, as in "'yes' (str)" or "np.True_ (numpy.bool)"."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{value!r} ({name})"

def check_tensor(value, name, op):
    """`value` itself when it is a Tensor; a list, numpy array or None is a TypeError (as in PyTorch, which
    converts nothing here either: make one with tinygrad_pool.tensor(...))."""
    from .tensor import Tensor
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}; "
                        "make one with tinygrad_pool.tensor(...)")
    return value

def check_tensors(values, name, op):
    """A list of Tensors from a sequence of them; a lone Tensor or a non-sequence is a TypeError."""
    from .tensor import Tensor
    if isinstance(values, Tensor) or not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}: {name} must be a list or tuple of Tensors, got {type(values).__name__}")
    for i, value in enumerate(values):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name}[{i}] must be a Tensor, got {type(value).__name__}")
    return list(values)

def check_bool(value, name, op):
    """Exactly True or False; 1, 'yes', None and numpy's bools are TypeErrors, as in PyTorch (and a truthy 'no'
    cannot turn a flag on)."""
    if value is True or value is False:
        return value
    raise TypeError(f"{op}: {name} must be True or False, got {described(value)}")

def check_int(value, name, op, minimum=None):
    """An int (not a bool, not a float) that is at least `minimum`."""
    if not is_int(value):
        raise TypeError(f"{op}: {name} must be an int, got {described(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{op}: {name}={value} must be at least {minimum}")
    return int(value)

def check_number(value, name, op, minimum=None):
    """A real number (python or numpy; not a bool, a string or None) that is at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {described(value)}")
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{op}: {name}={value} must be at least {minimum}")
    return value

def check_choice(value, name, op, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{op}: {name}={value!r}: use " + ", ".join(map(repr, choices[:-1]))
                         + f" or {choices[-1]!r}")
    return value

def normalize_dim(dim, ndim, what="dim"):
    """A dim in [-ndim, ndim) as a non-negative int (a 0-d tensor accepts 0 and -1, as in PyTorch)."""
    if not is_int(dim):
        raise TypeError(f"{what} must be an int, got {described(dim)}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{what}={dim} is out of range for a tensor with {ndim} dimensions "
                         f"(expected a dim in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])")
    return dim % max(ndim, 1)

def normalize_dims(dim, ndim, op):
    """The sorted axes that `dim` names for a reduction: None, () and [] mean every dim (as in PyTorch), else an
    int or a tuple or list of distinct ints. A 0-d tensor reduces over dim 0 or -1 as over nothing."""
    if dim is None:
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(ndim))
    axes = [normalize_dim(d, ndim) for d in dims]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dim!r} names dim {next(a for a in axes if axes.count(a) > 1)} more than once")
    return tuple(sorted(axes)) if ndim else ()

def shape_arg(shape, op="shape", allow_unknown=False):
    """Accept f(2, 3), f((2, 3)) and f([2, 3]); each entry must be a non-negative int (or -1 where
    `allow_unknown`: reshape's inferred size, expand's kept one). Floats, strings, bools and None are TypeErrors."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for size in shape:
        if not is_int(size):
            raise TypeError(f"{op}: size must be ints, got {described(size)} in {tuple(shape)!r}")
        if size < (-1 if allow_unknown else 0):
            raise ValueError(f"{op}: size {tuple(shape)!r} has the negative entry {size}; sizes must be >= 0"
                             + (" (or -1 for one inferred size)" if allow_unknown else ""))
    return tuple(int(s) for s in shape)

def as_tuple(value, dims, name, op):
    """An int or a tuple of `dims` ints, as a tuple; anything else is a TypeError or ValueError naming it."""
    if type(value) is int:   # the common case, answered without the slower checks below
        return (value,) * dims
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if any(not is_int(v) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    if len(values) != dims:
        raise ValueError(f"{op}: {name}={value!r} needs {dims} entries, one per spatial dim")
    return tuple(int(v) for v in values)
