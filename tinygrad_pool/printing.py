"""How a Tensor prints: PyTorch's layout, so that a session reads as it does in PyTorch.

Floats get 4 decimals (`1.5000`), or none when every value is whole (`1.`), or scientific notation when the
magnitudes span more than 1000x or exceed 1e8 (or, for fractions, fall below 1e-4); every element is padded to the widest one, rows
wrap at 80 columns, and tensors of more than 1000 elements show their first and last 3 entries per dim.
`set_printoptions` changes these numbers (precision, linewidth, threshold, edgeitems) and can force or forbid
scientific notation (sci_mode), as PyTorch's does.
"""
import math

import numpy as np

from .arguments import check_bool, check_choice, check_int

PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
            "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
            "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}
OPTIONS = dict(PROFILES["default"], sci_mode=None)

def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """PyTorch's print options: a profile ('default', 'short' or 'full') first, then each option given; sci_mode
    True or False forces or forbids scientific notation, None (the default) decides per tensor."""
    if profile is not None:
        OPTIONS.update(PROFILES[check_choice(profile, "profile", "set_printoptions", tuple(PROFILES))])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[name] = check_int(value, name, "set_printoptions", minimum=0)
    OPTIONS["sci_mode"] = None if sci_mode is None else check_bool(sci_mode, "sci_mode", "set_printoptions")

class _Formatter:
    """Formats every element alike. As in PyTorch, a float style and the common width come from the finite
    non-zero values alone (NaN, inf and zeros take the style and pad to that width)."""
    def __init__(self, values):
        self.kind = values.dtype.kind
        self.style = "{}"
        measured = values.reshape(-1)
        if self.kind == "f":
            measured = measured[np.isfinite(measured) & (measured != 0)].astype(np.float64)
            digits, sci_mode = OPTIONS["precision"], OPTIONS["sci_mode"]
            fixed, scientific = f"{{:.{digits}f}}", f"{{:.{digits}e}}"
            self.style = scientific if sci_mode else "{:.0f}."
            if measured.size and sci_mode is None:
                big, small = np.abs(measured).max(), np.abs(measured).min()
                if not np.all(measured == np.ceil(measured)):
                    self.style = scientific if big / small > 1000 or big > 1e8 or small < 1e-4 else fixed
                elif big / small > 1000 or big > 1e8:
                    self.style = scientific
            elif measured.size and sci_mode is False and not np.all(measured == np.ceil(measured)):
                self.style = fixed
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
    """The entries that a summarized print shows: the first and last `edgeitems` along each dim."""
    if array.ndim == 0:
        return array
    edge = OPTIONS["edgeitems"]
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[array.shape[0] - edge:]])
    return np.stack([_summarized(row) for row in array]) if array.ndim > 1 else array

def _body(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter(array.item())
    edge = OPTIONS["edgeitems"]
    long = summarize and array.shape[0] > 2 * edge
    if array.ndim == 1:
        items = [formatter(v) for v in array[:edge]] + [" ..."] + [formatter(v) for v in array[len(array) - edge:]] \
            if long else [formatter(v) for v in array]
        per_line = max(1, (OPTIONS["linewidth"] - indent) // (formatter.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(array.shape[0])
    picked = list(rows[:edge]) + [None] + list(rows[len(rows) - edge:]) if long else list(rows)
    parts = ["..." if i is None else _body(array[i], indent + 1, summarize, formatter) for i in picked]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"

def tensor_text(array, prefix="tensor("):
    """The values part of a Tensor's repr: `[1.5000, 2.0000]` laid out after `prefix`."""
    if array.size == 0:
        return "[]"
    summarize = array.size > OPTIONS["threshold"]
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _body(array, len(prefix), summarize, formatter)
