"""Tensors print as in PyTorch: 4 decimals, whole floats with a point, scientific notation across wide ranges,
aligned columns, wrapped rows, summaries of large tensors, and the dtype, device and grad_fn suffixes."""
import numpy as np
import pytest

import tinygrad_pool as tp

EXPECTED = [
    (tp.tensor([1.5, 2.0]), "tensor([1.5000, 2.0000])"),
    (tp.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (tp.tensor([1e-5, 1e5]), "tensor([1.0000e-05, 1.0000e+05])"),
    (tp.tensor([[1.0, -2.5], [3.25, 4]]), "tensor([[ 1.0000, -2.5000],\n        [ 3.2500,  4.0000]])"),
    (tp.tensor([float("nan"), float("inf"), 1.5]), "tensor([   nan,    inf, 1.5000])"),
    (tp.tensor([float("nan"), 1.0]), "tensor([nan, 1.])"),
    (tp.tensor([-0.0, 0.0]), "tensor([-0., 0.])"),
    (tp.tensor(2.5), "tensor(2.5000)"),
    (tp.tensor([]), "tensor([])"),
    (tp.zeros(0, 3), "tensor([], size=(0, 3))"),
    (tp.tensor([True, False]), "tensor([ True, False])"),
    (tp.tensor(np.array([1, 2], np.int32)), "tensor([1, 2], dtype=tinygrad_pool.int32)"),
    (tp.tensor([1.5], dtype=tp.float64), "tensor([1.5000], dtype=tinygrad_pool.float64)"),
    (tp.arange(2000.0), "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        "
                        "1.9990e+03])"),
    (tp.tensor([1.5], requires_grad=True), "tensor([1.5000], requires_grad=True)"),
    (tp.tensor([1.5], requires_grad=True) * 2, "tensor([3.], grad_fn=<MulBackward0>)"),
]

@pytest.mark.parametrize("tensor, text", EXPECTED, ids=[text for _, text in EXPECTED])
def test_tensors_print_as_in_pytorch(tensor, text):
    assert repr(tensor) == text

def test_a_one_element_tensor_formats_as_its_number():
    assert f"{tp.tensor(2.5):.3f}" == "2.500" and f"loss {tp.tensor([0.25]):.2f}" == "loss 0.25"

def test_pytorch_prints_the_same_text():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4, 5)).astype(np.float32), np.arange(1500).reshape(30, 50),
              (np.arange(30.0).reshape(3, 10) * 1.1).astype(np.float32), np.array([1e9, 1.0], np.float32),
              np.array([[1, -20], [300, 4]]), np.array([2.0, 2000.0], np.float32), np.array([1e-3, 5e-5], np.float32),
              rng.standard_normal((40, 40)).astype(np.float32) * 1e3]
    for array in arrays:
        assert repr(tp.tensor(array)) == repr(torch.tensor(array)).replace("torch.", "tinygrad_pool.")

MODULES = ["ReLU()", "ReLU(inplace=True)", "Dropout(0.5)", "MaxPool2d(3, 2, 1)", "AdaptiveAvgPool2d((1, 1))",
           "Linear(4, 2)", "Conv2d(3, 8, 3, padding=1)", "LeakyReLU(0.2, inplace=True)", "LogSoftmax(dim=1)",
           "ConvTranspose2d(8, 4, 4, 2, 1, bias=False)", "Embedding(10, 3)", "PixelShuffle(2)",
           "Upsample(scale_factor=2, mode='nearest')", "MaxUnpool2d(2)", "ReflectionPad2d(2)", "Unflatten(1, (2, 2))",
           "BatchNorm2d(8)", "BatchNorm1d(3, affine=False)", "BatchNorm2d(3, bias=False)", "LayerNorm(8)",
           "LayerNorm(8, bias=False)", "GroupNorm(2, 8)", "GroupNorm(1, 2, affine=False)", "InstanceNorm2d(8)",
           "InstanceNorm2d(3, affine=True, bias=False)"]

@pytest.mark.parametrize("spec", MODULES)
def test_modules_print_as_in_pytorch(spec):
    torch = pytest.importorskip("torch")
    assert repr(eval("tp.nn." + spec)) == repr(eval("torch.nn." + spec))
