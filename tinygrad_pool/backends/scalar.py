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

# --- pointwise activations: one formula per activation and its derivative, chosen by a code --------------------
# PyTorch's branch conditions are kept exactly (x > 0 here, x <= 0 there), because they decide what NaN, the kinks
# and the clamp ends get: e.g. elu's gradient at NaN is 1 and hardtanh's at either end is 0, as in PyTorch.
LEAKY_RELU, ELU, CELU, SELU, GELU, GELU_TANH, SILU, MISH, SOFTPLUS, HARDTANH, HARDSWISH, HARDSIGMOID, SOFTSIGN, \
    LOGSIGMOID = range(14)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_SQRT_HALF, _SQRT_2_OVER_PI, _INV_SQRT_2PI = 0.7071067811865476, 0.7978845608028654, 0.3989422804014327

def activation(kind, x, a, b):
    """The activation `kind` at x with its two parameters a, b (negative_slope, alpha, beta/threshold, min/max).
    exp(-|x|) never overflows; from it come sigmoid(x) = 1 / (1 + e) or e / (1 + e) and softplus(x) =
    max(x, 0) + log1p(e), both exact to full relative precision (the formulas are inlined: a compiled formula
    calls no other Python function)."""
    if kind == LEAKY_RELU:
        return x if x > 0 else x * a
    if kind == ELU:
        return a * math.expm1(x) if x <= 0 else x
    if kind == CELU:
        return a * math.expm1(x / a) if x <= 0 else x
    if kind == SELU:
        return SELU_SCALE * (SELU_ALPHA * math.expm1(x) if x <= 0 else x)
    if kind == GELU:
        return 0.5 * x * (1.0 + math.erf(x * _SQRT_HALF))
    if kind == GELU_TANH:
        return 0.5 * x * (1.0 + math.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    if kind == SILU:
        e = math.exp(-abs(x))
        return x / (1.0 + e) if x >= 0 else x * e / (1.0 + e)
    if kind == MISH:
        return x * math.tanh(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
    if kind == SOFTPLUS:   # a = beta, b = threshold: linear above it, as in PyTorch
        y = x * a
        return x if y > b else (max(y, 0.0) + math.log1p(math.exp(-abs(y)))) / a
    if kind == HARDTANH:   # a = min_val, b = max_val; NaN stays NaN
        return a if x < a else (b if x > b else x)
    if kind == HARDSWISH:   # x * relu6(x + 3) / 6 as written: -0.0 below -3 and NaN at -inf, as in PyTorch
        r = x + 3.0
        r = 0.0 if r < 0.0 else (6.0 if r > 6.0 else r)
        return x * r / 6.0
    if kind == HARDSIGMOID:
        return 0.0 if x <= -3.0 else (1.0 if x >= 3.0 else x / 6.0 + 0.5)
    if kind == SOFTSIGN:
        return x / (1.0 + abs(x))
    return min(x, 0.0) - math.log1p(math.exp(-abs(x))) if x == x else x   # LOGSIGMOID

def activation_grad(kind, x, a, b):
    """d activation(kind, x, a, b) / dx, with PyTorch's choices at the kinks and at NaN."""
    if kind == LEAKY_RELU:
        return 1.0 if x > 0 else a
    if kind == ELU:
        return a * math.exp(x) if x <= 0 else 1.0
    if kind == CELU:
        return math.exp(x / a) if x <= 0 else 1.0
    if kind == SELU:
        return SELU_SCALE * (SELU_ALPHA * math.exp(x) if x <= 0 else 1.0)
    if kind == GELU:
        return 0.5 * (1.0 + math.erf(x * _SQRT_HALF)) + x * _INV_SQRT_2PI * math.exp(-0.5 * x * x)
    if kind == GELU_TANH:
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        t = math.tanh(inner)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x)
    if kind == SILU:
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return s * (1.0 + x * (1.0 - s))
    if kind == MISH:
        e = math.exp(-abs(x))
        t = math.tanh(max(x, 0.0) + math.log1p(e))
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return t + x * s * (1.0 - t * t)
    if kind == SOFTPLUS:
        y = x * a
        e = math.exp(-abs(y))
        return 1.0 if y > b else (1.0 / (1.0 + e) if y >= 0 else e / (1.0 + e))
    if kind == HARDTANH:
        return 0.0 if (x <= a or x >= b) else 1.0
    if kind == HARDSWISH:
        return 0.0 if x <= -3.0 else (x / 3.0 + 0.5 if x < 3.0 else 1.0)
    if kind == HARDSIGMOID:
        return 1.0 / 6.0 if (x > -3.0 and x < 3.0) else 0.0
    if kind == SOFTSIGN:   # 1 / d - |x| / d^2, which is 1 / d^2 but NaN at +-inf, like softsign itself there
        d = 1.0 + abs(x)
        return 1.0 / d - abs(x) / (d * d)
    e = math.exp(-abs(x))   # LOGSIGMOID: 1 - sigmoid(x) = sigmoid(-x)
    return e / (1.0 + e) if x >= 0 else 1.0 / (1.0 + e)
