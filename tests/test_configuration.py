import json

import pytest
from transformers import AutoConfig, ResNetConfig

import avesformer_hf  # noqa: F401  (registers the Auto classes)
from avesformer_hf import AVESFormerConfig, VGGishConfig
from avesformer_hf.model_summary import DEFAULT_HUB_CONFIGS, config_parameter_counts, hub_variants

from helpers import tiny_avesformer_config


def test_defaults_are_pvt_v2_b2_binary():
    config = AVESFormerConfig()
    assert config.backbone_config.model_type == "pvt_v2"
    assert config.backbone_config.hidden_sizes == [64, 128, 320, 512]
    assert config.backbone_config.depths == [3, 4, 6, 3]
    assert config.num_labels == 1 and not config.is_semantic
    assert config.decoder_stage_types == ["conv", "conv", "conv", "attn", "attn", "attn"]


@pytest.mark.parametrize("backbone", ["pvt_v2", "resnet"])
@pytest.mark.parametrize("num_labels", [1, 71])
def test_round_trip_is_exact(tmp_path, backbone, num_labels):
    config = tiny_avesformer_config(num_labels=num_labels, backbone=backbone, prompt_fusion="concat")
    as_dict = config.to_dict()
    assert AVESFormerConfig.from_dict(as_dict).to_dict() == as_dict
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(loaded, AVESFormerConfig)
    assert type(loaded.backbone_config) is type(config.backbone_config)
    assert isinstance(loaded.audio_config, VGGishConfig)
    # Loading records where it came from and the remote-code map; every field of the model is unchanged.
    reloaded = {k: v for k, v in loaded.to_dict().items() if k not in ("_name_or_path", "auto_map")}
    assert reloaded == {k: v for k, v in as_dict.items() if k != "_name_or_path"}
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["backbone_config"]["model_type"] == backbone
    assert saved["auto_map"]["AutoConfig"] == "configuration_avesformer.AVESFormerConfig"


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(decoder_stage_types=["conv", "mamba"]), "decoder_stage_types"),
        (dict(decoder_stage_types=[]), "decoder_stage_types"),
        (dict(d_model=20, num_attention_heads=3), "num_attention_heads"),
        (dict(prompt_fusion="multiply"), "prompt_fusion"),
        (dict(mask_head_conv="deformable"), "mask_head_conv"),
        (dict(num_prompt_queries=0), "num_prompt_queries"),
        (dict(num_labels=3, id2label={0: "background", 1: "dog"}), "num_labels"),
        (dict(num_labels=2), "num_labels"),
        (dict(d_model=16, num_norm_groups=3, num_attention_heads=2), "num_norm_groups"),
        (dict(conv_kernel_size=4), "conv_kernel_size"),
        (dict(backbone_config={"model_type": "vit"}), "backbone_config"),
        (dict(backbone_config=ResNetConfig(out_features=["stage4"])), "out_features"),
    ],
)
def test_invalid_combinations_name_the_field(overrides, field):
    with pytest.raises(ValueError, match=field):
        tiny_avesformer_config(**overrides)


def test_vggish_config_rejects_inputs_the_pools_cannot_divide():
    with pytest.raises(ValueError, match="num_mel_bins"):
        VGGishConfig(num_mel_bins=60)


def test_semantic_labels_round_trip_through_label2id():
    config = tiny_avesformer_config(num_labels=71)
    assert config.is_semantic
    assert len(config.label2id) == 71 and config.label2id[config.id2label[5]] == 5


def test_hub_configs_load_offline_and_land_in_the_parameter_budget():
    variants = hub_variants(DEFAULT_HUB_CONFIGS)
    expected = {f"avesformer-{b}-{s}" for b in ("pvtv2-b2", "r50") for s in ("s4", "ms3", "avss")}
    assert set(variants) == expected
    for name, folder in variants.items():
        config = AVESFormerConfig.from_pretrained(folder)
        counts = config_parameter_counts(config)
        assert 95e6 <= counts["total"] <= 130e6, (name, counts)
        assert counts["audio_backbone"] == 72_141_184
        if name.endswith("avss"):
            assert config.num_labels == 71 and config.num_frames == 10
            assert config.id2label[0] == "background" and config.id2label[70] == "woman"
        else:
            assert config.num_labels == 1 and config.num_frames == 5


def test_hub_configs_carry_the_subset_processor():
    from transformers import AutoProcessor

    for name, folder in hub_variants(DEFAULT_HUB_CONFIGS).items():
        processor = AutoProcessor.from_pretrained(folder)
        semantic = name.endswith("avss")
        assert processor.image_processor.mask_type == ("palette" if semantic else "binary")
        assert processor.feature_extractor.pad_mode == ("zeros" if semantic else "repeat")
        assert processor.feature_extractor.sampling_rate == 16000
        assert not list(folder.glob("*.py")), "hub_configs holds configs only"
