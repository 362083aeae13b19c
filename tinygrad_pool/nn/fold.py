"""`nn.Unfold` and `nn.Fold`: the sliding blocks of `F.unfold` and `F.fold` as modules, with PyTorch's repr."""
from ..ops.fold import check_window
from . import functional as F
from .module import Module

class Unfold(Module):
    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        check_window("Unfold", kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")

class Fold(Module):
    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        check_window("Fold", kernel_size, dilation, padding, stride)
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
