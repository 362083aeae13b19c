"""The MNIST CNN of examples/mnist_cnn.py learns: a few hundred steps on a slice of MNIST beat 90% accuracy."""
import sys
import time
from pathlib import Path

import numpy as np

import tinygrad_pool as tp
from tinygrad_pool import optim
from tinygrad_pool.datasets import mnist

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from mnist_cnn import Net, evaluate, normalize  # noqa: E402

import tinygrad_pool.nn.functional as F  # noqa: E402

def test_the_mnist_cnn_learns_a_slice_of_mnist_within_two_minutes():
    start = time.perf_counter()
    tp.manual_seed(0)
    data = mnist()
    model = Net()
    loader = tp.DataLoader((data.train_images[:12800], data.train_labels[:12800]), 64, shuffle=True, seed=0,
                           transform=normalize)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    losses = []
    for x, y in loader:   # 200 steps
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    test = tp.DataLoader((data.test_images[:2000], data.test_labels[:2000]), 500, transform=normalize)
    _, accuracy = evaluate(model, test)
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) / 4
    assert accuracy > 90, accuracy
    assert time.perf_counter() - start < 120
