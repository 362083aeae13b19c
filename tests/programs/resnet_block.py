"""A ResNet-18-style net in the style of d2l's chapter: residual blocks of two 3x3 convolutions with BatchNorm,
a 1x1 convolution on the shortcut where the shape changes, global average pooling, Adam.

    python tests/programs/resnet_block.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/resnet_block.py   # the same file under PyTorch

ResNet-18's layout (a stem, four stages of two blocks) with the channels scaled down, on 1x32x32 random data.
"""
import os
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn = torch.nn
F = torch.nn.functional
BATCH_SIZE = 4

class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)

def resnet_stage(input_channels, num_channels, num_residuals, first_block=False):
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels, num_channels))
    return blocks

def build(seed=0, channels=(8, 16, 32, 32), num_classes=10):
    torch.manual_seed(seed)
    stem = nn.Sequential(nn.Conv2d(1, channels[0], kernel_size=7, stride=2, padding=3),
                         nn.BatchNorm2d(channels[0]), nn.ReLU(),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    stages = [nn.Sequential(*resnet_stage(channels[0], channels[0], 2, first_block=True))]
    for before, after in zip(channels, channels[1:]):
        stages.append(nn.Sequential(*resnet_stage(before, after, 2)))
    return nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(channels[-1], num_classes))

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batches * BATCH_SIZE, 1, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, batches * BATCH_SIZE)
    return images, labels

def make_optimizer(net, lr=1e-3):
    return torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)

def train_steps(net, data, steps, optimizer=None, cosine_steps=None, device="cpu"):
    """Adam (a fresh one unless `optimizer` is given); with `cosine_steps`, the learning rate follows a cosine
    from its start to 0 over that many steps."""
    device = torch.device(device)
    net.to(device)
    images, labels = data
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=False)
    optimizer = optimizer or make_optimizer(net)
    if cosine_steps is not None:
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cosine_steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    losses = []
    net.train()
    while len(losses) < steps:
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(net(X), y)
            loss.backward()
            optimizer.step()
            if cosine_steps is not None:
                scheduler.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses

def save_checkpoint(net, epoch, path, optimizer=None):
    """The model's weights and the epoch, and the optimizer's state where one is given, as PyTorch's tutorial
    on checkpoints saves them to resume training."""
    checkpoint = {"epoch": epoch, "model_state_dict": net.state_dict()}
    if optimizer is not None:
        checkpoint["optimizer_state_dict"] = optimizer.state_dict()
    torch.save(checkpoint, path)

def load_checkpoint(path):
    """(a fresh net with the weights saved at `path`, the epoch, an optimizer with the saved state or None)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    net = build()
    net.load_state_dict(checkpoint["model_state_dict"])
    optimizer = None
    if "optimizer_state_dict" in checkpoint:
        optimizer = make_optimizer(net)
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return net, checkpoint["epoch"], optimizer

def predict(net, images):
    """The eval-mode logits as a numpy array: BatchNorm uses its running statistics."""
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(images)).numpy()

if __name__ == "__main__":
    net = build()
    X = torch.rand(2, 1, 32, 32)
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, "output shape:\t", X.shape)
    for step, value in enumerate(train_steps(net, fake_data(2), 6)):
        print(f"step {step}: loss {value:.4f}")
