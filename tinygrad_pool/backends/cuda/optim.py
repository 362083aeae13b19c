"""Optimizer updates as fused CUDA kernels, one thread per element: each reads a parameter's gradient and state
once and writes the parameter and state in place, with the formulas of `backends/scalar.py` that the CPU runs.
A state array that an option leaves unused (momentum_buffer without momentum, max_exp_avg_sq without amsgrad,
...) may be a one-element placeholder and is never read."""
from numba import cuda

from .. import scalar
from .array import (THREADS, adadelta_update, adagrad_update, adam_update, adamax_update, blocks, nadam_update,
                    radam_update, rmsprop_update, sgd_update)

@cuda.jit(cache=True)
def _sgd_kernel(param, grad, buf, n, nesterov, first, lr, momentum, one_minus_dampening, weight_decay):
    i = cuda.grid(1)
    if i >= n:
        return
    b = buf[i] if momentum != 0.0 else grad[i]   # of the dtype; unused without momentum
    param[i], b = sgd_update(param[i], grad[i], b, lr, momentum, one_minus_dampening, weight_decay, nesterov, first)
    if momentum != 0.0:
        buf[i] = b

@cuda.jit(cache=True)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, decoupled, amsgrad, decay, w, one_minus_w,
                 beta2, one_minus_beta2, eps, weight_decay, step_size, bias_correction2_sqrt):
    i = cuda.grid(1)
    if i >= n:
        return
    v_max = max_exp_avg_sq[i] if amsgrad else exp_avg_sq[i]   # of the dtype; unused without amsgrad
    param[i], exp_avg[i], exp_avg_sq[i], v_max = adam_update(
        param[i], grad[i], exp_avg[i], exp_avg_sq[i], v_max, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
        weight_decay, decoupled, amsgrad, step_size, bias_correction2_sqrt)
    if amsgrad:
        max_exp_avg_sq[i] = v_max

@cuda.jit(cache=True)
def _adadelta_kernel(param, grad, square_avg, acc_delta, n, lr, rho, one_minus_rho, eps, weight_decay):
    i = cuda.grid(1)
    if i < n:
        param[i], square_avg[i], acc_delta[i] = adadelta_update(param[i], grad[i], square_avg[i], acc_delta[i],
                                                                lr, rho, one_minus_rho, eps, weight_decay)

@cuda.jit(cache=True)
def _rmsprop_kernel(param, grad, square_avg, grad_avg, momentum_buffer, n, centered, lr, alpha, w, one_minus_w, eps,
                    weight_decay, momentum):
    i = cuda.grid(1)
    if i >= n:
        return
    a = grad_avg[i] if centered else square_avg[i]   # of the dtype; unused where the option is off
    b = momentum_buffer[i] if momentum > 0.0 else square_avg[i]
    param[i], square_avg[i], a, b = rmsprop_update(param[i], grad[i], square_avg[i], a, b, lr, alpha, w,
                                                   one_minus_w, eps, weight_decay, momentum, centered)
    if centered:
        grad_avg[i] = a
    if momentum > 0.0:
        momentum_buffer[i] = b

@cuda.jit(cache=True)
def _adagrad_kernel(param, grad, state_sum, n, clr, eps, weight_decay):
    i = cuda.grid(1)
    if i < n:
        param[i], state_sum[i] = adagrad_update(param[i], grad[i], state_sum[i], clr, eps, weight_decay)

@cuda.jit(cache=True)
def _adamax_kernel(param, grad, exp_avg, exp_inf, n, step_size, w, one_minus_w, beta2, eps, weight_decay):
    i = cuda.grid(1)
    if i < n:
        param[i], exp_avg[i], exp_inf[i] = adamax_update(param[i], grad[i], exp_avg[i], exp_inf[i], step_size, w,
                                                         one_minus_w, beta2, eps, weight_decay)

@cuda.jit(cache=True)
def _nadam_kernel(param, grad, exp_avg, exp_avg_sq, n, decoupled, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
                  weight_decay, bias_correction2, grad_coefficient, exp_avg_coefficient):
    i = cuda.grid(1)
    if i < n:
        param[i], exp_avg[i], exp_avg_sq[i] = nadam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], decay, w, one_minus_w, beta2, one_minus_beta2, eps,
            weight_decay, decoupled, bias_correction2, grad_coefficient, exp_avg_coefficient)

@cuda.jit(cache=True)
def _radam_kernel(param, grad, exp_avg, exp_avg_sq, n, decoupled, lr, decay, w, one_minus_w, beta2, one_minus_beta2,
                  eps, weight_decay, bias_correction1, bias_correction2_sqrt, rectification):
    i = cuda.grid(1)
    if i < n:
        param[i], exp_avg[i], exp_avg_sq[i] = radam_update(
            param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
            weight_decay, decoupled, bias_correction1, bias_correction2_sqrt, rectification)

def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    if param.size:
        _sgd_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, buf.buffer, param.size, bool(nesterov),
                                                 bool(first),
                                                 *scalar.sgd_constants(param.dtype, lr, momentum, dampening,
                                                                       weight_decay))

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
              amsgrad, step):
    if param.size:
        _adam_kernel[blocks(param.size), THREADS](
            param.buffer, grad.buffer, exp_avg.buffer, exp_avg_sq.buffer, max_exp_avg_sq.buffer, param.size,
            bool(decoupled), bool(amsgrad), *scalar.adam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay,
                                                                    step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    if param.size:
        _adadelta_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, square_avg.buffer,
                                                      acc_delta.buffer, param.size,
                                                      *scalar.adadelta_constants(param.dtype, lr, rho, eps,
                                                                                 weight_decay))

def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered):
    if param.size:
        _rmsprop_kernel[blocks(param.size), THREADS](
            param.buffer, grad.buffer, square_avg.buffer, grad_avg.buffer, momentum_buffer.buffer, param.size,
            bool(centered), *scalar.rmsprop_constants(param.dtype, lr, alpha, eps, weight_decay, momentum))

def adagrad_step(param, grad, state_sum, lr, lr_decay, eps, weight_decay, step):
    if param.size:
        _adagrad_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, state_sum.buffer, param.size,
                                                     *scalar.adagrad_constants(param.dtype, lr, lr_decay, eps,
                                                                               weight_decay, step))

def adamax_step(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step):
    if param.size:
        _adamax_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, exp_avg.buffer, exp_inf.buffer,
                                                    param.size, *scalar.adamax_constants(param.dtype, lr, beta1, beta2,
                                                                                         eps, weight_decay, step))

def nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, mu, mu_next,
               mu_product):
    if param.size:
        _nadam_kernel[blocks(param.size), THREADS](
            param.buffer, grad.buffer, exp_avg.buffer, exp_avg_sq.buffer, param.size, bool(decoupled),
            *scalar.nadam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step, mu, mu_next, mu_product))

def radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    if param.size:
        _radam_kernel[blocks(param.size), THREADS](
            param.buffer, grad.buffer, exp_avg.buffer, exp_avg_sq.buffer, param.size, bool(decoupled),
            *scalar.radam_constants(param.dtype, lr, beta1, beta2, eps, weight_decay, step))
