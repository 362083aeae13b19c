"""DataLoader speed: one shuffled epoch over MNIST-sized in-memory data, ours vs PyTorch's (when installed).

    python benchmarks/dataloader.py

Rows: a TensorDataset of (60000, 1, 28, 28) float32 images and int64 labels, batch 64, shuffle=True, iterated
once through, in the main process. "ours" gathers each batch with one fancy-index per tensor; "ours, per sample"
reads the same data through a Dataset that hides the tensors, so each batch is 64 reads and a collate, as in
PyTorch. Each side keeps its best time over ROUNDS alternating rounds of best-of-3.
"""
import math

import numpy as np
from timing import best_of

import tinygrad_pool as tp
from tinygrad_pool.utils import data

ROUNDS = 3
SHAPE, BATCH = (60000, 1, 28, 28), 64

class PerSample(data.Dataset):
    """The samples of a dataset, read one at a time."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, index):
        return self.dataset[index]

    def __len__(self):
        return len(self.dataset)

def epoch(loader):
    def run():
        for _ in loader:
            pass
    return run

def main():
    rng = np.random.default_rng(0)
    images = rng.standard_normal(SHAPE, np.float32)
    labels = rng.integers(0, 10, SHAPE[0])
    ours = data.TensorDataset(tp.from_numpy(images), tp.from_numpy(labels))
    timed = {"ours": epoch(data.DataLoader(ours, batch_size=BATCH, shuffle=True)),
             "ours, per sample": epoch(data.DataLoader(PerSample(ours), batch_size=BATCH, shuffle=True))}
    try:
        import torch
        torch.set_num_threads(2)
        theirs = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
        timed["torch"] = epoch(torch.utils.data.DataLoader(theirs, batch_size=BATCH, shuffle=True))
    except ImportError:
        pass
    best = {name: math.inf for name in timed}
    for _ in range(ROUNDS):   # alternate, so a slow spell of this shared machine hits every side alike
        for name, run in timed.items():
            best[name] = min(best[name], best_of(run, repeats=3))
    torch_ms = best.get("torch", math.nan) * 1e3
    print(f"{'row':<18} {'ours ms':>9} {'torch ms':>9} {'ratio':>6}   (one epoch; ratio = torch / ours)")
    for name in ("ours", "ours, per sample"):
        ms = best[name] * 1e3
        print(f"{name:<18} {ms:>9.1f} {torch_ms:>9.1f} {torch_ms / ms:>6.2f}")

if __name__ == "__main__":
    main()
