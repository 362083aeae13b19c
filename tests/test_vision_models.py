"""tinygrad_pool.vision.models: torchvision's state dict keys and shapes, derived here from the published
architectures, and (where PyTorch is installed) the same forward pass as the nets built in plain torch.nn."""
import numpy as np
import pytest

import tinygrad_pool as tp
from tinygrad_pool.vision import models

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")

def batch_norm_keys(prefix, channels):
    return {f"{prefix}.{name}": ((channels,) if name != "num_batches_tracked" else ()) for name in BN}

def resnet_keys(blocks, num_classes):
    """torchvision's BasicBlock ResNet: a stem, four stages of blocks, the first block of stages 2-4 (stride 2)
    with a 1x1 downsample."""
    keys = {"conv1.weight": (64, 3, 7, 7), **batch_norm_keys("bn1", 64)}
    inplanes = 64
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks), start=1):
        for b in range(count):
            p = f"layer{stage}.{b}"
            keys[f"{p}.conv1.weight"] = (planes, inplanes, 3, 3)
            keys.update(batch_norm_keys(f"{p}.bn1", planes))
            keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            keys.update(batch_norm_keys(f"{p}.bn2", planes))
            if b == 0 and inplanes != planes:
                keys[f"{p}.downsample.0.weight"] = (planes, inplanes, 1, 1)
                keys.update(batch_norm_keys(f"{p}.downsample.1", planes))
            inplanes = planes
    keys.update({"fc.weight": (num_classes, 512), "fc.bias": (num_classes,)})
    return keys

def vgg_keys(layout, batch_norm, num_classes):
    keys, index, channels = {}, 0, 3
    for v in layout:
        if v == "M":
            index += 1
            continue
        keys[f"features.{index}.weight"], keys[f"features.{index}.bias"] = (v, channels, 3, 3), (v,)
        if batch_norm:
            keys.update(batch_norm_keys(f"features.{index + 1}", v))
        index += 3 if batch_norm else 2
        channels = v
    for i, (out, inp) in zip((0, 3, 6), ((4096, 25088), (4096, 4096), (num_classes, 4096))):
        keys[f"classifier.{i}.weight"], keys[f"classifier.{i}.bias"] = (out, inp), (out,)
    return keys

VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
ALEXNET = {"features.0.weight": (64, 3, 11, 11), "features.0.bias": (64,),
           "features.3.weight": (192, 64, 5, 5), "features.3.bias": (192,),
           "features.6.weight": (384, 192, 3, 3), "features.6.bias": (384,),
           "features.8.weight": (256, 384, 3, 3), "features.8.bias": (256,),
           "features.10.weight": (256, 256, 3, 3), "features.10.bias": (256,),
           "classifier.1.weight": (4096, 9216), "classifier.1.bias": (4096,),
           "classifier.4.weight": (4096, 4096), "classifier.4.bias": (4096,),
           "classifier.6.weight": (7, 4096), "classifier.6.bias": (7,)}

def shapes(model):
    return {name: tuple(value.shape) for name, value in model.state_dict().items()}

@pytest.mark.parametrize("build, expected", [
    (lambda: models.resnet18(), resnet_keys((2, 2, 2, 2), 1000)),
    (lambda: models.resnet34(num_classes=10), resnet_keys((3, 4, 6, 3), 10)),
    (lambda: models.vgg11(num_classes=5), vgg_keys(VGG11, False, 5)),
    (lambda: models.vgg16_bn(num_classes=5, init_weights=False), vgg_keys(VGG16, True, 5)),
    (lambda: models.alexnet(num_classes=7), ALEXNET),
], ids=["resnet18", "resnet34", "vgg11", "vgg16_bn", "alexnet"])
def test_state_dict_keys_and_shapes_are_torchvisions(build, expected):
    assert shapes(build()) == expected

def test_resnet50_has_torchvisions_parameter_count_and_bottleneck_names():
    model = models.resnet50()
    state = shapes(model)
    assert state["layer1.0.conv3.weight"] == (256, 64, 1, 1) and state["layer4.2.bn3.running_var"] == (2048,)
    assert state["fc.weight"] == (1000, 2048)
    assert sum(int(np.prod(p.shape)) for p in model.parameters()) == 25557032   # torchvision's documented count

def test_lenet5_is_d2ls_and_maps_a_digit_batch_to_ten_logits():
    net = models.lenet5()
    assert shapes(net) == {"0.weight": (6, 1, 5, 5), "0.bias": (6,), "3.weight": (16, 6, 5, 5), "3.bias": (16,),
                           "7.weight": (120, 400), "7.bias": (120,), "9.weight": (84, 120), "9.bias": (84,),
                           "11.weight": (10, 84), "11.bias": (10,)}
    assert net(tp.randn(2, 1, 28, 28)).shape == (2, 10)

@pytest.mark.parametrize("builder", [models.resnet18, models.resnet34, models.resnet50, models.vgg11,
                                     models.vgg11_bn, models.vgg16, models.vgg16_bn, models.alexnet])
def test_pretrained_weights_are_a_clear_error(builder):
    with pytest.raises(ValueError, match=r"weights='IMAGENET1K_V1': pretrained weights are not bundled.*"
                                         r"load_state_dict\(tinygrad_pool.load"):
        builder(weights="IMAGENET1K_V1")

def test_resnet_initialisation_follows_torchvision():
    model = models.resnet18(zero_init_residual=True)
    assert model.bn1.weight.numpy().tolist() == [1.0] * 64 and not model.layer1[0].bn2.weight.numpy().any()
    std = float(model.layer3[0].conv1.weight.numpy().std())   # kaiming normal, fan_out = 256 * 9
    assert abs(std - np.sqrt(2 / (256 * 9))) < 0.05 * std

# Plain torch.nn versions of the same nets, to compare with when PyTorch is installed.

def torch_resnet(torch, block_counts, num_classes):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, inplanes, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + identity)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            inplanes = 64
            for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), block_counts), start=1):
                stride = 1 if stage == 1 else 2
                blocks = [Block(inplanes, planes, stride)] + [Block(planes, planes, 1) for _ in range(count - 1)]
                setattr(self, f"layer{stage}", nn.Sequential(*blocks))
                inplanes = planes
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))
    return Net()

def torch_vgg(torch, layout, batch_norm, num_classes):
    nn = torch.nn
    layers, channels = [], 3
    for v in layout:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers += [nn.Conv2d(channels, v, 3, padding=1)] + ([nn.BatchNorm2d(v)] if batch_norm else [])
        layers.append(nn.ReLU(inplace=True))
        channels = v

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))
    return Net()

def torch_alexnet(torch, num_classes):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(True), nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(True), nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(True), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(True),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(3, 2))
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = nn.Sequential(nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))
    return Net()

@pytest.mark.parametrize("name", ["resnet18", "vgg11_bn", "alexnet"])
def test_forward_matches_the_same_net_in_torch_with_copied_weights(name):
    torch = pytest.importorskip("torch")
    tp.manual_seed(1)
    ours = getattr(models, name)(num_classes=10)
    theirs = {"resnet18": lambda: torch_resnet(torch, (2, 2, 2, 2), 10), "alexnet": lambda: torch_alexnet(torch, 10),
              "vgg11_bn": lambda: torch_vgg(torch, VGG11, True, 10)}[name]()
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    assert {k: tuple(v.shape) for k, v in theirs.state_dict().items()} == shapes(ours)
    rng = np.random.default_rng(2)
    for module in ours.modules():   # non-trivial running statistics, so that eval mode uses them
        if isinstance(module, tp.nn.BatchNorm2d):
            shape = module.running_mean.shape
            module.running_mean.data = tp.from_numpy(rng.normal(0, 0.1, shape).astype(np.float32))
            module.running_var.data = tp.from_numpy(rng.uniform(0.5, 2, shape).astype(np.float32))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tp.tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
