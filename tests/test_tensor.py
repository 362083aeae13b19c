"""Construction, dtypes, conversion, interop, repr and the errors users meet first."""
import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import Tensor
from conftest import CUDA, SIMULATED

def test_default_dtypes_follow_pytorch():
    assert Tensor([1.0, 2.0]).dtype == tp.float32
    assert Tensor([1, 2]).dtype == tp.int64
    assert Tensor([True]).dtype == tp.bool
    assert Tensor(np.zeros(3)).dtype == tp.float64
    assert Tensor(np.zeros(3, np.uint8)).dtype == tp.uint8       # as torch.tensor keeps them
    assert Tensor(np.zeros(3, np.int32)).dtype == tp.int32
    assert Tensor(np.zeros(3, np.int16)).dtype == tp.int64       # a dtype not held here widens
    assert Tensor(2.5).shape == ()
    assert Tensor([[1, 2]], dtype=tp.float64).dtype == np.float64

@pytest.mark.parametrize("bad", [["a", "b"], np.array([1 + 2j]), [object()]])
def test_unsupported_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match="dtype"):
        Tensor(bad)

def test_unknown_dtype_and_device_are_named():
    with pytest.raises(TypeError, match="float16"):
        Tensor([1.0], dtype=np.float16)
    with pytest.raises(ValueError, match="'tpu'"):
        Tensor([1.0], device="tpu")

def test_only_floats_require_grad():
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2], requires_grad=True)

def test_creation_functions(device):
    assert tp.zeros(2, 3, device=device).numpy().tolist() == [[0, 0, 0]] * 2
    assert tp.ones((2,), dtype=tp.int64, device=device).tolist() == [1, 1]
    assert tp.full((2, 2), 7, device=device).dtype == tp.int64
    assert tp.full(3, 0.5, device=device).tolist() == [0.5] * 3
    assert tp.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert tp.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    tp.manual_seed(0)
    a = tp.randn(3, 4, device=device).numpy()
    tp.manual_seed(0)
    assert np.array_equal(a, tp.randn(3, 4, device=device).numpy())
    r = tp.rand(1000).numpy()
    assert r.min() >= 0 and r.max() < 1
    x = tp.ones(2, 3, dtype=tp.float64, device=device)
    for like in (tp.zeros_like(x), tp.ones_like(x), tp.randn_like(x), tp.rand_like(x), tp.full_like(x, 2.0)):
        assert like.shape == (2, 3) and like.dtype == tp.float64 and like.device == x.device

def test_conversion_and_interop(device):
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and len(x) == 2 and x.size(1) == 2
    assert np.asarray(x).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.sum().item() == 10.0 and isinstance(x.sum().item(), float)
    assert x.to("cpu").device == "cpu" and x.cpu().to(device).device == device
    assert x.to(tp.float64).dtype == tp.float64 and x.long().dtype == tp.int64 and x.double().float().dtype == tp.float32
    with pytest.raises(ValueError, match="one element"):
        x.item()

def test_from_numpy_shares_memory():
    a = np.zeros(3, np.float32)
    t = tp.from_numpy(a)
    a[0] = 5
    assert t.tolist() == [5, 0, 0]

@pytest.mark.cuda
@pytest.mark.skipif(not CUDA or SIMULATED, reason="needs a real GPU: simulator arrays have no such interface")
def test_cuda_array_interface():
    from numba import cuda
    x = Tensor([[1.0, 2.0]], device="cuda")
    interface = x.__cuda_array_interface__
    assert tuple(interface["shape"]) == (1, 2) and np.dtype(interface["typestr"]) == np.float32
    assert cuda.as_cuda_array(x).copy_to_host().tolist() == [[1.0, 2.0]]
    assert not hasattr(Tensor([1.0]), "__cuda_array_interface__")

def test_repr_reads_like_pytorch():
    assert repr(Tensor([[1.0, 2.0]], requires_grad=True)) == "tensor([[1., 2.]], requires_grad=True)"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=tinygrad_pool.float64" in repr(Tensor([1.0], dtype=tp.float64))
    assert "grad_fn=<MulBackward0>" in repr(Tensor([1.0], requires_grad=True) * 2)

@pytest.mark.skipif(not CUDA, reason="no CUDA")
def test_mixing_devices_is_an_error_naming_them():
    with pytest.raises(ValueError, match="different devices"):
        Tensor([1.0]) + Tensor([1.0], device="cuda")

def test_detach_and_clone(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    assert not x.detach().requires_grad
    y = x.clone()
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]

def test_creation_keeps_values_or_refuses():
    assert tp.tensor(np.float64(1e300)).dtype == tp.float64 and tp.tensor(np.float64(1e300)).item() == 1e300
    assert tp.tensor(np.float32(2.0)).dtype == tp.float32 and tp.tensor(1e300).dtype == tp.float32
    assert tp.tensor(np.array([5], np.uint64)).tolist() == [5] and tp.tensor([2**63 - 1]).item() == 2**63 - 1
    assert tp.tensor(np.array([1.5], np.float16)).dtype == tp.float32
    assert tp.tensor([1.9, -1.9], dtype=tp.int64).tolist() == [1, -1]
    assert tp.full((2,), 3).dtype == tp.int64 and tp.full((2,), True).dtype == tp.bool
    assert tp.full((2,), 2.0, dtype=tp.int64).tolist() == [2, 2]

def test_python_conversions_of_one_element_tensors():
    assert bool(tp.tensor([0.0])) is False and bool(tp.tensor(2.0)) is True and bool(tp.tensor([[True]]))
    assert float(tp.tensor([2.5])) == 2.5 and int(tp.tensor(3.9)) == 3
    assert [10, 20, 30][tp.tensor(2)] == 30
    with pytest.raises(ValueError, match="this one has 3"):
        if tp.tensor([1.0, 2.0, 3.0]) > 0:
            pass
