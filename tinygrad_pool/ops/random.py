"""Random in-place fills (x.normal_(), x.uniform_(), x.bernoulli_(), ...) and sampling (bernoulli, multinomial,
poisson), drawn from the library's generator (tinygrad_pool.manual_seed) or a tinygrad_pool.Generator.

Samples are drawn on the host in float64 by numpy's Generator and then converted to the tensor's dtype and device,
so a seed gives the same values on every device. The fills write through ops/inplace.py's `update`: a leaf that
requires grad may only be filled under no_grad (as nn.init does), and the samples carry no gradient.
"""
import numpy as np

from ..arguments import check_bool, check_int, check_number, check_tensor
from ..creation import random_stream as _stream
from ..tensor import Tensor, bool_
from . import inplace

def _samples(values, like):
    """A Tensor of `values` (numpy) with like's dtype and device."""
    return Tensor._wrap(like.xp.asarray(np.asarray(values).astype(like.dtype)), like.device)

def _fill(input, op, draw, floats_only=True):
    """input's elements replaced in place by draw(shape): the samples are drawn only once the write is allowed."""
    check_tensor(input, "self", op)
    if floats_only and input.dtype.kind != "f":
        raise TypeError(f"{op}: the tensor must be float32 or float64 (a continuous distribution), got "
                        f"{input.dtype}")
    return inplace.update(input, op, lambda source: _samples(draw(source.shape), source))

def _positive(value, name, op):
    if not check_number(value, name, op) > 0:
        raise ValueError(f"{op}: {name}={value} must be greater than 0")
    return float(value)

def normal_(input, mean=0.0, std=1.0, *, generator=None):
    """Samples of the normal distribution with `mean` and `std` (std >= 0)."""
    check_number(mean, "mean", "normal_")
    check_number(std, "std", "normal_", minimum=0)
    stream = _stream(generator, "normal_")
    return _fill(input, "normal_", lambda shape: mean + std * stream.standard_normal(shape))

def uniform_(input, from_=0.0, to=1.0, *, generator=None):
    """Samples of the uniform distribution on [from_, to) (PyTorch's `from`, a Python keyword, is from_ here);
    the float samples are kept below `to` after rounding to the tensor's dtype."""
    check_number(from_, "from_", "uniform_")
    check_number(to, "to", "uniform_")
    if from_ > to:
        raise ValueError(f"uniform_: from_={from_} must be at most to={to}, for the range [from_, to)")
    stream = _stream(generator, "uniform_")

    def draw(shape):
        values = (from_ + (to - from_) * stream.random(shape)).astype(input.dtype)
        return np.minimum(values, np.nextafter(input.dtype.type(to), input.dtype.type(from_))) if to > from_ \
            else values
    return _fill(input, "uniform_", draw)

def exponential_(input, lambd=1.0, *, generator=None):
    """Samples of the exponential distribution with rate lambd > 0."""
    rate = _positive(lambd, "lambd", "exponential_")
    stream = _stream(generator, "exponential_")
    return _fill(input, "exponential_", lambda shape: stream.exponential(1.0 / rate, shape))

def log_normal_(input, mean=1.0, std=2.0, *, generator=None):
    """exp of samples of the normal distribution with `mean` and `std` > 0."""
    check_number(mean, "mean", "log_normal_")
    _positive(std, "std", "log_normal_")
    stream = _stream(generator, "log_normal_")
    return _fill(input, "log_normal_", lambda shape: stream.lognormal(mean, std, shape))

def cauchy_(input, median=0.0, sigma=1.0, *, generator=None):
    """Samples of the Cauchy distribution around `median` with scale sigma > 0."""
    check_number(median, "median", "cauchy_")
    _positive(sigma, "sigma", "cauchy_")
    stream = _stream(generator, "cauchy_")
    return _fill(input, "cauchy_", lambda shape: median + sigma * stream.standard_cauchy(shape))

def geometric_(input, p, *, generator=None):
    """The number of Bernoulli(p) trials up to the first success, 1, 2, ..., for p in (0, 1); any dtype."""
    if not 0 < check_number(p, "p", "geometric_") < 1:
        raise ValueError(f"geometric_: p={p} must be in (0, 1)")
    stream = _stream(generator, "geometric_")
    return _fill(input, "geometric_", lambda shape: stream.geometric(p, shape), floats_only=False)

def bernoulli_(input, p=0.5, *, generator=None):
    """1 with probability p, else 0, in the tensor's dtype (any: True and False for bool); p is a number in
    [0, 1] or a float tensor of probabilities that broadcasts to the tensor."""
    check_tensor(input, "self", "bernoulli_")
    probabilities = _probabilities(p, "bernoulli_")
    if isinstance(probabilities, np.ndarray) and not _broadcasts_to(probabilities.shape, input.shape):
        raise ValueError(f"bernoulli_: p of shape {probabilities.shape} does not broadcast to the tensor's shape "
                         f"{input.shape}")
    stream = _stream(generator, "bernoulli_")
    return _fill(input, "bernoulli_", lambda shape: stream.random(shape) < probabilities, floats_only=False)

def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False

def _probabilities(p, op):
    """p as a number or a float64 numpy array of probabilities, each in [0, 1]."""
    if isinstance(p, Tensor):
        if p.dtype.kind != "f":
            raise TypeError(f"{op}: a tensor p must hold float probabilities, got {p.dtype}")
        values = p.numpy().astype(np.float64)
    else:
        values = float(check_number(p, "p", op))
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"{op}: p must be in [0, 1], got " + (f"p={values}" if np.ndim(values) == 0 else
                                                                "a tensor with a value outside (or NaN)"))
    return values

def _whole_numbers(dtype):
    """The range of integers `dtype` holds exactly: its own for integers and bools, +-2^digits for floats."""
    if dtype == bool_:
        return 0, 1
    if dtype.kind == "f":
        return -2 ** (np.finfo(dtype).nmant + 1), 2 ** (np.finfo(dtype).nmant + 1)
    return int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)

def random_(input, from_=None, to=None, *, generator=None):
    """Integers drawn uniformly: random_() from [0, the largest integer the dtype holds exactly] (2^24 for
    float32, 2^53 for float64), random_(to) from [0, to), random_(from_, to) from [from_, to)."""
    check_tensor(input, "self", "random_")
    bottom, top = _whole_numbers(input.dtype)
    low, high = 0, top
    if from_ is not None and to is None:
        from_, to = 0, from_
    if to is not None:
        low = check_int(0 if from_ is None else from_, "from_", "random_")
        high = check_int(to, "to", "random_") - 1
        if low > high:
            raise ValueError(f"random_: from_={low} must be less than to={to}")
        if low < bottom or high > top:
            raise ValueError(f"random_: [from_, to) = [{low}, {to}) does not fit {input.dtype}, which holds the "
                             f"integers [{bottom}, {top}]")
    stream = _stream(generator, "random_")
    return _fill(input, "random_", lambda shape: stream.integers(low, high, shape, dtype=np.int64, endpoint=True),
                 floats_only=False)

# --- sampling: new tensors ------------------------------------------------------------------------------------
def bernoulli(input, p=None, *, generator=None):
    """1 with probability input[i] (or with probability p, a number, for every element), else 0: a tensor of
    input's shape and dtype. input must be a float tensor of probabilities in [0, 1]."""
    check_tensor(input, "input", "bernoulli")
    if input.dtype.kind != "f":
        raise TypeError(f"bernoulli: input must be a float tensor of probabilities, got {input.dtype}")
    probabilities = _probabilities(input if p is None else p, "bernoulli")
    draws = _stream(generator, "bernoulli").random(input.shape) < probabilities
    return _samples(draws, input)

def poisson(input, generator=None):
    """A Poisson sample of rate input[i] (>= 0) per element, in input's float dtype."""
    check_tensor(input, "input", "poisson")
    if input.dtype.kind != "f":
        raise TypeError(f"poisson: input must be a float tensor of rates, got {input.dtype}")
    rates = input.numpy().astype(np.float64)
    if not np.all(rates >= 0):
        raise ValueError("poisson: every rate must be >= 0 (and not NaN)")
    return _samples(_stream(generator, "poisson").poisson(rates), input)

def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices (int64) per row of the 1-d or 2-d `input` of non-negative weights (each row's
    sum > 0): drawn with replacement, or without (then each category at most once, and num_samples at most the
    number of categories; zero-weight categories come only after all the others)."""
    check_tensor(input, "input", "multinomial")
    check_int(num_samples, "num_samples", "multinomial", minimum=1)
    check_bool(replacement, "replacement", "multinomial")
    if input.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-d or 2-d (rows of weights), got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"multinomial: input must be a float tensor of weights, got {input.dtype}")
    weights = input.numpy().astype(np.float64).reshape(-1, input.shape[-1])
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError("multinomial: the weights must be finite and >= 0 (got inf, NaN or a negative one)")
    if np.any(weights.sum(axis=1) <= 0):
        raise ValueError("multinomial: every row of weights must have a positive sum")
    categories = weights.shape[1]
    if not replacement and num_samples > categories:
        raise ValueError(f"multinomial: cannot draw num_samples={num_samples} without replacement from "
                         f"{categories} categories")
    stream = _stream(generator, "multinomial")
    if replacement:   # inverse CDF: the first category whose running share passes a uniform draw
        cumulative = np.cumsum(weights, axis=1)
        cumulative /= cumulative[:, -1:]
        draws = stream.random((weights.shape[0], num_samples))
        picks = np.stack([np.searchsorted(row, u, side="right") for row, u in zip(cumulative, draws)])
    else:   # exponential races: the num_samples categories with the largest weight / Exponential(1)
        races = stream.exponential(1.0, weights.shape)
        with np.errstate(divide="ignore"):
            keys = np.where(weights > 0, weights / races, -np.inf)
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    picks = picks.reshape(input.shape[:-1] + (num_samples,)).astype(np.int64)
    return Tensor._wrap(input.xp.asarray(picks), input.device)
