"""scripts/init_checkpoint.py and `from_backbone_pretrained`: pretrained parts in, a folder that
`from_pretrained` loads and that trains, out. Hub ids are exercised offline through local folders of the
same layout (a classification checkpoint, as `OpenGVLab/pvt_v2_b2` and `microsoft/resnet-50` are)."""

from pathlib import Path

import pytest
import torch
from transformers import AutoModel, PvtV2Config, PvtV2ForImageClassification

from avesformer_hf import AVESFormerModel, AudioVisualProcessor, VGGishModel
from avesformer_hf.configuration_avesformer import BACKBONE_STAGES

from helpers import random_inputs, random_labels, randomised, tiny_avesformer_config, tiny_backbone_config
from init_checkpoint_script import run_script
from torchvision_resnet import BasicBlock, TorchvisionResNet


@pytest.fixture(scope="module")
def pvt_hub_folder(tmp_path_factory) -> Path:
    """A PVT-v2 image classifier saved like the Hub checkpoints (no out_features in its config)."""
    values = {k: v for k, v in tiny_backbone_config("pvt_v2").to_dict().items() if k not in ("out_features", "out_indices", "stage_names")}
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("pvt_hub")
    PvtV2ForImageClassification(PvtV2Config(**values, num_labels=10)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def vggish_pth(tmp_path_factory) -> Path:
    """The port's `.pth` layout: a bare state dict with features.* / embeddings.* keys."""
    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("vggish") / "vggish.pth"
    torch.save(VGGishModel(tiny_avesformer_config().audio_config).state_dict(), path)
    return path


def train_one_step(model: AVESFormerModel) -> None:
    config = model.config
    inputs = random_inputs(config, batch=1, size=64)
    labels = random_labels(config, batch=1, frames=config.num_frames, size=64)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-3)
    decoder_before = model.mask_head.classifier.weight.detach().clone()
    vggish_before = model.audio_backbone.features[0].weight.detach().clone()
    model.train()
    loss = model(**inputs, labels=labels).loss
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
    assert not torch.equal(model.mask_head.classifier.weight, decoder_before)
    assert torch.equal(model.audio_backbone.features[0].weight, vggish_before)  # VGGish stays frozen


def test_script_writes_a_folder_that_loads_and_trains(tmp_path, pvt_hub_folder, vggish_pth, capsys):
    tiny_avesformer_config().save_pretrained(tmp_path / "config")
    out = tmp_path / "init"
    assert run_script([out, "--config", tmp_path / "config", "--backbone", pvt_hub_folder, "--audio", vggish_pth]) == 0
    assert "decoder fresh" in capsys.readouterr().out

    model = AutoModel.from_pretrained(out)
    assert isinstance(model, AVESFormerModel)
    source_backbone = PvtV2ForImageClassification.from_pretrained(pvt_hub_folder).pvt_v2
    for ours, theirs in zip(model.backbone.state_dict().values(), source_backbone.state_dict().values()):
        assert torch.equal(ours, theirs)
    for key, value in torch.load(vggish_pth, weights_only=True).items():
        assert torch.equal(model.audio_backbone.state_dict()[key], value)
    processor = AudioVisualProcessor.from_pretrained(out)
    assert processor.image_processor.mask_type == "binary"
    assert processor.feature_extractor.pad_mode == "repeat"
    train_one_step(model)


def test_semantic_model_from_a_torchvision_resnet_file(tmp_path, vggish_pth):
    resnet = randomised(TorchvisionResNet(BasicBlock, [1, 1, 1, 1], planes=(8, 16, 16, 32), stem=8))
    resnet_pth = tmp_path / "resnet.pth"
    torch.save(resnet.state_dict(), resnet_pth)
    tiny_avesformer_config(num_labels=5, backbone="resnet").save_pretrained(tmp_path / "config")

    out = tmp_path / "init"
    assert run_script([out, "--config", tmp_path / "config", "--backbone", resnet_pth, "--audio", vggish_pth]) == 0
    model = AVESFormerModel.from_pretrained(out)
    assert torch.equal(model.backbone.embedder.embedder.convolution.weight, resnet.conv1.weight)
    assert torch.equal(model.backbone.encoder.stages[3].layers[0].shortcut.normalization.running_var, resnet.layer4[0].downsample[1].running_var)
    processor = AudioVisualProcessor.from_pretrained(out)
    assert processor.image_processor.mask_type == "palette"
    assert processor.feature_extractor.pad_mode == "zeros"
    train_one_step(model)


def test_classmethod_loads_transformers_folders(tmp_path, pvt_hub_folder):
    vggish = VGGishModel(tiny_avesformer_config().audio_config)
    vggish.save_pretrained(tmp_path / "vggish")
    model = AVESFormerModel.from_backbone_pretrained(tiny_avesformer_config(), backbone=pvt_hub_folder, audio=tmp_path / "vggish")
    assert model.backbone.config.out_features == BACKBONE_STAGES
    assert torch.equal(model.audio_backbone.embeddings[0].weight, vggish.embeddings[0].weight)
    source = PvtV2ForImageClassification.from_pretrained(pvt_hub_folder).pvt_v2
    assert torch.equal(model.backbone.encoder.layers[3].blocks[0].mlp.dense2.weight, source.encoder.layers[3].blocks[0].mlp.dense2.weight)


def test_parts_that_do_not_fit_the_config_are_refused(tmp_path, pvt_hub_folder, vggish_pth, capsys):
    with pytest.raises(ValueError, match="holds a 'pvt_v2' checkpoint, but the config expects 'resnet'"):
        AVESFormerModel.from_backbone_pretrained(tiny_avesformer_config(backbone="resnet"), backbone=pvt_hub_folder)
    wider = tiny_backbone_config("pvt_v2")
    wider.hidden_sizes = [8, 16, 16, 64]
    with pytest.raises(ValueError, match="(?s)does not fit `config`.*encoder.layers.3"):
        AVESFormerModel.from_backbone_pretrained(tiny_avesformer_config(backbone_config=wider), backbone=pvt_hub_folder)

    tiny_avesformer_config(backbone="resnet").save_pretrained(tmp_path / "config")
    assert run_script([tmp_path / "out", "--config", tmp_path / "config", "--audio", vggish_pth, "--backbone", vggish_pth]) == 1
    error = capsys.readouterr().err
    assert "vggish.pth does not fit ResNetBackbone" in error and "features.0.weight" in error
    assert not (tmp_path / "out").exists()
