"""In-place ops: `x.add_(y)`, `x.mul_(y)`, `x.fill_(v)`, `x.zero_()`, `x.clamp_(...)`, `x.copy_(src)`,
`x[key] = v` and `x += y`, with PyTorch's rules.

Each computes its result out of place and writes it into the tensor's storage, so that every CPU view of that
storage sees the change (on CUDA a view is a copy; see docs/semantics.md). Under autograd the tensor takes the op's
place on the tape: a copy of its previous value is the op's input, and its history continues from the op. A leaf
that requires grad may not be written while grad mode is on, as in PyTorch, and writing a storage that a recorded
op still needs for its backward makes that backward raise (the version counters of autograd.py).
"""
import numpy as np

from ..arguments import check_number, check_tensor
from ..autograd import Function, bump_version, is_grad_enabled
from ..tensor import Tensor
from . import elementwise, movement

def _check_target(target, op):
    if is_grad_enabled() and target.is_leaf and target.requires_grad:
        raise RuntimeError(f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
                           "update it inside tinygrad_pool.no_grad() (as optimizers and nn.init do)")

def _recording(target, operands):
    return is_grad_enabled() and (target.requires_grad or any(isinstance(o, Tensor) and o.requires_grad
                                                               for o in operands))

def _fits(result, target, op):
    """PyTorch's checks on the value an in-place op writes: its dtype category (bool < int < float) may not be
    higher than the target's, and it must broadcast to the target's shape without growing it."""
    if elementwise.category(result.dtype) > elementwise.category(target.dtype):
        raise TypeError(f"{op}: the result type {result.dtype} can't be cast to the tensor's type {target.dtype} "
                        "in place; compute out of place, or convert the tensor first (.float())")
    if not _broadcasts_to(result.shape, target.shape):
        raise ValueError(f"{op}: the result of shape {result.shape} does not fit the tensor of shape "
                         f"{target.shape} written in place (it must broadcast to that shape)")

def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False

def _write(target, key, value):
    """target[key] = value (an array of target's device and dtype, or a number) in its storage."""
    try:
        target.xp.assign(target._data, key, value)
    except ValueError as error:
        raise RuntimeError(f"cannot write in place: {error}") from None
    bump_version(target.xp, target._data)

def update(target, op, compute, *operands):
    """target := compute(source, *operands) in place, where source holds target's current value."""
    check_tensor(target, "self", op)
    _check_target(target, op)
    if not _recording(target, operands):
        result = compute(target, *operands)
        _fits(result, target, op)
        _write(target, (), elementwise.cast(result, target.dtype)._data)
        return target
    source = Tensor._wrap(target.xp.copy(target._data), target.device, target.requires_grad, target._ctx)
    result = compute(source, *operands)
    _fits(result, target, op)
    result = elementwise.cast(result, target.dtype)
    if result.shape != target.shape:
        result = result.expand(target.shape)
    _write(target, (), result._data)
    target._ctx, target._requires_grad = result._ctx, result.requires_grad
    return target

# --- the in-place ops ------------------------------------------------------------------------------------------
def add_(input, other, alpha=1):
    check_number(alpha, "alpha", "add_")
    return update(input, "add_", lambda s, o: s + (o if alpha == 1 else o * alpha), other)

def sub_(input, other, alpha=1):
    check_number(alpha, "alpha", "sub_")
    return update(input, "sub_", lambda s, o: s - (o if alpha == 1 else o * alpha), other)

def mul_(input, other):
    return update(input, "mul_", lambda s, o: s * o, other)

def div_(input, other):
    return update(input, "div_", lambda s, o: s / o, other)

def pow_(input, exponent):
    return update(input, "pow_", lambda s, e: s ** e, exponent)

def neg_(input):
    return update(input, "neg_", lambda s: -s)

def clamp_(input, min=None, max=None):
    return update(input, "clamp_", lambda s: elementwise.clamp(s, min, max))

def unary_(name, function):
    """`input.<name>_()`: the out-of-place `function`, written back."""
    def method(input):
        return update(input, f"{name}_", function)
    method.__name__ = f"{name}_"
    return method

def fill_(input, value):
    """Every element becomes `value` (a number or a one-element tensor); the gradient to the old value is 0."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"fill_: value must be a number or a one-element tensor, got shape {value.shape}")
        value = value.item()
    check_number(value, "value", "fill_") if not isinstance(value, (bool, np.bool_)) else None
    if input.dtype.kind in "iu" and isinstance(value, float) and not value.is_integer():
        value = int(value)   # PyTorch truncates toward zero here
    everywhere = Tensor._wrap(input.xp.full(input.shape, True, np.dtype(bool)), input.device)
    return update(input, "fill_", lambda s: elementwise.where(everywhere, value, s))

def zero_(input):
    return fill_(input, 0)

def copy_(input, src):
    """input's elements become src's, broadcast, converted to input's dtype (any dtype, as in PyTorch) and moved
    to input's device."""
    check_tensor(src, "src", "copy_")
    return update(input, "copy_", lambda s, source: _as_copy_of(s, source), src)

def _as_copy_of(target, source):
    value = elementwise.cast(source.to(target.device), target.dtype)
    zero = Tensor._wrap(target.xp.full(target.shape, False, np.dtype(bool)), target.device)
    return elementwise.where(zero, target, value)   # target's shape, and no gradient to target's old value

class Put(Function):
    """x with x[key] = v: the gradient of x is g outside the region, of v the region of g."""
    keeps_inputs = False

    def forward(self, x, v, key):
        self.key, self.value_shape = key, v.shape
        out = self.xp.copy(x)
        self.xp.assign(out, key, v)
        return out

    def backward(self, g):
        xp = self.xp
        grad_x = None
        if self.needs_input_grad[0]:
            grad_x = xp.copy(g)
            xp.assign(grad_x, self.key, 0)
        grad_v = elementwise.unbroadcast(xp, xp.getitem(g, self.key), self.value_shape) \
            if self.needs_input_grad[1] else None
        return grad_x, grad_v, None

def setitem(input, key, value):
    """input[key] = value: a number, or a Tensor (or array or list) that broadcasts to input[key]'s shape,
    converted to input's dtype as PyTorch converts it (3.7 into an int tensor is 3)."""
    _check_target(input, "__setitem__")
    key = movement.index_key(key)
    region = np.broadcast_to(np.empty((), np.int8), input.shape)[key].shape
    if not isinstance(value, Tensor):
        if isinstance(value, (bool, np.bool_, int, float, np.number)) and not _recording(input, ()):
            _write(input, key, value)   # a number converts as numpy assigns it: 3.7 into an int tensor is 3
            return
        value = Tensor(value, device=input.device)
    value = value.to(input.device)
    if not _broadcasts_to(value.shape, region):
        raise ValueError(f"__setitem__: a value of shape {value.shape} does not fit the indexed region of shape "
                         f"{region}")
    value = elementwise.cast(value, input.dtype)
    if not _recording(input, (value,)):
        _write(input, key, value._data)
        return
    source = Tensor._wrap(input.xp.copy(input._data), input.device, input.requires_grad, input._ctx)
    result = Put.apply(source, value, key)
    _write(input, (), result._data)
    input._ctx, input._requires_grad = result._ctx, result.requires_grad
