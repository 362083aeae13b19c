"""A small VGG in the style of d2l's chapter, with BatchNorm after every convolution, trained with Adam.

    python tests/programs/vgg_block.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/vgg_block.py   # the same file under PyTorch

`conv_arch` lists (number of convolutions, output channels) per block, scaled down for 3x32x32 random images.
"""
import os
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn = torch.nn
BATCH_SIZE = 4

def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.BatchNorm2d(out_channels),
                   nn.ReLU(inplace=True)]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)

class VGG(nn.Module):
    def __init__(self, conv_arch, num_classes=10, dropout=0.5):
        super().__init__()
        blocks, in_channels = [], 3
        for num_convs, out_channels in conv_arch:
            blocks.append(vgg_block(num_convs, in_channels, out_channels))
            in_channels = out_channels
        self.features = nn.Sequential(*blocks)
        side = 32 // 2 ** len(conv_arch)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * side * side, 64), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(64, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))

def build(seed=0, dropout=0.5):
    torch.manual_seed(seed)
    return VGG(((1, 8), (1, 16), (2, 16)), dropout=dropout)

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batches * BATCH_SIZE, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, batches * BATCH_SIZE)
    return images, labels

def loader_for(data):
    images, labels = data
    dataset = torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels))
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE)

def train_steps(model, data, steps, lr=1e-3, clip=None, device="cpu"):
    """Adam; `clip` bounds the gradients' global norm."""
    device = torch.device(device)
    model.to(device)
    loader = loader_for(data)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    while len(losses) < steps:
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses

def accuracy(model, data):
    """The accuracy in %, as PyTorch's CIFAR-10 tutorial counts it."""
    correct, total = 0, 0
    model.eval()
    with torch.no_grad():
        for images, labels in loader_for(data):
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return 100 * correct / total

def predict(model, images):
    """The eval-mode logits as a numpy array: BatchNorm uses its running statistics."""
    model.eval()
    with torch.no_grad():
        return model(torch.tensor(images)).numpy()

if __name__ == "__main__":
    model = build()
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{n_params} parameters")
    for step, value in enumerate(train_steps(model, fake_data(2), 6)):
        print(f"step {step}: loss {value:.4f}")
    print(f"accuracy {accuracy(model, fake_data(1, seed=1))} %")
