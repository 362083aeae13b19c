"""How a list of samples becomes one batch (`default_collate`), and how one sample's numpy data becomes Tensors
when the DataLoader does not batch (`default_convert`).

The first sample's type decides, recursively: Tensors are stacked; numpy arrays and numpy scalars become a
Tensor of their dtype (dtypes the library lacks widen: int16 to int64, float16 to float32); python floats a
float64 Tensor, ints an int64 one and bools a bool one; strings and bytes stay as they come (the batch's
sequence of them: a tuple inside a collated structure, as in PyTorch); dicts, namedtuples and other sequences
are collated field by field (a tuple becomes a list, as in PyTorch).
"""
import collections.abc
import copy

import numpy as np

from ...creation import from_numpy, tensor
from ...ops.movement import stack
from ...tensor import Tensor, float64

_EXPECTED = "Tensors, numpy arrays, numbers, strings, dicts or lists"

def _check_numpy_dtype(array, op):
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{op}: cannot make a Tensor from a numpy array of dtype {array.dtype}; a batch must "
                        f"hold {_EXPECTED}")

def default_collate(batch):
    """One batch from a list of samples of one structure: stacked Tensors, in the samples' structure."""
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: batch must be a list of samples, got {type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: batch is empty, there is no sample to take its structure from")
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack(batch)
    if isinstance(first, np.ndarray):
        _check_numpy_dtype(first, "default_collate")
        return tensor(np.stack(batch))
    if isinstance(first, (np.bool_, np.number)):
        return tensor(np.array(batch))
    if isinstance(first, float):
        return tensor(list(batch), dtype=float64)
    if isinstance(first, int):
        return tensor(list(batch))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        fields = {key: default_collate([sample[key] for sample in batch]) for key in first}
        return _same_kind(first, fields, dict)
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) != 1:
            raise ValueError(f"default_collate: the samples are sequences of different lengths {sorted(sizes)}; "
                             "each sample in a batch needs the same structure")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(first, tuple) else _same_kind(first, fields, list)
    raise TypeError(f"default_collate: a batch must hold {_EXPECTED}, found {type(first).__name__}")

def _stack(tensors):
    """The `stack` of the Tensors; where they are CPU Tensors of one dtype and shape that need no gradient, as
    one numpy copy instead of an op per sample (the same result, the same dtype)."""
    simple = all(isinstance(t, Tensor) and t.device == "cpu" and not t.requires_grad and t.dtype == first.dtype
                 and t.shape == first.shape for first in tensors[:1] for t in tensors)
    return from_numpy(np.stack([t._data for t in tensors])) if simple else stack(list(tensors))

def default_convert(data):
    """One sample with its numpy arrays and numpy scalars made Tensors; everything else as it is, containers
    converted entry by entry (a tuple becomes a list, as in PyTorch)."""
    if isinstance(data, np.ndarray):
        return tensor(data) if data.dtype.kind in "fiub" else data
    if isinstance(data, (np.bool_, np.number)):
        return tensor(data)
    if isinstance(data, (Tensor, str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _same_kind(data, {key: default_convert(value) for key, value in data.items()}, dict)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, collections.abc.Sequence):
        return _same_kind(data, [default_convert(value) for value in data], list)
    return data

def _same_kind(template, values, plain):
    """`values` (a dict or a list) in the container type of `template` where that type can hold them, else as
    `plain`: a dict subclass keeps its class and attributes (a defaultdict its default), a range becomes a list."""
    if isinstance(template, (collections.abc.MutableMapping, collections.abc.MutableSequence)):
        try:
            clone = copy.copy(template)
            if isinstance(clone, collections.abc.MutableMapping):
                clone.update(values)
            else:
                clone[:] = values
            return clone
        except TypeError:
            return plain(values)
    try:
        return type(template)(values)
    except TypeError:
        return plain(values)
