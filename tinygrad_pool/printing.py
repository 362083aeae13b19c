"""How a Tensor prints: PyTorch's layout, so that a session reads as it does in PyTorch.

Floats get 4 decimals (`1.5000`), or none when every value is whole (`1.`), or scientific notation when the
magnitudes span more than 1000x or exceed 1e8 (or, for fractions, fall below 1e-4); every element is padded to the widest one, rows
wrap at 80 columns, and tensors of more than 1000 elements show their first and last 3 entries per dim.
"""
import math

import numpy as np

LINEWIDTH, THRESHOLD, EDGEITEMS = 80, 1000, 3

class _Formatter:
    """Formats every element alike. As in PyTorch, a float style and the common width come from the finite
    non-zero values alone (NaN, inf and zeros take the style and pad to that width)."""
    def __init__(self, values):
        self.kind = values.dtype.kind
        self.style = "{}"
        measured = values.reshape(-1)
        if self.kind == "f":
            measured = measured[np.isfinite(measured) & (measured != 0)].astype(np.float64)
            self.style = "{:.0f}."
            if measured.size:
                big, small = np.abs(measured).max(), np.abs(measured).min()
                if not np.all(measured == np.ceil(measured)):
                    self.style = "{:.4e}" if big / small > 1000 or big > 1e8 or small < 1e-4 else "{:.4f}"
                elif big / small > 1000 or big > 1e8:
                    self.style = "{:.4e}"
        self.width = max((len(self.format_raw(v)) for v in measured), default=1)

    def format_raw(self, value):
        if self.kind == "b":
            return str(bool(value))
        if self.kind in "iu":
            return str(int(value))
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return self.style.format(float(value))

    def __call__(self, value):
        return self.format_raw(value).rjust(self.width)

def _summarized(array):
    """The entries that a summarized print shows: the first and last EDGEITEMS along each dim."""
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * EDGEITEMS:
        array = np.concatenate([array[:EDGEITEMS], array[-EDGEITEMS:]])
    return np.stack([_summarized(row) for row in array]) if array.ndim > 1 else array

def _body(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter(array.item())
    long = summarize and array.shape[0] > 2 * EDGEITEMS
    if array.ndim == 1:
        items = [formatter(v) for v in array[:EDGEITEMS]] + [" ..."] + [formatter(v) for v in array[-EDGEITEMS:]] \
            if long else [formatter(v) for v in array]
        per_line = max(1, (LINEWIDTH - indent) // (formatter.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(array.shape[0])
    picked = list(rows[:EDGEITEMS]) + [None] + list(rows[-EDGEITEMS:]) if long else list(rows)
    parts = ["..." if i is None else _body(array[i], indent + 1, summarize, formatter) for i in picked]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"

def tensor_text(array, prefix="tensor("):
    """The values part of a Tensor's repr: `[1.5000, 2.0000]` laid out after `prefix`."""
    if array.size == 0:
        return "[]"
    summarize = array.size > THRESHOLD
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _body(array, len(prefix), summarize, formatter)
