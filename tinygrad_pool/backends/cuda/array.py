"""The CUDA backend's array type and what every kernel module builds on: reused device memory, the launch helpers,
the per-element formulas of `backends/scalar.py` as device functions, and creation and transfer.

Every CudaArray is contiguous (C order), so a reshape is free and each kernel sees a flat buffer. Shapes and
strides travel as fixed-length tuples (MAX_DIMS entries) so they need no device copy per launch.

GPU memory is reused instead of allocated and freed for every array. Every op makes fresh arrays, and numba gives
each one a cuMemAlloc and, when it dies, a cuMemFree: measured on an H200, 178 us for a 2.4 MB array, several
times the cost of the kernel that fills it. So, as PyTorch's caching allocator does, a dead array's block goes
back to a free list of its (rounded) size, and the next array of that size takes it. All kernels run on the one
default stream, in launch order, so a block handed out again is only written after every kernel queued on the
array that held it before. Blocks stay with the process; `empty_cache()` frees the unused ones, and an allocation
that finds the GPU full frees them and tries once more. Under numba's simulator (NUMBA_ENABLE_CUDASIM=1) there is
no device memory to keep: arrays are plain numba ones.
"""
import math
import weakref
from collections import defaultdict

import numpy as np
from numba import config, cuda

from .. import scalar

MAX_DIMS = 8
# The simulator runs each GPU thread as a Python thread: smaller blocks keep tests fast.
THREADS = 32 if config.ENABLE_CUDASIM else 256
if config.ENABLE_CUDASIM:
    from . import simulator  # noqa: F401  (sets the simulator up: see its docstring)
# Small tensors make small grids by design; numba would warn on each such launch (and pay for the warning).
config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

# --- device memory ---------------------------------------------------------------------------------------------
SMALL, SMALL_STEP, LARGE_STEP = 1 << 20, 512, 2 << 20   # round to 512 B up to 1 MB, then to 2 MB

_free_blocks = defaultdict(list)   # rounded size in bytes -> blocks (numba MemoryPointers) nobody uses

def _rounded(nbytes):
    step = SMALL_STEP if nbytes <= SMALL else LARGE_STEP
    return -(-nbytes // step) * step

def _new_block(nbytes):
    from numba.cuda.cudadrv.driver import CudaAPIError
    context = cuda.current_context()
    try:
        return context.memalloc(nbytes)
    except CudaAPIError:   # most likely out of memory: give back the blocks we keep, then try once more
        empty_cache()
        return context.memalloc(nbytes)

def empty_cache():
    """Free the blocks no array uses (they are otherwise kept for reuse), as torch.cuda.empty_cache does."""
    _free_blocks.clear()
    if not config.ENABLE_CUDASIM:
        cuda.current_context().deallocations.clear()

def device_buffer(size, dtype):
    """A flat uninitialised device array of `size` (at least 1) elements, on a reused block where one fits."""
    dtype = np.dtype(dtype)
    if config.ENABLE_CUDASIM:
        return cuda.device_array(size, dtype=dtype)
    from numba.cuda.cudadrv.devicearray import DeviceNDArray
    nbytes = _rounded(size * dtype.itemsize)
    blocks = _free_blocks[nbytes]
    block = blocks.pop() if blocks else _new_block(nbytes)
    array = DeviceNDArray((size,), (dtype.itemsize,), dtype, gpu_data=block)
    weakref.finalize(array, blocks.append, block)
    return array

# --- the array and the launch helpers --------------------------------------------------------------------------
class CudaArray:
    """A contiguous array in GPU memory: a flat numba device buffer and the shape it stands for."""
    __slots__ = ("buffer", "shape", "dtype")

    def __init__(self, buffer, shape):
        self.buffer, self.shape, self.dtype = buffer, tuple(int(s) for s in shape), np.dtype(buffer.dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))

    @property
    def __cuda_array_interface__(self):
        return self.buffer[:self.size].reshape(self.shape).__cuda_array_interface__

    def __repr__(self):
        return f"CudaArray(shape={self.shape}, dtype={self.dtype})"

def empty(shape, dtype):
    """An uninitialised CudaArray (its buffer holds at least one element, so even an empty one can be passed)."""
    shape = tuple(int(s) for s in shape)
    return CudaArray(device_buffer(max(math.prod(shape), 1), dtype), shape)

def blocks(n):
    """How many blocks of THREADS threads cover n elements, one thread each."""
    return (n + THREADS - 1) // THREADS

def padded(values, fill):
    """`values` as a MAX_DIMS tuple, `fill` in front: the form kernels take shapes and strides in."""
    if len(values) > MAX_DIMS:
        raise ValueError(f"the CUDA backend supports at most {MAX_DIMS} dims, got shape {tuple(values)}")
    return (fill,) * (MAX_DIMS - len(values)) + tuple(int(v) for v in values)

def contiguous_strides(shape):
    """The element strides of a C-ordered array of `shape`."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))

def broadcast_strides(shape, out_shape):
    """Element strides that walk a contiguous array of `shape` as if broadcast to `out_shape` (0 = repeat)."""
    strides = contiguous_strides(shape)
    lead = len(out_shape) - len(shape)
    return (0,) * lead + tuple(0 if size == 1 and out_shape[lead + i] != 1 else strides[i]
                               for i, size in enumerate(shape))

@cuda.jit(device=True, inline="always")
def element_offset(i, shape, strides):
    """Offset of the i-th element of `shape` (row-major) in an array with `strides` (MAX_DIMS tuples)."""
    offset = 0
    for d in range(MAX_DIMS - 1, -1, -1):
        if i == 0:
            break
        offset += (i % shape[d]) * strides[d]
        i //= shape[d]
    return offset

# --- the per-element formulas of backends/scalar.py, compiled for the device -----------------------------------
split_index = cuda.jit(device=True, inline="always")(scalar.split_index)
uniform_hash = cuda.jit(device=True)(scalar.uniform_hash)
sigmoid = cuda.jit(device=True)(scalar.sigmoid)
max_wins = cuda.jit(device=True)(scalar.max_wins)
sgd_update = cuda.jit(device=True)(scalar.sgd_update)
adam_update = cuda.jit(device=True)(scalar.adam_update)
adadelta_update = cuda.jit(device=True)(scalar.adadelta_update)
rmsprop_update = cuda.jit(device=True)(scalar.rmsprop_update)
adagrad_update = cuda.jit(device=True)(scalar.adagrad_update)
adamax_update = cuda.jit(device=True)(scalar.adamax_update)
nadam_update = cuda.jit(device=True)(scalar.nadam_update)
radam_update = cuda.jit(device=True)(scalar.radam_update)
activation = cuda.jit(device=True)(scalar.activation)
activation_grad = cuda.jit(device=True)(scalar.activation_grad)
grid_tap = cuda.jit(device=True)(scalar.grid_tap)
scatter_combine = cuda.jit(device=True)(scalar.scatter_combine)
special = cuda.jit(device=True)(scalar.special)

# --- creation and transfer -------------------------------------------------------------------------------------
def asarray(array):
    array = np.asarray(array, order="C")
    out = empty(array.shape, array.dtype)
    if array.size:
        out.buffer.copy_to_device(array.reshape(-1))
    return out

def to_numpy(x):
    return x.buffer.copy_to_host()[:x.size].reshape(x.shape)

@cuda.jit(cache=True)
def _fill_kernel(out, value):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = value

def full(shape, value, dtype):
    out = empty(shape, dtype)
    _fill_kernel[blocks(out.buffer.size), THREADS](out.buffer, out.dtype.type(value))
    return out

def zeros(shape, dtype):
    return full(shape, 0, dtype)

def arange(n, dtype):
    return asarray(np.arange(n, dtype=dtype))

@cuda.jit(cache=True)
def _cast_kernel(x, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i]

def astype(x, dtype):
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    out = empty(x.shape, dtype)
    _cast_kernel[blocks(out.buffer.size), THREADS](x.buffer, out.buffer)
    return out

def copy(x):
    out = empty(x.shape, x.dtype)
    out.buffer.copy_to_device(x.buffer)
    return out

def contiguous(x):
    return x

def owned(x, taken):
    """A reshaped CudaArray shares its buffer object with the original: `taken` records buffers by id."""
    if id(x.buffer) in taken:
        x = copy(x)
    taken.add(id(x.buffer))
    return x
