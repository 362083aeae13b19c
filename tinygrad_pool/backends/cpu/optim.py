"""Optimizer updates as fused CPU kernels: one pass over a parameter reads its gradient and state once and
writes the parameter and state in place (a chain of Tensor ops would make a temporary per step of the formula).
The formulas are `backends/scalar.py`'s, PyTorch's (torch.optim, single-tensor form); `tinygrad_pool/optim/`
documents them. All arrays are flat and contiguous; the hyperparameters arrive in the parameter's dtype, which is
then the arithmetic's (see scalar.py's optimizer section). A state array that an option leaves unused
(momentum_buffer without momentum, max_exp_avg_sq without amsgrad, ...) is empty and never read."""
from numba import njit, prange

from .. import scalar
from .compile import (PARALLEL, adadelta_update, adagrad_update, adam_update, adamax_update, nadam_update,
                      radam_update, rmsprop_update, sgd_update)

@njit(parallel=PARALLEL, cache=True)
def _sgd(param, grad, buf, nesterov, first, lr, momentum, one_minus_dampening, weight_decay):
    for i in prange(param.size):
        b = buf[i] if momentum != 0.0 else grad[i]   # of the dtype; unused without momentum
        param[i], b = sgd_update(param[i], grad[i], b, lr, momentum, one_minus_dampening, weight_decay, nesterov,
                                 first)
        if momentum != 0.0:
            buf[i] = b

@njit(parallel=PARALLEL, cache=True)
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, decoupled, amsgrad, decay, w, one_minus_w, beta2,
          one_minus_beta2, eps, weight_decay, step_size, bias_correction2_sqrt):
    for i in prange(param.size):
        v_max = max_exp_avg_sq[i] if amsgrad else exp_avg_sq[i]   # of the dtype; unused without amsgrad
        param[i], exp_avg[i], exp_avg_sq[i], v_max = adam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], v_max, decay, w, one_minus_w, beta2, one_minus_beta2,
            eps, weight_decay, decoupled, amsgrad, step_size, bias_correction2_sqrt)
        if amsgrad:
            max_exp_avg_sq[i] = v_max

@njit(parallel=PARALLEL, cache=True)
def _adadelta(param, grad, square_avg, acc_delta, lr, rho, one_minus_rho, eps, weight_decay):
    for i in prange(param.size):
        param[i], square_avg[i], acc_delta[i] = adadelta_update(param[i], grad[i], square_avg[i], acc_delta[i], lr,
                                                                rho, one_minus_rho, eps, weight_decay)

@njit(parallel=PARALLEL, cache=True)
def _rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, centered, lr, alpha, w, one_minus_w, eps,
             weight_decay, momentum):
    for i in prange(param.size):
        a = grad_avg[i] if centered else square_avg[i]   # of the dtype; unused where the option is off
        b = momentum_buffer[i] if momentum > 0.0 else square_avg[i]
        param[i], square_avg[i], a, b = rmsprop_update(param[i], grad[i], square_avg[i], a, b, lr, alpha, w,
                                                       one_minus_w, eps, weight_decay, momentum, centered)
        if centered:
            grad_avg[i] = a
        if momentum > 0.0:
            momentum_buffer[i] = b

@njit(parallel=PARALLEL, cache=True)
def _adagrad(param, grad, state_sum, clr, eps, weight_decay):
    for i in prange(param.size):
        param[i], state_sum[i] = adagrad_update(param[i], grad[i], state_sum[i], clr, eps, weight_decay)

@njit(parallel=PARALLEL, cache=True)
def _adamax(param, grad, exp_avg, exp_inf, step_size, w, one_minus_w, beta2, eps, weight_decay):
    for i in prange(param.size):
        param[i], exp_avg[i], exp_inf[i] = adamax_update(param[i], grad[i], exp_avg[i], exp_inf[i], step_size, w,
                                                         one_minus_w, beta2, eps, weight_decay)

@njit(parallel=PARALLEL, cache=True)
def _nadam(param, grad, exp_avg, exp_avg_sq, decoupled, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
           weight_decay, bias_correction2, grad_coefficient, exp_avg_coefficient):
    for i in prange(param.size):
        param[i], exp_avg[i], exp_avg_sq[i] = nadam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], decay, w, one_minus_w, beta2, one_minus_beta2, eps,
            weight_decay, decoupled, bias_correction2, grad_coefficient, exp_avg_coefficient)

@njit(parallel=PARALLEL, cache=True)
def _radam(param, grad, exp_avg, exp_avg_sq, decoupled, lr, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
           weight_decay, bias_correction1, bias_correction2_sqrt, rectification):
    for i in prange(param.size):
        param[i], exp_avg[i], exp_avg_sq[i] = radam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
            weight_decay, decoupled, bias_correction1, bias_correction2_sqrt, rectification)

def _flat(x):
    """A flat view, so that the kernel's writes land in the array itself."""
    if not x.flags.c_contiguous:
        raise ValueError(f"optimizer state and parameters must be contiguous, got strides {x.strides}")
    return x.reshape(-1)

def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    _sgd(_flat(param), grad.ravel(), _flat(buf), bool(nesterov), bool(first),
         *scalar.sgd_constants(param.dtype, lr, momentum, dampening, weight_decay))

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
              amsgrad, step):
    _adam(_flat(param), grad.ravel(), _flat(exp_avg), _flat(exp_avg_sq), _flat(max_exp_avg_sq), bool(decoupled),
          bool(amsgrad), *scalar.adam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    _adadelta(_flat(param), grad.ravel(), _flat(square_avg), _flat(acc_delta),
              *scalar.adadelta_constants(param.dtype, lr, rho, eps, weight_decay))

def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered):
    _rmsprop(_flat(param), grad.ravel(), _flat(square_avg), _flat(grad_avg), _flat(momentum_buffer), bool(centered),
             *scalar.rmsprop_constants(param.dtype, lr, alpha, eps, weight_decay, momentum))

def adagrad_step(param, grad, state_sum, lr, lr_decay, eps, weight_decay, step):
    _adagrad(_flat(param), grad.ravel(), _flat(state_sum),
             *scalar.adagrad_constants(param.dtype, lr, lr_decay, eps, weight_decay, step))

def adamax_step(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step):
    _adamax(_flat(param), grad.ravel(), _flat(exp_avg), _flat(exp_inf),
            *scalar.adamax_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step))

def nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, mu, mu_next,
               mu_product):
    _nadam(_flat(param), grad.ravel(), _flat(exp_avg), _flat(exp_avg_sq), bool(decoupled),
           *scalar.nadam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step, mu, mu_next, mu_product))

def radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    _radam(_flat(param), grad.ravel(), _flat(exp_avg), _flat(exp_avg_sq), bool(decoupled),
           *scalar.radam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step))
