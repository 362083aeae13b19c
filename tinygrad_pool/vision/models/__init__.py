"""torchvision.models' classic CNNs with torchvision's module trees, built from tinygrad_pool.nn."""
from .lenet import lenet5
from .alexnet import AlexNet, alexnet
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn
from .resnet import ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50

__all__ = ["lenet5", "AlexNet", "alexnet", "VGG", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "ResNet", "BasicBlock",
           "Bottleneck", "resnet18", "resnet34", "resnet50"]
