"""Sorting and searching on the CPU: numpy's stable sort, and a parallel Numba binary search, since numpy's
searchsorted takes one sequence at a time and orders NaN differently from PyTorch.
"""
import numpy as np
from numba import njit, prange

from .compile import PARALLEL

def argsort(x, axis, descending):
    """numpy's stable sort, which puts NaN last. A descending stable order is the ascending order of the reversed
    array, reversed: equal elements then keep their input order in both directions (and NaN comes first)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    reversed_order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (x.shape[axis] - 1) - np.flip(reversed_order, axis)

@njit(parallel=PARALLEL, cache=True)
def _search_kernel(sequence, values, right, out):
    """For each value in row r of `values` (rows, m), where it goes in row r of `sequence` (or in its one row):
    the binary search steps right past s unless value <= s (value < s with `right`), so a NaN value lands after
    every element, as in PyTorch."""
    rows, m = values.shape
    n = sequence.shape[1]
    for e in prange(rows * m):
        r, c = e // m, e % m
        s = 0 if sequence.shape[0] == 1 else r
        v = values[r, c]
        low, high = 0, n
        while low < high:
            middle = (low + high) // 2
            if (not v < sequence[s, middle]) if right else (not v <= sequence[s, middle]):
                low = middle + 1
            else:
                high = middle
        out[r, c] = low

def searchsorted(sequence, values, right):
    out = np.empty(values.shape, np.int64)
    if out.size:
        _search_kernel(np.ascontiguousarray(sequence), np.ascontiguousarray(values), right, out)
    return out
