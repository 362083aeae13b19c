"""tinygrad_pool.utils.data.distributed.DistributedSampler: a plain-loop reference of PyTorch's definition, the
properties the ranks' shards must have, and PyTorch itself (where installed) as the oracle for the orders."""
import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool.distributed as dist
from tinygrad_pool.utils.data.distributed import DistributedSampler, _inside_out, randperm

from conftest import assert_bad_input

def reference_randperm(n, seed):
    """PyTorch's Fisher-Yates pass, one swap at a time, on MT19937's raw 32-bit outputs."""
    draws = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2**32, size=max(n - 1, 0), dtype=np.uint64)
    order = list(range(n))
    for i in range(n - 1):
        j = i + int(draws[i]) % (n - i)
        order[i], order[j] = order[j], order[i]
    return order

def reference(n, num_replicas, rank, shuffle, seed, epoch, drop_last):
    """PyTorch's DistributedSampler as plain loops: the order, padded by cycling or cut, then rank's stride."""
    if drop_last and n % num_replicas:
        per_rank = n // num_replicas
    else:
        per_rank = (n + num_replicas - 1) // num_replicas
    total = per_rank * num_replicas
    order = reference_randperm(n, seed + epoch) if shuffle else list(range(n))
    indices = []
    k = 0
    while len(indices) < total:
        indices.append(order[k % n])
        k += 1
    return [indices[i] for i in range(total) if i % num_replicas == rank]

@st.composite
def sampler_args(draw):
    num_replicas = draw(st.integers(1, 5))
    return dict(n=draw(st.integers(0, 50)), num_replicas=num_replicas, rank=draw(st.integers(0, num_replicas - 1)),
                shuffle=draw(st.booleans()), seed=draw(st.integers(-2**40, 2**40)), epoch=draw(st.integers(0, 100)),
                drop_last=draw(st.booleans()))

@given(sampler_args())
def test_matches_the_reference(args):
    sampler = DistributedSampler(range(args["n"]), num_replicas=args["num_replicas"], rank=args["rank"],
                                 shuffle=args["shuffle"], seed=args["seed"], drop_last=args["drop_last"])
    sampler.set_epoch(args["epoch"])
    expected = reference(**args)
    assert list(sampler) == expected
    assert len(sampler) == len(expected)
    assert all(type(i) is int for i in sampler)

@pytest.mark.parametrize("n, num_replicas", [(0, 3), (1, 4), (2, 5), (10, 1), (10, 3), (12, 4), (13, 4), (7, 7),
                                             (100, 3)])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_cover_the_dataset(n, num_replicas, drop_last, shuffle):
    shards = [list(DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=3,
                                      drop_last=drop_last)) for rank in range(num_replicas)]
    size = len(DistributedSampler(range(n), num_replicas=num_replicas, rank=0, drop_last=drop_last))
    assert [len(shard) for shard in shards] == [size] * num_replicas
    together = [i for shard in shards for i in shard]
    assert set(together) <= set(range(n))
    if drop_last or n % num_replicas == 0:
        assert len(set(together)) == len(together)   # disjoint
    if not drop_last:
        assert set(together) == set(range(n))
        assert len(together) == -(-n // num_replicas) * num_replicas
    else:
        assert len(together) == n // num_replicas * num_replicas

def test_padding_repeats_the_order_from_its_start():
    # 2 samples on 5 ranks: the padding (3) exceeds the length, so the order repeats more than once.
    shards = [list(DistributedSampler(range(2), num_replicas=5, rank=r, shuffle=False)) for r in range(5)]
    assert shards == [[0], [1], [0], [1], [0]]
    assert [len(DistributedSampler(range(2), num_replicas=5, rank=r, drop_last=True)) for r in range(5)] == [0] * 5

def test_set_epoch_reshuffles():
    sampler = DistributedSampler(range(100), num_replicas=2, rank=0, seed=5)
    first = list(sampler)
    assert list(sampler) == first                    # no set_epoch: the same order again
    sampler.set_epoch(1)
    second = list(sampler)
    assert second != first and sorted(second) != second
    sampler.set_epoch(1)
    assert list(sampler) == second
    sampler.set_epoch(0)
    assert list(sampler) == first
    other = DistributedSampler(range(100), num_replicas=2, rank=0, seed=6)
    assert list(other) != first                      # the seed matters too
    unshuffled = DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False)
    unshuffled.set_epoch(4)
    assert list(unshuffled) == [1, 3, 5, 7, 9]

def test_dataset_needs_only_len():
    class Sized:
        def __len__(self):
            return 9
    assert list(DistributedSampler(Sized(), num_replicas=2, rank=1, shuffle=False)) == [1, 3, 5, 7, 0]

def test_inside_out_kernel_matches_a_plain_loop():
    """PyTorch's method from 214748364 elements on: too large to compare with PyTorch here, so its kernel is
    checked against the same steps written out, on the draws that kernel would read."""
    for n, seed in [(1, 0), (2, 1), (17, 7), (500, 12345)]:
        draws = np.random.RandomState(seed).randint(0, 2**32, size=2 * n, dtype=np.uint32)
        order = np.arange(n, dtype=np.int64)
        _inside_out(order, draws)
        expected = [0] * n
        for i in range(n):
            z = ((int(draws[2 * i]) << 32) | int(draws[2 * i + 1])) % (i + 1)
            expected[i] = expected[z]
            expected[z] = i
        assert order.tolist() == expected

def test_randperm_matches_the_reference():
    for n, seed in [(0, 0), (1, 3), (2, 0), (10, 7), (1000, -1), (1000, 2**64 - 1)]:
        assert randperm(n, seed).tolist() == reference_randperm(n, seed)

def test_against_pytorch():
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    lengths = [0, 1, 2, 3, 7, 10, 31, 64, 101]
    for n, num_replicas, shuffle, drop_last in itertools.product(lengths, [1, 2, 3, 5], [False, True],
                                                                 [False, True]):
        for rank in range(num_replicas):
            for seed, epoch in [(0, 0), (7, 3), (2**40 + 1, 1), (-3, 2)]:
                ours = DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle,
                                          seed=seed, drop_last=drop_last)
                theirs = TorchSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed,
                                      drop_last=drop_last)
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                assert list(ours) == list(theirs), (n, num_replicas, rank, shuffle, seed, epoch, drop_last)
                assert len(ours) == len(theirs)
                assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)

def test_against_pytorch_at_mnist_size():
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for epoch in (0, 1):
        for rank in range(3):
            ours = DistributedSampler(range(60000), num_replicas=3, rank=rank, seed=42)
            theirs = TorchSampler(range(60000), num_replicas=3, rank=rank, seed=42)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
    g = torch.Generator()
    g.manual_seed(9)
    assert randperm(60001, 9).tolist() == torch.randperm(60001, generator=g).tolist()

BAD = {
    "rank too large": (lambda: DistributedSampler(range(4), num_replicas=2, rank=2), ValueError, "rank=2"),
    "rank range named": (lambda: DistributedSampler(range(4), num_replicas=2, rank=2), ValueError, "[0, 1]"),
    "negative rank": (lambda: DistributedSampler(range(4), num_replicas=2, rank=-1), ValueError, "rank=-1"),
    "float rank": (lambda: DistributedSampler(range(4), num_replicas=2, rank=1.0), TypeError, "1.0 (float)"),
    "negative num_replicas": (lambda: DistributedSampler(range(4), num_replicas=-2, rank=0), ValueError,
                              "num_replicas=-2"),
    "zero num_replicas": (lambda: DistributedSampler(range(4), num_replicas=0, rank=0), ValueError,
                          "num_replicas=0"),
    "bool num_replicas": (lambda: DistributedSampler(range(4), num_replicas=True, rank=0), TypeError,
                          "True (bool)"),
    "float num_replicas": (lambda: DistributedSampler(range(4), num_replicas=2.0, rank=0), TypeError,
                           "2.0 (float)"),
    "int shuffle": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0, shuffle=1), TypeError, "1 (int)"),
    "string shuffle": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0, shuffle="no"), TypeError,
                       "'no' (str)"),
    "None drop_last": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0, drop_last=None), TypeError,
                       "None"),
    "float seed": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0, seed=0.5), TypeError,
                   "0.5 (float)"),
    "bool seed": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0, seed=False), TypeError,
                  "False (bool)"),
    "float epoch": (lambda: DistributedSampler(range(4), num_replicas=2, rank=0).set_epoch(1.5), TypeError,
                    "1.5 (float)"),
    "no len": (lambda: DistributedSampler(iter(range(4)), num_replicas=2, rank=0), TypeError, "range_iterator"),
    "seed out of PyTorch's range": (lambda: list(DistributedSampler(range(4), num_replicas=2, rank=0,
                                                                    seed=2**64)), ValueError, str(2**64)),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input(case):
    assert_bad_input(case, BAD)

def test_numpy_ints_are_accepted():
    sampler = DistributedSampler(range(6), num_replicas=np.int64(3), rank=np.int32(2), seed=np.uint8(1))
    assert type(sampler.num_replicas) is int and type(sampler.rank) is int
    assert len(list(sampler)) == 2

def test_dataset_that_changes_length():
    data = list(range(10))
    sampler = DistributedSampler(data, num_replicas=2, rank=0)
    data.append(10)
    with pytest.raises(RuntimeError, match="11 samples"):
        list(sampler)

def test_defaults_need_a_process_group():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="process group"):
        DistributedSampler(range(4))
    with pytest.raises(RuntimeError, match="process group"):
        DistributedSampler(range(4), num_replicas=2)
    with pytest.raises(RuntimeError, match="process group"):
        DistributedSampler(range(4), rank=0)
