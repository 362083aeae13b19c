"""Elementwise arithmetic, comparisons and casts: PyTorch's dtype promotion, broadcasting checks, the Functions.

Arguments arrive as Tensors or python numbers. A number stays a python scalar down to the backend (no device
copy); `promote` brings both operands to PyTorch's result dtype first. Gradients of broadcast operands are
summed back to their shapes by `unbroadcast`.
"""
import builtins
import math
import numbers

import numpy as np

from ..arguments import check_bool, check_choice, check_number, check_tensor, is_int
from ..autograd import FromOutput, Function, Undoable
from ..backends import scalar
from ..dtypes import get_default_dtype, finfo
from ..tensor import Tensor, as_dtype, bool_, common_device, float32, float64, int64

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
    if len(shapes) == 2 and shapes[0] == shapes[1]:   # the common case, without numpy's few microseconds
        return tuple(shapes[0])
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
        dtype = a.dtype if a.dtype.kind == "f" else get_default_dtype()
    else:
        raise TypeError(f"unsupported operand {b!r} of type {type(b).__name__}: use a Tensor or a number")
    if true_divide and dtype.kind != "f":
        dtype = get_default_dtype()
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

def _scaled(tensor, other, alpha, op):
    """alpha * other, for add's and sub's alpha; a float alpha needs a float operand, as in PyTorch."""
    check_number(alpha, "alpha", op)
    integral = tensor.dtype.kind != "f" and (other.dtype.kind != "f" if isinstance(other, Tensor)
                                             else not isinstance(other, float))
    if integral and not is_int(alpha):
        raise TypeError(f"{op}: alpha={alpha!r} must be an int when both operands are integers or bools, as in "
                        "PyTorch; use float tensors for a float alpha")
    return other if alpha == 1 else other * alpha

def _number_first(input, other):
    """Whether the call is torch.add(2, x): a number, then the Tensor."""
    return not isinstance(input, Tensor) and isinstance(other, Tensor)

def add(input, other, *, alpha=1, reverse=False):
    """input + alpha * other (other + input when `reverse`, for the reflected operators); input may be a number
    when other is the Tensor, as in torch.add(2, x)."""
    if alpha == 1 and isinstance(input, Tensor):   # the common case: x + y
        return _binary(Add, input, other, reverse)
    if _number_first(input, other):
        return _binary(Add, _scaled(other, other, alpha, "add"), input, True)
    check_tensor(input, "input", "add")
    return _binary(Add, input, _scaled(input, other, alpha, "add"), reverse)

def sub(input, other, *, alpha=1, reverse=False):
    """input - alpha * other (other - input when `reverse`)."""
    if alpha == 1 and isinstance(input, Tensor):
        return _binary(Sub, input, other, reverse)
    if _number_first(input, other):
        return _binary(Sub, _scaled(other, other, alpha, "sub"), input, True)
    check_tensor(input, "input", "sub")
    return _binary(Sub, input, _scaled(input, other, alpha, "sub"), reverse)

def mul(input, other, reverse=False):
    if _number_first(input, other):
        input, other = other, input
    return _binary(Mul, check_tensor(input, "input", "mul"), other, reverse)

def div(input, other, *, rounding_mode=None, reverse=False):
    """True division (integer operands give the default float dtype, as in PyTorch), or with rounding_mode
    'trunc' or 'floor' the quotient rounded toward 0 or -inf, in the operands' dtype and with a zero gradient."""
    if _number_first(input, other):
        input, other, reverse = other, input, True
    check_tensor(input, "input", "div")
    if rounding_mode is None:
        return _binary(Div, input, other, reverse, true_divide=True)
    check_choice(rounding_mode, "rounding_mode", "div", (None, "trunc", "floor"))
    if rounding_mode == "floor":
        return _rounded_division(RoundedQuotient, input, other, reverse, "div")
    if result_dtype(input.dtype, other.dtype if isinstance(other, Tensor) else _number_dtype(other)).kind == "f":
        return trunc(_binary(Div, input, other, reverse, true_divide=True))
    dividend, divisor = (other, input) if reverse else (input, other)
    if not isinstance(dividend, Tensor):
        dividend = Tensor(dividend, device=input.device)
    return floor_divide(dividend - fmod(dividend, divisor), divisor)   # exact: the dividend is a multiple now

def _number_dtype(value):
    """The dtype PyTorch gives a python number operand: bool, int64 or a float."""
    return bool_ if isinstance(value, (bool, np.bool_)) else int64 if isinstance(value, numbers.Integral) else \
        get_default_dtype()

def true_divide(input, other):
    return div(input, other)

subtract, multiply, divide = sub, mul, div

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

class RoundedQuotient(Binary):
    """div(..., rounding_mode='floor'): floor_divide's values, with the zero gradient PyTorch gives div there."""
    kernel, keeps_inputs = "floor_divide", False
    grad_a = grad_b = staticmethod(lambda xp, g, a, b: xp.zeros(g.shape, g.dtype))

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

def _comparison(name):
    def comparison(input, other):
        return compare(check_tensor(input, "input", name), other, name)
    comparison.__name__ = name
    comparison.__doc__ = f"The bool tensor of input {name} other (a Tensor that broadcasts, or a number)."
    return comparison

eq, ne, lt, le, gt, ge = (_comparison(name) for name in ("eq", "ne", "lt", "le", "gt", "ge"))

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
        input = cast(input, get_default_dtype())   # an integer tensor clamped by a float becomes float, as in PyTorch
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
    """Integer and bool inputs of float functions (exp, sigmoid, ...) become the default float dtype (float32),
    as in PyTorch."""
    return input if input.dtype.kind == "f" else cast(input, get_default_dtype())

def neg(input):
    return Neg.apply(check_tensor(input, "input", "neg"))

negative = neg

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

# --- special functions: the formulas of backends/scalar.py ------------------------------------------------------
def _zero_gradient(xp, g, x, y):
    return xp.zeros(g.shape, g.dtype)

def _sinc_gradient(xp, g, x, y):
    """(cos(pi x) - sinc(x)) / x, and 0 at x = 0 (where sinc is flat), as in PyTorch."""
    at_zero = xp.eq(x, 0)
    safe = xp.where(at_zero, 1, x)
    return xp.mul(g, xp.where(at_zero, 0, xp.div(xp.sub(xp.cos(xp.mul(safe, math.pi)), y), safe)))

_SPECIAL_GRADIENTS = {   # kind: the input's gradient from (g, x, y = the output)
    scalar.EXPM1: lambda xp, g, x, y: xp.mul(g, xp.add(y, 1)),
    scalar.LOG2: lambda xp, g, x, y: xp.div(g, xp.mul(x, math.log(2.0))),
    scalar.LOG10: lambda xp, g, x, y: xp.div(g, xp.mul(x, math.log(10.0))),
    scalar.TRUNC: _zero_gradient,
    scalar.ERF: lambda xp, g, x, y: xp.mul(g, xp.mul(xp.exp(xp.neg(xp.mul(x, x))), 2 / math.sqrt(math.pi))),
    scalar.ERFC: lambda xp, g, x, y: xp.mul(g, xp.mul(xp.exp(xp.neg(xp.mul(x, x))), -2 / math.sqrt(math.pi))),
    scalar.ERFINV: lambda xp, g, x, y: xp.mul(g, xp.mul(xp.exp(xp.mul(y, y)), math.sqrt(math.pi) / 2)),
    scalar.SINC: _sinc_gradient,
}

class Special(Function):
    """y = scalar.special(kind, x), one kernel for every kind; the gradient comes from x and y
    (_SPECIAL_GRADIENTS)."""
    keeps_output = True

    def forward(self, x, kind):
        out = self.xp.special(x, kind)
        self.kind = kind
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _SPECIAL_GRADIENTS[self.kind](self.xp, g, *self.saved), None

def _special(input, op, kind):
    return Special.apply(as_float(check_tensor(input, "input", op)), kind)

def expm1(input):
    """exp(input) - 1, accurate for small input."""
    return _special(input, "expm1", scalar.EXPM1)

def log2(input):
    return _special(input, "log2", scalar.LOG2)

def log10(input):
    return _special(input, "log10", scalar.LOG10)

def erf(input):
    """The error function, 2 / sqrt(pi) times the integral of exp(-t^2) from 0 to input."""
    return _special(input, "erf", scalar.ERF)

def erfc(input):
    """1 - erf(input), accurate where erf is close to 1."""
    return _special(input, "erfc", scalar.ERFC)

def erfinv(input):
    """The inverse of erf on (-1, 1): +-inf at +-1, NaN beyond."""
    return _special(input, "erfinv", scalar.ERFINV)

def sinc(input):
    """The normalized sinc, sin(pi x) / (pi x), and 1 at 0."""
    return _special(input, "sinc", scalar.SINC)

def trunc(input):
    """input rounded toward 0 (the sign of a zero result kept); integers are whole already (a copy, as in
    PyTorch), bools are an error there too."""
    check_tensor(input, "input", "trunc")
    if input.dtype == bool_:
        raise TypeError("trunc: input must be a number tensor, got bool")
    if input.dtype.kind != "f":
        return Tensor._wrap(input.xp.copy(input._data), input.device)
    return Special.apply(input, scalar.TRUNC)

fix = trunc

def _float_input(input, op):
    check_tensor(input, "input", op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be float32 or float64, got {input.dtype}")
    return input

def frac(input):
    """input - trunc(input): the fractional part, with the sign of input; NaN at +-inf."""
    input = _float_input(input, "frac")
    with np.errstate(invalid="ignore"):   # inf - inf
        return input - trunc(input)

def deg2rad(input):
    return as_float(check_tensor(input, "input", "deg2rad")) * (math.pi / 180.0)

def rad2deg(input):
    return as_float(check_tensor(input, "input", "rad2deg")) * (180.0 / math.pi)

def signbit(input):
    """Whether the sign bit is set: True for -0.0 and for a NaN whose sign bit is set; no gradient."""
    check_tensor(input, "input", "signbit")
    xp = input.xp
    if input.dtype.kind != "f":
        return Tensor._wrap(xp.lt(input._data, 0) if input.dtype != bool_ else xp.full(input.shape, False, bool_),
                            input.device)
    return Tensor._wrap(xp.lt(xp.copysign(1.0, input._data), 0), input.device)

# --- binary math: atan2, fmod, hypot, copysign, logaddexp, xlogy, heaviside, ... --------------------------------
def _tensor_pair(input, other, op, floats=True):
    """input (a Tensor) and other (a Tensor or a number) as two Tensors of one dtype, by PyTorch's promotion; as
    floats when `floats` (integers and bools become the default float dtype)."""
    check_tensor(input, "input", op)
    a, b = promote(input, other)
    if not isinstance(b, Tensor):
        b = Tensor._wrap(a.xp.full((), b, a.dtype), a.device)
    return (as_float(a), as_float(b)) if floats else (a, b)

class Atan2(Binary):
    """The gradient of the angle, (b, -a) / (a^2 + b^2), and 0 at the origin, as in PyTorch."""
    kernel = "atan2"

    def backward(self, g):
        xp, (a, b), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        square = xp.add(xp.mul(a, a), xp.mul(b, b))
        origin = xp.eq(square, 0)
        per_square = xp.where(origin, 0, xp.div(g, xp.where(origin, 1, square)))
        ga = unbroadcast(xp, xp.mul(per_square, b), self.shapes[0]) if need_a else None
        gb = unbroadcast(xp, xp.neg(xp.mul(per_square, a)), self.shapes[1]) if need_b else None
        return ga, gb

class Fmod(Binary):
    kernel = "fmod"
    grad_a = staticmethod(lambda xp, g, a, b: g)
    grad_b = staticmethod(lambda xp, g, a, b: xp.neg(xp.mul(g, xp.special(xp.div(a, b), scalar.TRUNC))))

class Hypot(Binary):
    kernel = "hypot"
    grad_a = staticmethod(lambda xp, g, a, b: xp.div(xp.mul(g, a), xp.hypot(a, b)))
    grad_b = staticmethod(lambda xp, g, a, b: xp.div(xp.mul(g, b), xp.hypot(a, b)))

def _copysign_ratio(xp, a, b):
    """copysign(a, b) / a: +-1 by whether the sign changed, 0 at a = 0 (and NaN at an infinite a), as PyTorch's."""
    at_zero = xp.eq(a, 0)
    with np.errstate(invalid="ignore"):
        return xp.where(at_zero, 0, xp.div(xp.copysign(a, b), xp.where(at_zero, 1, a)))

class Copysign(Binary):
    """The gradient to a is g * copysign(a, b) / a (0 at a = 0); b gets none, as in PyTorch."""
    kernel = "copysign"
    grad_a = staticmethod(lambda xp, g, a, b: xp.mul(g, _copysign_ratio(xp, a, b)))
    grad_b = staticmethod(lambda xp, g, a, b: xp.zeros(g.shape, g.dtype))

class LogAddExp(Binary):
    """log(base^a + base^b) as max(a, b) + log1p(base^-|a - b|) / log(base), which neither overflows nor loses
    the smaller term; equal operands (equal infinities too) give a + log_base(2). The gradient of a is
    g / (1 + base^(b - a)), NaN where both are the same infinity, as in PyTorch."""
    base = math.e

    def forward(self, a, b):
        xp = self.xp
        self.shapes = shape_of(a), shape_of(b)
        self.save_for_backward(a, b)
        with np.errstate(invalid="ignore", over="ignore"):
            spread = xp.neg(xp.abs(xp.sub(a, b)))
            tail = xp.div(xp.log1p(xp.pow(self.base, spread)), math.log(self.base))
            return xp.where(xp.eq(a, b), xp.add(a, math.log(2.0) / math.log(self.base)),
                            xp.add(xp.maximum(a, b), tail))

    def backward(self, g):
        xp, (a, b), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        with np.errstate(invalid="ignore", over="ignore"):
            ga = unbroadcast(xp, xp.div(g, xp.add(xp.pow(self.base, xp.sub(b, a)), 1)), self.shapes[0]) \
                if need_a else None
            gb = unbroadcast(xp, xp.div(g, xp.add(xp.pow(self.base, xp.sub(a, b)), 1)), self.shapes[1]) \
                if need_b else None
        return ga, gb

class LogAddExp2(LogAddExp):
    base = 2.0

def _xlogy(xp, x, y):
    """x * log(y), and 0 where x is 0 unless y is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(xp.bitwise_and(xp.eq(x, 0), xp.eq(y, y)), 0, xp.mul(x, xp.log(y)))

class Xlogy(Binary):
    """xlogy; PyTorch's gradients: of x xlogy(g, y), 0 where x is 0 and y <= 0; of y g * x / y."""
    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        self.save_for_backward(a, b)
        return _xlogy(self.xp, a, b)

    def backward(self, g):
        xp, (a, b), (need_a, need_b) = self.xp, self.saved, self.needs_input_grad
        ga = gb = None
        if need_a:
            ga = xp.where(xp.bitwise_and(xp.eq(a, 0), xp.le(b, 0)), 0, _xlogy(xp, g, b))
            ga = unbroadcast(xp, ga, self.shapes[0])
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(xp, xp.div(xp.mul(g, a), b), self.shapes[1])
        return ga, gb

def atan2(input, other):
    """The angle of the point (other, input), in [-pi, pi]."""
    return _binary(Atan2, *_tensor_pair(input, other, "atan2"), False)

arctan2 = atan2

def fmod(input, other):
    """input - trunc(input / other) * other: the remainder with the sign of input (torch.remainder's has the sign
    of other); integers stay integers, and an integer divisor holding a 0 is a ValueError."""
    a, b = _tensor_pair(input, other, "fmod", floats=False)
    if a.dtype == bool_:
        a, b = cast(a, int64), cast(b, int64)
    if a.dtype.kind != "f" and a.xp.to_numpy(a.xp.eq(b._data, 0)).any():
        raise ValueError("fmod: integer division by zero (the divisor holds a 0); use float tensors, which give NaN "
                         "there")
    return _binary(Fmod, a, b, False)

def hypot(input, other):
    """sqrt(input^2 + other^2), without overflow; both must be float tensors, as in PyTorch."""
    check_tensor(other, "other", "hypot")
    a, b = _tensor_pair(input, other, "hypot", floats=False)
    if a.dtype.kind != "f":
        raise TypeError(f"hypot: input and other must be float tensors, got {input.dtype} and {other.dtype}")
    return _binary(Hypot, a, b, False)

def copysign(input, other):
    """|input| with the sign of other (its sign bit: -0.0 counts as negative); the result is a float."""
    return _binary(Copysign, *_tensor_pair(input, other, "copysign"), False)

def _float_pair(input, other, op):
    """Two float tensors of one dtype for logaddexp and logaddexp2, which PyTorch has for floats only."""
    check_tensor(other, "other", op)
    a, b = _tensor_pair(input, other, op, floats=False)
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: input and other must be float tensors, got {input.dtype} and {other.dtype}")
    return a, b

def logaddexp(input, other):
    """log(exp(input) + exp(other)), without overflow."""
    return _binary(LogAddExp, *_float_pair(input, other, "logaddexp"), False)

def logaddexp2(input, other):
    """log2(2^input + 2^other), without overflow."""
    return _binary(LogAddExp2, *_float_pair(input, other, "logaddexp2"), False)

def xlogy(input, other):
    """input * log(other), 0 where input is 0 (unless other is NaN); either may be a number, as in PyTorch."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        b, a = _tensor_pair(other, input, "xlogy")
        return _binary(Xlogy, a, b, False)
    return _binary(Xlogy, *_tensor_pair(input, other, "xlogy"), False)

class Heaviside(Function):
    """0 below 0, 1 above, `values` at 0 (NaN is not above 0: it gives 0, as in PyTorch). PyTorch defines no
    derivative for it, so a backward through it is an error here too."""
    keeps_inputs = False

    def forward(self, x, values):
        xp = self.xp
        return xp.where(xp.eq(x, 0), values, xp.astype(xp.gt(x, 0), x.dtype))

    def backward(self, g):
        raise RuntimeError("the derivative of heaviside is not implemented, as in PyTorch: detach() its input")

def heaviside(input, values):
    """The step function of input, with `values` (a Tensor of input's dtype that broadcasts) where input is 0."""
    check_tensor(input, "input", "heaviside")
    check_tensor(values, "values", "heaviside")
    if input.dtype != values.dtype:
        raise TypeError(f"heaviside: input is {input.dtype} and values {values.dtype}: they must have one dtype, as "
                        "in PyTorch")
    broadcast_shape(input.shape, values.shape)
    return Heaviside.apply(input, values)

def float_power(input, exponent):
    """input ** exponent in float64, whatever the dtypes (either may be a number)."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        check_number(input, "input", "float_power")
        return pow(cast(exponent, float64), float(input), reverse=True)
    check_tensor(input, "input", "float_power")
    if isinstance(exponent, Tensor):
        exponent = cast(exponent, float64)
    else:
        check_number(exponent, "exponent", "float_power")
    return pow(cast(input, float64), exponent)

def require_float64(input, op):
    """input itself, when it can hold float_power's float64 result in place (PyTorch refuses other dtypes)."""
    check_tensor(input, "self", op)
    if input.dtype != float64:
        raise TypeError(f"{op}: the result is float64, but the tensor is {input.dtype}; use float_power out of place, "
                        "or call .double() first")
    return input

def _same_float_dtype(tensors, names, op):
    dtypes = [t.dtype for t in tensors]
    if dtypes[0].kind != "f" or len(set(dtypes)) > 1:
        raise TypeError(f"{op}: {', '.join(names)} must be float tensors of one dtype, got "
                        + ", ".join(map(str, dtypes)))

def lerp(input, end, weight):
    """input + weight * (end - input), computed from the nearer end (end - (1 - weight) * (end - input) once
    |weight| >= 0.5), as PyTorch does; weight is a number or a tensor, and all three broadcast."""
    check_tensor(input, "input", "lerp")
    check_tensor(end, "end", "lerp")
    difference = end - input
    if isinstance(weight, Tensor):
        _same_float_dtype((input, end, weight), ("input", "end", "weight"), "lerp")
        broadcast_shape(input.shape, end.shape, weight.shape)
        near_start = Tensor._wrap(weight.xp.lt(weight.xp.abs(weight._data), 0.5), weight.device)
        return where(near_start, input + weight * difference, end - difference * (1 - weight))
    _same_float_dtype((input, end), ("input", "end"), "lerp")
    check_number(weight, "weight", "lerp")
    return input + weight * difference if builtins.abs(weight) < 0.5 else end - difference * (1 - weight)

def _check_value(value, tensors, op):
    """addcmul's and addcdiv's `value`: a number, and an int where every tensor is an integer one."""
    check_number(value, "value", op)
    if all(t.dtype.kind != "f" for t in tensors) and not is_int(value):
        raise TypeError(f"{op}: value={value!r} must be an int for integer tensors, as in PyTorch")

def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        check_tensor(t, name, "addcmul")
    _check_value(value, (input, tensor1, tensor2), "addcmul")
    return input + value * tensor1 * tensor2

def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2; integer tensor1 and tensor2 are an error, as in PyTorch (it once
    divided them as integers)."""
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        check_tensor(t, name, "addcdiv")
    if tensor1.dtype.kind != "f" and tensor2.dtype.kind != "f":
        raise TypeError(f"addcdiv: tensor1 and tensor2 are {tensor1.dtype} and {tensor2.dtype}: integer division is "
                        "not supported; for a true division use (input + value * tensor1 / tensor2)")
    _check_value(value, (input, tensor1, tensor2), "addcdiv")
    return input + value * tensor1 / tensor2

def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """input with NaN, inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0, the dtype's largest
    and its most negative finite value); integers and bools are returned as a copy. The gradient passes where
    nothing was replaced."""
    check_tensor(input, "input", "nan_to_num")
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None:
            check_number(value, name, "nan_to_num")
    if input.dtype.kind != "f":
        return Tensor._wrap(input.xp.copy(input._data), input.device)
    limits = finfo(input.dtype)
    xp = input.xp
    out = where(Tensor._wrap(xp.ne(input._data, input._data), input.device), float(nan), input)
    out = where(Tensor._wrap(xp.eq(input._data, np.inf), input.device), limits.max if posinf is None else posinf, out)
    return where(Tensor._wrap(xp.eq(input._data, -np.inf), input.device), limits.min if neginf is None else neginf,
                 out)

# --- logical ops and isclose: bool results, no gradient ---------------------------------------------------------
def _logical(input, other, op, kernel):
    check_tensor(input, "input", op)
    check_tensor(other, "other", op)
    broadcast_shape(input.shape, other.shape)
    device = common_device((input, other))
    xp = Tensor.backend(device)
    return Tensor._wrap(getattr(xp, kernel)(xp.ne(input._data, 0), xp.ne(other._data, 0)), device)

def logical_and(input, other):
    """Whether both elements are nonzero (NaN counts as nonzero), as a bool tensor."""
    return _logical(input, other, "logical_and", "bitwise_and")

def logical_or(input, other):
    return _logical(input, other, "logical_or", "bitwise_or")

def logical_xor(input, other):
    return _logical(input, other, "logical_xor", "bitwise_xor")

def logical_not(input):
    """Whether the element is zero (NaN is not), as a bool tensor."""
    check_tensor(input, "input", "logical_not")
    return Tensor._wrap(input.xp.eq(input._data, 0), input.device)

def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Per element, whether |input - other| <= atol + rtol * |other| (a finite error) or the two are equal (equal
    infinities); NaNs are close only with equal_nan. Both tensors must have one dtype, as in PyTorch; integers
    compare in float64, bools by equality."""
    check_tensor(input, "input", "isclose")
    check_tensor(other, "other", "isclose")
    check_number(rtol, "rtol", "isclose", minimum=0)
    check_number(atol, "atol", "isclose", minimum=0)
    check_bool(equal_nan, "equal_nan", "isclose")
    if input.dtype != other.dtype:
        raise TypeError(f"isclose: input is {input.dtype} and other {other.dtype}: cast one with .to(dtype) first")
    broadcast_shape(input.shape, other.shape)
    device = common_device((input, other))
    xp = Tensor.backend(device)
    a, b = input._data, other._data
    if input.dtype == bool_:
        return Tensor._wrap(xp.eq(a, b), device)
    if input.dtype.kind != "f":
        a, b = xp.astype(a, float64), xp.astype(b, float64)
    with np.errstate(invalid="ignore"):
        error = xp.abs(xp.sub(a, b))
        within = xp.bitwise_and(xp.le(error, xp.add(xp.mul(xp.abs(b), rtol), atol)), xp.eq(xp.sub(error, error), 0))
        close = xp.bitwise_or(xp.eq(a, b), within)   # an infinite error is close only as equal infinities
    if equal_nan:
        close = xp.bitwise_or(close, xp.bitwise_and(xp.ne(a, a), xp.ne(b, b)))
    return Tensor._wrap(close, device)
