"""Gradient clipping with torch.nn.utils' functions: by the total norm of all gradients, taken as one vector, or
by value. Gradients change in place; none of it is recorded on the tape."""
import math
import types
import warnings

from ...arguments import check_bool, check_number, check_tensor, described
from ...autograd import no_grad
from ...ops.movement import stack
from ...tensor import Tensor

@no_grad()
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm_type-norm of `tensors` (a Tensor or an iterable of them) as if they were one vector: the norm of
    their norms, on the first one's device (a float32 0 when there are none). norm_type may be inf or 'inf'."""
    tensors = _tensor_list(tensors, "tensors", "get_total_norm")
    norm_type = _norm_type(norm_type, "get_total_norm")
    check_bool(error_if_nonfinite, "error_if_nonfinite", "get_total_norm")
    _check_foreach(foreach, "get_total_norm")
    if not tensors:
        return Tensor(0.0)
    device = tensors[0].device
    total = stack([t.norm(norm_type).to(device) for t in tensors]).norm(norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"get_total_norm: the total norm of order {norm_type} of the gradients is {total.item()}, "
                           "not finite, so they cannot be clipped; pass error_if_nonfinite=False to scale them by it "
                           "anyway")
    return total

@no_grad()
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1), with a total norm computed beforehand."""
    parameters = _tensor_list(parameters, "parameters", "clip_grads_with_norm_")
    max_norm = float(check_number(max_norm, "max_norm", "clip_grads_with_norm_"))
    check_tensor(total_norm, "total_norm", "clip_grads_with_norm_")
    _check_foreach(foreach, "clip_grads_with_norm_")
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    scale = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    for grad in grads:
        grad.mul_(scale.to(grad.device))

def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of `parameters` so that their total norm (get_total_norm) is at most max_norm, and
    return that norm from before the scaling, a 0-d Tensor."""
    if isinstance(parameters, types.GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("clip_grad_norm_: `parameters` is an empty generator, so no gradient is clipped",
                          UserWarning, stacklevel=2)
    parameters = _tensor_list(parameters, "parameters", "clip_grad_norm_")
    check_number(max_norm, "max_norm", "clip_grad_norm_")
    total = get_total_norm([p.grad for p in parameters if p.grad is not None], norm_type, error_if_nonfinite,
                           foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total

def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The older name of clip_grad_norm_, deprecated as in PyTorch."""
    warnings.warn("clip_grad_norm is deprecated in favor of clip_grad_norm_", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)

@no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of `parameters` to [-clip_value, clip_value] in place."""
    parameters = _tensor_list(parameters, "parameters", "clip_grad_value_")
    clip_value = float(check_number(clip_value, "clip_value", "clip_grad_value_"))
    _check_foreach(foreach, "clip_grad_value_")
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)

def _tensor_list(values, name, op):
    """A list of Tensors from one Tensor or an iterable of them."""
    if isinstance(values, Tensor):
        return [values]
    if not hasattr(values, "__iter__") or isinstance(values, (str, dict)):
        raise TypeError(f"{op}: {name} must be a Tensor or an iterable of Tensors, got {type(values).__name__}")
    values = list(values)
    for i, value in enumerate(values):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name}[{i}] must be a Tensor, got {type(value).__name__}")
    return values

def _norm_type(norm_type, op):
    """norm_type as a float: a number, or a string that names one ('inf')."""
    if isinstance(norm_type, str):
        try:
            return float(norm_type)
        except ValueError:
            raise ValueError(f"{op}: norm_type={norm_type!r} is not a number; use a number or 'inf'") from None
    return float(check_number(norm_type, "norm_type", op))

def _check_foreach(foreach, op):
    """foreach is PyTorch's choice of kernel; each gradient takes one pass here either way."""
    if foreach is not None and foreach is not True and foreach is not False:
        raise TypeError(f"{op}: foreach must be None, True or False, got {described(foreach)}")
