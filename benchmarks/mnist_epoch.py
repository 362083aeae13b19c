"""Training speed of the MNIST CNN (examples/mnist_cnn.py): ours vs PyTorch CPU (when installed), one process.

    python benchmarks/mnist_epoch.py                 # 200 steps at batch 64 for each
    python benchmarks/mnist_epoch.py --steps 938     # a whole epoch

Both train the same network from the same initial weights on the same batches (normalised numpy arrays, so
neither pays for a data pipeline), with Adadelta (lr 1.0), dropout on, one thread pool each. The first 5 steps
are warm-up (Numba compiles on first call) and are not timed.
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

def torch_net(model):
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
    net.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
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
    tp.manual_seed(0)
    model = Net()
    images = args.steps * args.batch_size
    rows = [("tinygrad_pool", time_ours(model, batches(args.steps, args.batch_size)))]
    try:
        net = torch_net(Net())
    except ImportError:
        net = None
    if net is not None:
        rows.append(("torch " + __import__("torch").__version__, time_torch(net, batches(args.steps, args.batch_size))))
    print(f"{args.steps} steps at batch {args.batch_size} ({images} images)")
    print(f"{'framework':<16} {'seconds':>8} {'images/s':>9} {'time / torch':>13}")
    for name, seconds in rows:
        ratio = f"{seconds / rows[-1][1]:13.2f}" if net is not None else f"{'-':>13}"
        print(f"{name:<16} {seconds:8.2f} {images / seconds:9.0f} {ratio}")
    if len(rows) == 1:
        print("(PyTorch is not installed: pip install torch to compare)")

if __name__ == "__main__":
    main()
