"""Devices and the module conveniences PyTorch programs use: tp.device, tp.cuda, tp.accelerator,
tp.backends.cudnn/mps, device= and dtype= on module constructors, Module.to/cpu/double/apply/add_module."""
import collections
import pickle

import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool import nn
from conftest import CUDA, assert_bad_input

def test_device_objects_read_as_pytorchs():
    cuda = tp.device("cuda:0")
    assert (cuda.type, cuda.index, str(cuda), repr(cuda)) == ("cuda", 0, "cuda:0", "device(type='cuda', index=0)")
    assert repr(tp.device("cuda")) == "device(type='cuda')" and tp.device("cuda").index is None
    assert tp.device("cuda", 0) == "cuda" == tp.device("cuda") and tp.device("cpu") == "cpu"
    assert tp.device("cpu") != "cuda" and repr(tp.zeros(1).device) == "device(type='cpu')"
    assert pickle.loads(pickle.dumps(cuda)) == cuda and tp.device(cuda) is cuda
    assert tp.zeros(1, device=tp.device("cpu")).device == "cpu"

def test_the_usual_device_choice_of_pytorch_programs_runs():
    use_cuda = tp.cuda.is_available()
    use_accel = tp.accelerator.is_available()
    assert use_cuda == use_accel == CUDA and tp.cuda.device_count() == int(CUDA)
    device = tp.accelerator.current_accelerator() if use_accel else tp.device("cpu")
    assert device == ("cuda" if CUDA else "cpu")
    assert not tp.backends.mps.is_available()
    tp.backends.cudnn.benchmark = True        # accepted, no effect
    tp.backends.cudnn.deterministic = True
    tp.cuda.synchronize()
    tp.cuda.manual_seed(1)

def test_module_constructors_take_device_and_dtype(device):
    layer = nn.Linear(3, 2, device=device, dtype=tp.float64)
    assert layer.weight.device == device and layer.weight.dtype == tp.float64 and layer.bias.dtype == tp.float64
    norm = nn.BatchNorm2d(4, device=device)
    assert norm.running_mean.device == device and norm.num_batches_tracked.dtype == tp.int64
    assert nn.Conv2d(1, 2, 3, dtype=tp.float64).weight.dtype == tp.float64

def test_module_to_cpu_double_float(device):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.to(device) is model and all(p.device == device for p in model.parameters())
    model.double()
    assert {p.dtype for p in model.parameters()} == {tp.float64}
    assert model[1].num_batches_tracked.dtype == tp.int64            # integer buffers keep their dtype
    model.to(device, tp.float32)
    assert {p.dtype for p in model.parameters()} == {tp.float32}
    assert all(p.device == "cpu" for p in model.cpu().parameters())

def test_apply_add_module_and_register_parameter():
    seen = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model.add_module("head", nn.Linear(2, 1))
    model.register_parameter("scale", nn.Parameter(np.ones(1, np.float32)))

    def init(module):
        seen.append(type(module).__name__)
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)
    assert model.apply(init) is model
    assert seen == ["Linear", "ReLU", "Linear", "Sequential"]
    assert (model.head.weight.numpy() == 0).all() and "scale" in dict(model.named_parameters())

def test_iterators_and_state_dict_types_match_pytorchs():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    assert isinstance(model.state_dict(), collections.OrderedDict)
    assert not isinstance(model.parameters(), list) and len(list(model.parameters())) == 4
    assert len(list(model.parameters(recurse=False))) == 0
    assert isinstance(model[0:1], nn.Sequential) and len(model[0:1]) == 1
    assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())

BAD = {
    "an unknown device": (lambda: tp.device("tpu"), ValueError, "unknown device 'tpu'"),
    "a second GPU": (lambda: tp.device("cuda:1"), ValueError, "one GPU is supported"),
    "a bad index": (lambda: tp.device("cuda:x"), ValueError, "no valid index"),
    "a number as device": (lambda: tp.device(3), TypeError, "expected a string"),
    "an integer dtype for a module": (lambda: nn.Linear(2, 2, dtype=tp.int64), TypeError,
                                      "dtype must be float32 or float64"),
    "add_module of a tensor": (lambda: nn.Sequential().add_module("x", tp.zeros(1)), TypeError,
                               "must be a Module or None"),
}

@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, BAD)
