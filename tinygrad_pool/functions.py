"""Every differentiable operation as a Function: forward on backend arrays, backward as the chain rule.

Arguments arrive as backend arrays (numpy or CudaArray) or python scalars; `self.xp` is the backend of their
device. Shapes are checked by the Tensor methods before a Function runs.
"""
from .autograd import Function

def unbroadcast(xp, grad, shape):
    """Sum a broadcast gradient back down to `shape` (the inverse of numpy broadcasting)."""
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = xp.sum(grad, axes, True)
    return xp.reshape(grad, shape)

def _shape(x):
    return getattr(x, "shape", ())

# --- elementwise binary ----------------------------------------------------------------------------------------
class Add(Function):
    def forward(self, a, b):
        self.shapes = _shape(a), _shape(b)
        return self.xp.add(a, b)
    def backward(self, g):
        return tuple(unbroadcast(self.xp, g, s) if need else None
                     for s, need in zip(self.shapes, self.needs_input_grad))

class Sub(Function):
    def forward(self, a, b):
        self.shapes = _shape(a), _shape(b)
        return self.xp.sub(a, b)
    def backward(self, g):
        ga = unbroadcast(self.xp, g, self.shapes[0]) if self.needs_input_grad[0] else None
        gb = unbroadcast(self.xp, self.xp.neg(g), self.shapes[1]) if self.needs_input_grad[1] else None
        return ga, gb

class Mul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.xp.mul(a, b)
    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        ga = unbroadcast(xp, xp.mul(g, b), _shape(a)) if self.needs_input_grad[0] else None
        gb = unbroadcast(xp, xp.mul(g, a), _shape(b)) if self.needs_input_grad[1] else None
        return ga, gb

class Div(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.xp.div(a, b)
    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        ga = unbroadcast(xp, xp.div(g, b), _shape(a)) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:   # d(a/b)/db = -a / b^2
            gb = unbroadcast(xp, xp.neg(xp.div(xp.mul(g, a), xp.mul(b, b))), _shape(b))
        return ga, gb

class Pow(Function):
    def forward(self, a, b):
        out = self.xp.pow(a, b)
        self.save_for_backward(a, b, out)
        return out
    def backward(self, g):
        a, b, out = self.saved
        xp = self.xp
        ga = gb = None
        if self.needs_input_grad[0]:   # b * a^(b-1); b is often a python number
            b_minus_one = b - 1 if isinstance(b, (int, float)) else xp.sub(b, 1)
            ga = unbroadcast(xp, xp.mul(g, xp.mul(b, xp.pow(a, b_minus_one))), _shape(a))
        if self.needs_input_grad[1]:   # a^b * log(a)
            gb = unbroadcast(xp, xp.mul(g, xp.mul(out, xp.log(a))), _shape(b))
        return ga, gb

class _Extremum(Function):
    """maximum / minimum: the gradient goes to the winner, split in half on ties (as PyTorch does)."""
    pick = wins = None
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return type(self).pick(self.xp, a, b)
    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        dtype = g.dtype
        win_a = xp.astype(type(self).wins(xp, a, b), dtype)
        tie = xp.mul(xp.astype(xp.eq(a, b), dtype), 0.5)
        share_a = xp.add(win_a, tie)
        ga = unbroadcast(xp, xp.mul(g, share_a), _shape(a)) if self.needs_input_grad[0] else None
        gb = unbroadcast(xp, xp.mul(g, xp.sub(1, share_a)), _shape(b)) if self.needs_input_grad[1] else None
        return ga, gb

class Maximum(_Extremum):
    pick = staticmethod(lambda xp, a, b: xp.maximum(a, b))
    wins = staticmethod(lambda xp, a, b: xp.gt(a, b))

class Minimum(_Extremum):
    pick = staticmethod(lambda xp, a, b: xp.minimum(a, b))
    wins = staticmethod(lambda xp, a, b: xp.lt(a, b))

class Where(Function):
    def forward(self, cond, a, b):
        self.cond, self.shapes = cond, (_shape(a), _shape(b))
        return self.xp.where(cond, a, b)
    def backward(self, g):
        xp, zero = self.xp, 0
        ga = unbroadcast(xp, xp.where(self.cond, g, zero), self.shapes[0]) if self.needs_input_grad[1] else None
        gb = unbroadcast(xp, xp.where(self.cond, zero, g), self.shapes[1]) if self.needs_input_grad[2] else None
        return None, ga, gb

# --- elementwise unary -----------------------------------------------------------------------------------------
class Neg(Function):
    def forward(self, x):
        return self.xp.neg(x)
    def backward(self, g):
        return self.xp.neg(g)

class Exp(Function):
    def forward(self, x):
        out = self.xp.exp(x)
        self.save_for_backward(out)
        return out
    def backward(self, g):
        return self.xp.mul(g, self.saved[0])

class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)
    def backward(self, g):
        return self.xp.div(g, self.saved[0])

class Sqrt(Function):
    def forward(self, x):
        out = self.xp.sqrt(x)
        self.save_for_backward(out)
        return out
    def backward(self, g):
        return self.xp.div(self.xp.mul(g, 0.5), self.saved[0])

class Abs(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.abs(x)
    def backward(self, g):
        return self.xp.mul(g, self.xp.sign(self.saved[0]))

class Relu(Function):
    def forward(self, x):
        out = self.xp.relu(x)
        self.save_for_backward(out)
        return out
    def backward(self, g):
        return self.xp.relu_backward(g, self.saved[0])

class Dropout(Function):
    """Zero elements where the backend's hash of (key, position) falls below p, scale the rest by 1/(1-p).
    The mask is never stored: backward is the same dropout, with the same key, of the gradient."""
    def forward(self, x, p, key):
        self.p, self.key = p, key
        return self.xp.dropout(x, p, key)
    def backward(self, g):
        return self.xp.dropout(g, self.p, self.key), None, None

class Sigmoid(Function):
    def forward(self, x):
        out = self.xp.sigmoid(x)
        self.save_for_backward(out)
        return out
    def backward(self, g):
        xp, y = self.xp, self.saved[0]
        return xp.mul(g, xp.mul(y, xp.sub(1, y)))

class Tanh(Function):
    def forward(self, x):
        out = self.xp.tanh(x)
        self.save_for_backward(out)
        return out
    def backward(self, g):
        xp, y = self.xp, self.saved[0]
        return xp.mul(g, xp.sub(1, xp.mul(y, y)))

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

class Cast(Function):
    def forward(self, x, dtype):
        self.input_dtype = x.dtype
        return self.xp.astype(x, dtype)
    def backward(self, g):
        return self.xp.astype(g, self.input_dtype), None

# --- reductions ------------------------------------------------------------------------------------------------
def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))

class Sum(Function):
    def forward(self, x, axes, keepdim):
        self.shape, self.axes = x.shape, axes
        return self.xp.sum(x, axes, keepdim)
    def backward(self, g):
        xp = self.xp
        return xp.expand(xp.reshape(g, _keepdims_shape(self.shape, self.axes)), self.shape), None, None

class Extreme(Function):
    """max or min over all elements: ties share the gradient equally (like torch.amax)."""
    def forward(self, x, kind):
        out = getattr(self.xp, kind)(x, None, False)
        self.save_for_backward(x, out)
        return out
    def backward(self, g):
        xp = self.xp
        x, out = self.saved
        mask = xp.astype(xp.eq(x, out), g.dtype)
        return xp.mul(mask, xp.div(g, xp.sum(mask, None, False))), None

class ExtremeAlongDim(Function):
    """max or min along one dim; the gradient goes to the returned index (the first extreme, as in PyTorch)."""
    def forward(self, x, dim, keepdim, kind):
        xp = self.xp
        self.indices = getattr(xp, "arg" + kind)(x, dim, True)
        self.shape, self.dim = x.shape, dim
        values = getattr(xp, kind)(x, dim, True)
        return values if keepdim else xp.reshape(values, values.shape[:dim] + values.shape[dim + 1:])
    def backward(self, g):
        xp = self.xp
        positions = _keepdims_shape(self.shape, [i for i in range(len(self.shape)) if i != self.dim])
        onehot = xp.eq(xp.reshape(xp.arange(self.shape[self.dim], "int64"), positions), self.indices)
        g = xp.reshape(g, _keepdims_shape(self.shape, (self.dim,)))
        return xp.mul(xp.astype(onehot, g.dtype), g), None, None, None

# --- movement --------------------------------------------------------------------------------------------------
class Reshape(Function):
    def forward(self, x, shape):
        self.shape = x.shape
        return self.xp.reshape(x, shape)
    def backward(self, g):
        return self.xp.reshape(g, self.shape), None

class Permute(Function):
    def forward(self, x, axes):
        self.inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i]))
        return self.xp.permute(x, axes)
    def backward(self, g):
        return self.xp.permute(g, self.inverse), None

class Expand(Function):
    def forward(self, x, shape):
        self.shape = x.shape
        return self.xp.expand(x, shape)
    def backward(self, g):
        return unbroadcast(self.xp, g, self.shape), None

class Clone(Function):
    def forward(self, x):
        return self.xp.copy(x)
    def backward(self, g):
        return g

class GetItem(Function):
    def forward(self, x, key):
        self.shape, self.key = x.shape, key
        return self.xp.getitem(x, key)
    def backward(self, g):
        return self.xp.index_add(self.shape, self.key, g), None

class Pad(Function):
    def forward(self, x, widths, value):
        self.region = tuple(slice(lo, lo + size) for (lo, _), size in zip(widths, x.shape))
        return self.xp.pad(x, widths, value)
    def backward(self, g):
        return self.xp.contiguous(self.xp.getitem(g, self.region)), None, None

class Cat(Function):
    def forward(self, axis, *xs):
        self.axis, self.sizes = axis, [x.shape[axis] for x in xs]
        return self.xp.concatenate(xs, axis)
    def backward(self, g):
        grads, start = [None], 0
        for size, need in zip(self.sizes, self.needs_input_grad[1:]):
            region = (slice(None),) * self.axis + (slice(start, start + size),)
            grads.append(self.xp.contiguous(self.xp.getitem(g, region)) if need else None)
            start += size
        return tuple(grads)

# --- linear algebra and normalisers ----------------------------------------------------------------------------
def _swap_last(xp, x):
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return xp.permute(x, axes)

class MatMul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.xp.matmul(a, b)
    def backward(self, g):
        xp = self.xp
        a, b = self.saved
        ga = unbroadcast(xp, xp.matmul(g, _swap_last(xp, b)), a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(xp, xp.matmul(_swap_last(xp, a), g), b.shape) if self.needs_input_grad[1] else None
        return ga, gb

class Linear(Function):
    """x (N, in) @ w.T + b with w (out, in): PyTorch's addmm. One node instead of transpose, matmul and add, so
    grad_w comes out as g.T @ x in w's own layout (ready for the optimizer) and the bias never broadcasts."""
    def forward(self, x, w, b):
        self.save_for_backward(x, w)
        out = self.xp.matmul(x, self.xp.permute(w, (1, 0)))
        return out if b is None else self.xp.add(out, b)
    def backward(self, g):
        xp = self.xp
        x, w = self.saved
        need = self.needs_input_grad
        grad_x = xp.matmul(g, w) if need[0] else None
        grad_w = xp.matmul(xp.permute(g, (1, 0)), x) if need[1] else None
        grad_b = xp.sum(g, (0,), False) if need[2] else None
        return grad_x, grad_w, grad_b

def _log_softmax(xp, x, dim):
    shifted = xp.sub(x, xp.max(x, dim, True))
    return xp.sub(shifted, xp.log(xp.sum(xp.exp(shifted), dim, True)))

class LogSoftmax(Function):
    """x - max - log(sum(exp(x - max))): never overflows; backward g - softmax * sum(g)."""
    def forward(self, x, dim):
        out = _log_softmax(self.xp, x, dim)
        self.save_for_backward(out)
        self.dim = dim
        return out
    def backward(self, g):
        xp = self.xp
        return xp.sub(g, xp.mul(xp.exp(self.saved[0]), xp.sum(g, self.dim, True))), None

class Softmax(Function):
    def forward(self, x, dim):
        out = self.xp.exp(_log_softmax(self.xp, x, dim))
        self.save_for_backward(out)
        self.dim = dim
        return out
    def backward(self, g):
        xp, y = self.xp, self.saved[0]
        return xp.mul(y, xp.sub(g, xp.sum(xp.mul(g, y), self.dim, True))), None
