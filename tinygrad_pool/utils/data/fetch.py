"""Fetchers: how the DataLoader (or a worker process) turns one batch's indices into the batch.

The general way reads each sample (`dataset[i]`, or one `dataset.__getitems__(indices)` call where the dataset
defines it) and collates the list. Over in-memory data, a `TensorDataset` or a `Subset` of one (of one ...), with
the default collate function, the batch is instead one vectorised fancy-index per tensor (`in_memory_source`):
the same Tensors, dtypes and order as stacking the samples, without `batch_size` Python-level reads.
"""
import itertools

import numpy as np

from ...creation import from_numpy
from .collate import default_collate
from .dataset import IterableDataset, Subset, TensorDataset

class Exhausted(Exception):
    """An iterable dataset has no further batch."""

def in_memory_source(dataset):
    """(the numpy arrays, a function from batch indices to rows of them) where `dataset` is a TensorDataset
    of CPU tensors that need no gradient, seen directly or through Subsets and with its own `__getitem__`;
    None for any other dataset, whose samples the general way reads."""
    mappings = []
    while isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices)
        if indices.ndim != 1 or (indices.dtype.kind not in "iu" and indices.size):
            return None
        mappings.append(indices.astype(np.int64))
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset) or type(dataset).__getitem__ is not TensorDataset.__getitem__:
        return None
    if any(t.device != "cpu" or t.requires_grad for t in dataset.tensors):
        return None

    def rows(indices):
        for mapping in mappings:   # the outermost Subset first
            indices = mapping[indices]
        return indices
    return tuple(t._data for t in dataset.tensors), rows

def batch_indices(indices):
    """`indices` as an integer array where they are a non-empty list of ints, else None (the general way then
    reads them, and raises what reading them raises)."""
    if not isinstance(indices, (list, tuple)) or not indices:
        return None
    try:
        array = np.asarray(indices)
    except (TypeError, ValueError):
        return None
    return array if array.ndim == 1 and array.dtype.kind in "iu" else None

class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.source = in_memory_source(dataset) if auto_collation and collate_fn is default_collate else None

    def fetch(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.source is not None:
            rows = batch_indices(indices)
            if rows is not None:
                arrays, to_rows = self.source
                rows = to_rows(rows)
                return [from_numpy(array[rows]) for array in arrays]
        if hasattr(self.dataset, "__getitems__"):
            return self.collate_fn(self.dataset.__getitems__(indices))
        return self.collate_fn([self.dataset[i] for i in indices])

class IterableFetcher:
    """Batches of `batch_size` consecutive samples of the stream (the last one shorter unless `drop_last`), or
    each sample alone where `batch_size` is None."""

    def __init__(self, dataset, batch_size, drop_last, collate_fn):
        self.samples = iter(dataset)
        self.batch_size, self.drop_last, self.collate_fn = batch_size, drop_last, collate_fn

    def fetch(self, indices=None):
        if self.batch_size is None:
            for sample in self.samples:
                return self.collate_fn(sample)
            raise Exhausted
        batch = list(itertools.islice(self.samples, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise Exhausted
        return self.collate_fn(batch)

def make_fetcher(dataset, batch_size, drop_last, auto_collation, collate_fn):
    if isinstance(dataset, IterableDataset):
        return IterableFetcher(dataset, batch_size, drop_last, collate_fn)
    return MapFetcher(dataset, auto_collation, collate_fn)
