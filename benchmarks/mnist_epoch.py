"""Training speed of the MNIST CNN (examples/mnist_cnn.py): ours vs PyTorch CPU (when installed).

    python benchmarks/mnist_epoch.py                 # 3 rounds of 200 steps at batch 64 for each
    python benchmarks/mnist_epoch.py --steps 938     # whole epochs

Both train the same network from the same initial weights on the same batches (normalised numpy arrays, so
neither pays for a data pipeline), with Adadelta (lr 1.0), dropout on. The first 5 steps of each run are warm-up
(Numba compiles on first call) and are not timed.

PyTorch runs twice per round: first as a plain PyTorch script runs, in a fresh process that never loads
tinygrad_pool's CPU backend, then in this process after ours, which keeps freed memory instead of unmapping it
(see tinygrad_pool/backends/cpu/memory.py), and that speeds PyTorch up too. The rounds alternate the three runs,
so that each sees the machine as the others do, and the table keeps each one's best round. The ratio column
divides by plain PyTorch's time.
"""
import argparse
import json
import subprocess
import sys
import tempfile
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

def time_torch_in_fresh_process(weights, steps, batch_size):
    """time_torch in a new interpreter, which loads PyTorch but not our CPU backend: a plain PyTorch script."""
    code = (f"import sys, json; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import numpy as np; "
            f"import mnist_epoch as m; state = dict(np.load({str(weights)!r})); "
            f"print(json.dumps(m.time_torch(m.torch_net(state), m.batches({steps}, {batch_size}))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    images = args.steps * args.batch_size
    try:
        net = torch_net()
        torch_version = __import__("torch").__version__
    except ImportError:
        net = None
    tp.manual_seed(0)
    model = Net()
    times = {"tinygrad_pool": []}
    with tempfile.TemporaryDirectory() as scratch:
        if net is not None:
            initial = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
            model.load_state_dict(initial)
            weights = Path(scratch) / "initial.npz"
            np.savez(weights, **initial)
            times.update({f"torch {torch_version}": [], "torch, kept memory": []})
        for _ in range(args.rounds):
            if net is not None:
                times[f"torch {torch_version}"].append(
                    time_torch_in_fresh_process(weights, args.steps, args.batch_size))
            times["tinygrad_pool"].append(time_ours(model, batches(args.steps, args.batch_size)))
            if net is not None:
                times["torch, kept memory"].append(
                    time_torch(torch_net(initial), batches(args.steps, args.batch_size)))
    best = {name: min(runs) for name, runs in times.items()}
    baseline = best.get(f"torch {torch_version}") if net is not None else None
    print(f"{args.steps} steps at batch {args.batch_size} ({images} images), best of {args.rounds} alternating rounds")
    print(f"{'framework':<20} {'seconds':>8} {'images/s':>9} {'time / torch':>13}")
    for name, seconds in best.items():
        ratio = f"{seconds / baseline:13.2f}" if baseline else f"{'-':>13}"
        print(f"{name:<20} {seconds:8.2f} {images / seconds:9.0f} {ratio}")
    if net is None:
        print("(PyTorch is not installed: pip install torch to compare)")

if __name__ == "__main__":
    main()
