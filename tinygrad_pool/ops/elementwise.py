"""Elementwise arithmetic, comparisons and casts: PyTorch's dtype promotion, broadcasting checks, the Functions.

Arguments arrive as Tensors or python numbers. A number stays a python scalar down to the backend (no device
copy); `promote` brings both operands to PyTorch's result dtype first. Gradients of broadcast operands are
summed back to their shapes by `unbroadcast`.
"""
import builtins
import numbers

import numpy as np

from ..arguments import check_bool, check_number, check_tensor
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
        shown = " and ".join(str(tuple(shape)) for shape in shapes)
        raise ValueError(f"shapes {shown} do not broadcast: each dim must match or be 1") from None

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

class Remainder(Binary):
    """a - b * floor(a / b), with the sign of b, as Python's %."""
    kernel = "remainder"
    grad_a = staticmethod(lambda xp, g, a, b: g)
    grad_b = staticmethod(lambda xp, g, a, b: xp.neg(xp.mul(g, xp.floor_divide(a, b))))

class FloorDivide(Binary):
    """A step function: PyTorch defines no derivative for it, so a backward through it is an error there too."""
    kernel, keeps_inputs = "floor_divide", False

    def backward(self, g):
        raise RuntimeError("the derivative of floor_divide (//) is not implemented, as in PyTorch: it is 0 wherever "
                           "it exists; detach() the operands, or use true division")

def _rounded_division(fn, input, other, reverse, op):
    """input // other or input % other (other // input, other % input when `reverse`). Bools count as int64,
    and an integer divisor holding a 0 is a ValueError: an integer quotient has no value there (PyTorch raises
    too)."""
    if input.dtype == bool_:
        input = cast(input, int64)
    if isinstance(other, Tensor) and other.dtype == bool_:
        other = cast(other, int64)
    a, b = promote(input, other)
    divisor = a if reverse else b
    if a.dtype.kind != "f" and (divisor == 0 if not isinstance(divisor, Tensor)
                                else divisor.xp.to_numpy(divisor.xp.eq(divisor._data, 0)).any()):
        raise ValueError(f"{op}: integer division by zero (the divisor holds a 0); use float tensors, which give "
                         "inf or NaN there")
    return fn.apply(b, a) if reverse else fn.apply(a, b)

def floor_divide(input, other, reverse=False):
    """input // other, rounded toward -inf as in Python."""
    return _rounded_division(FloorDivide, check_tensor(input, "input", "floor_divide"), other, reverse,
                             "floor_divide")

def remainder(input, other, reverse=False):
    """input % other with the sign of other, as Python's % (torch.remainder)."""
    return _rounded_division(Remainder, check_tensor(input, "input", "remainder"), other, reverse, "remainder")

def bitwise(input, other, name, reverse=False):
    """&, |, ^ (backend `name`: bitwise_and, bitwise_or, bitwise_xor) of integer or bool tensors."""
    a, b = promote(input, other)
    if a.dtype.kind == "f":
        raise TypeError(f"{name}: only integer and bool tensors have bits to combine, got {a.dtype}")
    device = common_device((a, b))
    raw = [x._data if isinstance(x, Tensor) else x for x in (a, b)]
    return Tensor._wrap(getattr(Tensor.backend(device), name)(*(raw[::-1] if reverse else raw)), device)

def invert(input):
    """~input: logical not of a bool tensor, bitwise not (-x - 1) of an integer one."""
    check_tensor(input, "input", "invert")
    if input.dtype.kind == "f":
        raise TypeError(f"~ (bitwise_not): only integer and bool tensors have bits to invert, got {input.dtype}")
    xp = input.xp
    out = xp.eq(input._data, False) if input.dtype == bool_ else xp.sub(xp.neg(input._data), 1)
    return Tensor._wrap(out, input.device)

def compare(input, other, name):
    """The bool Tensor of backend comparison `name` (eq, ne, lt, le, gt, ge): no gradient."""
    a, b = promote(input, other)
    device = common_device((a, b))
    raw = [x._data if isinstance(x, Tensor) else x for x in (a, b)]
    return Tensor._wrap(getattr(Tensor.backend(device), name)(*raw), device)

def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |input - other| <= atol + rtol * |other| at every element (the two broadcast), as a python bool;
    equal infinities are close, NaNs only with equal_nan. Both tensors must have one dtype, as in PyTorch."""
    check_tensor(input, "input", "allclose")
    check_tensor(other, "other", "allclose")
    check_number(rtol, "rtol", "allclose", minimum=0)
    check_number(atol, "atol", "allclose", minimum=0)
    check_bool(equal_nan, "equal_nan", "allclose")
    if input.dtype != other.dtype:
        raise TypeError(f"allclose: input is {input.dtype} and other {other.dtype}: cast one with .to(dtype) first")
    broadcast_shape(input.shape, other.shape)
    return builtins.bool(np.allclose(input.numpy(), other.numpy(), rtol, atol, equal_nan))

def equal(input, other):
    """Whether the two tensors have one shape and equal values (NaN equals nothing), as a python bool."""
    check_tensor(input, "input", "equal")
    check_tensor(other, "other", "equal")
    if input.shape != other.shape:
        return False
    a, b = promote(input, other)
    return builtins.bool(np.array_equal(a.numpy(), b.numpy()))

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
        for name, value in (("input", input), ("other", other)):
            if not isinstance(value, (bool, np.bool_)):
                check_number(value, name, "where")
        input = Tensor(input, device=condition.device)   # two numbers: PyTorch's dtype for the pair
    input, other = promote(input, other) if isinstance(input, Tensor) else reversed(promote(other, input))
    device = common_device((condition, input, other))
    broadcast_shape(condition.shape, *(x.shape for x in (input, other) if isinstance(x, Tensor)))
    return Where.apply(condition.to(device), input, other)

def masked_fill(input, mask, value):
    """input with `value` where the bool `mask` holds (the two broadcast); the value takes input's dtype, as in
    PyTorch, so an integer tensor filled with 2.7 holds 2 there."""
    check_tensor(input, "input", "masked_fill")
    check_tensor(mask, "mask", "masked_fill")
    if mask.dtype != bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {mask.dtype}; compare first, e.g. x > 0")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape "
                             f"{value.shape}")
        value = value.item()
    elif not isinstance(value, (bool, np.bool_)):
        check_number(value, "value", "masked_fill")
    if input.dtype.kind in "iu" and not np.isfinite(value):
        raise ValueError(f"masked_fill: value={value} has no {input.dtype} value")
    return where(mask, np.array(value).astype(input.dtype).item(), input)

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

def clip(input, min=None, max=None):
    """numpy's name for clamp."""
    return clamp(input, min, max)

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
    return Exp.apply(as_float(check_tensor(input, "input", "exp")))

def log(input):
    return Log.apply(as_float(check_tensor(input, "input", "log")))

def sqrt(input):
    return Sqrt.apply(as_float(check_tensor(input, "input", "sqrt")))

def abs(input):
    return Abs.apply(check_tensor(input, "input", "abs"))

class FromInput(Function):
    """y = kernel(x) whose derivative needs x: `grad(xp, g, x)` gives the input's gradient."""
    kernel = grad = None

    def forward(self, x):
        self.save_for_backward(x)
        return getattr(self.xp, self.kernel)(x)

    def backward(self, g):
        return self.grad(self.xp, g, self.saved[0])

class Log1p(FromInput):
    kernel, grad = "log1p", staticmethod(lambda xp, g, x: xp.div(g, xp.add(x, 1)))

class Sin(FromInput):
    kernel, grad = "sin", staticmethod(lambda xp, g, x: xp.mul(g, xp.cos(x)))

class Cos(FromInput):
    kernel, grad = "cos", staticmethod(lambda xp, g, x: xp.neg(xp.mul(g, xp.sin(x))))

class Sinh(FromInput):
    kernel, grad = "sinh", staticmethod(lambda xp, g, x: xp.mul(g, xp.cosh(x)))

class Cosh(FromInput):
    kernel, grad = "cosh", staticmethod(lambda xp, g, x: xp.mul(g, xp.sinh(x)))

class Piecewise(Function):
    """floor, ceil, round and sign: steps, whose derivative is 0 wherever it exists (PyTorch's gradient)."""
    keeps_inputs = False

    def forward(self, x, kernel):
        return getattr(self.xp, kernel)(x)

    def backward(self, g):
        return self.xp.zeros(g.shape, g.dtype), None

def log1p(input):
    """log(1 + x), accurate for small x."""
    return Log1p.apply(as_float(check_tensor(input, "input", "log1p")))

def sin(input):
    return Sin.apply(as_float(check_tensor(input, "input", "sin")))

def cos(input):
    return Cos.apply(as_float(check_tensor(input, "input", "cos")))

def sinh(input):
    return Sinh.apply(as_float(check_tensor(input, "input", "sinh")))

def cosh(input):
    return Cosh.apply(as_float(check_tensor(input, "input", "cosh")))

def _rounding(input, kernel):
    check_tensor(input, "input", kernel)
    if input.dtype.kind != "f":   # integers are whole already: a copy, as in PyTorch
        return Tensor._wrap(input.xp.copy(input._data), input.device)
    return Piecewise.apply(input, kernel)

def floor(input):
    return _rounding(input, "floor")

def ceil(input):
    return _rounding(input, "ceil")

def round(input, decimals=0):
    """To the nearest integer, ties to even (as PyTorch); with `decimals`, to that many decimal places."""
    check_tensor(input, "input", "round")
    if not isinstance(decimals, numbers.Integral) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r} ({type(decimals).__name__})")
    if decimals == 0 or input.dtype.kind != "f":
        return _rounding(input, "round")
    scale = 10.0 ** builtins.abs(decimals)
    if decimals > 0:
        return _rounding(input * scale, "round") / scale
    return _rounding(input / scale, "round") * scale

def sign(input):
    """1, -1 or 0 (0 also for NaN); a bool tensor is its own sign."""
    check_tensor(input, "input", "sign")
    if input.dtype == bool_:
        return Tensor._wrap(input.xp.copy(input._data), input.device)
    return Piecewise.apply(input, "sign")

def square(input):
    """input * input; bools square to int64, as in PyTorch."""
    check_tensor(input, "input", "square")
    return mul(cast(input, int64) if input.dtype == bool_ else input, input)

def rsqrt(input):
    """1 / sqrt(input): inf at 0, NaN below."""
    return div(sqrt(check_tensor(input, "input", "rsqrt")), 1, reverse=True)

def reciprocal(input):
    """1 / input; integers give float32."""
    return div(as_float(check_tensor(input, "input", "reciprocal")), 1, reverse=True)

def _test(input, op, test):
    """The bool tensor of a per-element test on float values; integers and bools pass every test of finiteness."""
    check_tensor(input, "input", op)
    xp = input.xp
    if input.dtype.kind != "f":
        return Tensor._wrap(xp.full(input.shape, op == "isfinite", bool_), input.device)
    return Tensor._wrap(test(xp, input._data), input.device)

def isnan(input):
    return _test(input, "isnan", lambda xp, x: xp.ne(x, x))

def isinf(input):
    return _test(input, "isinf", lambda xp, x: xp.eq(xp.abs(x), np.inf))

def isfinite(input):
    return _test(input, "isfinite", lambda xp, x: xp.eq(xp.sub(x, x), 0))   # inf - inf and NaN - NaN are NaN

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
    return Tensor._wrap(input.xp.astype(input._data, dtype), input.device)
