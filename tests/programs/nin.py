"""Network in Network in the style of d2l's chapter: blocks of one spatial and two 1x1 convolutions, max pooling,
dropout, and a global-average-pooling head in place of fully connected layers.

    python tests/programs/nin.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/nin.py   # the same file under PyTorch

The channel counts are scaled down and the input is 1x32x32 random data, so that it trains in seconds.
"""
import os
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

from_numpy = torch.from_numpy
nn = torch.nn
BATCH_SIZE = 4

def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())

def build(seed=0, dropout=0.5, num_classes=10):
    torch.manual_seed(seed)
    return nn.Sequential(
        nin_block(1, 8, kernel_size=5, strides=2, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(8, 16, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(dropout),
        nin_block(16, num_classes, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batches * BATCH_SIZE, 1, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, batches * BATCH_SIZE)
    return images, labels

def loader_for(data):
    images, labels = data
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(from_numpy(images), from_numpy(labels)),
                                       batch_size=BATCH_SIZE)

def train_steps(net, data, steps, lr=0.1, device="cpu"):
    """SGD with momentum, the learning rate decayed by StepLR after every pass over the data."""
    device = torch.device(device)
    net = net.to(device)
    loader = loader_for(data)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    criterion = nn.CrossEntropyLoss()
    losses = []
    net.train()
    while len(losses) < steps:
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            loss = criterion(net(X), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
        scheduler.step()
    return losses

def test(net, data, device="cpu"):
    """(mean loss, accuracy in %) as pytorch/examples' mnist computes them."""
    net.eval()
    loader = loader_for(data)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, target in loader:
            X, target = X.to(device), target.to(device)
            output = net(X)
            test_loss += torch.nn.functional.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(loader.dataset)
    return test_loss, 100. * correct / len(loader.dataset)

def predict(net, images):
    """The eval-mode logits as a numpy array (dropout off)."""
    net.eval()
    with torch.no_grad():
        return net(from_numpy(images)).numpy()

if __name__ == "__main__":
    net = build()
    print(net)
    for step, value in enumerate(train_steps(net, fake_data(2), 6)):
        print(f"step {step}: loss {value:.4f}")
    loss, accuracy = test(net, fake_data(1, seed=1))
    print(f"test: average loss {loss:.4f}, accuracy {accuracy:.0f}%")
