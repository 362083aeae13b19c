"""VGG 11 and 16, with and without batch norm, with torchvision's module tree and initialisation."""
from ... import nn
from .weights import check_no_weights

# Output channels of each 3x3 convolution, "M" for a 2x2 max pool.
LAYOUTS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}

def make_layers(layout, batch_norm=False):
    layers, channels = [], 3
    for v in layout:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        channels = v
    return nn.Sequential(*layers)

class VGG(nn.Module):
    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0.0, 0.01)
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))

def _vgg(builder, layout, batch_norm, weights, num_classes, **kwargs):
    check_no_weights(weights, builder)
    return VGG(make_layers(LAYOUTS[layout], batch_norm), num_classes=num_classes, **kwargs)

def vgg11(*, weights=None, progress=True, num_classes=1000, **kwargs):
    return _vgg("vgg11", "A", False, weights, num_classes, **kwargs)

def vgg11_bn(*, weights=None, progress=True, num_classes=1000, **kwargs):
    return _vgg("vgg11_bn", "A", True, weights, num_classes, **kwargs)

def vgg16(*, weights=None, progress=True, num_classes=1000, **kwargs):
    return _vgg("vgg16", "D", False, weights, num_classes, **kwargs)

def vgg16_bn(*, weights=None, progress=True, num_classes=1000, **kwargs):
    return _vgg("vgg16_bn", "D", True, weights, num_classes, **kwargs)
