"""Elementwise arithmetic, comparisons and casts: PyTorch's dtype promotion, broadcasting checks, the Functions.

Arguments arrive as Tensors or python numbers. A number stays a python scalar down to the backend (no device
copy); `promote` brings both operands to PyTorch's result dtype first. Gradients of broadcast operands are
summed back to their shapes by `unbroadcast`.
"""
import numbers

import numpy as np

from ..arguments import check_number, check_tensor
from ..autograd import FromOutput, Function, Undoable
from ..tensor import Tensor, as_dtype, bool_, common_device, float32, int64

_CATEGORY = {bool_: 0, int64: 1, np.dtype("int32"): 1, np.dtype("uint8"): 1, float32: 2, np.dtype("float64"): 2}

# --- promotion and broadcasting --------------------------------------------------------------------------------
def category(dtype):
    """bool 0 < integers 1 < floats 2: PyTorch's promotion moves up, never down."""
    return _CATEGORY[dtype]

def result_dtype(a, b):
    """PyTorch's promotion: the higher category (bool < int < float) wins; within floats the wider one."""
    if _CATEGORY[a] != _CATEGORY[b]:
        return a if _CATEGORY[a] > _CATEGORY[b] else b
    return np.promote_types(a, b)

def broadcast_shape(*shapes):
    """numpy's broadcast result shape, or a ValueError that names the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"shapes {' and '.join(map(str, shapes))} do not broadcast: each dim must match or be 1")\
            from None

def promote(a, b, true_divide=False):
    """Bring a Tensor and a Tensor-or-scalar to one dtype; scalars stay python numbers (no device copy)."""
    if isinstance(b, np.ndarray) or (isinstance(b, (list, tuple))):
        b = Tensor(b, device=a.device)
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(b, Tensor):
        broadcast_shape(a.shape, b.shape)
        dtype = result_dtype(a.dtype, b.dtype)
    elif isinstance(b, bool):
        dtype = a.dtype
    elif isinstance(b, numbers.Integral):
        dtype = a.dtype if a.dtype != bool_ else int64
        if dtype != int64:   # PyTorch casts the number to the tensor's integer dtype, wrapping it: uint8 + 300 adds 44
            b = int(np.array(b).astype(dtype))
    elif isinstance(b, numbers.Real):
        dtype = a.dtype if a.dtype.kind == "f" else float32
    else:
        raise TypeError(f"unsupported operand {b!r} of type {type(b).__name__}: use a Tensor or a number")
    if true_divide and dtype.kind != "f":
        dtype = float32
    if isinstance(b, Tensor):
        return cast(a, dtype), cast(b, dtype)
    return cast(a, dtype), (float(b) if dtype.kind == "f" else b)

def unbroadcast(xp, grad, shape):
    """Sum a broadcast gradient back down to `shape` (the inverse of numpy broadcasting)."""
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = xp.sum(grad, axes, True)
    return xp.reshape(grad, shape)

def shape_of(x):
    """The shape of a backend array, or () for a python number."""
    return getattr(x, "shape", ())

# --- binary arithmetic -----------------------------------------------------------------------------------------
class Binary(Function):
    """a (op) b with numpy broadcasting. A subclass names its backend `kernel` and gives each operand's share of
    the gradient, `grad_a(xp, g, a, b)` and `grad_b(xp, g, a, b)`, before it is summed back to that operand's
    shape. `keeps_inputs = False` for ops whose gradient needs neither operand (nothing is kept alive)."""
    kernel = grad_a = grad_b = None
    keeps_inputs = True

    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        self.save_for_backward(*((a, b) if self.keeps_inputs else (None, None)))
        return getattr(self.xp, self.kernel)(a, b)

    def backward(self, g):
        xp, (a, b), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        ga = unbroadcast(xp, self.grad_a(xp, g, a, b), self.shapes[0]) if need_a else None
        gb = unbroadcast(xp, self.grad_b(xp, g, a, b), self.shapes[1]) if need_b else None
        return ga, gb

class Add(Binary):
    kernel, keeps_inputs = "add", False
    grad_a = grad_b = staticmethod(lambda xp, g, a, b: g)

class Sub(Binary):
    kernel, keeps_inputs = "sub", False
    grad_a = staticmethod(lambda xp, g, a, b: g)
    grad_b = staticmethod(lambda xp, g, a, b: xp.neg(g))

class Mul(Binary):
    kernel = "mul"
    grad_a = staticmethod(lambda xp, g, a, b: xp.mul(g, b))
    grad_b = staticmethod(lambda xp, g, a, b: xp.mul(g, a))

class Div(Binary):
    kernel = "div"
    grad_a = staticmethod(lambda xp, g, a, b: xp.div(g, b))
    grad_b = staticmethod(lambda xp, g, a, b: xp.neg(xp.div(xp.mul(g, a), xp.mul(b, b))))   # -a / b^2

class Pow(Function):
    """Keeps its output as well as its operands: the exponent's gradient is a^b log a."""
    def forward(self, a, b):
        out = self.xp.pow(a, b)
        self.shapes = shape_of(a), shape_of(b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        xp, (a, b, out), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        ga = gb = None
        if need_a:   # b a^(b-1); b is often a python number
            b_minus_one = b - 1 if isinstance(b, (int, float)) else xp.sub(b, 1)
            ga = unbroadcast(xp, xp.mul(g, xp.mul(b, xp.pow(a, b_minus_one))), self.shapes[0])
        if need_b:
            gb = unbroadcast(xp, xp.mul(g, xp.mul(out, xp.log(a))), self.shapes[1])
        return ga, gb

class _Extremum(Binary):
    """maximum / minimum: the gradient goes to the winner, split in half on ties (as PyTorch does). `a` gets the
    share `share_a`, `b` the rest, 1 - share_a, so the share is computed once for both."""
    wins = None

    def backward(self, g):
        xp, (a, b), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        tie = xp.mul(xp.astype(xp.eq(a, b), g.dtype), 0.5)
        share_a = xp.add(xp.astype(getattr(xp, self.wins)(a, b), g.dtype), tie)
        ga = unbroadcast(xp, xp.mul(g, share_a), self.shapes[0]) if need_a else None
        gb = unbroadcast(xp, xp.mul(g, xp.sub(1, share_a)), self.shapes[1]) if need_b else None
        return ga, gb

class Maximum(_Extremum):
    kernel, wins = "maximum", "gt"

class Minimum(_Extremum):
    kernel, wins = "minimum", "lt"

def _binary(fn, input, other, reverse, true_divide=False):
    a, b = promote(input, other, true_divide)
    return fn.apply(b, a) if reverse else fn.apply(a, b)

def add(input, other, reverse=False):
    """input + other (other + input when `reverse`, for the reflected operators)."""
    return _binary(Add, input, other, reverse)

def sub(input, other, reverse=False):
    return _binary(Sub, input, other, reverse)

def mul(input, other, reverse=False):
    return _binary(Mul, input, other, reverse)

def div(input, other, reverse=False):
    """True division: integer operands give float32, as in PyTorch."""
    return _binary(Div, input, other, reverse, true_divide=True)

def pow(input, exponent, reverse=False):
    return _binary(Pow, input, exponent, reverse)

def maximum(input, other):
    return _binary(Maximum, input, other, False)

def minimum(input, other):
    return _binary(Minimum, input, other, False)

def compare(input, other, name):
    """The bool Tensor of backend comparison `name` (eq, ne, lt, le, gt, ge): no gradient."""
    a, b = promote(input, other)
    device = common_device((a, b))
    raw = [x.data if isinstance(x, Tensor) else x for x in (a, b)]
    return Tensor._wrap(getattr(Tensor.backend(device), name)(*raw), device)

# --- where, clamp ----------------------------------------------------------------------------------------------
class Where(Function):
    def forward(self, cond, a, b):
        self.cond, self.shapes = cond, (shape_of(a), shape_of(b))
        return self.xp.where(cond, a, b)
    def backward(self, g):
        xp, zero = self.xp, 0
        ga = unbroadcast(xp, xp.where(self.cond, g, zero), self.shapes[0]) if self.needs_input_grad[1] else None
        gb = unbroadcast(xp, xp.where(self.cond, zero, g), self.shapes[1]) if self.needs_input_grad[2] else None
        return None, ga, gb

def where(condition, input, other):
    """Elementwise `input if condition else other`, broadcasting all three."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    if condition.dtype != bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}; compare first, e.g. x > 0")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"where: input or other must be a Tensor, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    input, other = promote(input, other) if isinstance(input, Tensor) else reversed(promote(other, input))
    device = common_device((condition, input, other))
    broadcast_shape(condition.shape, *(x.shape for x in (input, other) if isinstance(x, Tensor)))
    return Where.apply(condition.to(device), input, other)

class Clamp(Function):
    """The gradient passes where min <= x <= max (both ends included, as in PyTorch)."""
    def forward(self, x, low, high):
        xp, out = self.xp, x
        self.save_for_backward(x)
        self.low, self.high = low, high
        if low is not None:
            out = xp.maximum(out, low)
        if high is not None:
            out = xp.minimum(out, high)
        return out
    def backward(self, g):
        xp, x = self.xp, self.saved[0]
        if self.low is not None:
            g = xp.mul(g, xp.astype(xp.ge(x, self.low), g.dtype))
        if self.high is not None:
            g = xp.mul(g, xp.astype(xp.le(x, self.high), g.dtype))
        return g, None, None

def clamp(input, min=None, max=None):
    """Bounds are numbers (tensor bounds are not supported: use maximum/minimum); a NaN bound gives NaN."""
    check_tensor(input, "input", "clamp")
    if min is None and max is None:
        raise ValueError("clamp() needs at least one of min and max")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None:
            check_number(bound, name, "clamp")
    if input.dtype.kind != "f" and any(isinstance(b, numbers.Real) and not isinstance(b, numbers.Integral)
                                       for b in (min, max)):
        input = cast(input, float32)   # an integer tensor clamped by a float becomes float32, as in PyTorch
    return Clamp.apply(input, min, max)

# --- unary -----------------------------------------------------------------------------------------------------
class Exp(FromOutput):
    kernel, grad = "exp", staticmethod(lambda xp, g, y: xp.mul(g, y))

class Sqrt(FromOutput):
    kernel, grad = "sqrt", staticmethod(lambda xp, g, y: xp.div(xp.mul(g, 0.5), y))

class Neg(Function):
    keeps_inputs = False
    def forward(self, x):
        return self.xp.neg(x)
    def backward(self, g):
        return self.xp.neg(g)

class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)
    def backward(self, g):
        return self.xp.div(g, self.saved[0])

class Abs(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.abs(x)
    def backward(self, g):
        return self.xp.mul(g, self.xp.sign(self.saved[0]))

def as_float(input):
    """Integer and bool inputs of float functions (exp, sigmoid, ...) become float32, as in PyTorch."""
    return input if input.dtype.kind == "f" else cast(input, float32)

def neg(input):
    return Neg.apply(input)

def exp(input):
    return Exp.apply(as_float(input))

def log(input):
    return Log.apply(as_float(input))

def sqrt(input):
    return Sqrt.apply(as_float(input))

def abs(input):
    return Abs.apply(input)

# --- casts -----------------------------------------------------------------------------------------------------
class Cast(Undoable):
    kernel, undo = "astype", staticmethod(lambda x, dtype: x.dtype)

def cast(input, dtype):
    """input as `dtype`: input itself when it has that dtype; a float cast keeps the tape, others leave it."""
    dtype = as_dtype(dtype)
    if dtype == input.dtype:
        return input
    if input.requires_grad and dtype.kind == "f":
        return Cast.apply(input, dtype)
    return Tensor._wrap(input.xp.astype(input.data, dtype), input.device)
