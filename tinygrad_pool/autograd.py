"""The tape: `Function` nodes that know their inputs, and the reverse walk that turns them into gradients.

A Function's `forward` and `backward` work on backend arrays (numpy on the CPU, `CudaArray` on CUDA) through
`self.xp`, the backend of the inputs' device, calling its functions by name (`self.xp.max_pool(...)`, the names
`backends/interface.py` declares); `apply` wraps the result into a Tensor that remembers the Function.
"""
import contextlib
import threading
import weakref

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

class enable_grad(contextlib.ContextDecorator):
    """Context manager and decorator: record the tape again, even inside no_grad (PyTorch's torch.enable_grad)."""
    def __enter__(self):
        _previous_modes().append(is_grad_enabled())
        _state.grad_enabled = True

    def __exit__(self, *exc):
        _state.grad_enabled = _previous_modes().pop()
        return False

def _previous_modes():
    if not hasattr(_state, "previous_modes"):
        _state.previous_modes = []
    return _state.previous_modes

# --- version counters: what an in-place write changes ------------------------------------------------------------
# In-place ops (x.add_(y), x[i] = v) write into a tensor's storage, which views of it and the arrays a Function
# keeps for its backward may share. Each storage (backends' `storage(x)`) that was ever written in place has a
# version here, by id; every other storage is at version 0, so a program without in-place ops pays nothing.
_versions = {}

def bump_version(xp, array):
    """Record an in-place write into `array`'s storage."""
    owner = xp.storage(array)
    key = id(owner)
    if key not in _versions:
        _versions[key] = [0, weakref.ref(owner, lambda _, key=key: _versions.pop(key, None))]
    _versions[key][0] += 1

def version(xp, array):
    entry = _versions.get(id(xp.storage(array))) if _versions else None
    return entry[0] if entry else 0

class Function:
    """One recorded operation. Subclasses write `forward(*args, **kw)` and `backward(grad)`.

    `forward` returns one array, or a tuple whose first array is the differentiable output and whose others
    (indices, say) come back as Tensors without gradient.

    `backward` returns one gradient per positional argument of `forward` (None where no gradient is wanted:
    python scalars, integer tensors, tensors that do not require grad; `self.needs_input_grad` says which).

    `keeps_inputs` (its backward reads the inputs' values) and `keeps_output` (it reads its output's) say which
    storages an in-place write must leave alone until backward: the walk checks their versions and raises
    PyTorch's error when one was modified.
    """
    keeps_inputs, keeps_output = True, False

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
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        try:
            out = fn.forward(*raw, **kwargs)
        except MissingKernel as missing:
            raise MissingKernel(f"{fn.name} on {device}: {missing}") from None
        requires_grad = is_grad_enabled() and any(fn.needs_input_grad)
        if requires_grad:
            # the node each input that needs a gradient came from: its Function, or itself when it is a leaf
            fn.parent_nodes = tuple((a._ctx if a._ctx is not None else a) if needed else None
                                    for a, needed in zip(args, fn.needs_input_grad))
            fn._watch(raw, out[0] if isinstance(out, tuple) else out)
        if isinstance(out, tuple):   # (differentiable output, extra outputs without gradient), e.g. indices
            first = Tensor._wrap(out[0], device, requires_grad=requires_grad, ctx=fn if requires_grad else None)
            return (first,) + tuple(Tensor._wrap(extra, device) for extra in out[1:])
        return Tensor._wrap(out, device, requires_grad=requires_grad, ctx=fn if requires_grad else None)

    def _watch(self, raw, out):
        """Remember the versions of the storages the backward will read (nothing while no in-place op ran)."""
        from .tensor import Tensor
        arrays = [r for a, r in zip(self.parents, raw) if isinstance(a, Tensor)] if self.keeps_inputs else []
        if self.keeps_output:
            arrays.append(out)
        self.watched = [(array, version(self.xp, array)) for array in arrays]

    def check_versions(self):
        for array, expected in self.watched:
            now = version(self.xp, array)
            if now != expected:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: an input or output of {self.name} of shape {tuple(array.shape)} is at version "
                    f"{now}; expected version {expected} instead. Compute out of place (y = x + 1 rather than "
                    f"x.add_(1)) or clone() the tensor before modifying it.")

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name}Backward0 object>"

class FromOutput(Function):
    """y = kernel(x) whose derivative is a function of y alone (exp, sqrt, relu, sigmoid, tanh): only y is kept,
    and `grad(xp, g, y)` gives the input's gradient."""
    kernel = grad = None
    keeps_inputs, keeps_output = False, True

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
    keeps_inputs = False

    def forward(self, x, argument):
        self.undoing = self.undo(x, argument)
        return getattr(self.xp, self.kernel)(x, argument)

    def backward(self, g):
        return getattr(self.xp, self.kernel)(g, self.undoing), None

def backward(root, gradient, retain_graph):
    """Walk the tape from `root` in reverse topological order and accumulate `.grad` into the leaves.

    The nodes are Functions and leaf tensors. A Function's inputs are the nodes its parents had when it ran
    (`parent_nodes`), not the tensors' current ones: an in-place op gives a tensor a new history, and the ops that
    read it before must still see the old one."""
    from .tensor import Tensor
    start = root._ctx if root._ctx is not None else root
    order = _topological_order(start)
    grads = {id(start): gradient}
    taken = set()   # the storage of the gradients already in a leaf's .grad, and of the caller's root gradient
    Tensor.backend(root.device).owned(gradient, taken)
    for node in order:
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if isinstance(node, Tensor):
            xp = Tensor.backend(node.device)
            # A leaf's .grad gets storage of its own: the walk may hand one array (or a broadcast, read-only
            # view of one) to several leaves, and optimizers and users write into .grad.
            total = xp.add(node.grad._data, grad) if node.grad is not None else xp.owned(grad, taken)
            node.grad = Tensor._wrap(total, node.device)
            continue
        fn = node
        if fn.released:
            raise RuntimeError(
                f"trying to walk the graph through {fn.name} a second time: its saved arrays were freed by the "
                "first backward(); call backward(retain_graph=True) the first time")
        fn.check_versions()
        try:
            input_grads = fn.backward(grad)
        except MissingKernel as missing:
            raise MissingKernel(f"{fn.name} backward on {root.device}: {missing}") from None
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, g in zip(fn.parent_nodes, input_grads):
            if g is None or parent is None:
                continue
            key = id(parent)
            grads[key] = g if key not in grads else fn.xp.add(grads[key], g)
        if not retain_graph:
            fn.saved, fn.watched = None, ()
            fn.released = True

def _topological_order(start):
    """Nodes reachable from `start`, each after every node that uses it (iterative: deep nets stay safe)."""
    order, visited, stack = [], set(), [(start, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in getattr(node, "parent_nodes", ()):
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order
