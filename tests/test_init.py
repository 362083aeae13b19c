"""nn.init: the bounds and spreads of each initialisation (against its formula and PyTorch's gains and fans),
the exact ones (eye_, dirac_, orthogonal_), in-place writing on both devices, seeding, and bad arguments."""
import math

import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool.nn import init
from conftest import assert_bad_input

def test_calculate_gain_matches_pytorch():
    torch = pytest.importorskip("torch")
    for nonlinearity in init.NONLINEARITIES:
        assert init.calculate_gain(nonlinearity) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))

def test_fans_match_pytorch():
    torch = pytest.importorskip("torch")
    for shape in ((5, 3), (8, 4, 3, 3), (2, 6, 3), (4, 2, 1, 2, 3)):
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init.fans(tp.zeros(shape)) == expected

@pytest.mark.parametrize("shape, call, low, high, std", [
    ((400, 400), lambda t: init.uniform_(t, -0.5, 2.0), -0.5, 2.0, 2.5 / math.sqrt(12)),
    ((400, 400), lambda t: init.normal_(t, 1.0, 0.3), None, None, 0.3),
    ((400, 400), lambda t: init.trunc_normal_(t, 0.0, 1.0, -1.0, 1.5), -1.0, 1.5, None),
    # fan_in 1600: bound sqrt(3) * gain / 40 with leaky_relu's gain for slope 0.1
    ((200, 1600), lambda t: init.kaiming_uniform_(t, a=0.1), -math.sqrt(3) * math.sqrt(2 / 1.01) / 40,
     math.sqrt(3) * math.sqrt(2 / 1.01) / 40, math.sqrt(2 / 1.01) / 40),
    # fan_out 400 * 2 * 2 = 1600
    ((400, 100, 2, 2), lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), None, None,
     math.sqrt(2) / 40),
    ((1600, 1600), lambda t: init.xavier_uniform_(t, gain=2.0), -2 * math.sqrt(6 / 3200), 2 * math.sqrt(6 / 3200),
     None),
    ((1600, 1600), init.xavier_normal_, None, None, math.sqrt(2 / 3200)),
])
def test_random_initialisations_have_their_bounds_and_spread(shape, call, low, high, std):
    tensor = tp.zeros(*shape)
    out = call(tensor)
    assert out is tensor and tensor.dtype == tp.float32
    values = tensor.numpy()
    if low is not None:
        assert values.min() >= low - 1e-7 and values.max() <= high + 1e-7
        assert values.min() < low + 0.05 * (high - low) and values.max() > high - 0.05 * (high - low)
    if std is not None:
        assert values.std() == pytest.approx(std, rel=0.03)

@pytest.mark.parametrize("dtype", [tp.float32, tp.float64])
def test_draws_fill_views_of_either_dtype_in_place(dtype):
    """A contiguous tensor is drawn into where it lies; a view that is not (a transpose, a slice of columns)
    gets the same draws through a copy, and the rest of its base stays as it was."""
    base = tp.zeros(300, 200, dtype=dtype)
    init.uniform_(base.T, 1.0, 3.0)
    values = base.numpy()
    assert values.dtype == dtype and values.min() >= 1.0 and values.max() < 3.0
    assert values.mean() == pytest.approx(2.0, abs=0.01)
    init.normal_(base[:, :100], -5.0, 0.5)
    assert values[:, :100].mean() == pytest.approx(-5.0, abs=0.01) and values[:, :100].std() == pytest.approx(
        0.5, rel=0.03)
    assert values[:, 100:].min() >= 1.0

def test_initialisations_write_tensors_on_every_device(device):
    """Small shapes: under the CUDA simulator every element is a Python thread."""
    for call in (init.uniform_, init.normal_, init.kaiming_uniform_, init.xavier_normal_, init.orthogonal_,
                 init.eye_, lambda t: init.constant_(t, 2.0)):
        tensor = tp.zeros(3, 4, device=device)
        assert call(tensor) is tensor and tensor.device == device and tensor.numpy().any()
    assert init.dirac_(tp.zeros(2, 2, 3, device=device)).numpy().sum() == 2

def test_exact_initialisations():
    assert init.eye_(tp.zeros(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert init.constant_(tp.zeros(2), 0.5).tolist() == [0.5, 0.5] and init.ones_(tp.zeros(1)).tolist() == [1]
    # 2 groups of 3 outputs over 2 inputs each: outputs 0, 1 and 3, 4 pass inputs 0, 1 and 2, 3; 2 and 5 are 0
    weight = init.dirac_(tp.zeros(6, 2, 3, 3), groups=2)
    x = tp.randn(1, 4, 5, 5)
    out = F.conv2d(x, weight, padding=1, groups=2)
    for output, source in ((0, 0), (1, 1), (3, 2), (4, 3)):
        np.testing.assert_allclose(out[0, output].numpy(), x[0, source].numpy())
    assert np.abs(out[0, 2].numpy()).max() == 0 and np.abs(out[0, 5].numpy()).max() == 0
    for shape in ((3, 5), (5, 3), (4, 2, 2)):
        q = init.orthogonal_(tp.zeros(*shape, dtype=tp.float64), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-12)

def test_initialisation_is_in_place_seeded_and_records_no_tape():
    weight = nn.Parameter(tp.zeros(3, 4))
    storage = weight.numpy()
    tp.manual_seed(3)
    init.normal_(weight)
    assert np.shares_memory(storage, weight.numpy()) and storage.std() > 0
    assert weight.is_leaf and weight.grad is None
    first = storage.copy()
    tp.manual_seed(3)
    np.testing.assert_array_equal(init.normal_(tp.zeros(3, 4)).numpy(), first)

def test_module_defaults_use_kaiming_uniform():
    tp.manual_seed(0)
    layer = nn.Conv2d(3, 8, 3)
    bound = 1 / math.sqrt(27)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    tp.manual_seed(0)
    again = nn.Conv2d(3, 8, 3)
    np.testing.assert_array_equal(layer.weight.numpy(), again.weight.numpy())
    layer.reset_parameters()
    assert not np.array_equal(layer.weight.numpy(), again.weight.numpy())

BAD = {
    "uniform_ of a list": (lambda: init.uniform_([1.0]), TypeError, "uniform_: tensor must be a Tensor"),
    "uniform_ of int64": (lambda: init.uniform_(tp.zeros(2, dtype=tp.int64)), TypeError, "float32 or float64"),
    "uniform_ with a above b": (lambda: init.uniform_(tp.zeros(2), 2.0, 1.0), ValueError, "must not be greater"),
    "normal_ with std -1": (lambda: init.normal_(tp.zeros(2), 0.0, -1.0), ValueError, "std=-1.0 must be at least 0"),
    "kaiming_uniform_ of a vector": (lambda: init.kaiming_uniform_(tp.zeros(3)), ValueError, "at least 2 dims"),
    "kaiming_normal_ with mode 'fan'": (lambda: init.kaiming_normal_(tp.zeros(3, 3), mode="fan"), ValueError,
                                        "mode='fan'"),
    "kaiming_uniform_ with nonlinearity 'gelu'": (lambda: init.kaiming_uniform_(tp.zeros(3, 3),
                                                                                nonlinearity="gelu"),
                                                  ValueError, "nonlinearity='gelu'"),
    "eye_ of a 3-d tensor": (lambda: init.eye_(tp.zeros(2, 2, 2)), ValueError, "needs a 2-d tensor"),
    "dirac_ of a matrix": (lambda: init.dirac_(tp.zeros(2, 2)), ValueError, "3-, 4- or 5-d"),
    "dirac_ with groups not dividing": (lambda: init.dirac_(tp.zeros(3, 1, 3), groups=2), ValueError,
                                        "groups=2 must divide"),
    "trunc_normal_ with a >= b": (lambda: init.trunc_normal_(tp.zeros(2), a=1.0, b=1.0), ValueError, "a < b"),
    "constant_ with a string": (lambda: init.constant_(tp.zeros(2), "a"), TypeError, "val must be a number"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_arguments_are_named(case):
    assert_bad_input(case, BAD)
