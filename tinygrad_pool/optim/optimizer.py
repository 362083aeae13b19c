"""The optimizer base: parameter groups with their hyperparameters, per-parameter state, zero_grad, step, and
state_dict / load_state_dict in PyTorch's layout.

Subclasses write `update(parameter, grad, group)`, which calls one fused backend kernel that updates the
parameter's storage and its state in place (`backends/cpu/optim.py`, `backends/cuda/optim.py`; both compute the
formulas of `backends/scalar.py`). `self.state[parameter]` holds that state as PyTorch names it (exp_avg,
momentum_buffer, ...): Tensors on the parameter's device, and "step" as a float32 0-d tensor on the CPU.
"""
import copy
import functools
import warnings
from collections import defaultdict

import numpy as np

from ..arguments import check_bool, check_number
from ..autograd import enable_grad, no_grad
from ..backends import get_backend
from ..nn.module import Parameter
from ..tensor import Tensor

FLAGS = ("nesterov", "amsgrad", "maximize", "centered", "decoupled_weight_decay", "capturable", "differentiable")
OPTIONAL_FLAGS = ("foreach", "fused")   # None or a bool; every step is one fused kernel per parameter either way
UNSUPPORTED = ("capturable", "differentiable")
NON_NEGATIVE = ("lr", "momentum", "weight_decay", "eps", "alpha", "rho", "lr_decay", "initial_accumulator_value",
                "momentum_decay")
SCALAR_STATE = ("step", "mu_product")   # 0-d state kept on the CPU; every other state tensor has the parameter's shape

class Optimizer:
    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(f"{name}: params must be an iterable of Tensors or of parameter-group dicts, got "
                            f"{type(params).__name__}; pass model.parameters()")
        params = list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        self.defaults, self.param_groups, self.state = defaults, [], defaultdict(dict)
        for group in params if isinstance(params[0], dict) else [{"params": params}]:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (the others from the defaults), as when layers
        that were frozen start to train. The dict itself becomes the group, as in PyTorch."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got "
                            f"{param_group!r:.60}")
        members = param_group["params"]
        if isinstance(members, set):
            raise TypeError(f"{name}: a group's params must be an ordered collection (a list), not a set, whose "
                            "order changes between runs")
        members = [members] if isinstance(members, Tensor) else list(members)
        names = [member[0] for member in members if isinstance(member, tuple)]
        members = [member[1] if isinstance(member, tuple) else member for member in members]
        if names and len(names) != len(members):
            raise ValueError(f"{name}: either every parameter of a group comes with a name or none does")
        for i, p in enumerate(members):
            _check_parameter(p, i, name)
        for key, default in self.defaults.items():
            _check_hyperparameter(key, param_group.get(key, default), name)
        for group in self.param_groups:
            if ("param_names" in group) != bool(names):
                raise ValueError(f"{name}: a group {'with' if names else 'without'} parameter names cannot join "
                                 f"groups {'without' if names else 'with'} them")
            if {id(p) for p in group["params"]} & {id(p) for p in members}:
                raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        if len({id(p) for p in members}) != len(members):
            warnings.warn(f"{name}: a parameter group holds a parameter more than once", UserWarning, stacklevel=2)
        param_group["params"] = members
        if names:
            param_group["param_names"] = names
        for key, default in self.defaults.items():
            param_group.setdefault(key, default)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Drop every parameter's gradient (set_to_none), or fill it with zeros in place."""
        check_bool(set_to_none, "set_to_none", "zero_grad")
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure`, if given, recomputes the loss first (with grad
        recorded) and its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    # Tensor.grad's setter has checked that the gradient fits: same shape, dtype and device.
                    grad = p.grad._data
                    self.update(p, p.xp.neg(grad) if group.get("maximize") else grad, group)
        return loss

    def update(self, parameter, grad, group):
        raise NotImplementedError

    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{hyperparameters..., "params": [indices]}]}, the
        parameters numbered through the groups in order. The state's tensors are this optimizer's own (not
        copies), as in PyTorch; save them with tinygrad_pool.save."""
        index = {}
        for p in (p for group in self.param_groups for p in group["params"]):
            index.setdefault(id(p), len(index))
        groups = [{**{key: value for key, value in group.items() if key != "params"},
                   "params": [index[id(p)] for p in group["params"]]} for group in self.param_groups]
        state = {index[id(p)] if isinstance(p, Tensor) else p: value for p, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take the hyperparameters and state of `state_dict` (from `state_dict()` here or in PyTorch), matching its
        parameters to this optimizer's by position. State tensors are copied to each parameter's device and
        floating-point dtype. Everything is checked before anything changes."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise KeyError(f"{name}.load_state_dict: the state dict has no {key!r} entry; pass what "
                               "optimizer.state_dict() returned")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than this optimizer ({len(self.param_groups)})")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group: group {i} holds {len(saved['params'])} "
                                 f"parameters there and {len(group['params'])} here")
        parameters = {}
        for group, saved in zip(self.param_groups, saved_groups):
            parameters.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in parameters:
                p = parameters[key]
                state[p] = {entry: _cast(p, entry, v) for entry, v in value.items()}
                for entry, v in state[p].items():
                    if isinstance(v, Tensor) and entry not in SCALAR_STATE and v.shape != p.shape:
                        raise ValueError(f"{name}.load_state_dict: state {entry!r} of parameter {key} has shape "
                                         f"{tuple(v.shape)}, but the parameter has shape {tuple(p.shape)}")
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for key, default in self.defaults.items():
                saved.setdefault(key, default)
        self.param_groups, self.state = saved_groups, state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    @staticmethod
    def state_tensor(parameter, fill=0):
        """A state tensor of the parameter's shape, dtype and device, filled with `fill`."""
        return Tensor._wrap(parameter.xp.full(parameter.shape, fill, parameter.dtype), parameter.device)

    @staticmethod
    def placeholder(parameter):
        """An empty array that a kernel takes in place of a state buffer its options leave unused."""
        return _placeholder(parameter.device, parameter.dtype)

@functools.lru_cache(maxsize=None)
def _placeholder(device, dtype):
    """One per device and dtype: never written, so shared (on CUDA this saves a launch per parameter and step)."""
    return get_backend(device).zeros((0,), dtype)

def scalar_state(value=0.0):
    """A float32 0-d tensor on the CPU, as PyTorch keeps the "step" count (and NAdam's "mu_product")."""
    return Tensor._wrap(np.array(value, np.float32), "cpu")

def advance(state):
    """Count one more step in state["step"] and return the new count as a python float."""
    count = state["step"]._data
    count += 1
    return float(count)

def _cast(p, entry, value):
    """A copy of the loaded state `value` (named `entry`) for parameter p: tensors move to p's device and take its
    floating-point dtype; the 0-d counters stay on the CPU in their own dtype (PyTorch casts NAdam's mu_product,
    so that a resumed run would round it differently from the one it continues); a step saved as a number becomes
    a tensor. Dicts, lists and tuples are copied through."""
    if isinstance(value, dict):
        return {key: _cast(p, key, v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(p, None, v) for v in value)
    if entry == "step" and not isinstance(value, Tensor):
        return scalar_state(value)
    if not isinstance(value, Tensor):
        return value
    dtype = p.dtype if p.dtype.kind == "f" and entry not in SCALAR_STATE else value.dtype
    array = np.array(value.numpy(), dtype=dtype, order="C")
    if entry in SCALAR_STATE:
        return Tensor._wrap(array, "cpu")
    return Tensor._wrap(get_backend(p.device).asarray(array), p.device)

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
    """The hyperparameters this library's optimizers know; a subclass's own ones pass unchecked."""
    if key in FLAGS:
        check_bool(value, key, name)
        if value and key in UNSUPPORTED:
            raise ValueError(f"{name}: {key}=True is not supported: the update is a fused kernel outside autograd "
                             "and CUDA graphs")
    elif key in OPTIONAL_FLAGS:
        if value is not None:
            check_bool(value, key, name)
    elif key == "betas":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {value!r}")
        for beta in value:
            check_number(beta, "betas", name)
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: betas={tuple(value)} must lie in [0, 1)")
    elif key == "dampening":
        check_number(value, key, name)
    elif key in NON_NEGATIVE:
        check_number(value, key, name, minimum=0)
