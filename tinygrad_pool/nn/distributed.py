"""`DistributedDataParallel`: PyTorch's data parallelism across the ranks of a process group (MPI, see
tinygrad_pool/distributed), one model replica per rank.

Each rank runs the wrapped module on its own part of the batch. At construction every rank checks that all ranks
hold the same parameters (names, shapes, dtypes), and then takes rank 0's parameters and buffers, so all replicas
start equal. During `loss.backward()` the gradients are summed over the ranks and divided by the world size, so
that after backward every replica holds the same mean gradient and the optimizers keep the replicas equal.

As in PyTorch, the gradients travel in buckets of about `bucket_cap_mb` megabytes, in the reverse order of
`parameters()` (backward produces the last layers' gradients first). A post-accumulate-grad hook on each
parameter copies its gradient into its bucket; once every gradient of a bucket (and of every bucket before it)
is in, a non-blocking all-reduce (MPI_Iallreduce) starts, so that the transfer overlaps the rest of the backward
pass. Buckets start in index order on every rank, which keeps the ranks' collectives in the same order. At the
end of backward (autograd.queue_callback) the rank waits for the buckets and writes the means into `.grad`.
"""
import contextlib

import numpy as np

from .. import autograd, distributed
from ..arguments import check_bool, check_number, described
from ..tensor import Tensor
from .module import Module

class _Bucket:
    """Consecutive parameters (in reverse order) whose gradients share one flat buffer and one all-reduce."""

    def __init__(self, params, dtype):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params])
        self.buffer = np.zeros(int(self.offsets[-1]), dtype)
        self.ready = [False] * len(params)
        self.used = np.zeros(len(params), np.int32)
        self.request = None

    def slot(self, i):
        return self.buffer[self.offsets[i]:self.offsets[i + 1]]

def _describe(names_shapes):
    return ", ".join(f"{name} {tuple(shape)} {dtype}" for name, shape, dtype in names_shapes)

class DistributedDataParallel(Module):
    """DistributedDataParallel(module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
    process_group=None, bucket_cap_mb=25, find_unused_parameters=False, ...): see the module docstring.

    With find_unused_parameters, a parameter that gets no gradient on a rank in a step counts as a zero
    gradient there; one that gets none on every rank keeps `.grad` as it was. Without it, every parameter must
    get a gradient in every synchronised backward, as in PyTorch (else a RuntimeError names the first that did
    not). `broadcast_buffers` sends rank 0's buffers (BatchNorm's running statistics) to every rank at the start of
    each forward in training mode."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a Module, got {described(module)}")
        if process_group is not None:
            raise ValueError("DistributedDataParallel: only the default process group (process_group=None) exists")
        self.broadcast_buffers = check_bool(broadcast_buffers, "broadcast_buffers", "DistributedDataParallel")
        self.find_unused_parameters = check_bool(find_unused_parameters, "find_unused_parameters",
                                                 "DistributedDataParallel")
        cap = 25 if bucket_cap_mb is None else check_number(bucket_cap_mb, "bucket_cap_mb",
                                                            "DistributedDataParallel")
        if cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.require_backward_grad_sync = True
        self.world_size = distributed.get_world_size()
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        self._check_same_parameters(named)
        for tensor in list(module.parameters()) + list(module.buffers()):
            distributed.broadcast(tensor, 0)
        self._buckets = self._make_buckets([p for _, p in named], cap * 1024 * 1024)
        self._names = {id(p): name for name, p in named}
        self._pending = False
        for b, bucket in enumerate(self._buckets):
            for i, param in enumerate(bucket.params):
                param.register_post_accumulate_grad_hook(self._grad_ready(b, i))

    def _check_same_parameters(self, named):
        """Every rank gets every rank's list of (name, shape, dtype), so each finds the same first difference and
        raises the same error: none of them waits for a collective that another will not start."""
        mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in named]
        everyone = [None] * self.world_size
        distributed.all_gather_object(everyone, mine)
        for rank, theirs in enumerate(everyone[1:], 1):
            if theirs == everyone[0]:
                continue
            for i, (a, b) in enumerate(zip(everyone[0], theirs)):
                if a != b:
                    raise ValueError(f"DistributedDataParallel: the ranks' modules differ: parameter {i} is "
                                     f"{_describe([a])} on rank 0 but {_describe([b])} on rank {rank}; every rank "
                                     "must build the same model")
            raise ValueError(f"DistributedDataParallel: the ranks' modules differ: rank 0 has {len(everyone[0])} "
                             f"parameters that require grad, rank {rank} has {len(theirs)}; every rank must build "
                             "the same model")

    @staticmethod
    def _make_buckets(params, cap_bytes):
        """Buckets of about cap_bytes over the parameters in reverse order, one dtype and device per bucket."""
        buckets, current, size = [], [], 0
        for p in reversed(params):
            if current and (size + p.numel() * p.dtype.itemsize > cap_bytes or p.dtype != current[0].dtype
                            or p.device != current[0].device):
                buckets.append(_Bucket(current, current[0].dtype))
                current, size = [], 0
            current.append(p)
            size += p.numel() * p.dtype.itemsize
        if current:
            buckets.append(_Bucket(current, current[0].dtype))
        return buckets

    # --- the backward pass -----------------------------------------------------------------------------------
    def _grad_ready(self, b, i):
        def hook(param):
            if not self.require_backward_grad_sync:
                return
            if not self._pending:
                self._pending = True
                autograd.queue_callback(self._finish)
            bucket = self._buckets[b]
            np.copyto(bucket.slot(i), np.asarray(param.grad.numpy()).reshape(-1))
            bucket.ready[i], bucket.used[i] = True, 1
            self._start_ready_buckets()
            for started in self._buckets:   # MPI moves a started transfer on only inside MPI calls: give it one
                if started.request is not None:
                    started.request.Test()
        return hook

    def _start_ready_buckets(self):
        """Start the all-reduce of each bucket whose gradients are all in, in bucket order."""
        MPI = distributed._mpi()
        comm = distributed._comm("DistributedDataParallel")
        for bucket in self._buckets:
            if bucket.request is not None:
                continue
            if not all(bucket.ready):
                return
            bucket.request = comm.Iallreduce(MPI.IN_PLACE, bucket.buffer, MPI.SUM)

    def _finish(self):
        """After backward's walk: the buckets still waiting get their missing gradients (zeros with
        find_unused_parameters, else an error), then every rank waits and writes the means into .grad."""
        self._pending = False
        missing = [(bucket, i) for bucket in self._buckets for i, ready in enumerate(bucket.ready) if not ready]
        if missing and not self.find_unused_parameters:
            bucket, i = missing[0]
            raise RuntimeError(f"DistributedDataParallel: parameter {self._names[id(bucket.params[i])]!r} got no "
                               "gradient in this backward pass; pass find_unused_parameters=True when some "
                               "parameters take no part in the loss")
        for bucket, i in missing:
            bucket.slot(i)[:] = 0
            bucket.ready[i] = True
        self._start_ready_buckets()
        comm = distributed._comm("DistributedDataParallel")
        used_anywhere = None
        if self.find_unused_parameters:   # which parameters some rank used: those get the mean
            used = np.concatenate([bucket.used for bucket in self._buckets])
            used_anywhere = np.empty_like(used)
            comm.Allreduce(used, used_anywhere, distributed._mpi().MAX)
        position = 0
        for bucket in self._buckets:
            bucket.request.Wait()
            bucket.request = None
            np.divide(bucket.buffer, self.world_size, out=bucket.buffer)
            for i, param in enumerate(bucket.params):
                if used_anywhere is None or used_anywhere[position + i]:
                    self._write_grad(param, bucket.slot(i).reshape(param.shape))
            position += len(bucket.params)
            bucket.ready = [False] * len(bucket.params)
            bucket.used[:] = 0

    @staticmethod
    def _write_grad(param, mean):
        if param.grad is None:
            param.grad = Tensor(mean.copy(), device=param.device)
        else:
            distributed.write_into(param.grad, mean)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally, with no communication; the first synchronised
        backward after it averages the accumulated sums, as in PyTorch."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # --- the forward pass ------------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training:
            for buffer in self.module.buffers():
                distributed.broadcast(buffer, 0)
        return self.module(*inputs, **kwargs)
