"""Samplers: the order in which a DataLoader reads a map-style dataset's indices, and their grouping into batches.

Random samplers draw from `generator` (a tinygrad_pool.Generator, as PyTorch's, or a numpy Generator) when one is
given (each epoch advances it); without one each epoch draws a fresh seed from the library's generator, so
`manual_seed` reproduces every order.
"""
import numpy as np

from ...arguments import described, is_int
from ...seeding import Generator, generator as library_generator

def check_generator(generator, op):
    """The numpy Generator to draw from: None, a tinygrad_pool.Generator (PyTorch's kind) or a numpy Generator."""
    if isinstance(generator, Generator):
        return generator.numpy
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be a tinygrad_pool.Generator, a numpy.random.Generator or None, got "
                        f"{described(generator)}")
    return generator

def check_positive_int(value, name, op):
    """An int >= 1; anything else is a ValueError, as PyTorch's samplers raise for both kinds of bad value."""
    if not is_int(value) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {described(value)}")
    return int(value)

def check_flag(value, name, op, error=ValueError):
    if value is not True and value is not False:
        raise error(f"{op}: {name} must be True or False, got {described(value)}")
    return value

def epoch_generator(generator):
    """The generator one epoch draws from: the given one, or one seeded from the library's generator."""
    return generator if generator is not None else np.random.default_rng(library_generator().integers(2**63))

class Sampler:
    """Base of the samplers: subclasses define `__iter__` (the indices) and usually `__len__`."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} is a Sampler but defines no __iter__")

class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

class RandomSampler(Sampler):
    """A random permutation of the indices; with `replacement`, `num_samples` independent uniform draws. Without
    replacement a `num_samples` beyond the dataset's size chains fresh permutations."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = check_flag(replacement, "replacement", "RandomSampler", TypeError)
        self._num_samples = num_samples
        self.generator = check_generator(generator, "RandomSampler")
        check_positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        if n == 0:
            raise ValueError("RandomSampler: data_source is empty, there is no index to draw")
        rng = epoch_generator(self.generator)
        if self.replacement:
            return iter(rng.integers(0, n, count).tolist())
        rounds = [rng.permutation(n) for _ in range(-(-count // n))]
        return iter(np.concatenate(rounds)[:count].tolist())

    def __len__(self):
        return self.num_samples

class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = check_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        order = epoch_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self):
        return len(self.indices)

class BatchSampler(Sampler):
    """Lists of `batch_size` consecutive indices of `sampler`; the last is shorter unless `drop_last` drops it."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = check_positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = check_flag(drop_last, "drop_last", "BatchSampler")

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        size = len(self.sampler)
        return size // self.batch_size if self.drop_last else -(-size // self.batch_size)
