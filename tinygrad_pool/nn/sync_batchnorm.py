"""`SyncBatchNorm`: PyTorch's batch normalisation over the global batch of a process group (see
tinygrad_pool/distributed), for data-parallel training where each rank sees only part of the batch.

In training, each channel's statistics cover every rank's samples: every rank computes its count, mean and sum of
squared deviations per channel (float64), all-gathers them and merges them by Chan, Golub and LeVeque's pairwise
formula, which stays accurate where the sums of x and x^2 would cancel. Every rank then normalises with the same
global mean and biased variance, and blends the global mean and unbiased variance into its running statistics.

The backward pass all-reduces the two per-channel sums that the input's gradient needs, sum g and sum g * x_hat
over the global batch; the weight's and bias's gradients stay this rank's sums, which DistributedDataParallel then
averages, as in PyTorch. In eval mode with running statistics, and without a process group of two or more ranks,
this is plain batch_norm with no communication (PyTorch falls back the same way).
"""
import math

import numpy as np

from .. import distributed
from ..arguments import check_tensor, described
from ..autograd import Function
from ..ops.normalization import Grouping, _blend, _check_input, _check_vectors
from . import functional as F
from .batchnorm import _BatchNorm
from .module import Module

_OVER_BATCH = Grouping(True, 1, False)   # one statistic per channel, over N and the spatial positions

def _check_process_group(process_group, op):
    if process_group is not None:
        raise ValueError(f"{op}: only the default process group (process_group=None) exists, got "
                         f"{described(process_group)}")

def _global_statistics(xp, x3, eps, comm):
    """(count, mean, biased var) per channel over every rank's x3 (N, C, S): the local (count, mean, M2) of each
    rank, all-gathered and merged in rank order, so that every rank gets the same bits."""
    count = x3.shape[0] * x3.shape[2]
    channels = x3.shape[1]
    local = np.zeros(1 + 2 * channels)
    if count:
        _, mean, var = xp.normalize(x3, None, None, None, eps, _OVER_BATCH)
        local[0], local[1:1 + channels] = count, xp.to_numpy(mean)
        local[1 + channels:] = xp.to_numpy(var) * count
    gathered = np.empty((comm.Get_size(), local.size))
    comm.Allgather(local, gathered)
    total, mean, m2 = 0.0, np.zeros(channels), np.zeros(channels)
    for n, rank_mean, rank_m2 in zip(gathered[:, 0], gathered[:, 1:1 + channels], gathered[:, 1 + channels:]):
        if n == 0:
            continue
        merged = total + n
        delta = rank_mean - mean
        mean = mean + delta * (n / merged)
        m2 = m2 + rank_m2 + delta * delta * (total * n / merged)
        total = merged
    if total == 0:   # an empty global batch: NaN statistics, as batch_norm's
        return 0, np.full(channels, np.nan), np.full(channels, np.nan)
    return int(total), mean, m2 / total

class _SyncNormalize(Function):
    """x, weight, bias -> x normalised per channel with the global batch's mean and var (computed by the caller),
    whose dependence on every rank's x enters the input's gradient through the all-reduced sums."""
    def forward(self, x, weight, bias, *, mean, var, total, view, eps):
        xp = self.xp
        x3 = xp.reshape(x, view)
        w, b = (None if a is None else xp.reshape(a, (-1,)) for a in (weight, bias))
        self.statistics, self.total, self.eps, self.x_shape = (mean, var), total, eps, x.shape
        self.affine_shape = None if weight is None else weight.shape
        out, _, _ = xp.normalize(x3, w, b, (xp.asarray(mean), xp.asarray(var)), eps, _OVER_BATCH)
        self.save_for_backward(x3, w)
        return xp.reshape(out, x.shape)

    def backward(self, g):
        """grad_x = w * rstd * (g - Sg / M - x_hat * Sgx / M), with Sg and Sgx the global sums of g and g * x_hat
        and M the global count; grad_w and grad_b are the local sums of g * x_hat and g."""
        x3, w = self.saved
        xp = self.xp
        need_x, need_w, need_b = self.needs_input_grad[:3]
        mean, var = self.statistics
        statistics = (xp.asarray(mean), xp.asarray(var))
        # the statistics as constants: rstd * w * g, and this rank's sums of g * x_hat (as grad_w) and g (grad_b)
        local_x, sum_gx, sum_g = xp.normalize_backward(x3, xp.reshape(g, x3.shape), *statistics, w, self.eps,
                                                       _OVER_BATCH, False, need_x, need_w or need_x, need_b or need_x)
        grad_x = None
        if need_x:
            channels = x3.shape[1]
            sums = np.concatenate([xp.to_numpy(sum_g), xp.to_numpy(sum_gx)]).astype(np.float64)
            MPI = distributed._mpi()
            distributed._comm("SyncBatchNorm backward").Allreduce(MPI.IN_PLACE, sums, MPI.SUM)
            scale = (1.0 if w is None else xp.to_numpy(w).astype(np.float64)) / np.sqrt(var + self.eps)
            scale = scale / self.total
            # the statistics' share, -w * rstd * (Sg + x_hat * Sgx) / M, is affine in x per channel: normalize
            # computes it with weight -w * rstd * Sgx / M and bias -w * rstd * Sg / M
            shift_w, shift_b = (xp.asarray((-scale * s).astype(x3.dtype)) for s in (sums[channels:], sums[:channels]))
            correction, _, _ = xp.normalize(x3, shift_w, shift_b, statistics, self.eps, _OVER_BATCH)
            grad_x = xp.reshape(xp.add(local_x, correction), self.x_shape)
        shape = self.affine_shape
        return (grad_x, xp.reshape(sum_gx, shape) if need_w else None, xp.reshape(sum_g, shape) if need_b else None)

def _sync_batch_norm(input, running_mean, running_var, weight, bias, momentum, eps, comm):
    """batch_norm in training with the global batch's statistics; running_mean/var (when given) get the global
    mean and unbiased variance."""
    op = "SyncBatchNorm"
    _check_input(input, op, 2)
    channels = input.shape[1]
    _check_vectors(input, op, (channels,), running_mean=running_mean, running_var=running_var, weight=weight,
                   bias=bias)
    view = (input.shape[0], channels, math.prod(input.shape[2:]))
    total, mean, var = _global_statistics(input.xp, input.xp.reshape(input._data, view), eps, comm)
    if total == 1:   # the same on every rank: they all raise
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel in training over all ranks, got "
                         f"1 (this rank's input {input.shape})")
    out = _SyncNormalize.apply(input, weight, bias, mean=mean, var=var, total=total, view=view, eps=eps)
    if total:   # an empty global batch leaves the running statistics as they are, as batch_norm does
        xp = input.xp
        if running_mean is not None:
            _blend(running_mean, xp.asarray(mean), momentum)
        if running_var is not None:
            _blend(running_var, xp.asarray(var), momentum, total / (total - 1))
    return out

class SyncBatchNorm(_BatchNorm):
    """SyncBatchNorm(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    process_group=None, device=None, dtype=None, *, bias=True): batch normalisation of (N, C, *) inputs whose
    training statistics cover every rank's batch; see the module docstring. Only the default process group
    exists, so process_group must be None."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)
        _check_process_group(process_group, "SyncBatchNorm")
        self.process_group = process_group
        if dtype is not None:
            self.to(dtype)
        if device is not None:
            self.to(device)

    def forward(self, input):
        check_tensor(input, "input", "SyncBatchNorm")
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D input of shape "
                             f"{input.shape}); the input is (N, C, *)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm: the number of input channels should be non-zero, got input shape "
                             f"{input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm({self.num_features}) expects {self.num_features} channels in dim 1, "
                             f"got input shape {input.shape}")
        momentum, running = self._step_momentum(), self._running()
        if self.training and distributed.is_initialized() and distributed.get_world_size() > 1:
            return _sync_batch_norm(input, *running, self.weight, self.bias, momentum, self.eps,
                                    distributed._comm("SyncBatchNorm"))
        use_batch_stats = self.training or not self.track_running_stats
        return F.batch_norm(input, *running, self.weight, self.bias, use_batch_stats, momentum, self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm1d/2d/3d (any _BatchNorm) in it replaced by a SyncBatchNorm that shares its
        parameters and running statistics and keeps its training flag; a _BatchNorm itself comes back replaced."""
        if not isinstance(module, Module):
            raise TypeError(f"SyncBatchNorm.convert_sync_batchnorm: module must be a Module, got {described(module)}")
        _check_process_group(process_group, "SyncBatchNorm.convert_sync_batchnorm")
        converted = module
        if isinstance(module, _BatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            if module.track_running_stats:
                converted.register_buffer("running_mean", module.running_mean)
                converted.register_buffer("running_var", module.running_var)
                converted.register_buffer("num_batches_tracked", module.num_batches_tracked)
            converted.training = module.training
            if hasattr(module, "qconfig"):
                converted.qconfig = module.qconfig
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
