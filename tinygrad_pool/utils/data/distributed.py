"""PyTorch's `torch.utils.data.distributed.DistributedSampler`: in a distributed job each rank reads its own shard
of the dataset, of the same length on every rank and disjoint from the other ranks' (but for the few indices
repeated to even the shards out), so that together the ranks read the whole dataset once per epoch. Calling
`set_epoch` before each epoch reshuffles; the same seed and epoch give PyTorch's very order, so a job reads the
same samples on each rank in either library.
"""
import numpy as np
from numba import njit

from ...arguments import check_bool, check_int
from .sampler import Sampler

# Below this length PyTorch's CPU randperm is a Fisher-Yates pass on 32-bit draws; from it on, an inside-out
# Fisher-Yates on 64-bit draws (at::randperm_cpu: n < UINT32_MAX / 20).
_LARGE = (2**32 - 1) // 20

@njit(cache=True)
def _fisher_yates(order, draws):
    """PyTorch's pass for small n: step i swaps entry i with entry i + draws[i] % (n - i)."""
    n = order.shape[0]
    for i in range(n - 1):
        j = i + np.int64(draws[i]) % (n - i)
        order[i], order[j] = order[j], order[i]

@njit(cache=True)
def _inside_out(order, draws):
    """PyTorch's pass for large n: step i draws a 64-bit value from two 32-bit draws (the first is the high word)
    and moves entry z = value % (i + 1) to i before putting i at z."""
    n = order.shape[0]
    for i in range(n):
        value = (np.uint64(draws[2 * i]) << np.uint64(32)) | np.uint64(draws[2 * i + 1])
        z = np.int64(value % np.uint64(i + 1))
        order[i] = order[z]
        order[z] = i

def randperm(n, seed):
    """torch.randperm(n, generator=torch.Generator().manual_seed(seed)), bit for bit, without torch: PyTorch's CPU
    generator is MT19937 seeded with the low 32 bits of the seed, whose raw 32-bit outputs numpy's RandomState
    gives in the same order. Both of PyTorch's methods are kept, since PyTorch switches to an inside-out shuffle
    on 64-bit draws at n = 214748364: the tests compare with PyTorch below that length, and both sides of it
    matched PyTorch 2.13 (n = 214748363 and 214748364, too large for the tests)."""
    if not -2**63 <= seed < 2**64:
        raise ValueError(f"DistributedSampler: seed + epoch = {seed} is outside PyTorch's seed range "
                         f"[-2**63, 2**64 - 1]")
    order = np.arange(n, dtype=np.int64)
    stream = np.random.RandomState(seed & 0xFFFFFFFF)
    if n < _LARGE:
        if n > 1:
            _fisher_yates(order, stream.randint(0, 2**32, size=n - 1, dtype=np.uint32))
    else:
        _inside_out(order, stream.randint(0, 2**32, size=2 * n, dtype=np.uint32))
    return order

class DistributedSampler(Sampler):
    """The indices of rank `rank` out of `num_replicas`: the dataset's order (PyTorch's permutation for seed +
    epoch when `shuffle`, else 0, 1, ...), made a multiple of `num_replicas` long by repeating indices from its
    start (or, with `drop_last`, by cutting the tail), then every `num_replicas`-th index from `rank` on.

    num_replicas and rank default to tinygrad_pool.distributed's get_world_size() and get_rank(), which raise a
    RuntimeError when no process group is initialized. Every rank must use the same seed and call
    set_epoch(epoch) with the same epoch before each epoch, or the shards overlap. The dataset needs only
    `__len__`.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        op = "DistributedSampler"
        if num_replicas is not None:
            num_replicas = check_int(num_replicas, "num_replicas", op, minimum=1)
        if rank is not None:
            rank = check_int(rank, "rank", op)
        shuffle = check_bool(shuffle, "shuffle", op)
        seed = check_int(seed, "seed", op)
        drop_last = check_bool(drop_last, "drop_last", op)
        length = _length(dataset)
        if num_replicas is None or rank is None:
            from ... import distributed
            if num_replicas is None:
                num_replicas = distributed.get_world_size()
            if rank is None:
                rank = distributed.get_rank()
        if not 0 <= rank < num_replicas:
            raise ValueError(f"{op}: rank={rank} is out of range: with num_replicas={num_replicas} the rank must "
                             f"be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and length % num_replicas:
            # Ceiling division of a length that may be negative: the ranks then get nothing.
            self.num_samples = -(-(length - num_replicas) // num_replicas)
        else:
            self.num_samples = -(-length // num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        length = _length(self.dataset)
        order = randperm(length, self.seed + self.epoch) if self.shuffle else np.arange(length, dtype=np.int64)
        if self.drop_last:
            order = order[:self.total_size]
        elif 0 < length <= self.total_size:
            order = np.resize(order, self.total_size)   # repeats the order from its start as often as needed
        if len(order) != self.total_size:
            raise RuntimeError(f"DistributedSampler: the dataset has {length} samples, but the sampler was made "
                               f"for {self.total_size} in all (num_samples={self.num_samples} on each of "
                               f"{self.num_replicas} ranks); make a new sampler when the dataset changes length")
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch whose order the next __iter__ gives (seed + epoch seeds the shuffle): set it on every rank
        before each epoch, or every epoch repeats epoch 0's order."""
        self.epoch = check_int(epoch, "epoch", "DistributedSampler.set_epoch")

def _length(dataset):
    try:
        return len(dataset)
    except TypeError:
        raise TypeError(f"DistributedSampler: the dataset must define __len__ (a map-style dataset), got a "
                        f"{type(dataset).__name__}") from None
