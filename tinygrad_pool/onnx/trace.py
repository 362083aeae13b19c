"""Recording a model's forward pass as a tape, and reading the tape back as a list of nodes.

Every input is given a gradient requirement, so that each op on a path from an input (and from a parameter) is
recorded by `Function.apply`. The tape is then walked from the outputs: a `Function` is one node, its inputs are
`fn.parent_nodes` where a gradient flows and `fn.parents` (the tensors and python arguments it got) otherwise.
"""
import contextlib
from dataclasses import dataclass

from .. import autograd
from ..autograd import Function, post_order
from ..tensor import Tensor

@contextlib.contextmanager
def evaluation_mode(model):
    """The model in eval mode (dropout off, running statistics), every module's own flag restored after."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            object.__setattr__(module, "training", mode)

@dataclass
class Trace:
    inputs: tuple     # the traced input Tensors, in the order of `args`
    outputs: tuple    # the output Tensors
    nodes: list       # every Function that leads to an output, each after the ones it reads
    output_of: dict   # id(Function) -> the Tensor it returned
    scopes: dict      # id(Function) -> (the Function, the name of the innermost submodule that ran it)

@contextlib.contextmanager
def _scopes(model, scopes):
    """While active, each submodule's call claims the nodes behind its outputs, back to its inputs, for its name:
    inner modules return first, so a node belongs to the innermost module that ran it."""
    modules = {}
    for name, module in model.named_modules():
        if name and id(module) not in modules:   # a module registered twice keeps its first name
            modules[id(module)] = module, module.__dict__.get("forward")
            def scoped(*args, _name=name.rstrip("."), _forward=module.forward, **kwargs):
                result = _forward(*args, **kwargs)
                _claim(result, _name, scopes, _tensors(args) + _tensors(kwargs.values()))
                return result
            object.__setattr__(module, "forward", scoped)
    try:
        yield
    finally:
        for module, own in modules.values():
            if own is None:
                del module.__dict__["forward"]
            else:
                object.__setattr__(module, "forward", own)

def _tensors(values):
    """The Tensors among `values`, and among the lists and tuples in them."""
    found = []
    for value in values:
        found.extend(v for v in (value if isinstance(value, (tuple, list)) else (value,)) if isinstance(v, Tensor))
    return found

def _claim(result, name, scopes, inputs):
    outputs = _tensors(result if isinstance(result, (tuple, list)) else (result,))
    before = {id(t._ctx) for t in inputs if t._ctx is not None}   # the nodes that made the inputs are not its own
    stack = [out._ctx for out in outputs if out._ctx is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in scopes or id(fn) in before:
            continue
        scopes[id(fn)] = fn, name   # the Function is kept, so that no later one reuses its id
        stack.extend(p for p in fn.parent_nodes if isinstance(p, Function) and id(p) not in scopes)

def run(model, args):
    """Trace `model(*args)`: the inputs are new Tensors on the same arrays that require grad."""
    inputs = tuple(Tensor._wrap(a._data, a.device, requires_grad=a.dtype.kind == "f") for a in args)
    scopes = {}
    with autograd.enable_grad(), _scopes(model, scopes):
        result = model(*inputs)
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"onnx.export: the model must return a Tensor or a tuple of Tensors, output {i} is "
                            f"{type(out).__name__}")
    nodes = _nodes(outputs)
    output_of = {id(out._ctx): out for out in outputs if out._ctx is not None}
    for fn in nodes:
        for tensor, node in zip(fn.parents, fn.parent_nodes):
            if isinstance(node, Function):
                output_of.setdefault(id(node), tensor)
    return Trace(inputs, outputs, nodes, output_of, scopes)

def _nodes(outputs):
    """The Functions reachable from the outputs, each after all of its inputs."""
    starts = [out._ctx for out in outputs if out._ctx is not None]
    return [node for node in post_order(starts) if isinstance(node, Function)]
