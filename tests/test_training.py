"""The MNIST CNN of examples/mnist_cnn.py learns: a few hundred steps on a slice of MNIST beat 90% accuracy."""
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import nn, optim
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

@pytest.mark.cuda
def test_a_training_step_on_cuda_matches_the_cpu():
    """Conv, bias, ReLU, max pooling, dropout, Linear, log_softmax, nll_loss and an Adadelta step: the same
    weights after one step on both devices (dropout draws the same mask on both)."""
    from conftest import CUDA
    if not CUDA:
        pytest.skip("no CUDA (set NUMBA_ENABLE_CUDASIM=1)")

    def one_step(device):
        tp.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                              nn.Linear(8, 3), nn.LogSoftmax(1)).to(device)
        x = tp.Tensor(np.random.default_rng(1).standard_normal((2, 1, 6, 6)).astype(np.float32), device=device)
        y = tp.Tensor(np.array([0, 2]), device=device)
        optimizer = optim.Adadelta(model.parameters(), lr=1.0)
        F.nll_loss(model(x), y).backward()
        grads = {name + ".grad": p.grad.numpy() for name, p in model.named_parameters()}
        optimizer.step()
        return {**grads, **{name: t.numpy() for name, t in model.state_dict().items()}}

    on_cpu, on_cuda = one_step("cpu"), one_step("cuda")
    assert np.abs(on_cpu["5.weight.grad"]).max() > 1e-3
    for name in on_cpu:
        np.testing.assert_allclose(on_cuda[name], on_cpu[name], rtol=1e-4, atol=1e-5, err_msg=name)
