"""Argument normalisation shared by the ops: dims, shapes, and PyTorch's int-or-tuple spatial arguments."""
import numbers

def normalize_dim(dim, ndim, what="dim"):
    """A dim in [-ndim, ndim) as a non-negative int (a 0-d tensor accepts 0 and -1, as in PyTorch)."""
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {dim!r}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{what}={dim} is out of range for a tensor with {ndim} dimensions")
    return dim % max(ndim, 1)

def shape_arg(shape):
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)

def as_tuple(value, dims, name, op):
    """An int or a tuple of `dims` ints, as a tuple; anything else is a TypeError or ValueError naming it."""
    if type(value) is int:   # the common case, answered without the slower checks below
        return (value,) * dims
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    if len(values) != dims:
        raise ValueError(f"{op}: {name}={value!r} needs {dims} entries, one per spatial dim")
    return tuple(int(v) for v in values)
