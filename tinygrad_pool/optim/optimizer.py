"""The optimizer base: parameter groups with their hyperparameters, per-parameter state, zero_grad and step.

Subclasses write `update(parameter, grad, state, group)`, which calls one fused backend kernel that updates the
parameter's storage in place (`backends/cpu/optim.py`, `backends/cuda/optim.py`; both compute the formulas of
`backends/scalar.py`).
"""
from ..arguments import check_bool, check_number
from ..autograd import no_grad
from ..nn.module import Parameter
from ..tensor import Tensor

FLAGS = ("nesterov", "amsgrad")

class Optimizer:
    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(f"{name}: params must be an iterable of Tensors or of parameter-group dicts, got "
                            f"{type(params).__name__}; pass model.parameters()")
        params = list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults, self.param_groups, self.state = defaults, [], {}
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got {group!r:.60}")
            members = [group["params"]] if isinstance(group["params"], Tensor) else list(group["params"])
            group = {**defaults, **group, "params": members}
            for i, p in enumerate(group["params"]):
                _check_parameter(p, i, name)
            for key, value in group.items():
                if key != "params":
                    _check_hyperparameter(key, value, name)
            self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = p.grad * 0

    @no_grad()
    def step(self):
        """Update every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                # Tensor.grad's setter has checked that the gradient fits: same shape, dtype and device.
                self.update(p, p.grad._data, self.state.setdefault(id(p), {}), group)

    def update(self, parameter, grad, state, group):
        raise NotImplementedError

    @staticmethod
    def zeros_like(parameter):
        return parameter.xp.zeros(parameter.shape, parameter.dtype)

def _check_parameter(p, i, name):
    if not isinstance(p, Tensor):
        raise TypeError(f"{name}: parameter {i} must be a Tensor, got {type(p).__name__}")
    if not isinstance(p, Parameter) and not p.requires_grad:
        raise TypeError(f"{name} optimizes Tensors that require grad; parameter {i} (shape {p.shape}) does not")
    if not p.is_leaf:
        raise ValueError(f"{name}: parameter {i} (shape {p.shape}) is not a leaf: it was computed by an op, so an "
                         "update would not reach the tensor it came from; optimize the leaf instead")
    flags = getattr(p._data, "flags", None)   # numpy storage; a CudaArray is always writable and contiguous
    if flags is not None and not (flags.writeable and flags.c_contiguous):
        raise ValueError(f"{name}: parameter {i} (shape {p.shape}) has read-only or non-contiguous storage, which "
                         "the update writes in place; wrap it in nn.Parameter(...) or pass .clone()")

def _check_hyperparameter(key, value, name):
    if key in FLAGS:
        check_bool(value, key, name)
    elif key == "betas":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {value!r}")
        for beta in value:
            check_number(beta, "betas", name)
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: betas={tuple(value)} must lie in [0, 1)")
    else:
        check_number(value, key, name, minimum=0)
