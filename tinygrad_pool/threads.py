"""PyTorch's set_num_threads and get_num_threads: the CPU backend's one thread pool is Numba's (BLAS runs inside
its threads, see backends/cpu/blas.py), so these are Numba's. As Numba's, the setting belongs to the calling
thread."""
import numba

from .arguments import check_int

def get_num_threads():
    return numba.get_num_threads()

def set_num_threads(int):
    """Run the CPU kernels on `int` threads, from 1 to the number Numba started with (NUMBA_NUM_THREADS)."""
    threads = check_int(int, "int", "set_num_threads", minimum=1)
    if threads > numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"set_num_threads: int={threads} is more than the {numba.config.NUMBA_NUM_THREADS} threads "
                         "Numba started with; set NUMBA_NUM_THREADS before the first import to have more")
    numba.set_num_threads(threads)
