"""The tape: `Function` nodes that know their inputs, and the reverse walk that turns them into gradients.

A Function's `forward` and `backward` work on backend arrays (numpy on the CPU, `CudaArray` on CUDA) through
`self.xp`, the backend of the inputs' device, calling its functions by name (`self.xp.max_pool(...)`, the names
`backends/interface.py` declares); `apply` wraps the result into a Tensor that remembers the Function. A subclass
written as PyTorch's torch.autograd.Function (static `forward(ctx, ...)` and `backward(ctx, ...)` on Tensors)
works too: `CustomNode` puts it on the tape.

Also here: the grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode) and `grad`, PyTorch's
torch.autograd.grad, which runs the same walk with the gradients delivered to the caller instead of to `.grad`.
"""
import contextlib
import functools
import threading
import weakref

from . import tensor as tensor_module   # tensor.py imports this module first: its names are looked up at call time
from .arguments import check_bool
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

class set_grad_enabled:
    """Grad mode on or off at once (`set_grad_enabled(False)` as a statement); as a context manager it puts back
    the mode it found when it was made, and as a decorator it runs the function in that mode."""
    def __init__(self, mode):
        self.mode = check_bool(mode, "mode", "set_grad_enabled")
        self.previous = is_grad_enabled()
        _state.grad_enabled = self.mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state.grad_enabled = self.previous
        return False

    def __call__(self, function):
        _state.grad_enabled = self.previous   # decorating changes no mode; each call does
        mode = self.mode

        @functools.wraps(function)
        def in_mode(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)
        return in_mode

def is_inference_mode_enabled():
    return getattr(_state, "inference", False)

class inference_mode(contextlib.ContextDecorator):
    """no_grad that also turns is_inference_mode_enabled() on (PyTorch's torch.inference_mode); inference_mode(False)
    turns it off and leaves grad mode as it is. Tensors made inside are ordinary tensors here: PyTorch's inference
    tensors, which refuse to join a graph later, have no counterpart. As PyTorch's, it decorates a function with or
    without the parentheses."""
    def __new__(cls, mode=True):
        if callable(mode):   # @inference_mode on a function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = check_bool(mode, "mode", "inference_mode")

    def __enter__(self):
        _previous_modes().append((is_grad_enabled(), is_inference_mode_enabled()))
        _state.inference = self.mode
        if self.mode:
            _state.grad_enabled = False

    def __exit__(self, *exc):
        _state.grad_enabled, _state.inference = _previous_modes().pop()
        return False

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

    def __init_subclass__(cls, **kwargs):
        """A subclass written as PyTorch's torch.autograd.Function (a static forward(ctx, ...)) is applied by
        _apply_custom, through a CustomNode."""
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            cls.apply = classmethod(_apply_custom)

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor, common_device = tensor_module.Tensor, tensor_module.common_device
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
        Tensor = tensor_module.Tensor
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

def queue_callback(callback):
    """Run `callback()` when the backward pass in progress has finished its walk, before backward() returns:
    distributed data parallelism waits there for its last gradient all-reduce. Outside a backward pass it is an
    error, as in PyTorch's engine."""
    if not getattr(_state, "in_backward", False):
        raise RuntimeError("queue_callback: no backward pass is running; call it from a hook during backward()")
    _state.callbacks.append(callback)

def backward(root, gradient, retain_graph, wanted=None):
    """The walk below, then the callbacks that hooks queued during it (queue_callback); a nested backward (a
    hook's) leaves them to the outermost one."""
    if getattr(_state, "in_backward", False):
        return _walk(root, gradient, retain_graph, wanted)
    _state.in_backward, _state.callbacks = True, []
    try:
        _walk(root, gradient, retain_graph, wanted)
        while _state.callbacks:
            _state.callbacks.pop(0)()
    finally:
        _state.in_backward, _state.callbacks = False, []

def _walk(root, gradient, retain_graph, wanted=None):
    """Walk the tape from `root` in reverse topological order and accumulate `.grad` into the leaves.

    The nodes are Functions and leaf tensors. A Function's inputs are the nodes its parents had when it ran
    (`parent_nodes`), not the tensors' current ones: an in-place op gives a tensor a new history, and the ops that
    read it before must still see the old one.

    With `wanted` (autograd.grad's: a dict whose keys are the ids of the nodes asked about), the gradient that
    reaches each of those nodes is stored in the dict instead, no `.grad` changes, and only the Functions on a
    path to one of them run their backward."""
    Tensor = tensor_module.Tensor
    start = root._ctx if root._ctx is not None else root
    order = _topological_order(start)
    useful = _leading_to(order, wanted) if wanted is not None else None
    grads = {id(start): gradient}
    taken = set()   # the storage of the gradients already in a leaf's .grad, and of the caller's root gradient
    Tensor.backend(root.device).owned(gradient, taken)
    for node in order:
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if wanted is not None:
            if id(node) in wanted:
                xp = Tensor.backend(node.device) if isinstance(node, Tensor) else node.xp
                wanted[id(node)] = xp.owned(grad, taken)
            if isinstance(node, Tensor) or not any(id(p) in useful for p in node.parent_nodes if p is not None):
                continue
        if isinstance(node, Tensor):
            xp = Tensor.backend(node.device)
            # A leaf's .grad gets storage of its own: the walk may hand one array (or a broadcast, read-only
            # view of one) to several leaves, and optimizers and users write into .grad.
            if not _accumulated_in_place(xp, node.grad, grad):
                total = xp.add(node.grad._data, grad) if node.grad is not None else xp.owned(grad, taken)
                node.grad = Tensor._wrap(total, node.device)
            for hook in list(getattr(node, "_post_accumulate_grad_hooks", {}).values()):
                hook(node)
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

def _accumulated_in_place(xp, existing, grad):
    """Add grad into the leaf's existing .grad in place, as PyTorch does (a reference to .grad sees the sum), and
    allocate nothing; False where it has none, or one that can't take the sum (read-only, another dtype)."""
    if existing is None or existing.dtype != grad.dtype or not xp.add_into(existing._data, grad):
        return False
    bump_version(xp, existing._data)
    return True

def _leading_to(order, wanted):
    """The ids of the nodes in `order` (users before what they use) that are wanted or use one that leads to a
    wanted node."""
    useful = set()
    for node in reversed(order):
        if id(node) in wanted or any(id(p) in useful for p in getattr(node, "parent_nodes", ()) if p is not None):
            useful.add(id(node))
    return useful

def _topological_order(start):
    """Nodes reachable from `start`, each after every node that uses it."""
    order = post_order([start])
    order.reverse()
    return order

def post_order(starts):
    """Nodes reachable from `starts` (Functions and leaf tensors), each after every node it uses (iterative: deep
    nets stay safe)."""
    order, visited, stack = [], set(), [(start, False) for start in reversed(starts)]
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
    return order

# --- torch.autograd.grad: the walk, with the gradients handed back ---------------------------------------------
def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` (a Tensor or a sequence; several are summed, each weighted by its
    grad_outputs entry) with respect to each of `inputs`, as a tuple, leaving every `.grad` as it was. An input
    the outputs do not depend on is an error unless allow_unused (then its gradient is None, or zeros with
    materialize_grads). The graph is freed afterwards unless retain_graph. only_inputs is accepted and ignored,
    as in PyTorch."""
    Tensor = tensor_module.Tensor
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if create_graph:
        raise NotImplementedError("grad(create_graph=True): the tape records each backward on backend arrays, not "
                                  "as Tensor ops, so a gradient cannot be differentiated again")
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported: call grad once per grad_outputs")
    allow_unused = materialize_grads if allow_unused is None else check_bool(allow_unused, "allow_unused", "grad")
    retain_graph = False if retain_graph is None else check_bool(retain_graph, "retain_graph", "grad")
    for name, tensors in (("outputs", outputs), ("inputs", inputs)):
        for i, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"grad: {name}[{i}] must be a Tensor, got {type(tensor).__name__}")
            if not tensor.requires_grad:
                raise RuntimeError(f"grad: {name}[{i}] does not require grad" + (
                    " and has no grad_fn: no input of it requires grad" if name == "outputs" else
                    ": only tensors with requires_grad=True (or computed from one) can be differentiated"))
    weights = _output_gradients(outputs, grad_outputs)
    if len(outputs) == 1:
        root, gradient = outputs[0], weights[0]._data
    else:   # one root, sum(output * weight), whose walk hands each output its weight
        with enable_grad():
            root = sum((output * weight).sum() for output, weight in zip(outputs, weights))
        gradient = root.xp.full(root.shape, 1, root.dtype)
    wanted = {id(t._ctx if t._ctx is not None else t): None for t in inputs}
    backward(root, gradient, retain_graph, wanted)
    results = []
    for i, tensor in enumerate(inputs):
        found = wanted[id(tensor._ctx if tensor._ctx is not None else tensor)]
        if found is None and not allow_unused:
            raise RuntimeError(f"grad: inputs[{i}] was not used to compute the outputs; pass allow_unused=True to get "
                               "None for it")
        if found is None:
            results.append(Tensor._wrap(tensor.xp.zeros(tensor.shape, tensor.dtype), tensor.device)
                           if materialize_grads else None)
        else:
            results.append(Tensor._wrap(found, tensor.device))
    return tuple(results)

def _output_gradients(outputs, grad_outputs):
    """One weight Tensor per output: grad_outputs' entry (None: ones, allowed for one-element outputs only)."""
    Tensor = tensor_module.Tensor
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs: pass one per output")
    weights = []
    for i, (output, weight) in enumerate(zip(outputs, grad_outputs)):
        if weight is None:
            if output.numel() != 1:
                raise RuntimeError(f"grad: outputs[{i}] of shape {output.shape} is not a scalar; pass its "
                                   "grad_outputs (a gradient of that shape)")
            weight = Tensor._wrap(output.xp.full(output.shape, 1, output.dtype), output.device)
        elif not isinstance(weight, Tensor) or weight.shape != output.shape:
            raise ValueError(f"grad: grad_outputs[{i}] must be a Tensor of the output's shape {output.shape}, got "
                             + (f"shape {weight.shape}" if isinstance(weight, Tensor) else type(weight).__name__))
        weights.append(weight.to(output.device).type(output.dtype))
    return weights

# --- Functions written as PyTorch's torch.autograd.Function ----------------------------------------------------
class FunctionCtx:
    """The `ctx` of a Function written in PyTorch's style: save_for_backward and saved_tensors,
    needs_input_grad, mark_non_differentiable, set_materialize_grads; other attributes are the Function's own."""
    def __init__(self, args):
        self.needs_input_grad = tuple(getattr(a, "requires_grad", False) for a in args)
        self.saved_tensors = ()
        self.non_differentiable = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        """Accepted for PyTorch's programs; the tape needs no notice of a forward that writes an input."""

    def set_materialize_grads(self, value):
        self.materialize_grads = value

class CustomNode(Function):
    """The tape's node for a Function subclass in PyTorch's style: its backward calls the subclass's static
    backward(ctx, grad, ...) with Tensors (under no_grad) and hands the tape their arrays."""
    def __init__(self, xp, args, definition, ctx, outputs):
        super().__init__(xp, args)
        self.definition, self.ctx, self.outputs = definition, ctx, outputs

    @property
    def name(self):
        return self.definition.__name__

    def backward(self, g):
        Tensor = tensor_module.Tensor
        first = Tensor._wrap(g, self.outputs[0].device)
        others = [Tensor._wrap(self.xp.zeros(t.shape, t.dtype), t.device) if self.ctx.materialize_grads else None
                  for t in self.outputs[1:]]
        with no_grad():
            grads = self.definition.backward(self.ctx, first, *others)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.parents):
            raise RuntimeError(f"{self.name}.backward returned {len(grads)} gradients, but forward took "
                               f"{len(self.parents)} inputs: return one per input (None where there is none)")
        return tuple(g._data if isinstance(g, Tensor) and needed else None
                     for g, needed in zip(grads, self.needs_input_grad))

def _apply_custom(cls, *args, **kwargs):
    """apply() of a PyTorch-style Function: forward runs on the Tensors under no_grad; when an input requires grad
    the output joins the tape through a CustomNode. Of several outputs only the first may be differentiable (mark
    the others with ctx.mark_non_differentiable)."""
    Tensor, common_device = tensor_module.Tensor, tensor_module.common_device
    ctx = FunctionCtx(args)
    with no_grad():
        out = cls.forward(ctx, *args, **kwargs)
    if not (is_grad_enabled() and any(ctx.needs_input_grad)):
        return out
    outputs = out if isinstance(out, tuple) else (out,)
    if not isinstance(outputs[0], Tensor) or any(
            isinstance(t, Tensor) and id(t) not in ctx.non_differentiable for t in outputs[1:]):
        raise NotImplementedError(f"{cls.__name__}.forward must return a Tensor, or a tuple whose only "
                                  "differentiable Tensor is the first (mark the others with "
                                  "ctx.mark_non_differentiable): the tape follows one output per node")
    device = common_device(args)
    node = CustomNode(Tensor.backend(device), args, cls, ctx, [t for t in outputs if isinstance(t, Tensor)])
    node.parent_nodes = tuple((a._ctx if a._ctx is not None else a) if needed else None
                              for a, needed in zip(args, node.needs_input_grad))
    node.watched = [(t._data, version(node.xp, t._data)) for t in ctx.saved_tensors if isinstance(t, Tensor)]
    first = Tensor._wrap(outputs[0]._data, outputs[0].device, requires_grad=True, ctx=node)
    return (first,) + tuple(outputs[1:]) if isinstance(out, tuple) else first

