"""LeNet-5 as the d2l book builds it: sigmoid activations and average pooling, for 1x28x28 images."""
from ... import nn

def lenet5(num_classes=10):
    """Conv(1->6, 5x5, pad 2), AvgPool, Conv(6->16, 5x5), AvgPool, then 400 -> 120 -> 84 -> num_classes."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes))
