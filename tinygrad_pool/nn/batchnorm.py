"""Batch normalisation over (N, C, ...) inputs: per-channel statistics of the batch in training, running
statistics in eval, as in PyTorch (biased variance to normalise, unbiased variance in the running estimate)."""
import numpy as np

from ..arguments import check_bool, check_int, check_number, check_tensor
from ..tensor import Tensor
from . import functional as F
from .module import Module, Parameter

class _BatchNorm(Module):
    input_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, *, bias=True):
        op = type(self).__name__
        check_int(num_features, "num_features", op, minimum=1)
        check_number(eps, "eps", op, minimum=0)
        if momentum is not None:
            check_number(momentum, "momentum", op)
        check_bool(affine, "affine", op)
        check_bool(track_running_stats, "track_running_stats", op)
        check_bool(bias, "bias", op)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))

    def forward(self, input):
        check_tensor(input, "input", type(self).__name__)
        if input.ndim not in type(self).input_dims or input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects a "
                             f"{' or '.join(map(str, type(self).input_dims))}-d "
                             f"input with {self.num_features} channels in dim 1, got shape {input.shape}")
        use_batch_stats = self.training or not self.track_running_stats
        return F.batch_norm(input, *self._running(), self.weight, self.bias, use_batch_stats, self._step_momentum(),
                            self.eps)

    def _step_momentum(self):
        """The momentum of this forward's running-statistics update; in training it also counts the batch."""
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)   # in place: the buffer keeps its storage (collectives write into it)
            if momentum is None:   # a cumulative average
                momentum = 1.0 / float(self.num_batches_tracked.item())
        return momentum or 0.0

    def _running(self):
        return (self.running_mean, self.running_var) if self.track_running_stats else (None, None)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

class BatchNorm1d(_BatchNorm):
    input_dims = (2, 3)

class BatchNorm2d(_BatchNorm):
    input_dims = (4,)

class BatchNorm3d(_BatchNorm):
    input_dims = (5,)
