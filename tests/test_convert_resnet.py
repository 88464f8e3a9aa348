"""ResNet converter: a re-implementation of torchvision's ResNet layout (conv1/bn1/layer{1..4}/fc, `downsample`
shortcuts) at tiny widths, random weights and BatchNorm statistics, converted and compared stage by stage."""

import pytest
import torch
from transformers import ResNetBackbone

from avesformer_hf.cli import main as cli_main
from avesformer_hf.convert import CheckpointMismatchError, convert_resnet_checkpoint, convert_resnet_state_dict
from helpers import randomised
from torchvision_resnet import BasicBlock, Bottleneck, TorchvisionResNet


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
