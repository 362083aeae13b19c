"""Optimizer updates as fused CUDA kernels, one thread per element: each reads a parameter's gradient and state
once and writes the parameter and state in place, with the formulas of `backends/scalar.py` that the CPU runs."""
from numba import cuda

from .. import scalar
from .array import THREADS, adadelta_update, adam_update, blocks, sgd_update

@cuda.jit(cache=True)
def _sgd_kernel(param, grad, buf, n, lr, momentum, dampening, weight_decay, nesterov, first):
    """The momentum buffer is read and written only with momentum."""
    i = cuda.grid(1)
    if i >= n:
        return
    b = buf[i] if momentum != 0.0 else 0.0
    param[i], b = sgd_update(param[i], grad[i], b, lr, momentum, dampening, weight_decay, nesterov, first)
    if momentum != 0.0:
        buf[i] = b

@cuda.jit(cache=True)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, lr, beta1, beta2, eps, weight_decay,
                 decoupled, amsgrad, step_size, bias_correction2_sqrt):
    """max_exp_avg_sq is read and written only with amsgrad (it may be a one-element placeholder otherwise)."""
    i = cuda.grid(1)
    if i >= n:
        return
    v_max = max_exp_avg_sq[i] if amsgrad else 0.0
    param[i], exp_avg[i], exp_avg_sq[i], v_max = adam_update(
        param[i], grad[i], exp_avg[i], exp_avg_sq[i], v_max, lr, beta1, beta2, eps, weight_decay, decoupled,
        amsgrad, step_size, bias_correction2_sqrt)
    if amsgrad:
        max_exp_avg_sq[i] = v_max

@cuda.jit(cache=True)
def _adadelta_kernel(param, grad, square_avg, acc_delta, n, lr, rho, eps, weight_decay):
    i = cuda.grid(1)
    if i < n:
        param[i], square_avg[i], acc_delta[i] = adadelta_update(param[i], grad[i], square_avg[i], acc_delta[i],
                                                                lr, rho, eps, weight_decay)

def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    if param.size:
        _sgd_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, buf.buffer, param.size, float(lr),
                                                 float(momentum), float(dampening), float(weight_decay),
                                                 bool(nesterov), bool(first))

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
              amsgrad, step):
    if param.size:
        _adam_kernel[blocks(param.size), THREADS](
            param.buffer, grad.buffer, exp_avg.buffer, exp_avg_sq.buffer, max_exp_avg_sq.buffer, param.size,
            float(lr), float(beta1), float(beta2), float(eps), float(weight_decay), bool(decoupled), bool(amsgrad),
            *scalar.adam_step_sizes(lr, beta1, beta2, step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    if param.size:
        _adadelta_kernel[blocks(param.size), THREADS](param.buffer, grad.buffer, square_avg.buffer,
                                                      acc_delta.buffer, param.size, float(lr), float(rho),
                                                      float(eps), float(weight_decay))
