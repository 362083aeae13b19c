"""Datasets: what a DataLoader reads samples from.

A map-style `Dataset` answers `dataset[i]` and `len(dataset)`; an `IterableDataset` is a stream, read with
`iter(dataset)`. `TensorDataset` holds in-memory Tensors, which the DataLoader gathers a whole batch at a time
(see `gather.py`); `Subset`, `ConcatDataset`, `ChainDataset` and `random_split` combine datasets.
"""
import abc
import bisect
import math
import numbers
import warnings

from ...arguments import described, is_int
from ...seeding import generator as library_generator
from ...tensor import Tensor
from .sampler import check_generator

class Dataset:
    """A map-style dataset: subclasses define `__getitem__(index)` and usually `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} is a Dataset but defines no __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])

class IterableDataset(Dataset, abc.ABC):
    """A stream of samples: subclasses define `__iter__()`. With worker processes every worker iterates its own
    copy, so a dataset that is not to be read several times over splits itself with `get_worker_info()`."""

    @abc.abstractmethod
    def __iter__(self):
        """The samples, in order."""

    def __add__(self, other):
        return ChainDataset([self, other])

class TensorDataset(Dataset):
    """Sample `i` is the tuple of every tensor's row `i`; the tensors must share their first (sample) dim."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor, got none")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: tensors[{i}] must be a Tensor, got {type(t).__name__}; "
                                "make one with tinygrad_pool.tensor(...)")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensors[{i}] is 0-d; each tensor needs a first (sample) dim")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: the tensors must have one size in dim 0, got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """A list of samples in one call where the underlying dataset answers such calls itself."""
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)

class ConcatDataset(Dataset):
    """The samples of each dataset in turn; `cumulative_sizes[k]` counts those of the first k + 1."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets must not be empty")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset: datasets[{i}] is an IterableDataset, which has no indices; "
                                "chain streams with ChainDataset")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if not is_int(index):
            raise TypeError(f"ConcatDataset: index must be an int, got {described(index)}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} is out of range for a dataset of {len(self)} samples")
        index %= len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]

class ChainDataset(IterableDataset):
    """The samples of each IterableDataset in turn."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        for i, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: datasets[{i}] must be an IterableDataset, got {type(d).__name__}")

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)

def _split_lengths(lengths, total):
    """Counts from `lengths`: counts that sum to `total`, or fractions that sum to 1, whose rounding remainder
    goes one sample at a time to the first splits."""
    lengths = list(lengths)
    for i, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real):
            raise TypeError(f"random_split: lengths[{i}] must be an int or a float, got {described(length)}")
        if not 0 <= length < math.inf:
            raise ValueError(f"random_split: lengths[{i}]={length} must be a count >= 0 or a fraction in [0, 1]")
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [math.floor(total * fraction) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: split {i} of fraction {lengths[i]} gets no samples of {total}",
                              stacklevel=3)
        return counts
    for i, length in enumerate(lengths):
        if not is_int(length):
            raise TypeError(f"random_split: lengths[{i}]={length!r}: lengths must be ints (counts) or fractions "
                            "that sum to 1")
    if sum(lengths) != total:
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the dataset has {total} "
                         "samples (give counts that sum to it, or fractions that sum to 1)")
    return [int(length) for length in lengths]

def random_split(dataset, lengths, generator=None):
    """`dataset` split at random into non-overlapping Subsets of the given lengths (counts, or fractions that
    sum to 1). The permutation comes from `generator` (a tinygrad_pool or numpy Generator), by default from the library's
    generator, so `manual_seed` reproduces it."""
    rng = check_generator(generator, "random_split") or library_generator()
    counts = _split_lengths(lengths, len(dataset))
    order = rng.permutation(sum(counts)).tolist()
    splits, start = [], 0
    for count in counts:
        splits.append(Subset(dataset, order[start:start + count]))
        start += count
    return splits
