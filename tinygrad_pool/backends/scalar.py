"""Per-element formulas, written once as plain Python and compiled for both devices.

Each backend compiles these functions for its own target: the CPU one with `njit` (`cpu/compile.py`), the CUDA
one with `cuda.jit(device=True)` (`cuda/array.py`). A kernel then calls the compiled function inside its loop over
elements, so a formula that must agree between devices (an optimizer update, the dropout mask, bit for bit)
cannot drift apart. The functions take and return scalars only; none touches memory. One exception: the CPU
applies `sigmoid` with numpy's vectorised tanh (`cpu/arrays.py`, the same formula), because a Numba loop calls the
scalar libm tanh per element, 14 times slower here.

Numba's on-disk cache keys a kernel by its own source file: after a change here, clear the cache (the
`__pycache__` folders, or NUMBA_CACHE_DIR) so that the kernels calling the formula compile again.
"""
import math

from numba import uint64

def uniform_hash(key, i):
    """A float in [0, 1) from (key, i): SplitMix64's finaliser over key + (i + 1) * golden gamma. Dropout keeps
    element i of a call with key `key` where this is >= p, on every device and thread count."""
    z = key + uint64(i + 1) * uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    z = z ^ (z >> uint64(31))
    return (z >> uint64(11)) * (1.0 / 9007199254740992.0)

def split_index(i, d, h, w):
    """Flat index i of a C-ordered (lead, d, h, w) array -> its (lead, d, h, w) indices."""
    iw = i % w
    i //= w
    ih = i % h
    i //= h
    return i // d, i % d, ih, iw

def sigmoid(x):
    """1 / (1 + exp(-x)) written through tanh, which never overflows."""
    return 0.5 * (math.tanh(0.5 * x) + 1.0)

def max_wins(v, best):
    """Whether value v replaces the running max `best`: a larger value, or any NaN (so the last NaN wins).
    Max pooling's ties keep the first maximum because an equal value does not win."""
    return (v > best) | (v != v)

def sgd_update(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """PyTorch's SGD for one element: (new parameter, new momentum buffer)."""
    g = grad + weight_decay * param
    if momentum != 0.0:
        buf = g if first else momentum * buf + (1.0 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    return param - lr * g, buf

def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
                amsgrad, step_size, bias_correction2_sqrt):
    """PyTorch's Adam (AdamW when `decoupled`) for one element: (parameter, exp_avg, exp_avg_sq, max_exp_avg_sq).
    step_size = lr / (1 - beta1**step) and bias_correction2_sqrt = sqrt(1 - beta2**step) are per step."""
    p = param * (1.0 - lr * weight_decay) if decoupled else param
    g = grad if decoupled else grad + weight_decay * param
    m = beta1 * exp_avg + (1.0 - beta1) * g
    v = beta2 * exp_avg_sq + (1.0 - beta2) * g * g
    exp_avg_sq = v
    if amsgrad:
        v = max(max_exp_avg_sq, v)
        max_exp_avg_sq = v
    return p - step_size * m / (math.sqrt(v) / bias_correction2_sqrt + eps), m, exp_avg_sq, max_exp_avg_sq

def adam_step_sizes(lr, beta1, beta2, step):
    """The two per-step constants of adam_update, computed once per step on the host: (step_size,
    bias_correction2_sqrt) = (lr / (1 - beta1**step), sqrt(1 - beta2**step))."""
    return lr / (1.0 - beta1 ** step), math.sqrt(1.0 - beta2 ** step)

def adadelta_update(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay):
    """PyTorch's Adadelta for one element: (parameter, square_avg, acc_delta)."""
    g = grad + weight_decay * param
    s = rho * square_avg + (1.0 - rho) * g * g
    delta = math.sqrt(acc_delta + eps) / math.sqrt(s + eps) * g
    return param - lr * delta, s, rho * acc_delta + (1.0 - rho) * delta * delta
