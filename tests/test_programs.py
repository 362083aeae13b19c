"""PyTorch-style programs (tests/programs/) run unchanged under tinygrad_pool and train as they do under PyTorch.

Each program picks its framework with one switch line (`TINYGRAD_POOL_PROGRAMS=torch` selects PyTorch), so the
same file is imported twice. Under tinygrad_pool alone, each trains as written (float32) and its loss must be
finite and fall. Where PyTorch is installed, PyTorch's initial weights are copied into our models through numpy,
both train on the same batches, and the loss of every step, the parameters and buffers afterwards and the
eval-mode outputs must agree. Random draws the two frameworks cannot share (the noise of the GAN and the VAE)
come from one numpy stream that replaces `randn` / `randn_like` in both during the test.
"""
import importlib.util
import math
import os
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_pool as tp

PROGRAMS = Path(__file__).resolve().parent / "programs"
SWITCH = "TINYGRAD_POOL_PROGRAMS"
RTOL = 1e-7   # float64 runs of a few steps; see train_both
NAMES = ["lenet5", "nin", "vgg_block", "resnet_block", "dcgan", "vae", "super_resolution"]
NO_DROPOUT = {"nin": dict(dropout=0.0), "vgg_block": dict(dropout=0.0)}   # for comparisons with PyTorch

def load_program(name, framework):
    """tests/programs/<name>.py imported afresh with its switch line set to `framework` ("torch" or "ours")."""
    spec = importlib.util.spec_from_file_location(f"program_{name}_{framework}", PROGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # pickle finds the program's classes by the module's name
    old = os.environ.get(SWITCH)
    os.environ[SWITCH] = framework
    try:
        spec.loader.exec_module(module)
    finally:
        if old is None:
            del os.environ[SWITCH]
        else:
            os.environ[SWITCH] = old
    return module

def torch_installed():
    return importlib.util.find_spec("torch") is not None

def pair(name):
    """(our program, PyTorch's program); the caller has checked that PyTorch is installed."""
    return load_program(name, "ours"), load_program(name, "torch")

def copy_weights(source, target):
    """PyTorch's state dict, through numpy, into our module."""
    state = {key: value.detach().cpu().numpy().copy() for key, value in source.state_dict().items()}
    target.load_state_dict({key: tp.from_numpy(array) for key, array in state.items()})

def numpy_state(module):
    return {key: np.asarray(value.detach().cpu().numpy()) for key, value in module.state_dict().items()}

class NoiseStream:
    """Standard normal draws of `dtype` from a seeded numpy generator, in the shapes the program asks for, as
    `randn(*size)` and `randn_like(tensor)` of the framework `module`."""
    def __init__(self, module, dtype, seed=0):
        self.module, self.dtype, self.rng = module, dtype, np.random.default_rng(seed)

    def draw(self, shape):
        return self.module.from_numpy(self.rng.standard_normal(tuple(shape)).astype(self.dtype))

    def randn(self, *size, **options):
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        return self.draw(shape)

    def randn_like(self, tensor, **options):
        return self.draw(tensor.shape)

def share_noise(monkeypatch, frameworks, dtype):
    for framework in frameworks:
        stream = NoiseStream(framework, dtype)
        monkeypatch.setattr(framework, "randn", stream.randn)
        monkeypatch.setattr(framework, "randn_like", stream.randn_like)

def as_tuple(models):
    return models if isinstance(models, tuple) else (models,)

def as_built(models):
    """The tuple of as_tuple back in the form `build` returns: one model, or a tuple of them."""
    return models if len(models) > 1 else models[0]

def widened(arrays):
    return tuple(array.astype(np.float64) if array.dtype == np.float32 else array for array in arrays)

def build_both(name, build_options):
    """(our program, PyTorch's program, our models, its models) with PyTorch's initial weights in ours."""
    ours, theirs = pair(name)
    our_models, their_models = as_tuple(ours.build(**build_options)), as_tuple(theirs.build(**build_options))
    for source, target in zip(their_models, our_models):
        copy_weights(source, target)
    return ours, theirs, our_models, their_models

def train_both(name, steps, batches=2, build_options=None, train_options=None):
    """Program `name` built under both frameworks, PyTorch's initial weights copied into ours, both models
    widened to float64 and trained on the same batches; checks the losses and the state afterwards and returns
    (our program, our model(s), our losses, PyTorch's program, its model(s), its losses).

    float64, because in float32 Adam turns rounding-level gradients (a convolution bias in front of BatchNorm
    has a gradient of exactly 0 in theory) into steps of the learning rate's size, in arbitrary directions;
    in float64 the two runs agree to about 1e-10."""
    ours, theirs, our_models, their_models = build_both(name, build_options or {})
    for model in our_models + their_models:
        model.double()
    data = widened(ours.fake_data(batches))
    our_losses = ours.train_steps(as_built(our_models), data, steps, **(train_options or {}))
    their_losses = theirs.train_steps(as_built(their_models), data, steps, **(train_options or {}))
    np.testing.assert_allclose(our_losses, their_losses, rtol=RTOL)
    for source, target in zip(their_models, our_models):
        check_state(target, source)
    return ours, as_built(our_models), our_losses, theirs, as_built(their_models), their_losses

def check_state(our_model, their_model):
    """Parameters and buffers (BatchNorm's running statistics and counts) after training."""
    ours, theirs = numpy_state(our_model), numpy_state(their_model)
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=RTOL, atol=1e-9, err_msg=key)

@pytest.mark.parametrize("name, train_options", [
    ("lenet5", dict(lr=0.3)), ("nin", {}), ("vgg_block", {}), ("resnet_block", {}), ("dcgan", {}), ("vae", {}),
    ("super_resolution", {})])
def test_program_trains_in_float32(name, train_options):
    """The program as written (float32, dropout on), under tinygrad_pool alone, five steps on one batch: the
    losses are finite and the last is below the first (a GAN's need not be)."""
    program = load_program(name, "ours")
    losses = np.array(program.train_steps(program.build(), program.fake_data(1), 5, **train_options))
    assert np.isfinite(losses).all(), losses
    if name != "dcgan":
        assert losses[-1] < losses[0], losses

@pytest.mark.parametrize("name", NAMES)
def test_first_step_in_float32_matches_torch(name, monkeypatch):
    """The first step's loss in float32, as written, before Adam can amplify rounding."""
    torch = pytest.importorskip("torch")
    share_noise(monkeypatch, [tp, torch], np.float32)
    ours, theirs, our_models, their_models = build_both(name, NO_DROPOUT.get(name, {}))
    data = ours.fake_data(1)
    np.testing.assert_allclose(ours.train_steps(as_built(our_models), data, 1),
                               theirs.train_steps(as_built(their_models), data, 1), rtol=1e-5)

@pytest.mark.parametrize("name", NAMES)
def test_program_runs_as_a_script(name, monkeypatch, capsys):
    monkeypatch.delenv(SWITCH, raising=False)
    runpy.run_path(str(PROGRAMS / f"{name}.py"), run_name="__main__")
    assert "loss" in capsys.readouterr().out.lower()

def test_lenet5_trains_as_in_torch():
    pytest.importorskip("torch")
    ours, net, _, theirs, their_net, _ = train_both("lenet5", steps=4)
    images = widened(ours.fake_data(1))[0]
    np.testing.assert_allclose(ours.predict(net, images), theirs.predict(their_net, images), rtol=RTOL)

def test_lenet5_counts_correct_predictions():
    program = load_program("lenet5", "ours")
    net, data = program.build(), program.fake_data(2)
    assert program.evaluate_accuracy(net, data) == (program.predict(net, data[0]).argmax(1) == data[1]).mean()

def test_lenet5_prints_layer_shapes():
    program = load_program("lenet5", "ours")
    shapes = program.layer_shapes(program.build())
    assert shapes[0] == ("Conv2d", (1, 6, 28, 28)) and shapes[6] == ("Flatten", (1, 400))
    assert shapes[-1] == ("Linear", (1, 10)) and len(shapes) == 12

def test_nin_trains_as_in_torch():
    pytest.importorskip("torch")
    ours, net, _, theirs, their_net, _ = train_both("nin", steps=4, build_options=dict(dropout=0.0))
    images = widened(ours.fake_data(1))[0]
    np.testing.assert_allclose(ours.predict(net, images), theirs.predict(their_net, images), rtol=RTOL)
    test_data = widened(ours.fake_data(2, seed=1))
    np.testing.assert_allclose(ours.test(net, test_data), theirs.test(their_net, test_data), rtol=RTOL)

def test_nin_dropout_is_off_in_eval_mode():
    program = load_program("nin", "ours")
    net, images = program.build(dropout=0.5), program.fake_data(1)[0]
    np.testing.assert_array_equal(program.predict(net, images), program.predict(net, images))

def test_vgg_block_trains_as_in_torch():
    pytest.importorskip("torch")
    ours, model, _, theirs, their_model, _ = train_both("vgg_block", steps=4, build_options=dict(dropout=0.0))
    images = widened(ours.fake_data(1))[0]
    np.testing.assert_allclose(ours.predict(model, images), theirs.predict(their_model, images), rtol=RTOL)

def test_vgg_block_counts_correct_predictions_as_the_tutorial_does():
    program = load_program("vgg_block", "ours")
    model, data = program.build(), program.fake_data(2)
    expected = 100 * (program.predict(model, data[0]).argmax(1) == data[1]).mean()
    assert program.accuracy(model, data) == pytest.approx(expected)

def test_vgg_block_clips_gradients_as_in_torch():
    if torch_installed():
        train_both("vgg_block", steps=4, build_options=dict(dropout=0.0), train_options=dict(clip=0.5))
    else:
        program = load_program("vgg_block", "ours")
        losses = program.train_steps(program.build(), program.fake_data(1), 3, clip=0.5)
        assert np.isfinite(losses).all()

def test_resnet_block_trains_as_in_torch():
    pytest.importorskip("torch")
    ours, net, _, theirs, their_net, _ = train_both("resnet_block", steps=4)
    images = widened(ours.fake_data(1))[0]
    np.testing.assert_allclose(ours.predict(net, images), theirs.predict(their_net, images), rtol=RTOL)

def test_resnet_block_checkpoint_loads_in_both(tmp_path):
    """Our checkpoint file loads back under tinygrad_pool and, where it is installed, under PyTorch."""
    program = load_program("resnet_block", "ours")
    net, images = program.build(), program.fake_data(1)[0]
    program.save_checkpoint(net, 3, tmp_path / "resnet.pt")
    reloaded, epoch, optimizer = program.load_checkpoint(tmp_path / "resnet.pt")
    assert epoch == 3 and optimizer is None
    np.testing.assert_array_equal(program.predict(reloaded, images), program.predict(net, images))
    if torch_installed():
        theirs = load_program("resnet_block", "torch")
        their_net, epoch, _ = theirs.load_checkpoint(tmp_path / "resnet.pt")
        assert epoch == 3
        np.testing.assert_allclose(theirs.predict(their_net, images), program.predict(net, images), rtol=1e-5,
                                   atol=1e-6)

def test_resnet_block_resumes_from_a_checkpoint(tmp_path):
    """Two steps, a checkpoint with the optimizer's state, two more steps from the checkpoint: the same losses as
    four steps in one go."""
    program = load_program("resnet_block", "ours")
    data = program.fake_data(2)
    straight = program.build()
    expected = program.train_steps(straight, data, 4)
    net = program.build()
    optimizer = program.make_optimizer(net)
    first = program.train_steps(net, data, 2, optimizer=optimizer)
    program.save_checkpoint(net, 1, tmp_path / "resume.pt", optimizer=optimizer)
    net, epoch, optimizer = program.load_checkpoint(tmp_path / "resume.pt")
    assert epoch == 1
    second = program.train_steps(net, data, 2, optimizer=optimizer)
    np.testing.assert_allclose(first + second, expected, rtol=1e-6)

def test_resnet_block_cosine_schedule_as_in_torch():
    if torch_installed():
        train_both("resnet_block", steps=4, train_options=dict(cosine_steps=4))
    else:
        program = load_program("resnet_block", "ours")
        assert np.isfinite(program.train_steps(program.build(), program.fake_data(1), 2, cosine_steps=2)).all()

def test_dcgan_trains_as_in_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    share_noise(monkeypatch, [tp, torch], np.float64)
    ours, (netG, _), _, theirs, (their_netG, _), _ = train_both("dcgan", steps=4)
    noise = np.random.default_rng(1).standard_normal((2, ours.nz, 1, 1))
    samples = ours.generate(netG, noise)
    assert samples.shape == (2, 3, 16, 16) and np.abs(samples).max() <= 1
    np.testing.assert_allclose(samples, theirs.generate(their_netG, noise), rtol=RTOL, atol=1e-12)

def test_dcgan_initialises_and_saves(tmp_path):
    program = load_program("dcgan", "ours")
    netG, netD = program.build()
    weight = netD.main[0].weight.numpy()
    assert abs(weight.std() - 0.02) < 0.005 and abs(weight.mean()) < 0.005
    assert abs(netG.main[1].weight.numpy().mean() - 1) < 0.01 and not netG.main[1].bias.numpy().any()
    program.save_models(netG, netD, tmp_path, 0)
    assert list(tp.load(tmp_path / "netG_epoch_0.pth"))[0] == "main.0.weight"
    fresh = program.Discriminator()
    fresh.load_state_dict(tp.load(tmp_path / "netD_epoch_0.pth"))
    np.testing.assert_array_equal(fresh.main[0].weight.numpy(), weight)

def test_dcgan_initialises_through_data():
    program = load_program("dcgan", "ours")
    netG, netD = program.build(init=program.weights_init_data)
    assert abs(netD.main[0].weight.numpy().std() - 0.02) < 0.005 and not netG.main[1].bias.numpy().any()

def test_vae_trains_as_in_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    share_noise(monkeypatch, [tp, torch], np.float64)
    ours, model, _, theirs, their_model, _ = train_both("vae", steps=4)
    z = np.random.default_rng(1).standard_normal((3, 20))
    images = ours.sample(model, z)
    assert images.shape == (3, 1, 28, 28) and ((images >= 0) & (images <= 1)).all()
    np.testing.assert_allclose(images, theirs.sample(their_model, z), rtol=RTOL)
    test_data = widened(ours.fake_data(1, seed=1))
    loss, comparison = ours.test(model, test_data)
    their_loss, their_comparison = theirs.test(their_model, test_data)
    assert comparison.shape == (8, 1, 28, 28)
    np.testing.assert_allclose(loss, their_loss, rtol=RTOL)
    np.testing.assert_allclose(comparison, their_comparison, rtol=RTOL)

def test_super_resolution_trains_as_in_torch():
    pytest.importorskip("torch")
    ours, model, losses, theirs, their_model, _ = train_both("super_resolution", steps=4)
    assert all(10 * math.log10(1 / mse) > 0 for mse in losses)
    test_data = widened(ours.fake_data(1, seed=1))
    np.testing.assert_allclose(ours.psnr(model, test_data), theirs.psnr(their_model, test_data), rtol=RTOL)
    high = ours.upscale(model, test_data[0][0])
    assert high.shape == (24, 24) and high.min() >= 0 and high.max() <= 255
    np.testing.assert_allclose(high, theirs.upscale(their_model, test_data[0][0]), rtol=RTOL, atol=1e-9)

def test_super_resolution_checkpoint_is_the_whole_model(tmp_path):
    program = load_program("super_resolution", "ours")
    model, image = program.build(), program.fake_data(1)[0][0]
    program.checkpoint(model, tmp_path / "model_epoch_1.pth")
    reloaded = tp.load(tmp_path / "model_epoch_1.pth", weights_only=False)
    assert type(reloaded) is program.Net
    np.testing.assert_array_equal(program.upscale(reloaded, image), program.upscale(model, image))

def test_super_resolution_exports_to_onnx(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    program = load_program("super_resolution", "ours")
    model, images = program.build(), program.fake_data(1)[0]
    program.export_onnx(model, tmp_path / "super_resolution.onnx")
    runtime = onnxruntime.InferenceSession(str(tmp_path / "super_resolution.onnx"))
    (high,) = runtime.run(None, {"input": images})
    with tp.no_grad():
        expected = model(tp.from_numpy(images)).numpy()
    # atol: where a CPU takes Winograd's F(4x4, 3x3), its 3x3 layers round to a few 1e-6 of their outputs' scale,
    # here about 1 (docs/convolution.md), and some outputs are near 0
    np.testing.assert_allclose(high, expected, rtol=1e-4, atol=1e-5)

def test_super_resolution_data_is_block_averages():
    program = load_program("super_resolution", "ours")
    inputs, targets = program.fake_data(1)
    np.testing.assert_allclose(inputs, targets.reshape(4, 1, 8, 3, 8, 3).mean(axis=(3, 5)), rtol=1e-6)
