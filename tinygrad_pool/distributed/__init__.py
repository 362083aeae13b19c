"""PyTorch's `torch.distributed` on MPI: a process group of the ranks that `mpiexec` started, and its collectives.

    mpiexec -n 2 python train.py        # in train.py: tinygrad_pool.distributed.init_process_group("mpi")

MPI (through mpi4py, the optional extra `pip install -e ".[distributed]"`) moves the bytes; this module keeps
PyTorch's names and semantics: the collectives work in place on tensors, `all_reduce`'s ops are `ReduceOp`'s, and
`async_op=True` returns a work handle to `wait()` on. A CUDA tensor goes through host memory. Every rank must call
the same collectives in the same order, as in PyTorch. After `init_process_group`, an exception that reaches the
top of any rank prints its traceback and aborts the whole job (MPI_Abort), so that no rank waits forever on one
that died. See docs/distributed.md.
"""
import enum
import sys
import traceback

import numpy as np

from ..arguments import described, is_int
from ..autograd import bump_version
from ..tensor import Tensor

class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"

class _Group:
    """The one process group: MPI's world communicator."""
    comm = None
    previous_excepthook = None

def is_available():
    """Whether mpi4py (and so an MPI library) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True

def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError("tinygrad_pool.distributed needs mpi4py and an MPI library: "
                           "pip install -e \".[distributed]\" (mpi4py and the mpich wheel)") from None
    return MPI

def is_initialized():
    return _Group.comm is not None

def _comm(op):
    if _Group.comm is None:
        raise RuntimeError(f"{op}: the default process group has not been initialized; call "
                           "tinygrad_pool.distributed.init_process_group('mpi') first")
    return _Group.comm

def _abort_on_uncaught(kind, value, trace):
    """sys.excepthook while a group exists: this rank's traceback, then MPI_Abort of every rank."""
    rank = _Group.comm.Get_rank() if _Group.comm is not None else "?"
    sys.stderr.write(f"[rank {rank}] uncaught exception; aborting every rank of the job\n")
    traceback.print_exception(kind, value, trace)
    sys.stderr.flush()
    if _Group.comm is not None:
        _Group.comm.Abort(1)

def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the ranks that mpiexec started. Only the 'mpi' backend exists; world_size and rank, when given, must
    be MPI's."""
    if backend is None:
        backend = "mpi"
    if not isinstance(backend, str) or backend.lower() != "mpi":
        raise ValueError(f"init_process_group: backend {backend!r} is not available; the backend is 'mpi': "
                         "launch the ranks with mpiexec -n N and pass backend='mpi'")
    if is_initialized():
        raise RuntimeError("init_process_group: the default process group is initialized already; call "
                           "destroy_process_group() first")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()), ("rank", rank, comm.Get_rank())):
        if not is_int(given):
            raise TypeError(f"init_process_group: {name} must be an int, got {described(given)}")
        if given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but mpiexec started this process as {name} "
                             f"{actual}; leave {name} out (MPI decides it)")
    _Group.comm = comm
    _Group.previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_uncaught

def destroy_process_group(group=None):
    _comm("destroy_process_group")
    _Group.comm = None
    sys.excepthook = _Group.previous_excepthook

def get_rank(group=None):
    return _comm("get_rank").Get_rank()

def get_world_size(group=None):
    return _comm("get_world_size").Get_size()

def local_world_size():
    """How many ranks of the job run on this machine (they share its cores: give each cores / this threads)."""
    MPI = _mpi()
    local = _comm("local_world_size").Split_type(MPI.COMM_TYPE_SHARED)
    size = local.Get_size()
    local.Free()
    return size

def get_backend(group=None):
    _comm("get_backend")
    return "mpi"

def barrier(group=None, async_op=False, device_ids=None):
    comm = _comm("barrier")
    if async_op:
        return Work(comm.Ibarrier(), [])
    comm.Barrier()

class Work:
    """What an `async_op=True` collective returns: `wait()` blocks until it is done and writes its result into
    the tensors; `is_completed()` asks without blocking."""

    def __init__(self, request, finish):
        self._request, self._finish, self._done = request, finish, False

    def _complete(self):
        if not self._done:
            self._done = True
            for step in self._finish:
                step()

    def wait(self, timeout=None):
        self._request.Wait()
        self._complete()
        return True

    def is_completed(self):
        if self._done or self._request.Test():
            self._complete()
            return True
        return False

# --- tensors as MPI buffers --------------------------------------------------------------------------------------
def _check_tensor(tensor, name, op):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {described(tensor)}")

def _buffer(tensor):
    """A C-ordered numpy array with the tensor's values, and a function that writes an array of that shape back
    into the tensor in place (a no-op when the buffer is the tensor's own storage)."""
    data = tensor._data
    if isinstance(data, np.ndarray) and data.flags.c_contiguous and data.flags.writeable:
        return data, lambda values: bump_version(tensor.xp, tensor._data)

    return np.ascontiguousarray(tensor.xp.to_numpy(data)), lambda values: write_into(tensor, values)

def _check_group(group, op):
    if group is not None:
        raise ValueError(f"{op}: only the default group (group=None) exists, got {described(group)}")

def _check_op(op, name):
    if op not in (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT):
        raise ValueError(f"{name}: op must be a ReduceOp (SUM, AVG, MAX, MIN, PRODUCT), got {described(op)}")

def _mpi_op(op):
    """MPI's reduction for a checked ReduceOp (AVG sums, then divides)."""
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN,
            ReduceOp.PRODUCT: MPI.PROD}[op]

def _check_avg(tensor, op, name):
    if op is ReduceOp.AVG and tensor.dtype.kind != "f":
        raise TypeError(f"{name}: ReduceOp.AVG needs a floating tensor, got {tensor.dtype}; use SUM")

def _finish(work, async_op):
    if async_op:
        return work
    work.wait()

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """tensor := op over the ranks of every rank's tensor, in place (AVG: the sum / world size)."""
    _check_tensor(tensor, "tensor", "all_reduce")
    _check_group(group, "all_reduce")
    _check_op(op, "all_reduce")
    _check_avg(tensor, op, "all_reduce")
    comm = _comm("all_reduce")   # before MPI is imported: without a group, say so first
    mpi_op = _mpi_op(op)
    buffer, write_back = _buffer(tensor)
    size = comm.Get_size()

    def done():
        if op is ReduceOp.AVG:
            np.divide(buffer, size, out=buffer)
        write_back(buffer)
    return _finish(Work(comm.Iallreduce(_mpi().IN_PLACE, buffer, mpi_op), [done]), async_op)

def broadcast(tensor, src, group=None, async_op=False):
    """tensor := rank src's tensor, in place on every rank."""
    _check_tensor(tensor, "tensor", "broadcast")
    _check_group(group, "broadcast")
    comm = _comm("broadcast")
    _check_rank(src, "src", "broadcast", comm)
    buffer, write_back = _buffer(tensor)
    return _finish(Work(comm.Ibcast(buffer, root=src), [lambda: write_back(buffer)]), async_op)

def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """On rank dst, tensor := op over the ranks of their tensors; the others' tensors are left as they are."""
    _check_tensor(tensor, "tensor", "reduce")
    _check_group(group, "reduce")
    _check_op(op, "reduce")
    _check_avg(tensor, op, "reduce")
    comm = _comm("reduce")   # before MPI is imported: without a group, say so first
    mpi_op = _mpi_op(op)
    _check_rank(dst, "dst", "reduce", comm)
    buffer, write_back = _buffer(tensor)
    root = comm.Get_rank() == dst
    received = np.empty_like(buffer) if root else None

    def done():
        if root:
            if op is ReduceOp.AVG:
                np.divide(received, comm.Get_size(), out=received)
            np.copyto(buffer, received)
            write_back(buffer)
    return _finish(Work(comm.Ireduce(buffer, received, op=mpi_op, root=dst), [done]), async_op)

def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] := rank r's tensor on every rank; the list holds world-size tensors of tensor's shape."""
    _check_tensor(tensor, "tensor", "all_gather")
    _check_group(group, "all_gather")
    comm = _comm("all_gather")
    _check_list(tensor_list, tensor, "tensor_list", "all_gather", comm)
    buffer, _ = _buffer(tensor)
    gathered = np.empty((comm.Get_size(),) + buffer.shape, buffer.dtype)

    def done():
        for target, values in zip(tensor_list, gathered):
            write_into(target, values)
    return _finish(Work(comm.Iallgather(buffer, gathered), [done]), async_op)

def all_gather_object(object_list, obj, group=None):
    """object_list[r] := rank r's picklable obj, on every rank."""
    _check_group(group, "all_gather_object")
    comm = _comm("all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != comm.Get_size():
        raise ValueError(f"all_gather_object: object_list must be a list of world size {comm.Get_size()}, got "
                         f"{described(object_list)}")
    object_list[:] = comm.allgather(obj)

def broadcast_object_list(object_list, src=0, group=None, device=None):
    """object_list[:] := rank src's list of picklable objects, on every rank."""
    _check_group(group, "broadcast_object_list")
    comm = _comm("broadcast_object_list")
    _check_rank(src, "src", "broadcast_object_list", comm)
    object_list[:] = comm.bcast(list(object_list), root=src)

def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """tensor := rank src's scatter_list[r] on each rank r (scatter_list is needed on src only)."""
    _check_tensor(tensor, "tensor", "scatter")
    _check_group(group, "scatter")
    comm = _comm("scatter")
    _check_rank(src, "src", "scatter", comm)
    buffer, write_back = _buffer(tensor)
    sending = None
    if comm.Get_rank() == src:
        _check_list(scatter_list, tensor, "scatter_list", "scatter", comm)
        sending = np.ascontiguousarray(np.stack([np.asarray(t._data if t.device == "cpu" else t.numpy(),
                                                            buffer.dtype) for t in scatter_list]))
    elif scatter_list:
        raise ValueError("scatter: scatter_list is read on the source rank only; pass None elsewhere")
    return _finish(Work(comm.Iscatter(sending, buffer, root=src), [lambda: write_back(buffer)]), async_op)

def write_into(target, values):
    """target := values (a numpy array of its shape) in place, on its device, as an in-place op counts it."""
    target.xp.assign(target._data, (), target.xp.asarray(np.ascontiguousarray(values)))
    bump_version(target.xp, target._data)

def _check_rank(rank, name, op, comm):
    if not is_int(rank) or not 0 <= rank < comm.Get_size():
        raise ValueError(f"{op}: {name} must be a rank in [0, {comm.Get_size()}), got {described(rank)}")

def _check_list(tensors, tensor, name, op, comm):
    size = comm.Get_size()
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        raise ValueError(f"{op}: {name} must be a list of world size {size} tensors, got {described(tensors)}")
    for i, t in enumerate(tensors):
        _check_tensor(t, f"{name}[{i}]", op)
        if t.shape != tensor.shape or t.dtype != tensor.dtype:
            raise ValueError(f"{op}: {name}[{i}] has shape {t.shape} and dtype {t.dtype}; expected the tensor's "
                             f"{tensor.shape} and {tensor.dtype}")

__all__ = ["ReduceOp", "Work", "is_available", "is_initialized", "init_process_group", "destroy_process_group",
           "get_rank", "get_world_size", "local_world_size", "get_backend", "barrier", "all_reduce", "broadcast", "reduce", "all_gather",
           "all_gather_object", "broadcast_object_list", "scatter"]
