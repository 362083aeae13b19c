"""tinygrad_pool.utils.data: datasets, samplers, collation and the DataLoader, in the main process and in worker
processes. Plain-Python references and PyTorch (where installed) are the oracles; the in-memory fast path must
give exactly what reading and collating the samples gives."""
import collections
import gc
import os
import pickle
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from tinygrad_pool.utils import data
from tinygrad_pool.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                                      IterableDataset, RandomSampler, SequentialSampler, Subset,
                                      SubsetRandomSampler, TensorDataset, default_collate, default_convert,
                                      get_worker_info, random_split)
from tinygrad_pool.utils.data.fetch import in_memory_source

from conftest import assert_bad_input

WAIT = 20   # seconds a worker test waits for any one batch before the loader raises, so no test can hang

Point = collections.namedtuple("Point", "x y")

def plain(value):
    """A comparable form of a batch of either library: Tensors as (dtype name, nested list), containers kept."""
    if isinstance(value, tp.Tensor):
        return ("tensor", str(value.dtype), value.numpy().tolist())
    if type(value).__module__.startswith("torch"):
        return ("tensor", str(value.dtype).removeprefix("torch."), value.numpy().tolist())
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value

def images_and_labels(n=10, dtype=np.float32):
    x = np.arange(n * 6, dtype=dtype).reshape(n, 2, 3)
    return tp.from_numpy(x), tp.from_numpy(np.arange(n) % 3)

class Samples(Dataset):
    """The samples of a dataset read one at a time: hides the tensors, so the loader takes the general way."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, index):
        return self.dataset[index]

    def __len__(self):
        return len(self.dataset)

class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        return {"index": index, "square": np.array([index * index], dtype=np.float32)}

    def __len__(self):
        return self.n

class Stream(IterableDataset):
    """0 .. n-1; with workers each reads every num_workers-th value, starting at its id."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n

# --- datasets ------------------------------------------------------------------------------------------------

def test_dataset_base_and_concatenation():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    both = Squares(2) + Squares(3)
    assert isinstance(both, ConcatDataset) and len(both) == 5 and both[2]["index"] == 0

def test_iterable_dataset_needs_iter_and_chains():
    with pytest.raises(TypeError):
        IterableDataset()
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5

def test_tensor_dataset():
    x, y = images_and_labels()
    ds = TensorDataset(x, y)
    assert len(ds) == 10 and ds.tensors == (x, y)
    sample = ds[3]
    assert isinstance(sample, tuple) and np.array_equal(sample[0].numpy(), x.numpy()[3]) and int(sample[1]) == 0

def test_subset():
    ds = Squares(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[0]["index"] == 7 and sub[-1]["index"] == 5
    assert [s["index"] for s in sub.__getitems__([2, 0])] == [5, 7]

@given(st.lists(st.integers(0, 4), min_size=1, max_size=4), st.data())
def test_concat_dataset_matches_a_reference(sizes, draw):
    parts = [list(range(100 * k, 100 * k + size)) for k, size in enumerate(sizes)]
    concatenated = ConcatDataset(parts)
    reference = [value for part in parts for value in part]
    assert len(concatenated) == len(reference)
    assert concatenated.cumulative_sizes == list(np.cumsum(sizes))
    if reference:
        index = draw.draw(st.integers(-len(reference), len(reference) - 1))
        assert concatenated[index] == reference[index]

def test_concat_dataset_torch_agrees():
    torch = pytest.importorskip("torch")
    parts = [[1, 2], [], [3, 4, 5]]
    theirs = torch.utils.data.ConcatDataset(parts)
    ours = ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-5, 5)] == [theirs[i] for i in range(-5, 5)]

def split_reference(lengths, total):
    """Counts for fractions: the floors, then one more each for the first splits until they add up."""
    counts = [int(np.floor(total * f)) for f in lengths]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts

@pytest.mark.parametrize("total, lengths", [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
                                            (7, [0.25] * 4), (10, [0.1, 0.1, 0.1, 0.7]), (5, [1])])
def test_random_split_lengths_and_cover(total, lengths):
    splits = random_split(range(total), lengths, generator=np.random.default_rng(0))
    expected = lengths if all(isinstance(v, int) for v in lengths) and sum(lengths) == total \
        else split_reference(lengths, total)
    assert [len(s) for s in splits] == expected
    assert sorted(v for s in splits for v in s) == list(range(total))

@pytest.mark.parametrize("total, lengths", [(11, [0.5, 0.5]), (7, [0.25] * 4), (10, [0.1, 0.1, 0.1, 0.7]),
                                            (5, [1]), (3, [0.4, 0.6])])
def test_random_split_lengths_agree_with_torch(total, lengths):
    torch = pytest.importorskip("torch")
    theirs = [len(s) for s in torch.utils.data.random_split(range(total), lengths)]
    assert [len(s) for s in random_split(range(total), lengths)] == theirs

def test_random_split_is_reproducible():
    first = [list(s) for s in random_split(range(20), [5, 15], generator=np.random.default_rng(3))]
    assert first == [list(s) for s in random_split(range(20), [5, 15], generator=np.random.default_rng(3))]
    tp.manual_seed(4)
    seeded = [list(s) for s in random_split(range(20), [0.5, 0.5])]
    tp.manual_seed(4)
    assert seeded == [list(s) for s in random_split(range(20), [0.5, 0.5])]

def test_random_split_warns_of_an_empty_split():
    with pytest.warns(UserWarning, match="no samples"):
        random_split(range(2), [0.1, 0.1, 0.8])

# --- samplers ------------------------------------------------------------------------------------------------

def test_sequential_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler(range(4))) == 4

@given(st.integers(1, 12), st.one_of(st.none(), st.integers(1, 30)), st.booleans(), st.integers(0, 2**32))
def test_random_sampler(n, num_samples, replacement, seed):
    sampler = RandomSampler(range(n), replacement=replacement, num_samples=num_samples,
                            generator=np.random.default_rng(seed))
    drawn = list(sampler)
    count = n if num_samples is None else num_samples
    assert len(drawn) == len(sampler) == count and all(type(i) is int and 0 <= i < n for i in drawn)
    if not replacement:   # whole permutations, then part of one
        for start in range(0, count, n):
            chunk = drawn[start:start + n]
            assert len(set(chunk)) == len(chunk)
    again = RandomSampler(range(n), replacement=replacement, num_samples=num_samples,
                          generator=np.random.default_rng(seed))
    assert list(again) == drawn

def test_random_sampler_epochs_differ_and_follow_manual_seed():
    sampler = RandomSampler(range(50), generator=np.random.default_rng(0))
    assert list(sampler) != list(sampler)
    unseeded = RandomSampler(range(50))
    tp.manual_seed(1)
    first = list(unseeded)
    tp.manual_seed(1)
    assert list(unseeded) == first

def test_random_sampler_of_an_empty_dataset_with_num_samples():
    with pytest.raises(ValueError, match="empty"):
        list(RandomSampler([], num_samples=3))

def test_subset_random_sampler():
    indices = [10, 20, 30, 40]
    sampler = SubsetRandomSampler(indices, generator=np.random.default_rng(0))
    drawn = list(sampler)
    assert sorted(drawn) == indices and len(sampler) == 4

def batches_reference(indices, size, drop_last):
    batches = [indices[i:i + size] for i in range(0, len(indices), size)]
    return [b for b in batches if len(b) == size] if drop_last else batches

@given(st.lists(st.integers(0, 99), max_size=30), st.integers(1, 8), st.booleans())
def test_batch_sampler_matches_a_reference(indices, size, drop_last):
    sampler = BatchSampler(indices, size, drop_last)
    assert list(sampler) == batches_reference(indices, size, drop_last)
    assert len(sampler) == len(batches_reference(indices, size, drop_last))

# --- collation -----------------------------------------------------------------------------------------------

COLLATE_CASES = {
    "floats": [1.5, -0.0, float("nan"), float("inf")],
    "ints": [1, 2, -3],
    "bools": [True, False],
    "an int then a float": [1, 2.5],
    "numpy float32 scalars": [np.float32(1), np.float32(2)],
    "numpy int64 scalars": [np.int64(1), np.int64(2)],
    "numpy bools": [np.bool_(True), np.bool_(False)],
    "uint8 arrays": [np.array([1, 2], np.uint8), np.array([3, 4], np.uint8)],
    "float64 arrays": [np.zeros((2, 2)), np.ones((2, 2))],
    "int32 arrays": [np.array([1], np.int32), np.array([2], np.int32)],
    "strings": ["a", "b"],
    "bytes": [b"a", b"b"],
    "dicts": [{"a": 1, "b": 2.0}, {"a": 3, "b": 4.0}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "tuples": [(1, "x"), (2, "y")],
    "lists": [[1, 2], [3, 4]],
    "ranges": [range(2), range(2)],
    "nested": [{"p": (np.ones(2, np.float32), [1.0])}, {"p": (np.zeros(2, np.float32), [2.0])}],
}

def as_torch(value, torch):
    """The same sample with our Tensors made torch Tensors."""
    if isinstance(value, tp.Tensor):
        return torch.from_numpy(value.numpy())
    if isinstance(value, dict):
        return {k: as_torch(v, torch) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(as_torch(v, torch) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(as_torch(v, torch) for v in value)
    return value

@pytest.mark.parametrize("case", COLLATE_CASES)
def test_default_collate_agrees_with_torch(case):
    torch = pytest.importorskip("torch")
    batch = COLLATE_CASES[case]
    assert plain(default_collate(batch)) == plain(torch.utils.data.default_collate(batch)) or \
        case == "floats"   # nan != nan: compared below
    if case == "floats":
        ours = default_collate(batch).numpy()
        assert ours.dtype == np.float64 and np.array_equal(ours, np.array(batch), equal_nan=True)
        assert np.signbit(ours[1])

def test_default_collate_structures():
    assert plain(default_collate(COLLATE_CASES["floats"][:1])) == ("tensor", "float64", [1.5])
    assert plain(default_collate(COLLATE_CASES["ints"])) == ("tensor", "int64", [1, 2, -3])
    assert plain(default_collate(COLLATE_CASES["tuples"])) == ("list", [("tensor", "int64", [1, 2]),
                                                                       ("tuple", ["x", "y"])])
    assert plain(default_collate(COLLATE_CASES["namedtuples"])) == ("Point", [("tensor", "int64", [1, 3]),
                                                                             ("tensor", "float64", [2.0, 4.0])])
    kept = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(kept) is collections.OrderedDict
    defaults = default_collate([collections.defaultdict(int, a=1)] * 2)
    assert type(defaults) is collections.defaultdict and defaults["missing"] == 0

def test_default_collate_stacks_tensors_as_the_stack_op_does():
    rows = [tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])]
    assert plain(default_collate(rows)) == plain(tp.stack(rows))
    mixed = [tp.tensor([1.0]), tp.tensor([2.0], dtype="float64")]
    assert plain(default_collate(mixed)) == plain(tp.stack(mixed))
    tracked = [tp.tensor([1.0], requires_grad=True), tp.tensor([2.0], requires_grad=True)]
    stacked = default_collate(tracked)
    stacked.sum().backward()
    assert stacked.requires_grad and np.array_equal(tracked[0].grad.numpy(), [1.0])

def test_default_collate_widens_dtypes_the_library_lacks():
    assert default_collate([np.array([1], np.int16)] * 2).dtype == tp.int64
    assert default_collate([np.array([1], np.float16)] * 2).dtype == tp.float32

def test_default_convert():
    converted = default_convert([np.float64(1), 2.0, np.zeros(2, np.float32), (np.ones(1), "s"), np.array(["a"])])
    assert isinstance(converted[0], tp.Tensor) and converted[0].dtype == tp.float64
    assert converted[1] == 2.0 and converted[2].dtype == tp.float32
    assert isinstance(converted[3], list) and isinstance(converted[3][0], tp.Tensor) and converted[3][1] == "s"
    assert isinstance(converted[4], np.ndarray)

def test_default_convert_agrees_with_torch():
    torch = pytest.importorskip("torch")
    sample = {"a": np.ones(2, np.int32), "b": Point(np.float32(1), "t")}
    assert plain(default_convert(sample)) == plain(torch.utils.data.default_convert(sample))

COLLATE_ERRORS = {
    "an empty batch": (lambda: default_collate([]), ValueError, "batch is empty"),
    "a batch that is not a list": (lambda: default_collate(3), TypeError, "must be a list of samples"),
    "None samples": (lambda: default_collate([None, None]), TypeError, "found NoneType"),
    "string arrays": (lambda: default_collate([np.array(["a"])] * 2), TypeError, "dtype <U1"),
    "lists of two lengths": (lambda: default_collate([[1, 2], [3]]), ValueError, "different lengths [1, 2]"),
    "arrays of two shapes": (lambda: default_collate([np.zeros(2), np.zeros(3)]), ValueError, "same shape"),
    "tensors of two shapes": (lambda: default_collate([tp.zeros(2), tp.zeros(3)]), ValueError, "one shape"),
    "a tensor then an array": (lambda: default_collate([tp.zeros(2), np.zeros(2)]), TypeError, "must be a Tensor"),
    "dicts with other keys": (lambda: default_collate([{"a": 1}, {"b": 2}]), KeyError, "a"),
    "an int beyond int64": (lambda: default_collate([2**70]), ValueError, "does not fit int64"),
}

@pytest.mark.parametrize("case", COLLATE_ERRORS)
def test_default_collate_bad_input(case):
    assert_bad_input(case, COLLATE_ERRORS)

# --- the DataLoader in the main process ----------------------------------------------------------------------

def test_loader_batches_len_and_attributes():
    x, y = images_and_labels(10)
    ds = TensorDataset(x, y)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3 and loader.dataset is ds and loader.batch_size == 4
    assert isinstance(batches[0], list) and batches[0][0].shape == (4, 2, 3) and batches[-1][1].shape == (2,)
    assert isinstance(loader.sampler, SequentialSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2 == len(list(DataLoader(ds, batch_size=4,
                                                                                         drop_last=True)))
    assert isinstance(DataLoader(ds, shuffle=True).sampler, RandomSampler)

def test_loader_without_batching():
    loader = DataLoader(Squares(3), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and samples[1]["index"] == 1 and isinstance(samples[1]["square"], tp.Tensor)
    assert loader.batch_sampler is None and loader.batch_size is None

def test_loader_shuffle_is_reproducible_and_fresh_each_epoch():
    loader = DataLoader(Squares(30), batch_size=30, shuffle=True, generator=np.random.default_rng(0))
    first, second = (next(iter(loader))["index"].numpy().tolist() for _ in range(2))
    assert sorted(first) == list(range(30)) and first != second
    again = DataLoader(Squares(30), batch_size=30, shuffle=True, generator=np.random.default_rng(0))
    assert next(iter(again))["index"].numpy().tolist() == first

def test_loader_sampler_batch_sampler_and_collate_fn():
    ds = Squares(6)
    assert [b["index"].numpy().tolist() for b in DataLoader(ds, sampler=[5, 0], batch_size=2)] == [[5, 0]]
    batched = DataLoader(ds, batch_sampler=[[1, 2], [4]])
    assert [b["index"].numpy().tolist() for b in batched] == [[1, 2], [4]] and len(batched) == 2
    assert batched.batch_size is None and batched.drop_last is False
    assert list(DataLoader(ds, batch_size=4, collate_fn=len)) == [4, 2]

def test_loader_over_an_iterable_dataset():
    assert [b.numpy().tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert len(list(DataLoader(Stream(7), batch_size=3, drop_last=True))) == 2
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]

def test_loader_agrees_with_torch_on_the_same_indices():
    torch = pytest.importorskip("torch")
    x, y = images_and_labels(12)
    order = [3, 11, 0, 7, 7, 2, 9]
    ours = DataLoader(TensorDataset(x, y), batch_size=3, sampler=order)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())),
        batch_size=3, sampler=order)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    structured = DataLoader(Squares(5), batch_size=2)
    assert [plain(b) for b in structured] == [plain(b) for b in torch.utils.data.DataLoader(Squares(5),
                                                                                           batch_size=2)]

def test_loader_attributes_are_set_once():
    loader = DataLoader(Squares(3))
    for name in ("batch_size", "sampler", "dataset", "drop_last"):
        with pytest.raises(ValueError, match="cannot be changed"):
            setattr(loader, name, None)
    loader.num_workers = 0   # PyTorch allows changing the others too

def test_loader_over_tensors_on_a_device(device):
    x, y = images_and_labels(5)
    on_device = DataLoader(TensorDataset(x.to(device), y.to(device)), batch_size=2, shuffle=True,
                           generator=np.random.default_rng(0))
    on_cpu = DataLoader(TensorDataset(x, y), batch_size=2, shuffle=True, generator=np.random.default_rng(0))
    for ours, reference in zip(on_device, on_cpu, strict=True):
        assert [t.device for t in ours] == [device, device]
        assert [plain(t.to("cpu")) for t in ours] == [plain(t) for t in reference]

# --- the in-memory fast path ---------------------------------------------------------------------------------

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]

@given(st.integers(1, 20), st.integers(1, 7), st.booleans(), st.sampled_from(DTYPES), st.integers(0, 2**16),
       st.booleans())
def test_fast_path_gives_what_reading_the_samples_gives(n, batch_size, drop_last, dtype, seed, through_subset):
    rng = np.random.default_rng(seed)
    x = tp.from_numpy((rng.standard_normal((n, 2)) * 3).astype(dtype))
    ds = TensorDataset(x, tp.from_numpy(rng.integers(0, 5, n)), tp.from_numpy(rng.standard_normal(n)))
    if through_subset:
        ds = Subset(Subset(ds, rng.permutation(n).tolist()), list(range(n - 1, -1, -1)))
    assert in_memory_source(ds) is not None and in_memory_source(Samples(ds)) is None
    kwargs = dict(batch_size=batch_size, drop_last=drop_last, shuffle=True)
    fast = list(DataLoader(ds, generator=np.random.default_rng(seed), **kwargs))
    slow = list(DataLoader(Samples(ds), generator=np.random.default_rng(seed), **kwargs))
    assert [plain(b) for b in fast] == [plain(b) for b in slow]

def test_fast_path_with_any_batch_sampler():
    x, y = images_and_labels(6)
    ds = TensorDataset(x, y)
    batches = [[-1, 0], [5, 5, 2], [np.int64(3)]]
    assert [plain(b) for b in DataLoader(ds, batch_sampler=batches)] == \
        [plain(b) for b in DataLoader(Samples(ds), batch_sampler=batches)]
    for wrong in ([[6]], [[0.5]], [[]]):
        with pytest.raises(Exception) as fast_error:
            list(DataLoader(ds, batch_sampler=wrong))
        with pytest.raises(Exception) as slow_error:
            list(DataLoader(Samples(ds), batch_sampler=wrong))
        assert type(fast_error.value) is type(slow_error.value)

def test_fast_path_only_where_it_gives_the_same_batch():
    x, y = images_and_labels(4)

    class Flipped(TensorDataset):
        def __getitem__(self, index):
            return tuple(-t[index] for t in self.tensors)
    assert in_memory_source(Flipped(x, y)) is None
    assert in_memory_source(TensorDataset(tp.tensor([1.0, 2.0], requires_grad=True))) is None
    assert in_memory_source(Subset(TensorDataset(x), ["a"])) is None
    flipped = next(iter(DataLoader(Flipped(x, y), batch_size=4)))
    assert np.array_equal(flipped[0].numpy(), -x.numpy())
    with_collate = next(iter(DataLoader(TensorDataset(x, y), batch_size=4, collate_fn=lambda b: b)))
    assert isinstance(with_collate, list) and len(with_collate) == 4 and isinstance(with_collate[0], tuple)

# --- worker processes ----------------------------------------------------------------------------------------

def worker_pids(iterator):
    return [p.pid for p in iterator.pool.processes]

def reaped(pid):
    """Whether process `pid` is gone entirely: a zombie, never waited for, still answers signal 0."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False

def all_reaped(pids, within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(reaped(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False

@pytest.mark.parametrize("num_workers", [1, 3])
def test_workers_keep_the_order(num_workers):
    x, y = images_and_labels(23)
    for ds in (TensorDataset(x, y), Samples(TensorDataset(x, y)), Squares(23)):
        main = [plain(b) for b in DataLoader(ds, batch_size=4, sampler=list(range(22, -1, -1)))]
        loader = DataLoader(ds, batch_size=4, sampler=list(range(22, -1, -1)), num_workers=num_workers,
                            timeout=WAIT, prefetch_factor=1)
        assert [plain(b) for b in loader] == main

class Failing(Dataset):
    def __getitem__(self, index):
        if index == 5:
            raise_inside_the_dataset(index)
        return index

    def __len__(self):
        return 8

def raise_inside_the_dataset(index):
    raise KeyError(f"no sample {index}")

def test_worker_exception_carries_the_worker_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2, timeout=WAIT)
    iterator = iter(loader)
    assert [next(iterator).numpy().tolist() for _ in range(2)] == [[0, 1], [2, 3]]
    with pytest.raises(KeyError) as raised:
        next(iterator)
    message = str(raised.value)
    assert "worker process 0" in message and "raise_inside_the_dataset" in message and "no sample 5" in message
    pids = worker_pids(iterator)
    assert all_reaped(pids)
    with pytest.raises(StopIteration):
        next(iterator)

class NeedsTwoArguments(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)

class RaisesAnOddException(Dataset):
    def __getitem__(self, index):
        raise NeedsTwoArguments(1, 2)

    def __len__(self):
        return 2

def test_worker_exception_that_cannot_take_a_message_becomes_a_runtime_error():
    with pytest.raises(RuntimeError, match="NeedsTwoArguments raised in DataLoader worker process 0"):
        list(DataLoader(RaisesAnOddException(), num_workers=1, timeout=WAIT))

class Unpicklable(Dataset):
    def __getitem__(self, index):
        return lambda: index

    def __len__(self):
        return 2

def test_a_batch_that_cannot_be_sent_back_is_an_error_not_a_hang():
    with pytest.raises(Exception, match="worker process 0"):
        list(DataLoader(Unpicklable(), batch_size=None, num_workers=1, timeout=WAIT))

class WhoLoads(Dataset):
    """Each sample says which worker read it, with what seed, and a draw of each generator there."""

    def __getitem__(self, index):
        info = get_worker_info()
        return {"worker": info.id, "seed": info.seed, "num_workers": info.num_workers,
                "numpy": float(np.random.random()), "library": float(tp.rand(1)), "marked": MARKS.get(info.id, -1)}

    def __len__(self):
        return 8

MARKS = {}

def mark(worker_id):
    MARKS[worker_id] = worker_id * 10

def test_worker_info_init_fn_and_seeds():
    assert get_worker_info() is None
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, worker_init_fn=mark, timeout=WAIT,
                        generator=np.random.default_rng(7))
    batches = list(loader)
    workers = [b["worker"].numpy().tolist() for b in batches]
    assert workers == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert [b["marked"].numpy().tolist()[0] for b in batches] == [0, 10, 0, 10]
    assert {int(b["num_workers"][0]) for b in batches} == {2}
    seeds = [int(b["seed"][0]) for b in batches]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0]
    assert batches[0]["numpy"].numpy().tolist() != batches[1]["numpy"].numpy().tolist()
    assert batches[0]["library"].numpy().tolist() != batches[1]["library"].numpy().tolist()
    again = list(DataLoader(WhoLoads(), batch_size=2, num_workers=2, worker_init_fn=mark, timeout=WAIT,
                            generator=np.random.default_rng(7)))
    assert [plain(b) for b in again] == [plain(b) for b in batches]
    assert MARKS == {}   # worker_init_fn ran in the workers only

def failing_init(worker_id):
    raise ValueError(f"worker {worker_id} cannot start")

def test_worker_init_fn_exception():
    with pytest.raises(ValueError, match="cannot start"):
        list(DataLoader(Squares(4), num_workers=1, worker_init_fn=failing_init, timeout=WAIT))

@pytest.mark.parametrize("persistent", [False, True])
def test_workers_over_an_iterable_dataset(persistent):
    loader = DataLoader(Stream(9), batch_size=2, num_workers=2, timeout=WAIT, persistent_workers=persistent)
    for _ in range(2):
        values = [v for batch in loader for v in batch.numpy().tolist()]
        assert values == [0, 2, 1, 3, 4, 6, 5, 7, 8]

def test_no_worker_outlives_its_epoch():
    loader = DataLoader(Squares(40), batch_size=2, num_workers=2, timeout=WAIT)
    finished = iter(loader)
    list(finished)
    assert all_reaped(worker_pids(finished))
    stopped = iter(loader)
    next(stopped)
    pids = worker_pids(stopped)
    del stopped
    gc.collect()
    assert all_reaped(pids)

def test_persistent_workers_serve_every_epoch_and_stop_with_the_loader():
    loader = DataLoader(Squares(6), batch_size=2, num_workers=2, timeout=WAIT, persistent_workers=True)
    epochs, pids = [], set()
    for _ in range(3):
        iterator = iter(loader)
        epochs.append([b["index"].numpy().tolist() for b in iterator])
        pids.add(tuple(worker_pids(iterator)))
    assert epochs == [[[0, 1], [2, 3], [4, 5]]] * 3 and len(pids) == 1
    half = iter(loader)
    next(half)   # an epoch left half way: its results do not leak into the next
    assert [b["index"].numpy().tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
    del loader, iterator, half
    gc.collect()
    assert all_reaped(pids.pop())

class Sleepy(Dataset):
    def __getitem__(self, index):
        time.sleep(5)
        return index

    def __len__(self):
        return 1

def test_timeout():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="timeout=0.3"):
        list(DataLoader(Sleepy(), num_workers=1, timeout=0.3))
    assert time.monotonic() - start < 4

class Dies(Dataset):
    def __getitem__(self, index):
        os._exit(3)

    def __len__(self):
        return 1

def test_a_worker_that_dies_is_an_error():
    with pytest.raises(RuntimeError, match="exited unexpectedly with exit code 3"):
        list(DataLoader(Dies(), num_workers=1, timeout=WAIT))

def test_spawned_workers():
    x, y = images_and_labels(5)
    loader = DataLoader(TensorDataset(x, y), batch_size=2, num_workers=1, multiprocessing_context="spawn",
                        timeout=60)
    assert [plain(b) for b in loader] == [plain(b) for b in DataLoader(TensorDataset(x, y), batch_size=2)]

def test_batches_from_workers_are_ordinary_tensors():
    batch = next(iter(DataLoader(TensorDataset(*images_and_labels(4)), batch_size=4, num_workers=1,
                                 timeout=WAIT)))
    assert batch[0].device == "cpu" and not batch[0].requires_grad and (batch[0] * 2).shape == (4, 2, 3)
    assert pickle.loads(pickle.dumps(batch[1])).numpy().tolist() == batch[1].numpy().tolist()

# --- bad input -----------------------------------------------------------------------------------------------

def loader_case(kwargs, error, phrase, torch_rejects=True, dataset=lambda m: Squares(4)):
    return kwargs, error, phrase, torch_rejects, dataset

LOADER_ERRORS = {
    "sampler with shuffle": loader_case(lambda m: dict(sampler=[0], shuffle=True), ValueError, "mutually exclusive"),
    "batch_sampler with batch_size": loader_case(lambda m: dict(batch_sampler=[[0]], batch_size=2), ValueError,
                                                 "batch_sampler is mutually exclusive"),
    "batch_sampler with shuffle": loader_case(lambda m: dict(batch_sampler=[[0]], shuffle=True), ValueError,
                                              "batch_sampler is mutually exclusive"),
    "batch_sampler with sampler": loader_case(lambda m: dict(batch_sampler=[[0]], sampler=[0]), ValueError,
                                              "batch_sampler is mutually exclusive"),
    "batch_sampler with drop_last": loader_case(lambda m: dict(batch_sampler=[[0]], drop_last=True), ValueError,
                                                "batch_sampler is mutually exclusive"),
    "batch_size None with drop_last": loader_case(lambda m: dict(batch_size=None, drop_last=True), ValueError,
                                                  "batch_size=None"),
    "batch_size 0": loader_case(lambda m: dict(batch_size=0), ValueError, "batch_size must be a positive int, got 0"),
    "batch_size 2.0": loader_case(lambda m: dict(batch_size=2.0), ValueError, "got 2.0 (float)"),
    "batch_size True": loader_case(lambda m: dict(batch_size=True), ValueError, "got True (bool)"),
    "drop_last 1": loader_case(lambda m: dict(drop_last=1), ValueError, "drop_last must be True or False, got 1"),
    "num_workers -1": loader_case(lambda m: dict(num_workers=-1), ValueError, "num_workers=-1 must be at least 0"),
    "num_workers 1.0": loader_case(lambda m: dict(num_workers=1.0), TypeError, "num_workers must be an int",
                                   torch_rejects=False),
    "timeout -1": loader_case(lambda m: dict(timeout=-1), ValueError, "timeout=-1 must be at least 0"),
    "timeout a string": loader_case(lambda m: dict(timeout="1"), TypeError, "timeout must be a number"),
    "prefetch_factor without workers": loader_case(lambda m: dict(prefetch_factor=2), ValueError,
                                                   "prefetch_factor=2 needs worker processes"),
    "prefetch_factor 0": loader_case(lambda m: dict(num_workers=1, prefetch_factor=0), ValueError,
                                     "prefetch_factor=0 must be at least 1", torch_rejects=False),
    "persistent_workers without workers": loader_case(lambda m: dict(persistent_workers=True), ValueError,
                                                      "persistent_workers=True needs worker processes"),
    "multiprocessing_context without workers": loader_case(lambda m: dict(multiprocessing_context="fork"),
                                                           ValueError, "needs worker processes"),
    "an unknown start method": loader_case(lambda m: dict(num_workers=1, multiprocessing_context="thread"),
                                           ValueError, "'thread': this platform starts processes with"),
    "shuffle a string": loader_case(lambda m: dict(shuffle="yes"), TypeError, "shuffle must be True or False",
                                    torch_rejects=False),
    "pin_memory a string": loader_case(lambda m: dict(pin_memory="yes"), TypeError,
                                       "pin_memory must be True or False", torch_rejects=False),
    "persistent_workers 1": loader_case(lambda m: dict(num_workers=1, persistent_workers=1), TypeError,
                                        "persistent_workers must be True or False", torch_rejects=False),
    "sampler an int": loader_case(lambda m: dict(sampler=3), TypeError, "sampler must be an iterable of indices",
                                  torch_rejects=False),
    "batch_sampler an int": loader_case(lambda m: dict(batch_sampler=3), TypeError,
                                        "batch_sampler must be an iterable", torch_rejects=False),
    "collate_fn not callable": loader_case(lambda m: dict(collate_fn=3), TypeError, "collate_fn must be callable",
                                           torch_rejects=False),
    "worker_init_fn not callable": loader_case(lambda m: dict(worker_init_fn="f"), TypeError,
                                               "worker_init_fn must be callable", torch_rejects=False),
    "generator a seed": loader_case(lambda m: dict(generator=3), TypeError,
                                    "a numpy.random.Generator or None, got 3", torch_rejects=False),
    "shuffle over an iterable dataset": loader_case(lambda m: dict(shuffle=True), ValueError,
                                                    "shuffle=True does not apply to an IterableDataset",
                                                    dataset=lambda m: Stream(3)),
    "sampler over an iterable dataset": loader_case(lambda m: dict(sampler=[0]), ValueError,
                                                    "sampler=[0] does not apply", dataset=lambda m: Stream(3)),
    "batch_sampler over an iterable dataset": loader_case(lambda m: dict(batch_sampler=[[0]]), ValueError,
                                                          "batch_sampler=[[0]] does not apply",
                                                          dataset=lambda m: Stream(3)),
    "shuffle an empty dataset": loader_case(lambda m: dict(shuffle=True), ValueError,
                                            "num_samples must be a positive int, got 0", dataset=lambda m: []),
}

class TorchStream:
    """Stream(3) as a torch IterableDataset, made on demand so that the table needs no torch."""

    def __new__(cls, torch):
        class Streamed(torch.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(3))
        return Streamed()

@pytest.mark.parametrize("case", LOADER_ERRORS)
def test_loader_bad_input(case):
    kwargs, error, phrase, _, dataset = LOADER_ERRORS[case]
    assert_bad_input(case, {case: (lambda: DataLoader(dataset(data), **kwargs(data)), error, phrase)})

@pytest.mark.parametrize("case", [case for case, row in LOADER_ERRORS.items() if row[3]])
def test_loader_bad_input_torch_rejects_too(case):
    torch = pytest.importorskip("torch")
    kwargs, _, _, _, dataset = LOADER_ERRORS[case]
    theirs = dataset(torch)
    theirs = TorchStream(torch) if isinstance(theirs, Stream) else theirs
    with pytest.raises(Exception):
        torch.utils.data.DataLoader(theirs, **kwargs(torch))

BAD_INPUT = {
    "TensorDataset of nothing": (lambda: TensorDataset(), ValueError, "needs at least one tensor"),
    "TensorDataset of an array": (lambda: TensorDataset(np.ones(3)), TypeError, "tensors[0] must be a Tensor"),
    "TensorDataset of a 0-d tensor": (lambda: TensorDataset(tp.tensor(1.0)), ValueError, "tensors[0] is 0-d"),
    "TensorDataset of two lengths": (lambda: TensorDataset(tp.zeros(3), tp.zeros(4)), ValueError,
                                     "got sizes [3, 4]"),
    "ConcatDataset of nothing": (lambda: ConcatDataset([]), ValueError, "must not be empty"),
    "ConcatDataset of a stream": (lambda: ConcatDataset([Stream(2)]), TypeError, "datasets[0] is an IterableDataset"),
    "ConcatDataset index too large": (lambda: ConcatDataset([[1], [2]])[2], IndexError, "index 2 is out of range"),
    "ConcatDataset index too small": (lambda: ConcatDataset([[1], [2]])[-3], IndexError, "index -3 is out of range"),
    "ConcatDataset index a float": (lambda: ConcatDataset([[1]])[0.0], TypeError, "index must be an int"),
    "ChainDataset of a list": (lambda: ChainDataset([[1]]), TypeError, "datasets[0] must be an IterableDataset"),
    "random_split lengths that miss": (lambda: random_split(range(10), [3, 3]), ValueError, "sum to 6"),
    "random_split fractions over 1": (lambda: random_split(range(10), [0.5, 0.6]), TypeError,
                                      "lengths must be ints (counts) or fractions"),
    "random_split a negative length": (lambda: random_split(range(10), [-1, 11]), ValueError, "lengths[0]=-1"),
    "random_split a string length": (lambda: random_split(range(10), ["5", 5]), TypeError, "lengths[0] must be"),
    "random_split a seed as generator": (lambda: random_split(range(2), [1, 1], generator=0), TypeError,
                                         "a numpy.random.Generator or None"),
    "RandomSampler replacement 1": (lambda: RandomSampler(range(3), replacement=1), TypeError,
                                    "replacement must be True or False"),
    "RandomSampler num_samples 0": (lambda: RandomSampler(range(3), num_samples=0), ValueError,
                                    "num_samples must be a positive int, got 0"),
    "RandomSampler num_samples 2.0": (lambda: RandomSampler(range(3), num_samples=2.0), ValueError, "2.0 (float)"),
    "BatchSampler batch_size 0": (lambda: BatchSampler([0], 0, False), ValueError, "batch_size must be a positive"),
    "BatchSampler drop_last None": (lambda: BatchSampler([0], 1, None), ValueError, "drop_last must be True or"),
    "SubsetRandomSampler generator 1": (lambda: SubsetRandomSampler([0], generator=1), TypeError, "generator"),
}

@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input(case):
    assert_bad_input(case, BAD_INPUT)

def test_a_pytorch_style_generator_reproduces_shuffles_and_splits():
    first = [b[0].numpy().tolist() for b in DataLoader(TensorDataset(tp.arange(10)), batch_size=4, shuffle=True,
                                                       generator=tp.Generator().manual_seed(7))]
    again = [b[0].numpy().tolist() for b in DataLoader(TensorDataset(tp.arange(10)), batch_size=4, shuffle=True,
                                                       generator=tp.Generator().manual_seed(7))]
    assert first == again and sorted(sum(first, [])) == list(range(10))
    parts = [list(p.indices) for p in random_split(range(10), [0.5, 0.5], generator=tp.Generator().manual_seed(3))]
    assert parts == [list(p.indices) for p in random_split(range(10), [0.5, 0.5],
                                                         generator=tp.Generator().manual_seed(3))]
    assert tp.Generator().manual_seed(5).initial_seed() == 5
