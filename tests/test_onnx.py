"""ONNX export: small CNN programs, one module per supported op and property tests of the pooling and convolution
geometry, exported and run in onnxruntime and compared with our own forward pass; dynamic axes, names, node scopes,
file outputs, the errors (unsupported ops, values frozen off the tape) and the bad-argument table.

The tests need the `onnx` package (they skip without it) and run the graphs in `onnxruntime` where it is installed.
"""
import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import nn
from tinygrad_pool.onnx import export
from conftest import assert_bad_input, examples

onnx = pytest.importorskip("onnx")

@pytest.fixture(autouse=True)
def seeded():
    """Every module starts from the same weights, run after run."""
    tp.manual_seed(0)

def exported(model, args, **options):
    """The ONNX model `export` writes for `model` on `args`, as a ModelProto."""
    buffer = io.BytesIO()
    export(model, args, buffer, **options)
    return onnx.load_from_string(buffer.getvalue())

def run_onnx(proto, *arrays):
    """The outputs of onnxruntime on `proto` for inputs `arrays`, in the graph's input order."""
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, arrays)))

def ours(model, *inputs):
    with tp.no_grad():
        out = model(*inputs)
    return [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]

def assert_runs_alike(model, *inputs, rtol=1e-4, atol=1e-5, **options):
    """Export `model` on `inputs`, run the graph and compare with our forward pass in eval mode."""
    proto = exported(model, inputs, **options)
    model.eval()
    for got, want in zip(run_onnx(proto, *(t.numpy() for t in inputs)), ours(model, *inputs)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    return proto

def randn(*shape, seed=0):
    return tp.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))

# --- the CNN programs ----------------------------------------------------------------------------------------------
class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.sigmoid(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x))))), dim=1)

def conv_bn_net():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(8, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))

def dcgan_generator(nz=8, ngf=4):
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=False), nn.Tanh())

def train_statistics(model, x, steps=3):
    """A few training-mode passes, so that BatchNorm's running statistics are no longer 0 and 1."""
    model.train()
    for _ in range(steps):
        model(x)

def test_lenet_matches_onnxruntime():
    model = LeNet()
    proto = assert_runs_alike(model, randn(2, 1, 28, 28))
    assert [n.op_type for n in proto.graph.node][:3] == ["Conv", "Relu", "MaxPool"]

def test_conv_bn_relu_pool_net_exports_in_eval_mode_and_keeps_the_modules_modes():
    model = conv_bn_net()
    x = randn(4, 3, 10, 10)
    train_statistics(model, x)
    model.train()
    before = model[1].running_mean.numpy().copy()
    proto = exported(model, x)
    assert model.training and model[1].training   # the modes come back as they were
    np.testing.assert_array_equal(model[1].running_mean.numpy(), before)   # no statistics were blended in
    assert "BatchNormalization" in [n.op_type for n in proto.graph.node]
    model.eval()
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-4, atol=1e-5)

def test_mlp_with_dropout_exports_its_inference_graph():
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2), nn.Softmax(dim=1))
    assert_runs_alike(model, randn(5, 6))

def test_dcgan_generator_with_dynamic_batch():
    model = dcgan_generator()
    noise = randn(2, 8, 1, 1)
    train_statistics(model, noise)
    proto = exported(model, noise, input_names=["z"], output_names=["image"],
                     dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}})
    model.eval()
    other = randn(5, 8, 1, 1, seed=1)
    got = run_onnx(proto, other.numpy())[0]
    assert got.shape == (5, 3, 16, 16)
    np.testing.assert_allclose(got, ours(model, other)[0], rtol=1e-4, atol=1e-5)
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"

@pytest.mark.parametrize("dynamic_axes", [{"x": {0: "n"}, "y": {0: "n"}}, {"x": [0], "y": [0]}])
def test_dynamic_batch_runs_with_another_batch_size(dynamic_axes):
    model = LeNet()
    proto = exported(model, randn(2, 1, 28, 28), input_names=["x"], output_names=["y"], dynamic_axes=dynamic_axes)
    for batch in (1, 7):
        x = randn(batch, 1, 28, 28, seed=batch)
        np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-4, atol=1e-5)
    label = proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param
    assert label == ("n" if isinstance(dynamic_axes["x"], dict) else "x_dynamic_axes_1")

def test_dynamic_spatial_dims_of_a_fully_convolutional_net():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.Tanh())
    proto = exported(model, randn(1, 1, 6, 6), input_names=["x"], dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}})
    x = randn(3, 1, 9, 5)
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-4, atol=1e-5)

def test_dynamic_spatial_dims_through_slices_and_global_pooling():
    model = Lambda(lambda x: F.adaptive_avg_pool2d(F.max_pool2d(x[:, :, 1:, ::2], 2), 1) + x[:, :, -1:, :1].mean())
    proto = exported(model, randn(2, 3, 8, 8), input_names=["x"], dynamic_axes={"x": [0, 2, 3]})
    x = randn(1, 3, 13, 11)
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-4, atol=1e-5)

@pytest.mark.parametrize("make", [lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
                                  lambda x: F.adaptive_avg_pool2d(x, 3), lambda x: F.max_pool2d(x, 2, ceil_mode=True),
                                  lambda x: F.pad(x, (1, 1, 1, 1), mode="reflect")])
def test_size_dependent_tables_with_dynamic_spatial_dims_are_an_error(make):
    with pytest.raises(ValueError, match="depends on the dynamic axes"):
        exported(Lambda(make), randn(1, 2, 5, 5), input_names=["x"], dynamic_axes={"x": {2: "h", 3: "w"}})

def test_a_model_on_any_device_exports_the_same_graph(device):
    model = conv_bn_net()
    x = randn(2, 3, 6, 6)
    train_statistics(model, x)
    reference = run_onnx(exported(model, x), x.numpy())[0]
    model.to(device)
    proto = exported(model, x.to(device), input_names=["x"], dynamic_axes={"x": [0]})
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], reference, rtol=1e-4, atol=1e-5)

def test_parameter_and_buffer_names_become_initializers():
    model = conv_bn_net()
    proto = exported(model, randn(1, 3, 8, 8))
    names = {init.name for init in proto.graph.initializer}
    assert {"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "9.weight", "9.bias"} <= names
    weight = next(i for i in proto.graph.initializer if i.name == "0.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight), model[0].weight.numpy())

def test_export_params_false_makes_parameters_graph_inputs():
    model = nn.Sequential(nn.Linear(3, 2))
    proto = exported(model, randn(4, 3), export_params=False)
    assert [i.name for i in proto.graph.input] == ["input_0", "0.weight", "0.bias"]
    assert not proto.graph.initializer
    x = randn(4, 3)
    got = run_onnx(proto, x.numpy(), model[0].weight.numpy(), model[0].bias.numpy())[0]
    np.testing.assert_allclose(got, ours(model, x)[0], rtol=1e-5, atol=1e-6)

def test_extra_input_names_name_the_parameter_inputs_or_are_ignored():
    model, x = nn.Sequential(nn.Linear(3, 2)), randn(4, 3)
    proto = exported(model, x, input_names=["x", "w"], export_params=False)
    assert [i.name for i in proto.graph.input] == ["x", "w", "0.bias"]
    got = run_onnx(proto, x.numpy(), model[0].weight.numpy(), model[0].bias.numpy())[0]
    np.testing.assert_allclose(got, ours(model, x)[0], rtol=1e-5, atol=1e-6)
    assert [i.name for i in exported(model, x, input_names=["x", "w"]).graph.input] == ["x"]

def test_input_and_output_names_and_defaults():
    class TwoInTwoOut(nn.Module):
        def forward(self, a, b):
            return a + b, a * b
    a, b = randn(2, 3), randn(2, 3, seed=1)
    proto = assert_runs_alike(TwoInTwoOut(), a, b, input_names=["left"], output_names=["sum", "product"])
    assert [i.name for i in proto.graph.input] == ["left", "input_1"]
    assert [o.name for o in proto.graph.output] == ["sum", "product"]
    assert [o.name for o in exported(TwoInTwoOut(), (a, b)).graph.output] == ["output_0", "output_1"]

def test_an_output_that_is_an_input_or_repeated():
    class PassThrough(nn.Module):
        def forward(self, x):
            y = x.relu()
            return x, y, y
    x = randn(3)
    proto = exported(PassThrough(), x)
    got = run_onnx(proto, x.numpy())
    np.testing.assert_array_equal(got[0], x.numpy())
    np.testing.assert_array_equal(got[1], np.maximum(x.numpy(), 0))
    np.testing.assert_array_equal(got[2], got[1])

def test_writes_to_a_path_and_to_a_file_object(tmp_path):
    model, x = LeNet(), randn(1, 1, 28, 28)
    path = tmp_path / "lenet.onnx"
    assert export(model, x, path) is None
    export(model, (x,), str(tmp_path / "again.onnx"))
    with open(tmp_path / "file.onnx", "wb") as handle:
        export(model, x, handle)
    for name in ("lenet.onnx", "again.onnx", "file.onnx"):
        proto = onnx.load(str(tmp_path / name))
        onnx.checker.check_model(proto)
        np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-4, atol=1e-5)

def test_export_inside_no_grad_and_of_frozen_parameters():
    model = nn.Sequential(nn.Linear(3, 3), nn.Tanh()).requires_grad_(False)
    x = randn(2, 3)
    with tp.no_grad():
        proto = exported(model, x)
        assert not tp.is_grad_enabled()
    assert {i.name for i in proto.graph.initializer} == {"0.weight", "0.bias"}
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], ours(model, x)[0], rtol=1e-5, atol=1e-6)

def test_verbose_prints_the_graph(capsys):
    exported(nn.Sequential(nn.ReLU()), randn(2), verbose=True)
    assert "Relu" in capsys.readouterr().out

def test_importing_the_library_does_not_import_onnx():
    code = "import sys, tinygrad_pool; assert 'onnx' not in sys.modules and tinygrad_pool.onnx.export"
    subprocess.run([sys.executable, "-c", code], check=True)

# --- one module per op ---------------------------------------------------------------------------------------------
class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *inputs):
        return self.fn(*inputs)

OPS = {
    "add_sub_mul_div": lambda x: (x + 1.5) * x - x / 3.0 + 2 / (x.abs() + 1),
    "pow_neg_exp_log_sqrt": lambda x: -(x.abs() + 0.5) ** 1.7 + (x.exp() + 1).log() + (x.abs() + 1).sqrt(),
    "maximum_minimum": lambda x: tp.Tensor.maximum(x, x * 0.3) + tp.Tensor.minimum(x, -x),
    "clamp": lambda x: x.clamp(-0.5, 0.7) + x.clamp(min=0.1) + x.clamp(max=-0.2),
    "where": lambda x: tp.where(x > 0, x, x * 0.1),
    "relu_sigmoid_tanh": lambda x: F.relu(x) + F.sigmoid(x) + F.tanh(x),
    "leaky_relu_elu_celu_selu": lambda x: F.leaky_relu(x, 0.2) + F.elu(x, 0.7) + F.celu(x, 1.3) + F.selu(x),
    "gelu": lambda x: F.gelu(x) + F.gelu(x, approximate="tanh"),
    "silu_mish_softplus": lambda x: F.silu(x) + F.mish(x) + F.softplus(x, beta=2.0, threshold=1.0),
    "hardtanh_relu6_hardswish_hardsigmoid": lambda x: F.hardtanh(x * 3, -2, 2.5) + F.relu6(x * 5) +
        F.hardswish(x * 4) + F.hardsigmoid(x * 4),
    "softsign_logsigmoid": lambda x: F.softsign(x) + F.logsigmoid(x * 3),
    "softmax_log_softmax": lambda x: F.softmax(x, dim=-1) + F.log_softmax(x, dim=1),
    "sum_mean": lambda x: x.sum(dim=(1, 3), keepdim=True) + x.mean() + x.mean(dim=2, keepdim=True),
    "scalar_output": lambda x: x.sum() * 2 + x.max(),
    "max_min": lambda x: x.max() + x.max(dim=1, keepdim=True)[0] + x.min(dim=-1, keepdim=True)[0],
    "reshape_permute_transpose_flatten": lambda x: x.permute(0, 2, 3, 1).reshape(2, -1, 3).transpose(1, 2)
        .flatten(1),
    "expand_unsqueeze_squeeze": lambda x: x[:, :1].expand(2, 3, 4, 5).unsqueeze(0).squeeze(0) * x,
    "getitem": lambda x: x[1, :, 1:4:2, -2:] + x[0, None, ..., 1:3, 0:2],
    "getitem_index_tensor": lambda x: x[:, tp.tensor(np.array([2, 0]))],
    "cat_stack": lambda x: tp.cat([x, x * 2], dim=1) + tp.cat([x, x], 1),
    "pad_constant": lambda x: F.pad(x, (1, 2, 0, 1), value=0.5) + 0.0,
    "pad_crop": lambda x: F.pad(x, (-1, 2, 1, -1)),
    "pad_reflect_replicate_circular": lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect") +
        F.pad(x, (2, 1, 1, 2), mode="replicate") + F.pad(x, (2, 1, 1, 2), mode="circular"),
    "matmul": lambda x: x @ x.transpose(2, 3),
    "linear_3d": lambda x: F.linear(x, tp.ones(2, 5) * 0.5, tp.ones(2)),
    "max_pool_ceil_dilation": lambda x: F.max_pool2d(x, 3, 2, 1, dilation=1, ceil_mode=True) +
        F.max_pool2d(x, 2, 1, 0, dilation=2)[..., :2, :2].sum(),
    "avg_pool_pad": lambda x: F.avg_pool2d(x, 3, 2, 1) + F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    "avg_pool_ceil_divisor": lambda x: F.avg_pool2d(x, 2, 2, 0, ceil_mode=True) +
        F.avg_pool2d(x, 2, 2, 0, ceil_mode=True, divisor_override=3),
    "adaptive_avg_pool": lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    "global_avg_max_pool": lambda x: F.adaptive_avg_pool2d(x, 1) + F.adaptive_max_pool2d(x, 1),
    "adaptive_max_pool_even": lambda x: F.adaptive_max_pool2d(x[..., :4], (2, 2)),
    "lp_pool": lambda x: F.lp_pool2d(x.abs() + 0.1, 2, 2),
    "interpolate_nearest": lambda x: F.interpolate(x, scale_factor=2) + 0 * x.sum(),
    "interpolate_bilinear": lambda x: F.interpolate(x, size=(7, 3), mode="bilinear") +
        F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True),
    "interpolate_bicubic": lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic"),
    "layer_norm": lambda x: F.layer_norm(x, (4, 5)) + F.layer_norm(x, (5,), tp.ones(5) * 2, tp.ones(5)),
    "group_instance_norm": lambda x: F.group_norm(x, 1, tp.ones(3) * 2, tp.ones(3)) + F.instance_norm(x),
    "prelu": lambda x: F.prelu(x, tp.tensor(np.array([0.1, 0.2, 0.3], np.float32))),
    "pixel_shuffle": lambda x: F.pixel_shuffle(tp.cat([x, x, x, x], dim=1), 2),
}

@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_onnxruntime(name):
    x = randn(2, 3, 4, 5)
    assert_runs_alike(Lambda(OPS[name]), x)

def test_trigonometric_and_log1p():
    if not hasattr(tp, "sin"):
        pytest.skip("this build has no sin, cos, sinh, cosh, log1p")
    model = Lambda(lambda x: tp.sin(x) + tp.cos(x) * tp.sinh(x) - tp.cosh(x) + tp.log1p(x.abs()))
    assert_runs_alike(model, randn(3, 4))

@pytest.mark.parametrize("name", ["adaptive_avg_pool", "avg_pool_ceil_divisor", "interpolate_nearest",
                                  "interpolate_bilinear", "interpolate_bicubic"])
def test_inf_and_nan_stay_inside_their_windows(name):
    """The window and tap tables gather only their own inputs: an inf or NaN reaches the outputs that read it, and
    only those. (Max pooling is left out: how a NaN fares in MaxPool is the runtime's choice, see docs/onnx.md.)"""
    data = randn(2, 3, 4, 5).numpy()
    data[0, 0, 0, 0], data[1, 2, 3, 4], data[0, 1, 2, 1] = np.inf, -np.inf, np.nan
    assert_runs_alike(Lambda(OPS[name]), tp.tensor(data))

@pytest.mark.parametrize("opset", [14, 17, 18, 21])
def test_opsets(opset):
    model = Lambda(lambda x: x.sum(dim=1) + x.max(dim=1)[0] + x.mean(dim=1) + F.layer_norm(x, (4,)).sum(1))
    proto = assert_runs_alike(model, randn(3, 4), opset_version=opset)
    assert proto.opset_import[0].version == opset

@pytest.mark.parametrize("layer, shape", [
    (nn.Conv1d(2, 4, 3, stride=2, padding=1), (2, 2, 9)),
    (nn.Conv3d(2, 2, (1, 2, 3), padding=(0, 1, 1)), (2, 2, 3, 4, 5)),
    (nn.Conv2d(4, 6, 3, groups=2, dilation=2, padding=2), (2, 4, 6, 7)),
    (nn.Conv2d(2, 3, 4, padding="same"), (2, 2, 6, 7)),
    (nn.Conv2d(2, 3, 3, stride=2, padding=1, padding_mode="reflect"), (2, 2, 6, 7)),
    (nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, output_padding=1), (2, 2, 9)),
    (nn.ConvTranspose2d(4, 2, 3, stride=2, groups=2, dilation=2), (2, 4, 6, 7)),
    (nn.ConvTranspose3d(2, 2, 2, stride=(1, 2, 2)), (2, 2, 3, 4, 5)),
    (nn.ConvTranspose2d(2, 2, 2, stride=3, output_padding=2), (2, 2, 3, 4)),
    (nn.MaxPool1d(3, 2, 1), (2, 2, 9)), (nn.AvgPool3d(2, ceil_mode=True), (2, 2, 3, 4, 5)),
    (nn.MaxPool3d(2, padding=1), (2, 2, 3, 4, 5)), (nn.BatchNorm1d(2), (2, 2, 9)), (nn.GroupNorm(2, 2), (2, 2, 6, 7)),
    (nn.InstanceNorm2d(2, affine=True), (2, 2, 6, 7)), (nn.LayerNorm(9), (2, 2, 9)),
    (nn.Upsample(scale_factor=2, mode="trilinear"), (2, 2, 3, 4, 5)), (nn.Upsample(size=5, mode="linear"), (2, 2, 9)),
    (nn.PixelShuffle(1), (2, 2, 6, 7)), (nn.ReLU6(), (2, 2, 9)), (nn.PReLU(), (2, 2, 9)),
    (nn.Softmax2d(), (2, 2, 6, 7)),
    (nn.Dropout2d(), (2, 2, 6, 7)),
], ids=lambda value: type(value).__name__ if isinstance(value, nn.Module) else "")
def test_layer_matches_onnxruntime(layer, shape):
    assert_runs_alike(layer, randn(*shape))

@examples(25)
@given(kernel=st.integers(1, 4), stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2),
       ceil_mode=st.booleans(), length=st.integers(5, 9), average=st.booleans(), include_pad=st.booleans())
def test_pooling_windows_property(kernel, stride, padding, dilation, ceil_mode, length, average, include_pad):
    """Any valid max or average pooling exports to a graph that computes what our kernel computes."""
    padding = min(padding, kernel // 2)
    x = randn(1, 2, length, length + 1)
    if average:
        model = Lambda(lambda t: F.avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad))
    else:
        model = Lambda(lambda t: F.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode))
    try:
        model(x)
    except ValueError:   # a configuration PyTorch rejects too (an empty output or window)
        return
    assert_runs_alike(model, x)

@examples(20)
@given(dims=st.integers(1, 3), kernel=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.sampled_from([0, 1, "same"]), dilation=st.integers(1, 2), groups=st.sampled_from([1, 2]),
       transposed=st.booleans())
def test_convolution_geometry_property(dims, kernel, stride, padding, dilation, groups, transposed):
    """Any valid convolution or transposed convolution exports to a graph that computes what ours computes."""
    if transposed:
        layer_class = getattr(nn, f"ConvTranspose{dims}d")
        layer = layer_class(2, 4, kernel, stride, 0 if padding == "same" else padding, stride - 1, groups,
                            dilation=dilation)
    else:
        stride = 1 if padding == "same" else stride
        layer = getattr(nn, f"Conv{dims}d")(2, 4, kernel, stride, padding, dilation, groups)
    assert_runs_alike(layer, randn(*(2, 2) + (7, 6, 8)[:dims]))

# --- errors --------------------------------------------------------------------------------------------------------
def test_an_unsupported_op_names_its_function_its_module_and_the_supported_ones():
    model = nn.Sequential(nn.ReLU(), nn.Sequential(nn.Unfold(2)))
    with pytest.raises(ValueError) as raised:
        exported(model, randn(1, 2, 4, 4))
    message = str(raised.value)
    assert "submodule '1.0' ran Unfold (tinygrad_pool.ops.fold.Unfold)" in message and "Conv" in message
    with pytest.raises(ValueError, match="Lambda.forward ran Unfold"):
        exported(Lambda(lambda x: F.unfold(x, 2)), randn(1, 2, 4, 4))

def test_node_names_carry_their_submodule_and_the_modules_are_left_as_they_were():
    model = conv_bn_net()
    proto = exported(model, randn(1, 3, 8, 8))
    assert proto.graph.node[0].name == "/0/Conv_0" and proto.graph.node[-1].name == "/9/Gemm_0"
    assert all("forward" not in module.__dict__ for module in model.modules())
    names = [n.name for n in exported(LeNet(), randn(1, 1, 28, 28)).graph.node]
    assert names[:4] == ["/conv1/Conv_0", "Relu_0", "MaxPool_0", "/conv2/Conv_1"]

def test_a_tensor_made_off_the_tape_that_changes_with_the_dynamic_axes_is_an_error():
    model = Lambda(lambda x: x + tp.tensor(x.numpy() * 2))
    with pytest.raises(ValueError, match="off the tape"):
        exported(model, randn(2, 3), input_names=["x"], dynamic_axes={"x": {0: "n"}})

def test_an_input_that_reaches_the_outputs_only_off_the_tape_is_an_error():
    model = Lambda(lambda x, index: x[index.numpy()])
    with pytest.raises(ValueError, match="input_1' reaches no output"):
        exported(model, (randn(3, 2), tp.tensor(np.array([2, 0]))))

def test_without_the_onnx_package_export_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        export(nn.ReLU(), randn(2), io.BytesIO())

def test_unknown_dynamic_axes_name_warns_as_pytorch_does():
    with pytest.warns(UserWarning, match="neither an input nor an output"):
        exported(nn.ReLU(), randn(2), dynamic_axes={"nope": {0: "n"}})

BAD = {
    "model not a module": (lambda: export(lambda x: x, randn(2), io.BytesIO()), TypeError, "nn.Module"),
    "args a list of numbers": (lambda: export(nn.ReLU(), [1.0], io.BytesIO()), TypeError, "args[0]"),
    "args empty": (lambda: export(nn.ReLU(), (), io.BytesIO()), TypeError, "non-empty tuple"),
    "args an array": (lambda: export(nn.ReLU(), np.ones(2), io.BytesIO()), TypeError, "args must be a Tensor"),
    "f not writable": (lambda: export(nn.ReLU(), randn(2), 3), TypeError, "binary file object"),
    "opset too old": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), opset_version=9), ValueError,
                      "opset_version=9"),
    "opset a float": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), opset_version=17.0), TypeError,
                      "opset_version must be an int"),
    "input_names a str": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), input_names="x"), TypeError,
                          "input_names must be a list"),
    "too many output_names": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), output_names=["a", "b"]),
                              ValueError, "output_names has 2"),
    "repeated names": (lambda: export(Lambda(lambda a, b: a + b), (randn(2), randn(2)), io.BytesIO(),
                                      input_names=["a", "a"]), ValueError, "repeats a name"),
    "dynamic_axes a list": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), dynamic_axes=["input_0"]),
                            TypeError, "dynamic_axes must be a dict"),
    "dynamic dim out of range": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(),
                                                dynamic_axes={"input_0": {1: "n"}}), ValueError, "has 1 dims"),
    "dynamic label not a str": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(),
                                               dynamic_axes={"input_0": {0: 5}}), TypeError, "str label"),
    "dynamic dims not a dict or list": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(),
                                                       dynamic_axes={"input_0": 0}), TypeError, "a list of dims"),
    "verbose not a bool": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), verbose=1), TypeError, "verbose"),
    "export_params not a bool": (lambda: export(nn.ReLU(), randn(2), io.BytesIO(), export_params="no"), TypeError,
                                 "export_params"),
    "model returns a number": (lambda: export(Lambda(lambda x: 3), randn(2), io.BytesIO()), TypeError,
                               "output 0 is int"),
    "uneven adaptive max pool": (lambda: export(nn.AdaptiveMaxPool2d(3), randn(1, 1, 5, 5), io.BytesIO()),
                                 ValueError, "unequal sizes"),
    "boolean mask index": (lambda: export(Lambda(lambda x: x[tp.tensor(np.array([True, False]))]), randn(2, 2),
                                          io.BytesIO()), ValueError, "indexing with"),
}

@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(case):
    assert_bad_input(case, BAD)
