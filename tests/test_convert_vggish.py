"""VGGish converter: the PyTorch port's plain nn.Sequential layout -> VGGishModel, checked key by key."""

import pytest
import torch
from torch import nn
from transformers import AutoModel

import avesformer_hf  # noqa: F401  (registers the Auto classes)
from avesformer_hf import VGGishConfig, VGGishModel
from avesformer_hf.cli import main as cli_main
from avesformer_hf.convert import CheckpointMismatchError, convert_vggish_checkpoint, convert_vggish_state_dict

# The original stage structure (1, 1, 2, 2 convs) at tiny widths, so the port's layer indices hold.
TINY = dict(conv_stages=[[4], [8], [8, 8], [16, 16]], hidden_sizes=[32, 32], embedding_size=128)

# The shapes of vggish-10086976.pth.
ORIGINAL_SHAPES = {
    "features.0": (64, 1, 3, 3), "features.3": (128, 64, 3, 3), "features.6": (256, 128, 3, 3),
    "features.8": (256, 256, 3, 3), "features.11": (512, 256, 3, 3), "features.13": (512, 512, 3, 3),
    "embeddings.0": (4096, 12288), "embeddings.2": (4096, 4096), "embeddings.4": (128, 4096),
}


class PortVGG(nn.Module):
    """The port's module layout (torchvggish `VGG`): conv/ReLU/pool Sequential, transposes, Linear/ReLU Sequential."""

    def __init__(self, conv=((4,), (8,), (8, 8), (16, 16)), hidden=(32, 32), out=128):
        super().__init__()
        layers, channels = [], 1
        for stage in conv:
            for width in stage:
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        head, size = [], channels * 6 * 4
        for width in (*hidden, out):
            head += [nn.Linear(size, width), nn.ReLU(True)]
            size = width
        self.embeddings = nn.Sequential(*head)

    def forward(self, x):
        x = self.features(x)
        x = torch.transpose(x, 1, 3)
        x = torch.transpose(x, 1, 2)
        x = x.contiguous().view(x.size(0), -1)
        return self.embeddings(x)


class NotWeights:
    """Any pickled object: weights_only loading must refuse it."""


@pytest.fixture(scope="module")
def port():
    torch.manual_seed(0)
    return PortVGG().eval()


def test_converted_folder_reproduces_the_port_exactly(port, tmp_path):
    path = tmp_path / "vggish-tiny.pth"
    torch.save(port.state_dict(), path)
    convert_vggish_checkpoint(path, tmp_path / "vggish", config=VGGishConfig(**TINY))

    loaded = AutoModel.from_pretrained(tmp_path / "vggish").eval()
    assert isinstance(loaded, VGGishModel)
    examples = torch.randn(3, 1, 96, 64)
    with torch.no_grad():
        assert torch.equal(loaded(examples).embeddings, port(examples))


def test_default_target_is_the_original_network():
    state_dict = {f"{name}.{kind}": torch.zeros(shape if kind == "weight" else shape[:1])
                  for name, shape in ORIGINAL_SHAPES.items() for kind in ("weight", "bias")}
    model = convert_vggish_state_dict(state_dict)
    assert sum(p.numel() for p in model.parameters()) == 72_141_184


def test_checkpoint_in_a_training_container_is_unwrapped(port, tmp_path):
    path = tmp_path / "wrapped.pth"
    torch.save({"epoch": 3, "state_dict": port.state_dict()}, path)
    model = convert_vggish_checkpoint(path, config=VGGishConfig(**TINY))
    assert torch.equal(model.embeddings[4].weight, port.embeddings[4].weight)


def test_missing_extra_and_misshapen_keys_are_all_listed(port):
    state_dict = dict(port.state_dict())
    del state_dict["features.13.bias"]
    state_dict["pca_means"] = torch.zeros(128)
    state_dict["embeddings.2.weight"] = torch.zeros(32, 31)
    with pytest.raises(CheckpointMismatchError) as caught:
        convert_vggish_state_dict(state_dict, VGGishConfig(**TINY), source_name="my-vggish.pth")
    message = str(caught.value)
    assert "my-vggish.pth" in message
    assert "features.13.bias" in message  # unfilled target
    assert "pca_means" in message  # unconsumed source key
    assert "embeddings.2.weight" in message and "[32, 31]" in message and "[32, 32]" in message


def test_checkpoint_of_another_network_is_refused(port):
    wider = VGGishConfig(**{**TINY, "hidden_sizes": [64, 32]})
    with pytest.raises(CheckpointMismatchError, match="shape mismatches.*embeddings.0.weight"):
        convert_vggish_state_dict(port.state_dict(), wider)


def test_pickle_that_is_not_plain_weights_is_refused_by_name(tmp_path):
    path = tmp_path / "pickled-object.pth"
    torch.save({"model": NotWeights()}, path)
    with pytest.raises(ValueError, match="pickled-object.pth.*not a plain-weights checkpoint"):
        convert_vggish_checkpoint(path)


def test_non_tensor_entries_and_garbage_files_are_refused_by_name(tmp_path):
    mixed = tmp_path / "mixed.pth"
    torch.save({"features.0.weight": torch.zeros(1), "note": "hello"}, mixed)
    with pytest.raises(ValueError, match=r"mixed.pth is not a plain state dict.*note"):
        convert_vggish_checkpoint(mixed)
    garbage = tmp_path / "garbage.pth"
    garbage.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="garbage.pth"):
        convert_vggish_checkpoint(garbage)


def test_cli_converts_and_reports_errors(port, tmp_path, capsys):
    path = tmp_path / "vggish.pth"
    torch.save(port.state_dict(), path)
    config_path = tmp_path / "tiny.json"
    VGGishConfig(**TINY).to_json_file(config_path)

    assert cli_main(["convert", "vggish", str(path), str(tmp_path / "out"), "--config", str(config_path)]) == 0
    assert "VGGishModel" in capsys.readouterr().out
    loaded = VGGishModel.from_pretrained(tmp_path / "out")
    assert torch.equal(loaded.features[0].weight, port.features[0].weight)

    other_path = tmp_path / "other.json"
    VGGishConfig(**{**TINY, "embedding_size": 64}).to_json_file(other_path)
    assert cli_main(["convert", "vggish", str(path), str(tmp_path / "bad"), "--config", str(other_path)]) == 1
    assert "embeddings.4.weight" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
