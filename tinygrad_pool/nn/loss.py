"""Loss modules over `nn.functional`, with PyTorch's constructor arguments and reprs (which show none of them).
A class `weight` (and BCEWithLogitsLoss's `pos_weight`) is a buffer, so it moves with `.to(device)` and is saved
in the state dict. The deprecated `size_average` and `reduce` arguments exist for signature compatibility and
must stay None: pass `reduction` instead."""
import warnings

from . import functional as F
from .distance import PairwiseDistance
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


class L1Loss(_Loss):
    function = staticmethod(F.l1_loss)

class MSELoss(_Loss):
    function = staticmethod(F.mse_loss)

class NLLLoss(_Loss):
    function, options, buffers = staticmethod(F.nll_loss), ("ignore_index",), ("weight",)

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, weight=weight, ignore_index=ignore_index)

class NLLLoss2d(NLLLoss):
    """NLLLoss under its deprecated name (nll_loss takes (N, C, H, W) inputs itself), with PyTorch's warning."""
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("NLLLoss2d is deprecated in PyTorch: NLLLoss takes (N, C, H, W) inputs as they are",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)

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

class MarginRankingLoss(_Loss):
    options = ("margin",)

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, margin=margin)

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)

class HingeEmbeddingLoss(_Loss):
    function, options = staticmethod(F.hinge_embedding_loss), ("margin",)

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, margin=margin)

class CosineEmbeddingLoss(_Loss):
    options = ("margin",)

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, margin=margin)

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)

class SoftMarginLoss(_Loss):
    function = staticmethod(F.soft_margin_loss)

class MultiLabelSoftMarginLoss(_Loss):
    function, buffers = staticmethod(F.multilabel_soft_margin_loss), ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, weight=weight)

class MultiLabelMarginLoss(_Loss):
    function = staticmethod(F.multilabel_margin_loss)

class MultiMarginLoss(_Loss):
    function, options, buffers = staticmethod(F.multi_margin_loss), ("p", "margin"), ("weight",)

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, p=p, margin=margin, weight=weight)

class TripletMarginLoss(_Loss):
    options = ("margin", "p", "eps", "swap")

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, margin=margin, p=p, eps=eps, swap=swap)

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)

class TripletMarginWithDistanceLoss(_Loss):
    """The triplet loss with a distance function of your own; the default, PairwiseDistance(), is a child
    module, as in PyTorch."""
    options = ("margin", "swap")

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(None, None, reduction, margin=margin, swap=swap)
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)

class PoissonNLLLoss(_Loss):
    function, options = staticmethod(F.poisson_nll_loss), ("log_input", "full", "eps")

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction, log_input=log_input, full=full, eps=eps)

class GaussianNLLLoss(_Loss):
    options = ("full", "eps")

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction, full=full, eps=eps)

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)
