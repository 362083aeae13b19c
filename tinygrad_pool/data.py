"""Batches from in-memory arrays, like PyTorch's DataLoader over a TensorDataset.

    loader = DataLoader((images, labels), batch_size=64, shuffle=True, seed=1)
    for x, y in loader:          # Tensors; a fresh order every epoch, the same orders for the same seed
        ...

`transform`, if given, maps each batch's numpy arrays (a tuple) to new ones before they become Tensors: the place
for normalisation, so it costs one vectorised pass per batch rather than one call per sample.

PyTorch's DataLoader, with its datasets, samplers and worker processes, is `tinygrad_pool.utils.data` (see
docs/data.md).
"""
import numpy as np

from .arguments import check_bool, check_int
from .backends import normalize_device
from .creation import tensor

class DataLoader:
    def __init__(self, arrays, batch_size=1, shuffle=False, drop_last=False, seed=None, transform=None,
                 device="cpu"):
        arrays = tuple(np.asarray(a) for a in (arrays if isinstance(arrays, (tuple, list)) else (arrays,)))
        if not arrays or any(a.ndim == 0 for a in arrays):
            raise ValueError(f"DataLoader: arrays must be one array or a tuple of arrays with a first (sample) dim, "
                             f"got shapes {[a.shape for a in arrays]}")
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"DataLoader: the arrays must have one length, got {[len(a) for a in arrays]}")
        check_int(batch_size, "batch_size", "DataLoader", minimum=1)
        check_bool(shuffle, "shuffle", "DataLoader")
        check_bool(drop_last, "drop_last", "DataLoader")
        if seed is not None:
            check_int(seed, "seed", "DataLoader", minimum=0)
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be callable, got {type(transform).__name__}")
        device = normalize_device(device)
        self.arrays, self.batch_size, self.shuffle, self.drop_last = arrays, batch_size, shuffle, drop_last
        self.transform, self.device = transform, device
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.arrays[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.arrays[0])
        order = self.rng.permutation(n) if self.shuffle else None
        for b in range(len(self)):
            rows = slice(b * self.batch_size, min(n, (b + 1) * self.batch_size))
            batch = tuple(a[order[rows]] if order is not None else a[rows] for a in self.arrays)
            if self.transform is not None:
                batch = self.transform(*batch)
            yield tuple(tensor(a, device=self.device) for a in batch)
