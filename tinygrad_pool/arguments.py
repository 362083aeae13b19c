"""Argument normalisation shared by pooling and convolution: PyTorch's int-or-tuple spatial arguments."""
import numbers

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
