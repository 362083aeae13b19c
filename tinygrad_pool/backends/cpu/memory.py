"""Keep freed memory in the process instead of handing it back to the OS after every array.

glibc serves large allocations (a batch of activations is megabytes) with fresh mmap pages and unmaps them on
free, so every training step faults every page of every activation and gradient in again, and the kernel zeroes
each one. Measured on the MNIST CNN here: 92 ms per step as glibc does it, 70 ms with freed memory kept (ReLU's
pass over 9 MB went from 1.1 ms to 0.2 ms). So the CPU backend raises glibc's mmap and trim thresholds, once, on
its first heavy call (the first matmul, convolution or pooling): importing tinygrad_pool leaves malloc alone,
and so does a program that never trains on the CPU. Memory then stays at its peak instead of breathing with each
step. Set TINYGRAD_POOL_KEEP_MEMORY=0 to leave malloc alone. Elsewhere (no glibc) this does nothing.
"""
import ctypes
import os

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20    # the largest glibc accepts: larger blocks still come from (and go back to) mmap
TRIM_THRESHOLD = 1 << 30     # give memory back only when a whole GiB lies free at the top of the heap

kept = None   # None until the first heavy call; then whether glibc's thresholds were raised

def _raise_thresholds():
    if os.environ.get("TINYGRAD_POOL_KEEP_MEMORY", "1") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))

def keep_freed_memory():
    """Raise glibc's thresholds on the first call; True when they were raised."""
    global kept
    if kept is None:
        kept = _raise_thresholds()
    return kept
