"""Loss modules over `nn.functional`, with PyTorch's constructor arguments. A class `weight` (and
BCEWithLogitsLoss's `pos_weight`) is a buffer, so it moves with `.to(device)` and is saved in the state dict.
The deprecated `size_average` and `reduce` arguments exist for signature compatibility and must stay None: pass
`reduction` instead."""
from . import functional as F
from .module import Module

class _Loss(Module):
    function = None
    options = ()      # keyword arguments of `function` that the module keeps, besides reduction and the buffers
    buffers = ()

    def __init__(self, size_average=None, reduce=None, reduction="mean", **kwargs):
        if size_average is not None or reduce is not None:
            raise ValueError(f"{type(self).__name__}: size_average and reduce are deprecated in PyTorch and not "
                             "supported here: use reduction='mean', 'sum' or 'none'")
        self.reduction = reduction
        for name in type(self).buffers:
            if kwargs.get(name) is not None:
                self.register_buffer(name, kwargs[name])
            else:
                object.__setattr__(self, name, None)
        for name in type(self).options:
            setattr(self, name, kwargs[name])

    def forward(self, input, target):
        extra = {name: getattr(self, name) for name in type(self).buffers + type(self).options}
        return type(self).function(input, target, reduction=self.reduction, **extra)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"

class L1Loss(_Loss):
    function = staticmethod(F.l1_loss)

class MSELoss(_Loss):
    function = staticmethod(F.mse_loss)

class NLLLoss(_Loss):
    function, options, buffers = staticmethod(F.nll_loss), ("ignore_index",), ("weight",)

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, weight=weight, ignore_index=ignore_index)

class CrossEntropyLoss(_Loss):
    function, options, buffers = staticmethod(F.cross_entropy), ("ignore_index", "label_smoothing"), ("weight",)

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(size_average, reduce, reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)

class BCELoss(_Loss):
    function, buffers = staticmethod(F.binary_cross_entropy), ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, weight=weight)

class BCEWithLogitsLoss(_Loss):
    function, buffers = staticmethod(F.binary_cross_entropy_with_logits), ("weight", "pos_weight")

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction, weight=weight, pos_weight=pos_weight)

class SmoothL1Loss(_Loss):
    function, options = staticmethod(F.smooth_l1_loss), ("beta",)

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction, beta=beta)

class HuberLoss(_Loss):
    function, options = staticmethod(F.huber_loss), ("delta",)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(None, None, reduction, delta=delta)

class KLDivLoss(_Loss):
    function, options = staticmethod(F.kl_div), ("log_target",)

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction, log_target=log_target)
