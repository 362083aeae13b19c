"""Optimizer updates as fused CUDA kernels, one thread per element; the same formulas as `cpu_optim.py`."""
import math

from numba import cuda

from .cuda import THREADS, _blocks

@cuda.jit(cache=True)
def _sgd_kernel(param, grad, buf, n, lr, momentum, dampening, weight_decay, nesterov, first):
    i = cuda.grid(1)
    if i >= n:
        return
    g = grad[i] + weight_decay * param[i]
    if momentum != 0.0:
        b = g if first else momentum * buf[i] + (1.0 - dampening) * g
        buf[i] = b
        g = g + momentum * b if nesterov else b
    param[i] = param[i] - lr * g

@cuda.jit(cache=True)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, lr, beta1, beta2, eps, weight_decay,
                 decoupled, amsgrad, step_size, bias_correction2_sqrt):
    i = cuda.grid(1)
    if i >= n:
        return
    p = param[i] * (1.0 - lr * weight_decay) if decoupled else param[i]
    g = grad[i] if decoupled else grad[i] + weight_decay * param[i]
    m = beta1 * exp_avg[i] + (1.0 - beta1) * g
    v = beta2 * exp_avg_sq[i] + (1.0 - beta2) * g * g
    exp_avg[i] = m
    exp_avg_sq[i] = v
    if amsgrad:
        v = max(max_exp_avg_sq[i], v)
        max_exp_avg_sq[i] = v
    param[i] = p - step_size * m / (math.sqrt(v) / bias_correction2_sqrt + eps)

@cuda.jit(cache=True)
def _adadelta_kernel(param, grad, square_avg, acc_delta, n, lr, rho, eps, weight_decay):
    i = cuda.grid(1)
    if i >= n:
        return
    g = grad[i] + weight_decay * param[i]
    s = rho * square_avg[i] + (1.0 - rho) * g * g
    delta = math.sqrt(acc_delta[i] + eps) / math.sqrt(s + eps) * g
    square_avg[i] = s
    acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta
    param[i] = param[i] - lr * delta

def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    if param.size:
        _sgd_kernel[_blocks(param.size), THREADS](param.buffer, grad.buffer, buf.buffer, param.size, float(lr),
                                                  float(momentum), float(dampening), float(weight_decay),
                                                  bool(nesterov), bool(first))

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
              amsgrad, step):
    if param.size:
        _adam_kernel[_blocks(param.size), THREADS](
            param.buffer, grad.buffer, exp_avg.buffer, exp_avg_sq.buffer, max_exp_avg_sq.buffer, param.size,
            float(lr), float(beta1), float(beta2), float(eps), float(weight_decay), bool(decoupled), bool(amsgrad),
            lr / (1.0 - beta1 ** step), math.sqrt(1.0 - beta2 ** step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    if param.size:
        _adadelta_kernel[_blocks(param.size), THREADS](param.buffer, grad.buffer, square_avg.buffer,
                                                       acc_delta.buffer, param.size, float(lr), float(rho),
                                                       float(eps), float(weight_decay))
