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

import numpy as np

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

# --- optimizer updates: PyTorch's single-tensor formulas, in its order of operations. None has a float literal:
# every hyperparameter comes from its *_constants function in the parameter's dtype (1 - beta computed in Python, as
# PyTorch computes it), so a float32 parameter is updated in float32 arithmetic, as PyTorch does; in float64 the
# square roots and divisions of Adam and Adadelta took 3.7 times as long (1.2M weights: 1.33 -> 0.37 ms for Adam on a
# 2-core Xeon). Running means of the gradient move as torch.lerp does (start + w * (end - start) for w < 0.5, else end - (end - start) * (1 - w)),
# which decides what an infinite gradient gives (NaN where the two infinities meet), as in PyTorch.
def in_dtype(dtype, *values):
    """Host-side hyperparameters as scalars of the parameter's dtype, for an update computed in that dtype."""
    return tuple(np.dtype(dtype).type(value) for value in values)

def lerp_weights(dtype, beta):
    """(w, 1 - w) for torch.lerp's weight w = 1 - beta, both in `dtype`: lerp computes 1 - w in the tensor's dtype."""
    w = np.dtype(dtype).type(1.0 - beta)
    return w, np.dtype(dtype).type(1) - w

def sgd_update(param, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov, first):
    """PyTorch's SGD for one element: (new parameter, new momentum buffer). A weight decay of 0 adds nothing, so
    that an infinite parameter does not turn the gradient into NaN (0 * inf), as in PyTorch."""
    g = grad + weight_decay * param if weight_decay != 0.0 else grad
    if momentum != 0.0:
        buf = g if first else momentum * buf + one_minus_dampening * g
        g = g + momentum * buf if nesterov else buf
    return param - lr * g, buf

def sgd_constants(dtype, lr, momentum, dampening, weight_decay):
    """sgd_update's hyperparameters in the parameter's dtype."""
    return in_dtype(dtype, lr, momentum, 1.0 - dampening, weight_decay)

def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, decay, w, one_minus_w, beta2, one_minus_beta2,
                eps, weight_decay, decoupled, amsgrad, step_size, bias_correction2_sqrt):
    """PyTorch's Adam (AdamW when `decoupled`) for one element: (parameter, exp_avg, exp_avg_sq, max_exp_avg_sq).
    decay = 1 - lr * weight_decay, (w, one_minus_w) from lerp_weights(beta1), one_minus_beta2 = 1 - beta2;
    step_size = lr / (1 - beta1**step) and bias_correction2_sqrt = sqrt(1 - beta2**step) per step."""
    p = param * decay if decoupled else param
    g = grad if decoupled or weight_decay == 0.0 else grad + weight_decay * param
    m = exp_avg + w * (g - exp_avg) if w < 0.5 else g - (g - exp_avg) * one_minus_w
    v = beta2 * exp_avg_sq + one_minus_beta2 * g * g
    exp_avg_sq = v
    if amsgrad:   # NaN in either wins, as in torch.maximum
        v = max_exp_avg_sq if (max_exp_avg_sq > v or max_exp_avg_sq != max_exp_avg_sq) else v
        max_exp_avg_sq = v
    return p - step_size * m / (math.sqrt(v) / bias_correction2_sqrt + eps), m, exp_avg_sq, max_exp_avg_sq

def adam_constants(dtype, lr, beta1, beta2, eps, weight_decay, step):
    """adam_update's hyperparameters for this step, in the parameter's dtype."""
    return in_dtype(dtype, 1.0 - lr * weight_decay, *lerp_weights(dtype, beta1), beta2, 1.0 - beta2, eps,
                    weight_decay, lr / (1.0 - beta1 ** step), math.sqrt(1.0 - beta2 ** step))

def adadelta_update(param, grad, square_avg, acc_delta, lr, rho, one_minus_rho, eps, weight_decay):
    """PyTorch's Adadelta for one element: (parameter, square_avg, acc_delta)."""
    g = grad + weight_decay * param if weight_decay != 0.0 else grad
    s = rho * square_avg + one_minus_rho * g * g
    delta = math.sqrt(acc_delta + eps) / math.sqrt(s + eps) * g
    return param - lr * delta, s, rho * acc_delta + one_minus_rho * delta * delta

def adadelta_constants(dtype, lr, rho, eps, weight_decay):
    return in_dtype(dtype, lr, rho, 1.0 - rho, eps, weight_decay)

def rmsprop_update(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, w, one_minus_w, eps,
                   weight_decay, momentum, centered):
    """PyTorch's RMSprop for one element: (parameter, square_avg, grad_avg, momentum_buffer). grad_avg moves only
    when centered (as torch.lerp with weight w = 1 - alpha), momentum_buffer only with momentum."""
    g = grad + weight_decay * param if weight_decay != 0.0 else grad
    s = alpha * square_avg + w * g * g
    if centered:
        grad_avg = grad_avg + w * (g - grad_avg) if w < 0.5 else g - (g - grad_avg) * one_minus_w
        avg = math.sqrt(s - grad_avg * grad_avg) + eps
    else:
        avg = math.sqrt(s) + eps
    if momentum > 0.0:
        momentum_buffer = momentum * momentum_buffer + g / avg
        return param - lr * momentum_buffer, s, grad_avg, momentum_buffer
    return param - lr * g / avg, s, grad_avg, momentum_buffer

def rmsprop_constants(dtype, lr, alpha, eps, weight_decay, momentum):
    return in_dtype(dtype, lr, alpha, *lerp_weights(dtype, alpha), eps, weight_decay, momentum)

def adagrad_update(param, grad, state_sum, clr, eps, weight_decay):
    """PyTorch's Adagrad for one element: (parameter, state_sum); clr is the step's decayed learning rate."""
    g = grad + weight_decay * param if weight_decay != 0.0 else grad
    s = state_sum + g * g
    return param - clr * g / (math.sqrt(s) + eps), s

def adagrad_constants(dtype, lr, lr_decay, eps, weight_decay, step):
    """(clr, eps, weight_decay) in the parameter's dtype; clr = lr / (1 + (step - 1) lr_decay), step from 1."""
    return in_dtype(dtype, lr / (1.0 + (step - 1.0) * lr_decay), eps, weight_decay)

def adamax_update(param, grad, exp_avg, exp_inf, step_size, w, one_minus_w, beta2, eps, weight_decay):
    """PyTorch's Adamax for one element: (parameter, exp_avg, exp_inf); step_size = lr / (1 - beta1**step).
    The infinity norm is NaN where either of its terms is, as torch.maximum is."""
    g = grad + weight_decay * param if weight_decay != 0.0 else grad
    m = exp_avg + w * (g - exp_avg) if w < 0.5 else g - (g - exp_avg) * one_minus_w
    decayed, current = beta2 * exp_inf, abs(g) + eps
    u = decayed if (decayed > current or decayed != decayed) else current
    return param - step_size * m / u, m, u

def adamax_constants(dtype, lr, beta1, beta2, eps, weight_decay, step):
    return in_dtype(dtype, lr / (1.0 - beta1 ** step), *lerp_weights(dtype, beta1), beta2, eps, weight_decay)

def nadam_update(param, grad, exp_avg, exp_avg_sq, decay, w, one_minus_w, beta2, one_minus_beta2, eps, weight_decay,
                 decoupled, bias_correction2, grad_coefficient, exp_avg_coefficient):
    """PyTorch's NAdam for one element: (parameter, exp_avg, exp_avg_sq). The coefficients of the gradient and of
    exp_avg (negative) come from nadam_constants, once per step."""
    p = param * decay if decoupled else param
    g = grad if decoupled or weight_decay == 0.0 else grad + weight_decay * param
    m = exp_avg + w * (g - exp_avg) if w < 0.5 else g - (g - exp_avg) * one_minus_w
    v = beta2 * exp_avg_sq + one_minus_beta2 * g * g
    denom = math.sqrt(v / bias_correction2) + eps
    p = p + grad_coefficient * g / denom
    return p + exp_avg_coefficient * m / denom, m, v

def nadam_constants(dtype, lr, beta1, beta2, eps, weight_decay, step, mu, mu_next, mu_product):
    """nadam_update's hyperparameters, with the momentum schedule's mu and mu_next of this step and the product of
    the mus up to this one."""
    return in_dtype(dtype, 1.0 - lr * weight_decay, *lerp_weights(dtype, beta1), beta2, 1.0 - beta2, eps,
                    weight_decay, 1.0 - beta2 ** step, -lr * (1.0 - mu) / (1.0 - mu_product),
                    -lr * mu_next / (1.0 - mu_product * mu_next))

def radam_update(param, grad, exp_avg, exp_avg_sq, lr, decay, w, one_minus_w, beta2, one_minus_beta2, eps,
                 weight_decay, decoupled, bias_correction1, bias_correction2_sqrt, rectification):
    """PyTorch's RAdam for one element: (parameter, exp_avg, exp_avg_sq). A step with rectification 0 (the
    variance estimate still too short) is plain momentum; radam_constants gives the per-step constants."""
    p = param * decay if decoupled else param
    g = grad if decoupled or weight_decay == 0.0 else grad + weight_decay * param
    m = exp_avg + w * (g - exp_avg) if w < 0.5 else g - (g - exp_avg) * one_minus_w
    v = beta2 * exp_avg_sq + one_minus_beta2 * g * g
    corrected = m / bias_correction1
    if rectification == 0.0:
        return p - corrected * lr, m, v
    return p - corrected * lr * (bias_correction2_sqrt / (math.sqrt(v) + eps)) * rectification, m, v

def radam_constants(dtype, lr, beta1, beta2, eps, weight_decay, step):
    """radam_update's hyperparameters for step `step`: the rectification is 0 while the length of the
    approximated simple moving average is at most 5."""
    bias_correction1, bias_correction2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2 ** step / bias_correction2
    rectification = 0.0
    if rho_t > 5.0:
        rectification = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
    return in_dtype(dtype, lr, 1.0 - lr * weight_decay, *lerp_weights(dtype, beta1), beta2, 1.0 - beta2, eps,
                    weight_decay, bias_correction1, bias_correction2 ** 0.5, rectification)

# --- pointwise activations: one formula per activation and its derivative, chosen by a code --------------------
# PyTorch's branch conditions are kept exactly (x > 0 here, x <= 0 there), because they decide what NaN, the kinks
# and the clamp ends get: e.g. elu's gradient at NaN is 1 and hardtanh's at either end is 0, as in PyTorch.
LEAKY_RELU, ELU, CELU, SELU, GELU, GELU_TANH, SILU, MISH, SOFTPLUS, HARDTANH, HARDSWISH, HARDSIGMOID, SOFTSIGN, \
    LOGSIGMOID, THRESHOLD, HARDSHRINK, SOFTSHRINK, TANHSHRINK = range(18)
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
    if kind == THRESHOLD:   # a = threshold, b = value
        return b if x <= a else x
    if kind == HARDSHRINK:   # a = lambd
        return 0.0 if (x >= -a and x <= a) else x
    if kind == SOFTSHRINK:   # x * 0.0 inside keeps the sign of a negative input's zero, as in PyTorch
        return x - a if x > a else (x + a if x < -a else x * 0.0)
    if kind == TANHSHRINK:
        return x - math.tanh(x)
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
    if kind == THRESHOLD:
        return 0.0 if x <= a else 1.0
    if kind == HARDSHRINK or kind == SOFTSHRINK:
        return 0.0 if (x >= -a and x <= a) else 1.0
    if kind == TANHSHRINK:
        t = math.tanh(x)
        return t * t
    e = math.exp(-abs(x))   # LOGSIGMOID: 1 - sigmoid(x) = sigmoid(-x)
    return e / (1.0 + e) if x >= 0 else 1.0 / (1.0 + e)

# --- scatter reductions: how a value scattered onto an element combines with it, chosen by a code ---------------
SCATTER_ASSIGN, SCATTER_SUM, SCATTER_PROD, SCATTER_AMAX, SCATTER_AMIN = range(5)

def scatter_combine(kind, old, new):
    """The element's new value when `new` is scattered onto `old`: `new` itself, the sum, the product, or the
    larger or smaller of the two with NaN winning, as in PyTorch's scatter_reduce (so a NaN, once there, stays)."""
    if kind == SCATTER_SUM:
        return old + new
    if kind == SCATTER_PROD:
        return old * new
    if kind == SCATTER_AMAX:
        return new if (new > old) | (new != new) else old
    if kind == SCATTER_AMIN:
        return new if (new < old) | (new != new) else old
    return new

# --- special functions: expm1, log2, log10, trunc, erf, erfc, erfinv, sinc, chosen by a code --------------------
# Each case guards its own domain (log of 0 or below, expm1 past overflow, sin of inf), returning what C returns
# there: numba's CUDA simulator runs these formulas with Python's math module, which raises in those places.
EXPM1, LOG2, LOG10, TRUNC, ERF, ERFC, ERFINV, SINC = range(8)
_EXP_OVERFLOW = 709.782712893384   # expm1 is inf above this, in float64
_TWO_TO_52 = 4503599627370496.0    # every float of this magnitude or more is a whole number
_SQRT_PI = 1.7724538509055160
_WINITZKI = 0.147                  # the constant of Winitzki's closed-form approximation of erfinv

def special(kind, x):
    """The special function `kind` at x, with PyTorch's values at inf, NaN and the ends of each domain.

    erfinv starts from a closed form good to about 2e-3 (a series below 0.5, Winitzki's approximation above) and
    takes three Halley steps on erf(y) = |x|, which triple the correct digits each. Above 0.5 the residual is
    (1 - |x|) - erfc(y), exact where erf(y) - |x| would cancel."""
    if kind == EXPM1:
        return math.inf if x > _EXP_OVERFLOW else math.expm1(x)
    if kind == LOG2:
        return math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if kind == LOG10:
        return math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if kind == TRUNC:   # the sign carries over to a zero result: trunc(-0.5) is -0.0
        return math.copysign(float(int(x)), x) if -_TWO_TO_52 < x < _TWO_TO_52 else x
    if kind == ERF:
        return math.erf(x)
    if kind == ERFC:
        return math.erfc(x)
    if kind == SINC:
        if x == 0:
            return 1.0
        if x - x != 0:   # inf and NaN
            return math.nan
        t = math.pi * x
        return math.sin(t) / t
    a = abs(x)   # ERFINV
    if not a < 1.0:
        return math.copysign(math.inf, x) if a == 1.0 else math.nan
    if a < 0.5:
        y = 0.5 * _SQRT_PI * a * (1.0 + math.pi / 12.0 * a * a)
    else:
        log_rest = math.log((1.0 - a) * (1.0 + a))
        t = 2.0 / (math.pi * _WINITZKI) + 0.5 * log_rest
        y = math.sqrt(math.sqrt(t * t - log_rest / _WINITZKI) - t)
    for _ in range(3):
        residual = math.erf(y) - a if a < 0.5 else (1.0 - a) - math.erfc(y)
        r = residual / (2.0 / _SQRT_PI * math.exp(-y * y))
        y -= r / (1.0 + r * y)
    return math.copysign(y, x)

# --- grid sampling: where each tap of a sampling position reads, and with what weight ----------------------------
GRID_BILINEAR, GRID_NEAREST, GRID_BICUBIC = range(3)
GRID_ZEROS, GRID_BORDER, GRID_REFLECTION = range(3)
_CUBIC_A = -0.75   # the cubic convolution's parameter, as PyTorch's bicubic

def grid_tap(coord, k, size, mode, padding, align_corners):
    """Tap k (of 1 nearest, 2 bilinear or 4 bicubic per dim) of the normalised grid coordinate `coord` along a dim
    of `size` pixels: (pixel index, weight, d weight / d coord), the index -1.0 where the tap reads the zero
    padding. -1 and 1 are the centres of the end pixels with align_corners, else their outer edges. Bilinear and
    nearest move the position itself inside by the padding mode, bicubic each of its taps, as PyTorch does; a
    clipped position has slope 0. The caller checks that coord is finite."""
    scale = 0.5 * (size - 1) if align_corners else 0.5 * size
    source = (coord + 1.0) * scale if align_corners else ((coord + 1.0) * size - 1.0) * 0.5
    position = source
    if mode == GRID_BICUBIC:   # x // 1.0 floors to a float, exact for any finite x (math.floor's int may overflow)
        base = source // 1.0
        position = base - 1.0 + k
    slope = 1.0   # d padded position / d position
    if padding == GRID_REFLECTION:
        low, span = (0.0, size - 1.0) if align_corners else (-0.5, float(size))
        if span <= 0.0:
            position, slope = 0.0, 0.0
        else:
            distance = position - low
            if distance < 0.0:
                distance, slope = -distance, -1.0
            extra = distance % span
            if (distance / span // 1.0) % 2.0 == 0.0:
                position = low + extra
            else:
                position, slope = low + span - extra, -slope
    if padding != GRID_ZEROS:   # border, and reflection's last step: clip to the pixels
        if position <= 0.0:
            position, slope = 0.0, 0.0
        elif position >= size - 1.0:
            position, slope = size - 1.0, 0.0
    if mode != GRID_BICUBIC:
        base = position // 1.0
    if mode == GRID_NEAREST:   # the nearest pixel, halves to even
        index = base
        rest = position - base
        if rest > 0.5 or (rest == 0.5 and base % 2.0 != 0.0):
            index = base + 1.0
        weight, dweight = 1.0, 0.0
    elif mode == GRID_BILINEAR:
        t = position - base
        index = base + k
        weight, dweight = (1.0 - t, -slope * scale) if k == 0 else (t, slope * scale)
    else:
        index = position
        t = source - base
        u = t + 1.0 if k == 0 else (t if k == 1 else (1.0 - t if k == 2 else 2.0 - t))
        a = _CUBIC_A
        if k == 0 or k == 3:   # the outer taps, 1 < u < 2
            weight = ((a * u - 5.0 * a) * u + 8.0 * a) * u - 4.0 * a
            du = (3.0 * a * u - 10.0 * a) * u + 8.0 * a
        else:
            weight = ((a + 2.0) * u - (a + 3.0)) * u * u + 1.0
            du = (3.0 * (a + 2.0) * u - 2.0 * (a + 3.0)) * u
        dweight = (du if k <= 1 else -du) * scale
    if not (index >= 0.0 and index < size):
        index = -1.0
    return index, weight, dweight
