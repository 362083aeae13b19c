"""LeNet-5 in the style of d2l's chapter: sigmoid activations, average pooling, SGD, cross-entropy.

    python tests/programs/lenet5.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/lenet5.py   # the same file under PyTorch

The data is random, shaped like MNIST (N, 1, 28, 28) with labels 0..9, so the program runs anywhere.
"""
import os
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn = torch.nn
BATCH_SIZE = 8

def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)

def build(seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    net.apply(init_weights)
    return net

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((batches * BATCH_SIZE, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, batches * BATCH_SIZE)
    return images, labels

def layer_shapes(net):
    """The shape after each layer, as d2l prints it to check the architecture."""
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    shapes = []
    for layer in net:
        X = layer(X)
        shapes.append((layer.__class__.__name__, tuple(X.shape)))
    return shapes

def accuracy(y_hat, y):
    """The number of correct predictions."""
    y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())

def try_gpu(i=0):
    """GPU i if it exists, else the CPU."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")

def train_steps(net, data, steps, lr=0.9, device="cpu"):
    device = torch.device(device)
    net.to(device)
    images, labels = data
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    train_iter = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=False)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    losses = []
    while len(losses) < steps:
        net.train()
        for X, y in train_iter:
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            losses.append(l.item())
            if len(losses) == steps:
                break
    return losses

def evaluate_accuracy(net, data):
    """The fraction of correct predictions, in eval mode and without the tape, on the net's device."""
    if isinstance(net, nn.Module):
        net.eval()
    device = next(iter(net.parameters())).device
    images, labels = data
    with torch.no_grad():
        X, y = torch.from_numpy(images).to(device), torch.from_numpy(labels).to(device)
        return accuracy(net(X), y) / y.numel()

def predict(net, images):
    """The eval-mode logits as a numpy array."""
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(images)).detach().cpu().numpy()

if __name__ == "__main__":
    net = build()
    for name, shape in layer_shapes(net):
        print(f"{name:>10} output shape: {shape}")
    for step, value in enumerate(train_steps(net, fake_data(4), 8, device=try_gpu())):
        print(f"step {step}: loss {value:.4f}")
    print(f"accuracy {evaluate_accuracy(net, fake_data(4)):.3f}")
