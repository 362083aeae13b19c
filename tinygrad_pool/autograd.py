"""The tape: `Function` nodes that know their inputs, and the reverse walk that turns them into gradients.

A Function's `forward` and `backward` work on backend arrays (numpy on the CPU, `CudaArray` on CUDA) through
`self.xp`, the backend of the inputs' device; `apply` wraps the result into a Tensor that remembers the Function.
"""
import contextlib
import threading

_state = threading.local()

def is_grad_enabled():
    return getattr(_state, "grad_enabled", True)

class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: operations inside record no tape (inference, optimizer updates)."""
    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.grad_enabled = False
    def __exit__(self, *exc):
        _state.grad_enabled = self._previous
        return False

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
        out = fn.forward(*raw, **kwargs)
        requires_grad = is_grad_enabled() and any(fn.needs_input_grad)
        if isinstance(out, tuple):   # (differentiable output, extra outputs without gradient), e.g. indices
            first = Tensor._wrap(out[0], device, requires_grad=requires_grad, ctx=fn if requires_grad else None)
            return (first,) + tuple(Tensor._wrap(extra, device) for extra in out[1:])
        return Tensor._wrap(out, device, requires_grad=requires_grad, ctx=fn if requires_grad else None)

    @property
    def name(self):
        return type(self).__name__

def backward(root, gradient, retain_graph):
    """Walk the tape from `root` in reverse topological order and accumulate `.grad` into the leaves."""
    from .tensor import Tensor
    order = _topological_order(root)
    grads = {id(root): gradient}
    for tensor in order:
        grad = grads.pop(id(tensor), None)
        fn = tensor._ctx
        if grad is None:
            continue
        if fn is None:
            if tensor.requires_grad:
                total = grad if tensor.grad is None else Tensor.backend(tensor.device).add(tensor.grad.data, grad)
                tensor.grad = Tensor._wrap(total, tensor.device)
            continue
        if fn.released:
            raise RuntimeError(
                f"trying to walk the graph through {fn.name} a second time: its saved arrays were freed by the "
                "first backward(); call backward(retain_graph=True) the first time")
        input_grads = fn.backward(grad)
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
