"""Sorting and searching for CUDA: a bitonic sort of every row on the device, and a batched binary search.

The sort orders int64 keys made from the values (`_keys_kernel`): their integer order is the values' order, with
NaN above every number and -0.0 equal to 0.0, and a descending sort inverts their bits. Each key travels with its
position in the row, and ties of keys are broken by position, so every element is distinct and the unstable
bitonic network yields the stable order. Rows are padded to a power of two with keys that sort last. One block
sorts each segment of SEGMENT elements in shared memory; the longer merges of longer rows compare across segments
in global memory, one launch per distance, until the distances fit a segment again.
"""
import numpy as np
from numba import cuda, int64

from .array import THREADS, astype, blocks, empty
from .movement import permute, reshape

SEGMENT = 4 * THREADS   # elements one block sorts in shared memory: 1024 on a GPU (16 KB of keys and positions)
KEY_MAX = np.iinfo(np.int64).max
MAGNITUDE = 0x7FFFFFFFFFFFFFFF   # every bit of a float64 but its sign
INFINITY_BITS = 0x7FF0000000000000   # the magnitude of inf: larger ones are NaNs

@cuda.jit(cache=True)
def _keys_kernel(bits, is_float, descending, rows, n, padded_n, keys, positions):
    """The key and the in-row position of each element of the padded (rows, padded_n) problem. A float's key is
    its bits read as a signed integer, with the magnitude bits of negative numbers turned around (more negative,
    smaller key); NaN gets the largest key and -0.0 the key of 0.0. Padding (and whole padding rows at the end)
    gets the largest key and a position past the row, so it sorts after every element in both directions."""
    i = cuda.grid(1)
    if i < keys.size:
        row, j = i // padded_n, i % padded_n
        if j >= n or row >= rows:
            keys[i] = KEY_MAX
            positions[i] = padded_n + j
            return
        b = bits[row * n + j]
        key = b
        if is_float:
            magnitude = b & MAGNITUDE
            if magnitude > INFINITY_BITS:
                key = KEY_MAX
            elif magnitude == 0:
                key = 0
            elif b < 0:
                key = -1 - magnitude
        keys[i] = ~key if descending else key
        positions[i] = j

@cuda.jit(device=True, inline="always")
def _after(key_a, position_a, key_b, position_b):
    """Whether element a sorts after element b: by key, then by position in the row (which makes the order
    stable)."""
    return key_a > key_b or (key_a == key_b and position_a > position_b)

@cuda.jit(cache=True)
def _segment_stages_kernel(keys, positions, padded_n, first_stage, last_stage):
    """One block per SEGMENT elements, in shared memory: the bitonic stages first_stage, 2 * first_stage, ...,
    last_stage, each at the compare distances below SEGMENT. A stage merges runs of its size into sorted runs of
    that size; a run sorts up or down by the stage's bit of its position in the row, as the network needs."""
    shared_keys = cuda.shared.array(SEGMENT, int64)
    shared_positions = cuda.shared.array(SEGMENT, int64)
    t = cuda.threadIdx.x
    start = cuda.blockIdx.x * SEGMENT
    for e in range(t, SEGMENT, THREADS):
        shared_keys[e] = keys[start + e]
        shared_positions[e] = positions[start + e]
    cuda.syncthreads()
    stage = first_stage
    while stage <= last_stage:
        distance = min(stage, SEGMENT) // 2
        while distance > 0:
            for pair in range(t, SEGMENT // 2, THREADS):
                low = (pair // distance) * 2 * distance + pair % distance
                high = low + distance
                ascending = ((start + low) & (padded_n - 1) & stage) == 0
                if _after(shared_keys[low], shared_positions[low], shared_keys[high],
                          shared_positions[high]) == ascending:
                    shared_keys[low], shared_keys[high] = shared_keys[high], shared_keys[low]
                    shared_positions[low], shared_positions[high] = shared_positions[high], shared_positions[low]
            cuda.syncthreads()
            distance //= 2
        stage *= 2
    for e in range(t, SEGMENT, THREADS):
        keys[start + e] = shared_keys[e]
        positions[start + e] = shared_positions[e]

@cuda.jit(cache=True)
def _global_step_kernel(keys, positions, padded_n, stage, distance):
    """One compare-and-swap per thread at a distance of a segment or more, in global memory."""
    pair = cuda.grid(1)
    if pair < keys.size // 2:
        low = (pair // distance) * 2 * distance + pair % distance
        high = low + distance
        ascending = (low & (padded_n - 1) & stage) == 0
        if _after(keys[low], positions[low], keys[high], positions[high]) == ascending:
            keys[low], keys[high] = keys[high], keys[low]
            positions[low], positions[high] = positions[high], positions[low]

@cuda.jit(cache=True)
def _unpad_kernel(positions, n, padded_n, count, out):
    i = cuda.grid(1)
    if i < count:
        out[i] = positions[(i // n) * padded_n + i % n]

def _sorted_positions(x, descending):
    """The stable sorting permutation of each row of a (rows, n) CudaArray, as int64 positions in the row."""
    rows, n = x.shape
    out = empty((rows, n), np.int64)
    if rows * n == 0:
        return out
    padded_n = 1 << (n - 1).bit_length()
    total = -(-rows * padded_n // SEGMENT) * SEGMENT   # whole segments: the rows past the last are padding
    keys, positions = empty((total,), np.int64), empty((total,), np.int64)
    is_float = x.dtype.kind == "f"
    wide = astype(x, np.float64 if is_float else np.int64)
    bits = wide.buffer.view(np.int64) if is_float else wide.buffer
    _keys_kernel[blocks(total), THREADS](bits, is_float, descending, rows, n, padded_n, keys.buffer,
                                         positions.buffer)
    _segment_stages_kernel[total // SEGMENT, THREADS](keys.buffer, positions.buffer, padded_n, 2,
                                                      min(padded_n, SEGMENT))
    stage = 2 * SEGMENT
    while stage <= padded_n:
        distance = stage // 2
        while distance >= SEGMENT:
            _global_step_kernel[blocks(total // 2), THREADS](keys.buffer, positions.buffer, padded_n, stage,
                                                            distance)
            distance //= 2
        _segment_stages_kernel[total // SEGMENT, THREADS](keys.buffer, positions.buffer, padded_n, stage, stage)
        stage *= 2
    _unpad_kernel[blocks(rows * n), THREADS](positions.buffer, n, padded_n, rows * n, out.buffer)
    return out

def _axis_last(ndim, axis):
    return tuple(a for a in range(ndim) if a != axis) + (axis,)

def argsort(x, axis, descending):
    if x.size == 0:
        return empty(x.shape, np.int64)
    moved = _axis_last(x.ndim, axis)
    rows_x = x if axis == x.ndim - 1 else permute(x, moved)
    order = reshape(_sorted_positions(reshape(rows_x, (-1, x.shape[axis])), descending), rows_x.shape)
    return order if axis == x.ndim - 1 else permute(order, tuple(int(a) for a in np.argsort(moved)))

@cuda.jit(cache=True)
def _search_kernel(sequence, sequence_rows, n, values, m, count, right, out):
    """One thread per value of the (rows, m) `values`: where it goes in its row of the (sequence_rows, n)
    `sequence` (the one row, when there is one). The search steps right past s unless value <= s (value < s with
    `right`), so a NaN value lands after every element, as in PyTorch."""
    e = cuda.grid(1)
    if e < count:
        r = e // m
        base = 0 if sequence_rows == 1 else r * n
        v = values[e]
        low, high = 0, n
        while low < high:
            middle = (low + high) // 2
            s = sequence[base + middle]
            if (not v < s) if right else (not v <= s):
                low = middle + 1
            else:
                high = middle
        out[e] = low

def searchsorted(sequence, values, right):
    out = empty(values.shape, np.int64)
    if out.size:
        _search_kernel[blocks(out.size), THREADS](sequence.buffer, sequence.shape[0], sequence.shape[1],
                                                  values.buffer, values.shape[1], out.size, right, out.buffer)
    return out
