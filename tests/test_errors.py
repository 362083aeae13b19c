"""Bad inputs to the public API: each row is a call, the exception it must raise, and a phrase of the message.

The message must name the argument or value and say what was expected; it must come from the argument checks,
before any kernel runs (a numpy or Numba error here would mean a check is missing). Pooling and convolution
have their own tables in test_pooling.py and test_conv.py; files and checkpoints in test_datasets.py and
test_serialization.py.
"""
import numpy as np
import pytest

import tinygrad_pool as tp
import tinygrad_pool.nn as nn
import tinygrad_pool.nn.functional as F
from tinygrad_pool import optim
from conftest import assert_bad_input

x = tp.randn(2, 3, 4)
v = tp.tensor([1.0, 2.0])
logits, labels = tp.randn(4, 3), tp.tensor([0, 2, 1, 1])

def params():
    return [nn.Parameter(tp.ones(2))]

CASES = {
    # tensor creation
    "tensor of complex": (lambda: tp.tensor(1j), TypeError, "complex"),
    "tensor of a string": (lambda: tp.tensor("a"), TypeError, "dtype <U1"),
    "tensor of None": (lambda: tp.tensor(None), TypeError, "dtype object"),
    "tensor of ragged lists": (lambda: tp.tensor([[1, 2], [3]]), ValueError, "inhomogeneous"),
    "tensor of a uint64 above int64": (lambda: tp.tensor(np.array([2**64 - 1], np.uint64)), ValueError,
                                       "does not fit int64"),
    "tensor of a python int above int64": (lambda: tp.tensor([2**63]), ValueError, "does not fit int64"),
    "tensor of a huge python int": (lambda: tp.tensor([2**70]), ValueError, "does not fit int64"),
    "tensor of NaN as int64": (lambda: tp.tensor([float("nan")], dtype=tp.int64), ValueError, "cannot convert nan"),
    "tensor of inf as int64": (lambda: tp.tensor([float("inf")], dtype=tp.int64), ValueError, "cannot convert inf"),
    "tensor of 1e19 as int64": (lambda: tp.tensor([1e19], dtype=tp.int64), ValueError, "out of range"),
    "tensor with a bad dtype": (lambda: tp.tensor([1], dtype="complex64"), TypeError, "unknown dtype"),
    "tensor with numpy's int32": (lambda: tp.tensor([1], dtype=np.int32), TypeError, "unsupported dtype int32"),
    "requires_grad a string": (lambda: tp.ones(2, requires_grad="yes"), TypeError, "requires_grad must be True"),
    "requires_grad an int": (lambda: tp.tensor([1.0], requires_grad=1), TypeError, "requires_grad must be True"),
    "requires_grad on int64": (lambda: tp.tensor([1], requires_grad=True), TypeError, "floating-point"),
    "zeros of a float size": (lambda: tp.zeros(2.5), TypeError, "size must be ints, got 2.5"),
    "zeros of a string size": (lambda: tp.zeros("3"), TypeError, "size must be ints, got '3'"),
    "zeros of a bool size": (lambda: tp.zeros(True), TypeError, "size must be ints, got True"),
    "zeros of None": (lambda: tp.zeros(None), TypeError, "size must be ints, got None"),
    "zeros of a negative size": (lambda: tp.zeros(2, -1), ValueError, "negative entry -1"),
    "ones of a float in a tuple": (lambda: tp.ones((2, 1.0)), TypeError, "size must be ints"),
    "randn as int64": (lambda: tp.randn(2, 3, dtype=tp.int64), TypeError, "dtype must be float32 or float64"),
    "rand as bool": (lambda: tp.rand(2, dtype=tp.bool), TypeError, "dtype must be float32 or float64"),
    "full of complex": (lambda: tp.full((2, 2), 1j), TypeError, "fill_value must be a number"),
    "full of a string": (lambda: tp.full((2,), "a"), TypeError, "fill_value must be a number"),
    "full of NaN as int64": (lambda: tp.full((2,), float("nan"), dtype=tp.int64), ValueError, "fill_value=nan"),
    "full of a float size": (lambda: tp.full(2.0, 1.0), TypeError, "size must be ints"),
    "arange of a string": (lambda: tp.arange("a"), TypeError, "end must be a number"),
    "arange to inf": (lambda: tp.arange(0, float("inf")), ValueError, "end=inf must be finite"),
    "arange with step 0": (lambda: tp.arange(0, 5, 0), ValueError, "step must be non-zero"),
    "zeros_like of a list": (lambda: tp.zeros_like([1, 2]), TypeError, "zeros_like: input must be a Tensor"),
    "full_like of an array": (lambda: tp.full_like(np.ones(2), 1.0), TypeError, "full_like: input must be a Tensor"),
    "from_numpy of a list": (lambda: tp.from_numpy([1.0]), TypeError, "expected a numpy array"),
    # conversion to python values
    "bool of two elements": (lambda: bool(tp.tensor([1.0, 2.0])), ValueError, "this one has 2"),
    "bool of no element": (lambda: bool(tp.tensor([])), ValueError, "this one has 0"),
    "float of two elements": (lambda: float(v), ValueError, "float() needs a tensor with one element"),
    "item of two elements": (lambda: v.item(), ValueError, "item() needs a tensor with one element"),
    "index of a float tensor": (lambda: [1, 2][tp.tensor(1.0)], TypeError, "only integer tensors"),
    # gradients
    "grad of an int tensor": (lambda: setattr(nn.Parameter(tp.ones(2)), "grad", tp.tensor([1, 2])), ValueError,
                              "dtype int64"),
    "grad of a wrong shape": (lambda: setattr(nn.Parameter(tp.ones(2)), "grad", tp.ones(3)), ValueError,
                              "shape (3,)"),
    "grad of a list": (lambda: setattr(nn.Parameter(tp.ones(2)), "grad", [1.0, 2.0]), TypeError,
                       "grad must be a Tensor or None"),
    # reductions
    "sum with keepdim a string": (lambda: x.sum(keepdim="no"), TypeError, "keepdim must be True or False"),
    "sum over a repeated dim": (lambda: x.sum(dim=(0, 0)), ValueError, "names dim 0 more than once"),
    "sum over dim 0 and -3": (lambda: x.sum(dim=(0, -3)), ValueError, "more than once"),
    "sum over a float dim": (lambda: x.sum(1.0), TypeError, "dim must be an int, got 1.0"),
    "sum over dim 3 of 3": (lambda: x.sum(3), IndexError, "dim=3 is out of range"),
    "mean of int64": (lambda: tp.tensor([1, 2]).mean(), TypeError, "floating-point"),
    "max of an empty tensor": (lambda: tp.zeros(0).max(), ValueError, "empty tensor"),
    "max with keepdim a string": (lambda: x.max(1, keepdim="x"), TypeError, "keepdim must be True or False"),
    "argmax of an empty tensor": (lambda: tp.zeros(0).argmax(), ValueError, "empty tensor"),
    # movement
    "reshape to None": (lambda: x.reshape(None), TypeError, "size must be ints, got None"),
    "view as a float": (lambda: x.view(24.0), TypeError, "size must be ints, got 24.0"),
    "reshape with two -1": (lambda: x.reshape(-1, -1), ValueError, "cannot reshape"),
    "reshape to -2": (lambda: x.reshape(-2, 12), ValueError, "negative entry -2"),
    "permute by a float": (lambda: x.permute(1.5, 0, 2), TypeError, "dim must be an int, got 1.5"),
    "permute repeating a dim": (lambda: x.permute(0, 0, 1), ValueError, "not a permutation"),
    "expand by a float": (lambda: v.expand(2.0, 2), TypeError, "size must be ints"),
    "flatten with start after end": (lambda: x.flatten(2, 1), ValueError, "start_dim=2 comes after end_dim=1"),
    "transpose by a float": (lambda: x.transpose(1.0, 0), TypeError, "dim must be an int"),
    "pad by an int": (lambda: F.pad(x, 1), TypeError, "pad must be a tuple of ints"),
    "pad by floats": (lambda: F.pad(x, (1.5, 1)), TypeError, "pad must be a tuple of ints"),
    "pad of odd length": (lambda: F.pad(x, (1,)), ValueError, "even length"),
    "pad with a string value": (lambda: F.pad(x, (1, 1), value="a"), TypeError, "value must be a number"),
    "pad with an unknown mode": (lambda: F.pad(x, (1, 1), mode="wrap"), ValueError, "mode='wrap'"),
    "pad of a list": (lambda: F.pad([1.0], (1, 1)), TypeError, "pad: input must be a Tensor"),
    "cat of a tensor": (lambda: tp.cat(x), TypeError, "tensors must be a list or tuple of Tensors"),
    "cat with a list inside": (lambda: tp.cat([v, [2.0]]), TypeError, "tensors[1] must be a Tensor"),
    "cat of nothing": (lambda: tp.cat([]), ValueError, "at least one tensor"),
    "stack with None inside": (lambda: tp.stack([v, None]), TypeError, "tensors[1] must be a Tensor"),
    # elementwise
    "clamp by a string": (lambda: x.clamp(min="a"), TypeError, "clamp: min must be a number"),
    "clamp by a tensor": (lambda: x.clamp(max=x), TypeError, "clamp: max must be a number"),
    "clamp by nothing": (lambda: x.clamp(), ValueError, "at least one of min and max"),
    "where on a float condition": (lambda: tp.where(tp.ones(2), v, v), TypeError, "condition must be a bool"),
    "where of two numbers": (lambda: tp.where(v > 1, 1.0, 0.0), TypeError, "input or other must be a Tensor"),
    "add a string": (lambda: v + "a", TypeError, "unsupported operand"),
    "add mismatched shapes": (lambda: v + tp.ones(3), ValueError, "do not broadcast"),
    # activations
    "relu of a list": (lambda: F.relu([1.0, -1.0]), TypeError, "relu: input must be a Tensor"),
    "sigmoid of None": (lambda: F.sigmoid(None), TypeError, "sigmoid: input must be a Tensor"),
    "softmax of an array": (lambda: F.softmax(np.ones(3), 0), TypeError, "softmax: input must be a Tensor"),
    "log_softmax over a string dim": (lambda: F.log_softmax(x, "a"), TypeError, "dim must be an int, got 'a'"),
    "softmax of int64": (lambda: F.softmax(tp.tensor([1, 2]), 0), TypeError, "floating-point"),
    "dropout with a string p": (lambda: F.dropout(x, "a"), TypeError, "dropout: p must be a number"),
    "dropout with p 1.5": (lambda: F.dropout(x, 1.5), ValueError, "p=1.5"),
    "dropout with training a string": (lambda: F.dropout(x, 0.5, training="yes"), TypeError,
                                       "training must be True or False"),
    # matmul and linear
    "linear without a weight": (lambda: F.linear(x, None), TypeError, "linear: weight must be a Tensor"),
    "linear of a list": (lambda: F.linear([1.0, 2.0], tp.ones(3, 2)), TypeError, "linear: input must be a Tensor"),
    "linear with a float64 bias": (lambda: F.linear(tp.randn(2, 3), tp.randn(4, 3), tp.randn(4, dtype=tp.float64)),
                                   TypeError, "float32, float32, float64"),
    "linear of int64": (lambda: F.linear(tp.tensor([[1, 2]]), tp.tensor([[1, 2]])), TypeError,
                        "share one float dtype"),
    "linear of a wrong width": (lambda: F.linear(tp.randn(2, 3), tp.randn(4, 2)), ValueError, "does not fit weight"),
    "matmul of float32 and float64": (lambda: tp.randn(2, 3) @ tp.randn(3, 4, dtype=tp.float64), TypeError,
                                      "float32 and float64"),
    "matmul of a 0-d tensor": (lambda: tp.tensor(2.0) @ v, ValueError, "at least 1 dim"),
    # losses
    "nll_loss of a list target": (lambda: F.nll_loss(logits, [0, 2, 1, 3]), TypeError,
                                  "nll_loss: target must be a Tensor"),
    "nll_loss of a float target": (lambda: F.nll_loss(logits, tp.tensor([0.0, 1, 2, 1])), TypeError,
                                   "int64 class indices"),
    "nll_loss of a target out of range": (lambda: F.nll_loss(logits, tp.tensor([0, 1, 3, 1])), ValueError,
                                          "target 3 is out of range"),
    "nll_loss with reduction 'avg'": (lambda: F.nll_loss(logits, labels, reduction="avg"), ValueError,
                                      "reduction='avg'"),
    "cross_entropy of a 1-d input and a 1-d target": (lambda: F.cross_entropy(tp.randn(3), tp.tensor([1])),
                                                      ValueError, "a (C,) input takes a 0-d target"),
    "cross_entropy of int64 scores": (lambda: F.cross_entropy(tp.tensor([[1, 2]]), tp.tensor([0])), TypeError,
                                      "cross_entropy: input must be float32 or float64"),
    "mse_loss of a list target": (lambda: F.mse_loss(v, [1.0, 2.0]), TypeError, "mse_loss: target must be a Tensor"),
    "mse_loss of different shapes": (lambda: F.mse_loss(tp.ones(3), tp.ones(2)), ValueError, "equal shapes"),
    # normalisation
    "batch_norm with a negative eps": (lambda: F.batch_norm(tp.randn(4, 3), tp.zeros(3), tp.ones(3), eps=-2),
                                       ValueError, "eps=-2 must be at least 0"),
    "batch_norm with training a string": (lambda: F.batch_norm(tp.randn(4, 3), None, None, training="y"),
                                          TypeError, "training must be True or False"),
    "batch_norm in eval without statistics": (lambda: F.batch_norm(tp.randn(4, 3), None, None), ValueError,
                                              "running_mean and running_var are needed"),
    "batch_norm with a wrong running_mean": (lambda: F.batch_norm(tp.randn(4, 3), tp.zeros(2), tp.ones(3)),
                                             ValueError, "running_mean must have shape (3,)"),
    "batch_norm of a 1-d input": (lambda: F.batch_norm(tp.randn(4), tp.zeros(4), tp.ones(4)), ValueError,
                                  "(N, C, ...)"),
    # modules
    "Linear with -1 inputs": (lambda: nn.Linear(-1, 3), ValueError, "in_features=-1 must be at least 0"),
    "Linear with 2.5 inputs": (lambda: nn.Linear(2.5, 3), TypeError, "in_features must be an int, got 2.5"),
    "Linear with bias a string": (lambda: nn.Linear(2, 3, bias="no"), TypeError, "bias must be True or False"),
    "Conv2d with a 3.5 kernel": (lambda: nn.Conv2d(1, 4, 3.5), TypeError, "kernel_size must be an int or a tuple"),
    "Conv2d with -4 outputs": (lambda: nn.Conv2d(1, -4, 3), ValueError, "out_channels=-4 must be at least 0"),
    "Conv2d with a 0 kernel": (lambda: nn.Conv2d(1, 4, 0), ValueError, "kernel_size must be positive"),
    "Conv2d with stride 0": (lambda: nn.Conv2d(1, 4, 3, stride=0), ValueError, "stride must be positive"),
    "Conv2d with groups 0": (lambda: nn.Conv2d(2, 4, 3, groups=0), ValueError, "groups=0 must be at least 1"),
    "Conv2d with groups not dividing": (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "must divide"),
    "Conv2d with padding 'full'": (lambda: nn.Conv2d(1, 4, 3, padding="full"), ValueError, "padding='full'"),
    "Conv2d with 'same' and stride 2": (lambda: nn.Conv2d(1, 4, 3, stride=2, padding="same"), ValueError,
                                        "needs stride 1"),
    "Conv2d with a negative padding": (lambda: nn.Conv2d(1, 4, 3, padding=-1), ValueError, "non-negative"),
    "Conv2d with padding_mode 'wrap'": (lambda: nn.Conv2d(1, 4, 3, padding_mode="wrap"), ValueError,
                                        "padding_mode='wrap'"),
    "Conv1d with a 2-tuple kernel": (lambda: nn.Conv1d(1, 4, (3, 3)), ValueError, "needs 1 entries"),
    "BatchNorm2d of 0 features": (lambda: nn.BatchNorm2d(0), ValueError, "num_features=0 must be at least 1"),
    "BatchNorm2d with eps a string": (lambda: nn.BatchNorm2d(3, eps="a"), TypeError, "eps must be a number"),
    "BatchNorm2d of a list": (lambda: nn.BatchNorm2d(3)([1.0]), TypeError, "input must be a Tensor"),
    "Dropout with p a string": (lambda: nn.Dropout("a"), TypeError, "Dropout: p must be a number"),
    "Softmax over a float dim": (lambda: nn.Softmax(1.0), TypeError, "dim must be an int"),
    "Flatten from a string dim": (lambda: nn.Flatten("a"), TypeError, "start_dim must be an int"),
    # optimizers
    "SGD of None": (lambda: optim.SGD(None, lr=0.1), TypeError, "params must be an iterable of Tensors"),
    "SGD of a lone tensor": (lambda: optim.SGD(nn.Parameter(tp.ones(2)), lr=0.1), TypeError,
                             "params must be an iterable"),
    "SGD of a list of lists": (lambda: optim.SGD([[1.0]], lr=0.1), TypeError, "parameter 0 must be a Tensor"),
    "SGD of a non-leaf": (lambda: optim.SGD([tp.ones(2, requires_grad=True) * 2], lr=0.1), ValueError,
                          "not a leaf"),
    "SGD of a read-only tensor": (lambda: optim.SGD([_read_only_leaf()], lr=0.1), ValueError, "read-only"),
    "SGD with lr a string": (lambda: optim.SGD(params(), lr="a"), TypeError, "lr must be a number"),
    "SGD with a negative lr": (lambda: optim.SGD(params(), lr=-1), ValueError, "lr=-1"),
    "SGD with nesterov a string": (lambda: optim.SGD(params(), lr=0.1, nesterov="y"), TypeError,
                                   "nesterov must be True or False"),
    "SGD with nesterov and no momentum": (lambda: optim.SGD(params(), lr=0.1, nesterov=True), ValueError,
                                          "momentum > 0"),
    "SGD of a group without params": (lambda: optim.SGD([{"lr": 0.1}]), TypeError, "'params' entry"),
    "Adam with betas a float": (lambda: optim.Adam(params(), betas=0.9), TypeError, "betas must be a pair"),
    "Adam with beta 1.0": (lambda: optim.Adam(params(), betas=(0.9, 1.0)), ValueError, "must lie in [0, 1)"),
    "Adam with betas of strings": (lambda: optim.Adam(params(), betas=("a", 0.9)), TypeError,
                                   "betas must be a number"),
    "Adam with amsgrad None": (lambda: optim.Adam(params(), amsgrad=None), TypeError, "amsgrad must be True"),
    "Adadelta with rho 2": (lambda: optim.Adadelta(params(), rho=2.0), ValueError, "rho=2.0"),
    # data loading
    "DataLoader with batch_size 0": (lambda: tp.DataLoader(np.ones((4, 2)), batch_size=0), ValueError,
                                     "batch_size=0 must be at least 1"),
    "DataLoader with batch_size 2.0": (lambda: tp.DataLoader(np.ones((4, 2)), batch_size=2.0), TypeError,
                                       "batch_size must be an int"),
    "DataLoader with shuffle a string": (lambda: tp.DataLoader(np.ones((4, 2)), shuffle="yes"), TypeError,
                                         "shuffle must be True or False"),
    "DataLoader of arrays of two lengths": (lambda: tp.DataLoader((np.ones(4), np.ones(3))), ValueError,
                                            "one length"),
    "DataLoader of a scalar": (lambda: tp.DataLoader(3.0), ValueError, "first (sample) dim"),
    "DataLoader with a transform that is not callable": (lambda: tp.DataLoader(np.ones(4), transform=1),
                                                         TypeError, "transform must be callable"),
    "DataLoader to an unknown device": (lambda: tp.DataLoader(np.ones(4), device="tpu"), ValueError,
                                        "unknown device 'tpu'"),
    "StepLR with step 0": (lambda: optim.lr_scheduler.StepLR(optim.SGD(params(), lr=0.1), 0), ValueError,
                           "step_size=0 must be at least 1"),
    "StepLR with gamma a string": (lambda: optim.lr_scheduler.StepLR(optim.SGD(params(), lr=0.1), 1, gamma="a"),
                                   TypeError, "gamma must be a number"),
    "StepLR of None": (lambda: optim.lr_scheduler.StepLR(None, 1), TypeError, "optimizer must be an Optimizer"),
    # autograd, seeding and module state
    "backward with retain_graph a string": (lambda: (tp.ones(2, requires_grad=True) * 2).sum().backward(
        retain_graph="x"), TypeError, "retain_graph must be True or False"),
    "backward of a tensor without grad": (lambda: tp.ones(2).sum().backward(), RuntimeError,
                                          "does not require grad"),
    "backward of a vector without a gradient": (lambda: (tp.ones(2, requires_grad=True) * 2).backward(),
                                                RuntimeError, "needs a gradient argument"),
    "manual_seed of a string": (lambda: tp.manual_seed("a"), TypeError, "seed must be an int"),
    "manual_seed of -1": (lambda: tp.manual_seed(-1), ValueError, "seed=-1 must be at least 0"),
    "a cast to an unknown dtype": (lambda: x.type("a"), TypeError, "unknown dtype 'a'"),
    "a cast to float16": (lambda: x.type("float16"), TypeError, "unknown dtype 'float16'"),
    "half()": (lambda: x.half(), TypeError, "float16 tensors are not supported"),
    "a tensor on an unknown device": (lambda: tp.ones(2, device="tpu"), ValueError, "unknown device 'tpu'"),
    "train with mode a string": (lambda: nn.Linear(2, 2).train("yes"), TypeError, "mode must be True or False"),
    "load_state_dict with strict a string": (lambda: nn.Linear(2, 2).load_state_dict({}, strict="x"), TypeError,
                                             "strict must be True or False"),
    "register_buffer of a list": (lambda: nn.Module().register_buffer("b", [1]), TypeError,
                                  "buffer 'b' must be a Tensor"),
}

def _read_only_leaf():
    array = np.ones(3, np.float32)
    array.flags.writeable = False
    leaf = tp.from_numpy(array)
    leaf.requires_grad = True
    return leaf

@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_a_clear_error(case):
    assert_bad_input(case, CASES)
