"""The super-resolution net of pytorch/examples (efficient sub-pixel convolution): four convolutions, the last
with upscale_factor ** 2 channels that PixelShuffle rearranges into a larger image; orthogonal initialisation,
MSELoss, Adam, and the PSNR of each step; the model is saved whole, and exported to ONNX.

    python tests/programs/super_resolution.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/super_resolution.py   # the same file under PyTorch

The data is a batch of random 1x24x24 "high-resolution" images and their 3x downsampled averages.
"""
import os
from math import log10
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn = torch.nn
init = torch.nn.init
F = torch.nn.functional
BATCH_SIZE = 4

class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)

def build(seed=0, upscale_factor=3):
    torch.manual_seed(seed)
    return Net(upscale_factor)

def fake_data(batches, seed=0, upscale_factor=3):
    """(low-resolution inputs, high-resolution targets): the inputs are the targets' block averages."""
    rng = np.random.default_rng(seed)
    targets = rng.random((batches * BATCH_SIZE, 1, 24, 24), dtype=np.float32)
    inputs = F.avg_pool2d(torch.from_numpy(targets), upscale_factor).numpy()
    return inputs, targets

def train_steps(model, data, steps, lr=0.01, device="cpu"):
    """Returns the MSE of each step (its PSNR is 10 log10(1 / mse))."""
    device = torch.device(device)
    model = model.to(device)
    training_data_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(data[0]), torch.from_numpy(data[1])), batch_size=BATCH_SIZE)
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    while len(losses) < steps:
        for batch in training_data_loader:
            input, target = batch[0].to(device), batch[1].to(device)
            optimizer.zero_grad()
            loss = criterion(model(input), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses

def psnr(model, data):
    """The mean PSNR in dB over the batches of `data`."""
    criterion = nn.MSELoss()
    avg_psnr = 0
    with torch.no_grad():
        for input, target in torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.from_numpy(data[0]), torch.from_numpy(data[1])),
                batch_size=BATCH_SIZE):
            mse = criterion(model(input), target)
            avg_psnr += 10 * log10(1 / mse.item())
    return avg_psnr / (len(data[0]) // BATCH_SIZE)

def upscale(model, image):
    """The model's output for one numpy image (1, H, W) as 8-bit pixel values (H*r, W*r) in a float array."""
    input = torch.from_numpy(image).view(1, -1, image.shape[1], image.shape[2])
    out = model(input)
    out = out.cpu()
    out_img_y = out[0].detach().numpy()
    out_img_y *= 255.0
    return out_img_y.clip(0, 255)[0]

def export_onnx(model, path, side=8):
    """The model in ONNX for other runtimes, with a free batch dimension, as PyTorch's tutorial exports it."""
    x = torch.randn(1, 1, side, side, requires_grad=True)
    torch.onnx.export(model, x, path, export_params=True, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}})

def checkpoint(model, path):
    """The whole model pickled, as the example saves it after every epoch."""
    torch.save(model, path)

if __name__ == "__main__":
    model = build()
    for step, mse in enumerate(train_steps(model, fake_data(2), 6)):
        print(f"step {step}: loss {mse:.4f}, PSNR {10 * log10(1 / mse):.2f} dB")
    print(f"average PSNR {psnr(model, fake_data(1, seed=1)):.2f} dB")
