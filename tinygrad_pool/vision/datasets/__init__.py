"""torchvision.datasets' image datasets: MNIST, FashionMNIST, KMNIST, CIFAR10, CIFAR100, FakeData, ImageFolder."""
from ...datasets import DatasetError
from .download import MIRRORS
from .mnist import MNIST, FashionMNIST, KMNIST
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder, IMG_EXTENSIONS, default_loader
from .vision import DatasetNotFoundError, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "FakeData", "ImageFolder", "DatasetFolder",
           "VisionDataset", "IMG_EXTENSIONS", "default_loader", "MIRRORS", "DatasetError", "DatasetNotFoundError"]
