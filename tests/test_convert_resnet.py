"""ResNet converter: a re-implementation of torchvision's ResNet layout (conv1/bn1/layer{1..4}/fc, `downsample`
shortcuts) at tiny widths, random weights and BatchNorm statistics, converted and compared stage by stage."""

import pytest
import torch
from torch import nn
from transformers import ResNetBackbone

from avesformer_hf.cli import main as cli_main
from avesformer_hf.convert import CheckpointMismatchError, convert_resnet_checkpoint, convert_resnet_state_dict


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(inplanes, planes, stride), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes), nn.BatchNorm2d(planes)
        self.relu, self.downsample = nn.ReLU(inplace=True), downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """torchvision's v1.5 bottleneck: the stride sits in conv2 (3x3)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1, self.bn1 = conv1x1(inplanes, planes), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes, stride), nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = conv1x1(planes, planes * 4), nn.BatchNorm2d(planes * 4)
        self.relu, self.downsample = nn.ReLU(inplace=True), downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class TorchvisionResNet(nn.Module):
    def __init__(self, block, layers, planes=(4, 8, 8, 16), stem=8, num_classes=10):
        super().__init__()
        self.inplanes = stem
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, planes[0], layers[0])
        self.layer2 = self._make_layer(block, planes[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, planes[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, planes[3], layers[3], stride=2)
        self.fc = nn.Linear(planes[3] * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride), nn.BatchNorm2d(planes * block.expansion)
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def stage_maps(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        maps = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
            maps.append(x)
        return maps


def randomised(model: nn.Module, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
    return model.eval()


@pytest.mark.parametrize(
    "block, layers", [(Bottleneck, [1, 2, 1, 1]), (BasicBlock, [1, 1, 2, 1])], ids=["bottleneck", "basic"]
)
def test_converted_backbone_reproduces_the_original_stage_maps(tmp_path, block, layers):
    original = randomised(TorchvisionResNet(block, layers))
    # Old torchvision files (resnet50-19c8e357.pth) have no num_batches_tracked entries.
    state_dict = {k: v for k, v in original.state_dict().items() if not k.endswith("num_batches_tracked")}
    path = tmp_path / "resnet_tiny.pth"
    torch.save(state_dict, path)
    convert_resnet_checkpoint(path, tmp_path / "backbone")

    converted = ResNetBackbone.from_pretrained(tmp_path / "backbone").eval()
    assert converted.config.layer_type == ("bottleneck" if block is Bottleneck else "basic")
    assert converted.config.depths == layers
    pixels = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = original.stage_maps(pixels)
        feature_maps = converted(pixels).feature_maps
    assert len(feature_maps) == 4
    for level, (ours, theirs) in enumerate(zip(feature_maps, expected)):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5, msg=f"stage {level + 1}")


def test_new_torchvision_files_with_batch_counters_convert_too():
    original = TorchvisionResNet(Bottleneck, [1, 1, 1, 1])
    converted = convert_resnet_state_dict(original.state_dict())
    assert torch.equal(converted.encoder.stages[1].layers[0].shortcut.convolution.weight, original.layer2[0].downsample[0].weight)


def test_resnet50_shapes_give_the_resnet50_config():
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in TorchvisionResNet(Bottleneck, [3, 4, 6, 3], (64, 128, 256, 512), 64, 1000).state_dict().items()}
    state_dict = {key: torch.zeros(shape) for key, shape in shapes.items()}
    model = convert_resnet_state_dict(state_dict)
    assert model.config.hidden_sizes == [256, 512, 1024, 2048] and model.config.depths == [3, 4, 6, 3]
    assert model.config.embedding_size == 64
    assert sum(p.numel() for p in model.parameters()) == 23_508_032  # ResNet-50 without its fc layer


def test_mismatches_are_listed_with_their_keys(tmp_path, capsys):
    state_dict = dict(TorchvisionResNet(Bottleneck, [1, 1, 1, 1]).state_dict())
    del state_dict["layer3.0.bn2.running_var"]
    state_dict["layer1.0.se.fc.weight"] = torch.zeros(2)
    state_dict["layer2.0.conv1.weight"] = torch.zeros(8, 16, 3, 3)
    with pytest.raises(CheckpointMismatchError) as caught:
        convert_resnet_state_dict(state_dict, source_name="resnet.pth")
    message = str(caught.value)
    assert "layer1.0.se.fc.weight" in message
    assert "encoder.stages.2.layers.0.layer.1.normalization.running_var" in message
    assert "layer2.0.conv1.weight -> encoder.stages.1.layers.0.layer.0.convolution.weight: checkpoint [8, 16, 3, 3]" in message

    path = tmp_path / "resnet.pth"
    torch.save(state_dict, path)
    assert cli_main(["convert", "resnet", str(path), str(tmp_path / "out")]) == 1
    assert "layer1.0.se.fc.weight" in capsys.readouterr().err
