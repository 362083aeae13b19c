"""Run a large serial kernel on every core: one call per worker, on Numba's threads.

A kernel written as `kernel(worker, workers, ...)` splits its work by `worker` itself (every workers-th sample,
or the worker's share of the planes) and is an ordinary `@njit` function. `run_workers` calls it from a small
parallel loop, `_each_worker`, through a function pointer (Numba's first-class function type), so the loop's
threads are the ones every other kernel runs on (a second pool would fight Numba's spinning threads for the
cores: measured, the MNIST step took 94 ms instead of 67), and the kernel's machine code is generated once.

Written as a `prange` loop itself, a kernel compiles about twice as long: Numba generates the machine code of the
loop body, and of every helper it calls, once for the loop and again for the function around it. The 3x3
Winograd backward pass took 34 s to compile that way and 11-15 s as a worker on a 2-core AMD EPYC, and the
MNIST example's first step with an empty cache 65 s and 48-51 s (29-33 s against 58 s with the backward kernels
compiled in a second process), measured side by side. A call costs about 0.1 ms more than a `prange` loop's, and not every kernel keeps its speed as a
plain function: as workers, the direct first-layer convolution and im2col's backward ran 10-40% slower and average
pooling's forward twice as slow, so they stay `prange` loops. Winograd's forward and backward and max pooling's
forward run as fast either way.
"""
import numpy as np
from numba import get_num_threads, njit, prange, typeof, types
from numba.core.types import FunctionType

from .compile import PARALLEL

@njit(parallel=PARALLEL, cache=True)
def _each_worker(kernel, workers, args, finished):
    """kernel(worker, workers, *args) on every thread; finished[worker] is set after a worker's call returns. An
    exception ends its worker's iteration first, and one raised on another thread than the caller's is lost, so
    run_workers raises it from what `finished` says."""
    for worker in prange(workers):
        kernel(np.int64(worker), workers, *args)
        finished[worker] = True

_FINISHED = typeof(np.zeros(1, np.bool_))
_entries = {}   # (kernel, each argument's _kind) -> the compiled _each_worker for them

def _kind(arg):
    """What sets an argument's Numba type, read quickly for arrays and plain scalars (Numba's typeof takes about
    10 us an argument); anything else (a tuple, say) by typeof itself."""
    if isinstance(arg, np.ndarray):
        flags = arg.flags
        return arg.dtype, arg.ndim, flags.c_contiguous, flags.f_contiguous, flags.writeable, flags.aligned
    if arg is None or type(arg) in (bool, int, float):
        return type(arg)
    return typeof(arg)

def worker_count(tasks):
    """Workers for `tasks` independent pieces of work: one per thread (set_num_threads), at most one per piece."""
    return max(1, min(get_num_threads(), tasks))

def run_workers(kernel, workers, *args):
    """kernel(worker, workers, *args) for every worker in range(workers), in parallel. The kernel and the loop
    compile on the first call for these argument types, and load from the cache after that."""
    key = (kernel,) + tuple(_kind(arg) for arg in args)
    entry = _entries.get(key)
    if entry is None:
        argument_types = (types.int64, types.int64) + tuple(typeof(arg) for arg in args)
        kernel.compile(argument_types)
        signature = (FunctionType(types.void(*argument_types)), types.int64, types.Tuple(argument_types[2:]), _FINISHED)
        _each_worker.compile(signature)
        entry = _entries[key] = _each_worker.overloads[signature].entry_point
    finished = np.zeros(workers, np.bool_)
    try:
        entry(kernel, workers, args, finished)
    except SystemError as error:   # an exception on this thread arrives wrapped
        raise (error.__cause__ or error) from None
    if not finished.all():   # run the first unfinished worker again on this thread, where its exception is raised
        worker = int(np.argmin(finished))
        kernel(worker, workers, *args)
        raise RuntimeError(f"{kernel.__name__}: worker {worker} of {workers} raised an exception, and none when "
                           "run again")
