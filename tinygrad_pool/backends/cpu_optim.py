"""Optimizer updates as fused CPU kernels: one pass over a parameter reads its gradient and state once and
writes the parameter and state in place (a chain of Tensor ops would make a temporary per step of the formula).
The formulas are PyTorch's (torch.optim, single-tensor form); `tinygrad_pool/optim/` documents them.
All arrays are flat and contiguous; scalars arrive as float64."""
from numba import njit, prange

@njit(parallel=True, cache=True)
def _sgd(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    for i in prange(param.size):
        g = grad[i] + weight_decay * param[i]
        if momentum != 0.0:
            b = g if first else momentum * buf[i] + (1.0 - dampening) * g
            buf[i] = b
            g = g + momentum * b if nesterov else b
        param[i] = param[i] - lr * g

@njit(parallel=True, cache=True)
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
          amsgrad, step):
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2_sqrt = (1.0 - beta2 ** step) ** 0.5
    step_size = lr / bias_correction1
    for i in prange(param.size):
        p = param[i] * (1.0 - lr * weight_decay) if decoupled else param[i]
        g = grad[i] if decoupled else grad[i] + weight_decay * param[i]
        m = beta1 * exp_avg[i] + (1.0 - beta1) * g
        v = beta2 * exp_avg_sq[i] + (1.0 - beta2) * g * g
        exp_avg[i], exp_avg_sq[i] = m, v
        if amsgrad:
            v = max(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        param[i] = p - step_size * m / (v ** 0.5 / bias_correction2_sqrt + eps)

@njit(parallel=True, cache=True)
def _adadelta(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    for i in prange(param.size):
        g = grad[i] + weight_decay * param[i]
        s = rho * square_avg[i] + (1.0 - rho) * g * g
        delta = (acc_delta[i] + eps) ** 0.5 / (s + eps) ** 0.5 * g
        square_avg[i] = s
        acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta
        param[i] = param[i] - lr * delta

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
          float(beta1), float(beta2), float(eps), float(weight_decay), bool(decoupled), bool(amsgrad), float(step))

def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    _adadelta(_flat(param), grad.ravel(), _flat(square_avg), _flat(acc_delta), float(lr), float(rho), float(eps),
              float(weight_decay))
