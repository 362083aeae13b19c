"""The tape: `Function` nodes that know their inputs, and the reverse walk that turns them into gradients.

A Function's `forward` and `backward` work on backend arrays (numpy on the CPU, `CudaArray` on CUDA) through
`self.xp`, the backend of the inputs' device, calling its functions by name (`self.xp.max_pool(...)`, the names
`backends/interface.py` declares); `apply` wraps the result into a Tensor that remembers the Function.
"""
import contextlib
import threading

from .backends import MissingKernel

_state = threading.local()

def is_grad_enabled():
    return getattr(_state, "grad_enabled", True)

class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: operations inside record no tape (inference, optimizer updates).

    Grad mode belongs to the thread, and each entry remembers the mode it found on that thread's own stack, so one
    instance may be entered recursively (a decorated recursive function) and from many threads at once."""
    def __enter__(self):
        _previous_modes().append(is_grad_enabled())
        _state.grad_enabled = False

    def __exit__(self, *exc):
        _state.grad_enabled = _previous_modes().pop()
        return False

def _previous_modes():
    if not hasattr(_state, "previous_modes"):
        _state.previous_modes = []
    return _state.previous_modes

class Function:
    """One recorded operation. Subclasses write `forward(*args, **kw)` and `backward(grad)`.

    `forward` returns one array, or a tuple whose first array is the differentiable output and whose others
    (indices, say) come back as Tensors without gradient.

    `backward` returns one gradient per positional argument of `forward` (None where no gradient is wanted:
    python scalars, integer tensors, tensors that do not require grad; `self.needs_input_grad` says which).
    """
    def __init__(self, xp, args):
        self.xp = xp
        self.parents = args
        self.needs_input_grad = tuple(getattr(a, "requires_grad", False) for a in args)
        self.released = False

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @classmethod
    def apply(cls, *args, **kwargs):
        from .tensor import Tensor, common_device
        device = common_device(args)
        fn = cls(Tensor.backend(device), args)
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        try:
            out = fn.forward(*raw, **kwargs)
        except MissingKernel as missing:
            raise MissingKernel(f"{fn.name} on {device}: {missing}") from None
        requires_grad = is_grad_enabled() and any(fn.needs_input_grad)
        if isinstance(out, tuple):   # (differentiable output, extra outputs without gradient), e.g. indices
            first = Tensor._wrap(out[0], device, requires_grad=requires_grad, ctx=fn if requires_grad else None)
            return (first,) + tuple(Tensor._wrap(extra, device) for extra in out[1:])
        return Tensor._wrap(out, device, requires_grad=requires_grad, ctx=fn if requires_grad else None)

    @property
    def name(self):
        return type(self).__name__

class FromOutput(Function):
    """y = kernel(x) whose derivative is a function of y alone (exp, sqrt, relu, sigmoid, tanh): only y is kept,
    and `grad(xp, g, y)` gives the input's gradient."""
    kernel = grad = None

    def forward(self, x):
        out = getattr(self.xp, self.kernel)(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return self.grad(self.xp, g, self.saved[0])

class Undoable(Function):
    """y = kernel(x, argument) whose gradient is the same kernel with the argument that undoes it, `undo(x,
    argument)`: reshape back to x's shape, permute by the inverse axes, cast back to x's dtype."""
    kernel = undo = None

    def forward(self, x, argument):
        self.undoing = self.undo(x, argument)
        return getattr(self.xp, self.kernel)(x, argument)

    def backward(self, g):
        return getattr(self.xp, self.kernel)(g, self.undoing), None

def backward(root, gradient, retain_graph):
    """Walk the tape from `root` in reverse topological order and accumulate `.grad` into the leaves."""
    from .tensor import Tensor
    order = _topological_order(root)
    grads = {id(root): gradient}
    taken = set()   # the storage of the gradients already in a leaf's .grad, and of the caller's root gradient
    Tensor.backend(root.device).owned(gradient, taken)
    for tensor in order:
        grad = grads.pop(id(tensor), None)
        fn = tensor._ctx
        if grad is None:
            continue
        if fn is None:
            if tensor.requires_grad:
                xp = Tensor.backend(tensor.device)
                # A leaf's .grad gets storage of its own: the walk may hand one array (or a broadcast, read-only
                # view of one) to several leaves, and optimizers and users write into .grad.
                total = xp.add(tensor.grad.data, grad) if tensor.grad is not None else xp.owned(grad, taken)
                tensor.grad = Tensor._wrap(total, tensor.device)
            continue
        if fn.released:
            raise RuntimeError(
                f"trying to walk the graph through {fn.name} a second time: its saved arrays were freed by the "
                "first backward(); call backward(retain_graph=True) the first time")
        try:
            input_grads = fn.backward(grad)
        except MissingKernel as missing:
            raise MissingKernel(f"{fn.name} backward on {tensor.device}: {missing}") from None
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, g in zip(fn.parents, input_grads):
            if g is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = g if key not in grads else fn.xp.add(grads[key], g)
        if not retain_graph:
            fn.saved = None
            fn.released = True

def _topological_order(root):
    """Tensors reachable from `root`, each after every tensor that uses it (iterative: deep nets stay safe)."""
    from .tensor import Tensor
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor._ctx is not None:
            for parent in tensor._ctx.parents:
                if isinstance(parent, Tensor) and parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order
