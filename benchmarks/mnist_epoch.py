"""Training speed of the MNIST CNN (examples/mnist_cnn.py): ours vs PyTorch CPU (when installed), one process.

    python benchmarks/mnist_epoch.py                 # 200 steps at batch 64 for each
    python benchmarks/mnist_epoch.py --steps 938     # a whole epoch

Both train the same network from the same initial weights on the same batches (normalised numpy arrays, so
neither pays for a data pipeline), with Adadelta (lr 1.0), dropout on. The first 5 steps are warm-up (Numba
compiles on first call) and are not timed.

PyTorch runs twice: first as a plain PyTorch script runs (before tinygrad_pool's CPU backend loads), then after
it, when the process keeps freed memory instead of unmapping it (see tinygrad_pool/backends/cpu/memory.py),
which speeds PyTorch up too. The ratio column divides by the first.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from mnist_cnn import Net, normalize  # noqa: E402

import tinygrad_pool as tp  # noqa: E402
import tinygrad_pool.nn.functional as F  # noqa: E402
from tinygrad_pool import optim  # noqa: E402
from tinygrad_pool.datasets import mnist  # noqa: E402

WARMUP = 5

def batches(steps, batch_size, seed=0):
    data = mnist()
    rng = np.random.default_rng(seed)
    for _ in range(steps + WARMUP):
        rows = rng.integers(0, len(data.train_labels), batch_size)
        yield normalize(data.train_images[rows], data.train_labels[rows])

def time_ours(model, data):
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    model.train()
    for i, (x, y) in enumerate(data):
        if i == WARMUP:
            start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.nll_loss(model(tp.from_numpy(x)), tp.from_numpy(y))
        loss.backward()
        optimizer.step()
        loss.item()
    return time.perf_counter() - start

def torch_net(state=None):
    """pytorch/examples' network; with `state` (name -> numpy array) as its initial weights."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as TF

    class TorchNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3, 1), nn.Conv2d(32, 64, 3, 1)
            self.dropout1, self.dropout2 = nn.Dropout(0.25), nn.Dropout(0.5)
            self.fc1, self.fc2 = nn.Linear(9216, 128), nn.Linear(128, 10)

        def forward(self, x):
            x = TF.max_pool2d(TF.relu(self.conv2(TF.relu(self.conv1(x)))), 2)
            x = TF.relu(self.fc1(torch.flatten(self.dropout1(x), 1)))
            return TF.log_softmax(self.fc2(self.dropout2(x)), dim=1)

    net = TorchNet()
    if state is not None:
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    return net

def time_torch(net, data):
    import torch
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0)
    net.train()
    for i, (x, y) in enumerate(data):
        if i == WARMUP:
            start = time.perf_counter()
        optimizer.zero_grad()
        loss = torch.nn.functional.nll_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
        loss.item()
    return time.perf_counter() - start

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    images = args.steps * args.batch_size
    rows = []
    try:
        net = torch_net()
        torch_version = __import__("torch").__version__
    except ImportError:
        net = None
    if net is not None:   # before our CPU backend loads: glibc's default allocator, as in a plain PyTorch script
        initial = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        rows.append((f"torch {torch_version}", time_torch(net, batches(args.steps, args.batch_size))))
    tp.manual_seed(0)
    model = Net()
    if net is not None:
        model.load_state_dict(initial)
    rows.insert(0, ("tinygrad_pool", time_ours(model, batches(args.steps, args.batch_size))))
    if net is not None:
        rows.append(("torch, kept memory", time_torch(torch_net(initial), batches(args.steps, args.batch_size))))
    print(f"{args.steps} steps at batch {args.batch_size} ({images} images), one process")
    print(f"{'framework':<20} {'seconds':>8} {'images/s':>9} {'time / torch':>13}")
    for name, seconds in rows:
        ratio = f"{seconds / rows[1][1]:13.2f}" if net is not None else f"{'-':>13}"
        print(f"{name:<20} {seconds:8.2f} {images / seconds:9.0f} {ratio}")
    if net is None:
        print("(PyTorch is not installed: pip install torch to compare)")

if __name__ == "__main__":
    main()
