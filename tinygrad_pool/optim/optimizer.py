"""The optimizer base: parameter groups with their hyperparameters, per-parameter state, zero_grad and step.

Subclasses write `update(parameter, grad, state, group)`, which calls one fused backend kernel that updates the
parameter's storage in place (`backends/cpu/optim.py`, `backends/cuda/optim.py`; both compute the formulas of
`backends/scalar.py`).
"""
from ..autograd import no_grad
from ..nn.module import Parameter

class Optimizer:
    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults, self.param_groups, self.state = defaults, [], {}
        for group in groups:
            group = {**defaults, **group, "params": list(group["params"])}
            for p in group["params"]:
                if not isinstance(p, Parameter) and not getattr(p, "requires_grad", False):
                    raise TypeError(f"{type(self).__name__} optimizes Tensors that require grad, got {p!r:.60}")
            for key, value in group.items():
                if key != "params" and isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                    raise ValueError(f"{type(self).__name__}: {key}={value} must be non-negative")
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
                if p.grad.device != p.device or p.grad.shape != p.shape:
                    raise ValueError(f"gradient of shape {p.grad.shape} on {p.grad.device} does not fit "
                                     f"parameter of shape {p.shape} on {p.device}")
                grad = p.grad.data if p.grad.dtype == p.dtype else p.xp.astype(p.grad.data, p.dtype)
                self.update(p, grad, self.state.setdefault(id(p), {}), group)

    def update(self, parameter, grad, state, group):
        raise NotImplementedError

    @staticmethod
    def zeros_like(parameter):
        return parameter.xp.zeros(parameter.shape, parameter.dtype)
