"""An all-convolutional MNIST network whose head is global average pooling instead of a fully connected layer.

    python examples/mnist_gap.py                  # 3 epochs on the CPU
    python examples/mnist_gap.py --epochs 1 --plot gap.png

The structure of the deep CNNs that pooling tutorials build up to: blocks of 3x3 convolutions with BatchNorm and
ReLU, max pooling between blocks to halve the resolution, and a last 1x1 convolution that gives one feature map
per class. Global average pooling turns each map into one score, so the head has no weights at all
(a 9216->128 linear layer holds 1.2 million) and the network works on any input size. The same flags as
examples/mnist_cnn.py.
"""
import tinygrad_pool.nn.functional as F
from tinygrad_pool import nn

from mnist_cnn import parse_args, run

def block(in_channels, out_channels):
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU()]

class GapNet(nn.Module):
    def __init__(self):
        self.features = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2),              # (N, 16, 14, 14)
            *block(16, 32), nn.MaxPool2d(2),             # (N, 32, 7, 7)
            *block(32, 64),                              # (N, 64, 7, 7)
            nn.Conv2d(64, 10, 1))                        # (N, 10, 7, 7): one map per class

    def forward(self, x):
        return F.log_softmax(F.global_avg_pool2d(self.features(x)).flatten(1), 1)   # (N, 10)

if __name__ == "__main__":
    run(GapNet, parse_args(__doc__, epochs=3))
