"""Optimizer updates as fused CPU kernels: one pass over a parameter reads its gradient and state once and
writes the parameter and state in place (a chain of Tensor ops would make a temporary per step of the formula).
The formulas are `backends/scalar.py`'s, PyTorch's (torch.optim, single-tensor form); `tinygrad_pool/optim/`
documents them. All arrays are flat and contiguous; scalars arrive as float64."""
from numba import njit, prange

from .. import scalar
from .compile import adadelta_update, adam_update, sgd_update

@njit(parallel=True, cache=True)
def _sgd(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """The momentum buffer is read and written only with momentum."""
    for i in prange(param.size):
        b = buf[i] if momentum != 0.0 else 0.0
        param[i], b = sgd_update(param[i], grad[i], b, lr, momentum, dampening, weight_decay, nesterov, first)
        if momentum != 0.0:
            buf[i] = b

@njit(parallel=True, cache=True)
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
          amsgrad, step_size, bias_correction2_sqrt):
    """max_exp_avg_sq is read and written only with amsgrad (it is empty otherwise)."""
    for i in prange(param.size):
        v_max = max_exp_avg_sq[i] if amsgrad else 0.0
        param[i], exp_avg[i], exp_avg_sq[i], v_max = adam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], v_max, lr, beta1, beta2, eps, weight_decay, decoupled,
            amsgrad, step_size, bias_correction2_sqrt)
        if amsgrad:
            max_exp_avg_sq[i] = v_max

@njit(parallel=True, cache=True)
def _adadelta(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    for i in prange(param.size):
        param[i], square_avg[i], acc_delta[i] = adadelta_update(param[i], grad[i], square_avg[i], acc_delta[i], lr,
                                                                rho, eps, weight_decay)

def _flat(x):
    """A flat view, so that the kernel's writes land in the array itself."""
    if not x.flags.c_contiguous:
        raise ValueError(f"optimizer state and parameters must be contiguous, got strides {x.strides}")
    return x.reshape(-1)

def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    _sgd(_flat(param), grad.ravel(), _flat(buf), float(lr), float(momentum), float(dampening),
         float(weight_decay), bool(nesterov), bool(first))

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
              amsgrad, step):
    _adam(_flat(param), grad.ravel(), _flat(exp_avg), _flat(exp_avg_sq), _flat(max_exp_avg_sq), float(lr),
          float(beta1), float(beta2), float(eps), float(weight_decay), bool(decoupled), bool(amsgrad),
          *scalar.adam_step_sizes(lr, beta1, beta2, step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    _adadelta(_flat(param), grad.ravel(), _flat(square_avg), _flat(acc_delta), float(lr), float(rho), float(eps),
              float(weight_decay))
