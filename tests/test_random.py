"""Random fills (normal_, uniform_, bernoulli_, exponential_, log_normal_, geometric_, cauchy_, random_) and
sampling (bernoulli, multinomial, poisson, randint_like, rand/randn with size= and generator=).

With fixed seeds each distribution's samples must fit it: a Kolmogorov-Smirnov distance to the exact CDF (computed
here with the math module, point by point) and the moments within a few standard errors; the same seed must give
the same values; bad arguments are errors before anything is drawn."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
from conftest import assert_bad_input

N = 20000
KS_BOUND = 1.63 / math.sqrt(N)   # the Kolmogorov-Smirnov distance a correct sampler exceeds with probability 1%

def ks_distance(samples, cdf):
    """sup |empirical CDF - cdf| over the sorted samples, the exact CDF taken point by point."""
    ordered = np.sort(np.asarray(samples, np.float64))
    exact = np.array([cdf(float(v)) for v in ordered])
    n = len(ordered)
    return max(np.max(np.arange(1, n + 1) / n - exact), np.max(exact - np.arange(n) / n))

def normal_cdf(mean, std):
    return lambda v: 0.5 * (1 + math.erf((v - mean) / (std * math.sqrt(2))))

def within(value, expected, standard_error, sigmas=5):
    assert abs(value - expected) <= sigmas * standard_error, (value, expected, standard_error)

def fresh(dtype=tp.float32, device="cpu", n=N):
    return tp.zeros(n, dtype=dtype, device=device)

# --- continuous fills ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [tp.float32, tp.float64])
def test_continuous_fills_follow_their_distributions(device, dtype):
    tp.manual_seed(0)
    n = N if device == "cpu" else 500   # the simulator runs each GPU thread as a Python thread
    bound = 1.63 / math.sqrt(n)
    cases = [
        ("normal_", (1.5, 0.5), normal_cdf(1.5, 0.5)),
        ("uniform_", (-2.0, 3.0), lambda v: min(max((v + 2) / 5, 0.0), 1.0)),
        ("exponential_", (2.0,), lambda v: 1 - math.exp(-2 * v) if v > 0 else 0.0),
        ("log_normal_", (0.5, 0.75), lambda v: normal_cdf(0.5, 0.75)(math.log(v)) if v > 0 else 0.0),
        ("cauchy_", (1.0, 2.0), lambda v: 0.5 + math.atan((v - 1) / 2) / math.pi),
    ]
    for name, args, cdf in cases:
        x = fresh(dtype, device, n)
        assert getattr(x, name)(*args) is x
        assert x.dtype == dtype and x.device == device
        assert ks_distance(x.numpy(), cdf) < bound, name

def test_moments_of_the_fills():
    tp.manual_seed(1)
    x = fresh(tp.float64).normal_(-3.0, 2.0).numpy()
    within(x.mean(), -3.0, 2.0 / math.sqrt(N))
    within(x.std(), 2.0, 2.0 / math.sqrt(2 * N))
    x = fresh(tp.float64).uniform_(1.0, 5.0).numpy()
    within(x.mean(), 3.0, 4 / math.sqrt(12 * N))
    assert x.min() >= 1.0 and x.max() < 5.0
    x = fresh(tp.float64).exponential_(0.5).numpy()
    within(x.mean(), 2.0, 2.0 / math.sqrt(N))
    assert x.min() >= 0
    x = fresh(tp.float64).log_normal_(0.0, 0.5).numpy()
    within(np.log(x).mean(), 0.0, 0.5 / math.sqrt(N))
    within(np.log(x).std(), 0.5, 0.5 / math.sqrt(2 * N))
    x = fresh(tp.float64).cauchy_(2.0, 0.5).numpy()
    within(np.median(x), 2.0, 0.5 * math.pi / (2 * math.sqrt(N)))
    within(np.percentile(x, 75) - np.percentile(x, 25), 1.0, 0.05)

def test_uniform_stays_below_its_upper_end_in_float32():
    tp.manual_seed(2)
    x = tp.zeros(200000).uniform_(0.0, 1e-30)
    assert x.numpy().max() < np.float32(1e-30)
    assert tp.rand(200000).numpy().max() < 1.0
    same_ends = tp.zeros(3).uniform_(2.0, 2.0)
    assert same_ends.tolist() == [2.0, 2.0, 2.0]

# --- discrete fills -----------------------------------------------------------------------------------------------
def test_bernoulli_and_geometric_fills(device):
    tp.manual_seed(3)
    n = N if device == "cpu" else 1000
    for dtype in (tp.float32, tp.int64, tp.bool, tp.uint8):
        x = tp.zeros(n, dtype=dtype, device=device).bernoulli_(0.3)
        values = x.numpy().astype(np.float64)
        assert x.dtype == dtype and set(np.unique(values)) <= {0.0, 1.0}
        within(values.mean(), 0.3, math.sqrt(0.3 * 0.7 / n))
    p = tp.tensor([0.0, 1.0, 0.5], device=device)
    draws = tp.zeros(2000, 3, device=device).bernoulli_(p).numpy()
    assert (draws[:, 0] == 0).all() and (draws[:, 1] == 1).all()
    within(draws[:, 2].mean(), 0.5, math.sqrt(0.25 / 2000))
    for dtype in (tp.float32, tp.int64):
        g = tp.zeros(n, dtype=dtype, device=device).geometric_(0.25).numpy()
        assert g.min() >= 1 and np.all(g == np.round(g))
        within(g.mean(), 4.0, math.sqrt(0.75) / 0.25 / math.sqrt(n))
        for k in range(1, 6):
            share = 0.75 ** (k - 1) * 0.25
            within(np.mean(g == k), share, math.sqrt(share * (1 - share) / n))

def test_random_fill_ranges(device):
    tp.manual_seed(4)
    n = N if device == "cpu" else 2000
    x = tp.zeros(n, dtype=tp.int64, device=device).random_(5).numpy()
    assert x.min() == 0 and x.max() == 4
    for share in np.bincount(x) / n:
        within(share, 0.2, math.sqrt(0.16 / n))
    y = tp.zeros(n, device=device).random_(-3, 2).numpy()
    assert y.min() == -3 and y.max() == 1 and np.all(y == np.round(y))
    z = tp.zeros(n, dtype=tp.uint8, device=device).random_().numpy()
    assert z.min() == 0 and z.max() == 255
    b = tp.zeros(100, dtype=tp.bool, device=device).random_().numpy()
    assert b.any() and not b.all()
    f = tp.zeros(n, device=device).random_().numpy()
    assert f.min() >= 0 and f.max() <= 2 ** 24 and f.max() > 2 ** 23
    big = tp.zeros(N, dtype=tp.int64).random_().numpy()
    assert big.min() >= 0 and big.max() > 2 ** 62

# --- sampling -----------------------------------------------------------------------------------------------------
def test_bernoulli_and_poisson_sampling(device):
    tp.manual_seed(5)
    n = N if device == "cpu" else 1000
    probabilities = tp.full((n,), 0.7, dtype=tp.float64, device=device)
    draws = tp.bernoulli(probabilities)
    assert draws.dtype == tp.float64 and draws.device == device
    within(draws.numpy().mean(), 0.7, math.sqrt(0.21 / n))
    same_shape = tp.bernoulli(tp.zeros(2, 3, device=device), 1.0)
    assert same_shape.tolist() == [[1.0] * 3] * 2
    assert tp.zeros(3, device=device).bernoulli(0.0).tolist() == [0.0] * 3
    rates = tp.tensor([0.0, 0.5, 4.0], device=device)
    counts = tp.poisson(rates.expand(n, 3)).numpy()
    assert (counts[:, 0] == 0).all() and np.all(counts == np.round(counts))
    within(counts[:, 1].mean(), 0.5, math.sqrt(0.5 / n))
    within(counts[:, 2].var(), 4.0, 4.0 * math.sqrt(2 / n) + 0.5)

def test_multinomial_with_and_without_replacement(device):
    tp.manual_seed(6)
    weights = tp.tensor([1.0, 0.0, 3.0, 6.0], device=device)
    picks = tp.multinomial(weights, N, replacement=True)
    assert picks.dtype == tp.int64 and picks.shape == (N,)
    for share, expected in zip(np.bincount(picks.numpy(), minlength=4) / N, [0.1, 0.0, 0.3, 0.6]):
        within(share, expected, math.sqrt(expected * (1 - expected) / N))
    rows = tp.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]], device=device)
    assert rows.multinomial(2).shape == (2, 2)
    for _ in range(50):
        first, second = tp.multinomial(rows, 3).tolist()
        assert first[0] == 1 and sorted(first) == [0, 1, 2] and sorted(second) == [0, 1, 2]
    firsts = np.array([tp.multinomial(weights, 1).item() for _ in range(2000)])
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 2000, [0.1, 0.0, 0.3, 0.6], atol=0.04)
    orders = [tuple(tp.multinomial(weights, 4).tolist()) for _ in range(200)]
    assert all(order[-1] == 1 for order in orders)   # the zero weight comes only after every positive one

# --- seeds, generators and creation -------------------------------------------------------------------------------
@given(seed=st.integers(0, 2 ** 32), name=st.sampled_from(["normal_", "uniform_", "bernoulli_", "exponential_",
                                                          "cauchy_", "random_", "geometric_", "log_normal_"]))
def test_the_same_seed_gives_the_same_values(device, seed, name):
    args = {"geometric_": (0.5,), "random_": (10,)}.get(name, ())
    draws = []
    for _ in range(2):
        tp.manual_seed(seed)
        draws.append(getattr(tp.zeros(5, device=device), name)(*args).numpy())
        generator = tp.Generator().manual_seed(seed)
        draws.append(getattr(tp.zeros(5, device=device), name)(*args, generator=generator).numpy())
    np.testing.assert_array_equal(draws[0], draws[2])
    np.testing.assert_array_equal(draws[1], draws[3])
    np.testing.assert_array_equal(draws[0], draws[1])   # manual_seed(s) and Generator().manual_seed(s): one stream

def test_sampling_functions_take_a_generator_and_creation_takes_size(device):
    def drawn(seed):
        generator = tp.Generator().manual_seed(seed)
        return [tp.bernoulli(tp.full((4,), 0.5, device=device), generator=generator),
                tp.multinomial(tp.ones(5, device=device), 3, generator=generator),
                tp.poisson(tp.ones(4, device=device), generator), tp.rand(3, generator=generator, device=device),
                tp.randn(size=(2, 2), generator=generator), tp.randint_like(tp.zeros(3), 7, generator=generator)]
    for a, b in zip(drawn(8), drawn(8)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert tp.rand(size=(1, 1, 28, 28), dtype=tp.float32).shape == (1, 1, 28, 28)
    assert tp.randn(size=[2]).shape == (2,) and tp.zeros(size=(2, 3)).shape == (2, 3)
    assert tp.ones(size=(2,), dtype=tp.int64).tolist() == [1, 1] and tp.empty(size=4).shape == (4,)
    assert tp.rand(size=3).shape == (3,)
    low_high = tp.randint_like(tp.zeros(200, dtype=tp.int32), 3, 5)
    assert low_high.dtype == tp.int32 and set(low_high.tolist()) == {3, 4}
    assert tp.empty_like(tp.zeros(2, dtype=tp.float64)).dtype == tp.float64

def test_fills_follow_autograd_rules():
    w = tp.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.normal_()
    with tp.no_grad():
        assert w.normal_(0.0, 0.02) is w
    assert w.requires_grad and w.is_leaf and np.abs(w.numpy()).max() > 0
    data_view = tp.zeros(4, requires_grad=True)
    data_view.data.uniform_(1.0, 2.0)
    assert data_view.numpy().min() >= 1.0

# --- PyTorch as an oracle: dtypes, shapes and the errors ----------------------------------------------------------
ORACLE = [   # (expression over `m`: tinygrad_pool or torch), its dtype, shape and range checked against PyTorch's
    "m.zeros(50, dtype=m.int64).geometric_(0.5)", "m.zeros(50, dtype=m.bool).bernoulli_(0.5)",
    "m.zeros(50, dtype=m.uint8).random_()", "m.zeros(50).random_(-3, 2)", "m.zeros(50, dtype=m.int32).random_(7)",
    "m.bernoulli(m.full((3, 4), 0.5, dtype=m.float64))", "m.multinomial(m.ones(2, 5), 3)",
    "m.poisson(m.ones(3, dtype=m.float64))", "m.randint_like(m.zeros(3, dtype=m.int32), 2, 9)",
    "m.rand(size=(2, 3))", "m.zeros(4).exponential_()", "m.zeros(4).cauchy_()",
]

@pytest.mark.parametrize("expression", ORACLE)
def test_against_pytorch(expression):
    torch = pytest.importorskip("torch")
    ours, theirs = eval(expression, {"m": tp}), eval(expression, {"m": torch})
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and tuple(ours.shape) == tuple(theirs.shape)
    for values in (ours.numpy(), theirs.numpy()):
        assert np.isfinite(values.astype(np.float64)).all()

def test_pytorch_refuses_what_we_refuse():
    torch = pytest.importorskip("torch")
    for expression in ("m.zeros(3, dtype=m.int64).normal_()", "m.zeros(3).uniform_(2, 1)", "m.zeros(3).bernoulli_(1.5)",
                       "m.zeros(3).geometric_(0)", "m.zeros(3).exponential_(0)", "m.zeros(3).random_(2, 2)",
                       "m.multinomial(m.tensor([0.0, 1.0]), 3)", "m.poisson(m.tensor([-1.0]))"):
        for module in (tp, torch):
            with pytest.raises((RuntimeError, TypeError, ValueError, NotImplementedError)):
                eval(expression, {"m": module})

# --- bad input ----------------------------------------------------------------------------------------------------
v = tp.zeros(3)
BAD = {
    "normal_ of integers": (lambda: tp.zeros(3, dtype=tp.int64).normal_(), TypeError, "must be float32 or float64"),
    "normal_ with a negative std": (lambda: v.normal_(0.0, -1.0), ValueError, "std=-1.0 must be at least 0"),
    "normal_ with a string mean": (lambda: v.normal_("0"), TypeError, "mean must be a number"),
    "uniform_ from above to": (lambda: v.uniform_(2.0, 1.0), ValueError, "from_=2.0 must be at most to=1.0"),
    "exponential_ with lambd 0": (lambda: v.exponential_(0), ValueError, "lambd=0 must be greater than 0"),
    "exponential_ of integers": (lambda: tp.zeros(2, dtype=tp.int64).exponential_(), TypeError, "continuous"),
    "log_normal_ with std 0": (lambda: v.log_normal_(0.0, 0.0), ValueError, "std=0.0 must be greater than 0"),
    "cauchy_ with sigma 0": (lambda: v.cauchy_(0.0, 0.0), ValueError, "sigma=0.0 must be greater than 0"),
    "geometric_ with p 1": (lambda: v.geometric_(1.0), ValueError, "p=1.0 must be in (0, 1)"),
    "bernoulli_ with p 1.5": (lambda: v.bernoulli_(1.5), ValueError, "p must be in [0, 1], got p=1.5"),
    "bernoulli_ with a NaN p tensor": (lambda: v.bernoulli_(tp.tensor([np.nan])), ValueError, "outside (or NaN)"),
    "bernoulli_ with an integer p tensor": (lambda: v.bernoulli_(tp.tensor([1])), TypeError, "float probabilities"),
    "bernoulli_ with a p that does not fit": (lambda: v.bernoulli_(tp.ones(2) / 2), ValueError, "does not broadcast"),
    "random_ with an empty range": (lambda: v.random_(2, 2), ValueError, "from_=2 must be less than to=2"),
    "random_ beyond uint8": (lambda: tp.zeros(2, dtype=tp.uint8).random_(300), ValueError, "does not fit uint8"),
    "random_ with a float bound": (lambda: v.random_(2.5), TypeError, "to must be an int"),
    "random_ with a generator of numpy": (lambda: v.random_(3, generator=np.random.default_rng()), TypeError,
                                          "generator must be a tinygrad_pool.Generator"),
    "bernoulli of integers": (lambda: tp.bernoulli(tp.tensor([0, 1])), TypeError, "float tensor of probabilities"),
    "bernoulli of 2": (lambda: tp.bernoulli(tp.tensor([0.0, 2.0])), ValueError, "p must be in [0, 1]"),
    "poisson with a negative rate": (lambda: tp.poisson(tp.tensor([-1.0])), ValueError, "every rate must be >= 0"),
    "poisson of integers": (lambda: tp.poisson(tp.tensor([1])), TypeError, "float tensor of rates"),
    "multinomial of 3 dims": (lambda: tp.multinomial(tp.ones(2, 2, 2), 1), ValueError, "1-d or 2-d"),
    "multinomial of zeros": (lambda: tp.multinomial(tp.zeros(3), 1), ValueError, "positive sum"),
    "multinomial with a negative weight": (lambda: tp.multinomial(tp.tensor([1.0, -1.0]), 1), ValueError, ">= 0"),
    "multinomial of integers": (lambda: tp.multinomial(tp.tensor([1, 2]), 1), TypeError, "float tensor of weights"),
    "multinomial too many without replacement": (lambda: tp.multinomial(tp.ones(2), 3), ValueError,
                                                 "cannot draw num_samples=3 without replacement from 2"),
    "multinomial of 0 samples": (lambda: tp.multinomial(tp.ones(2), 0), ValueError, "num_samples=0 must be at least 1"),
    "multinomial replacement 1": (lambda: tp.multinomial(tp.ones(2), 1, 1), TypeError, "replacement must be True"),
    "rand with size twice": (lambda: tp.rand(2, size=(2,)), TypeError, "got the size twice"),
    "zeros with a float size": (lambda: tp.zeros(size=(2.5,)), TypeError, "size must be ints"),
    "randint_like of a list": (lambda: tp.randint_like([1], 3), TypeError, "randint_like: input must be a Tensor"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)

def test_a_refused_fill_draws_nothing():
    tp.manual_seed(9)
    expected = tp.rand(4).numpy()
    tp.manual_seed(9)
    with pytest.raises(RuntimeError):
        tp.zeros(3, requires_grad=True).uniform_()
    np.testing.assert_array_equal(tp.rand(4).numpy(), expected)
