"""Tiny configs and inputs shared by the tests (a few thousand parameters, 32–64 px frames)."""

import torch
from transformers import PvtV2Config, ResNetConfig

from avesformer_hf.configuration_avesformer import BACKBONE_STAGES, AVESFormerConfig
from avesformer_hf.configuration_vggish import VGGishConfig


def tiny_vggish_config(**overrides) -> VGGishConfig:
    values = dict(conv_stages=[[4], [8], [8], [8]], hidden_sizes=[32])
    values.update(overrides)
    return VGGishConfig(**values)


def tiny_backbone_config(kind: str = "pvt_v2"):
    if kind == "resnet":
        return ResNetConfig(
            embedding_size=8, hidden_sizes=[8, 16, 16, 32], depths=[1, 1, 1, 1], layer_type="basic",
            out_features=list(BACKBONE_STAGES),
        )
    return PvtV2Config(
        depths=[1, 1, 1, 1], hidden_sizes=[8, 16, 16, 32], num_attention_heads=[1, 1, 2, 2],
        mlp_ratios=[2, 2, 2, 2], sr_ratios=[4, 2, 1, 1], out_features=list(BACKBONE_STAGES),
    )


def tiny_avesformer_config(num_labels: int = 1, backbone: str = "pvt_v2", **overrides) -> AVESFormerConfig:
    values = dict(
        backbone_config=tiny_backbone_config(backbone),
        audio_config=tiny_vggish_config(),
        d_model=16,
        num_prompt_queries=4,
        num_attention_heads=2,
        decoder_ffn_dim=32,
        num_norm_groups=4,
        decoder_stage_types=["conv", "attn"],
        num_frames=2,
        num_labels=num_labels,
    )
    values.update(overrides)
    return AVESFormerConfig(**values)


def random_inputs(config: AVESFormerConfig, batch: int = 2, frames: int | None = None, size: int = 64, seed: int = 0):
    frames = frames or config.num_frames
    generator = torch.Generator().manual_seed(seed)
    audio = config.audio_config
    return {
        "pixel_values": torch.randn(batch, frames, 3, size, size, generator=generator),
        "input_features": torch.randn(
            batch, frames, 1, audio.num_frames_per_example, audio.num_mel_bins, generator=generator
        ),
    }


def random_labels(config: AVESFormerConfig, batch: int, frames: int, size: int, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if config.is_semantic:
        return torch.randint(0, config.num_labels, (batch, frames, size, size), generator=generator)
    return (torch.rand(batch, frames, size, size, generator=generator) > 0.5).float()


def tiny_audio_configs() -> dict:
    """A tiny config of every audio encoder type AVESFormer takes (a few thousand parameters each)."""
    from transformers import ASTConfig, ClapAudioConfig, HubertConfig, Wav2Vec2Config, WhisperConfig

    from avesformer_hf.configuration_light_audio import LightAudioConfig

    waveform = dict(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, conv_dim=[8, 8],
        conv_kernel=[10, 4], conv_stride=[5, 4], num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2,
    )
    return {
        "vggish": tiny_vggish_config(),
        "light_audio": LightAudioConfig(stem_channels=4, block_channels=[8, 16], block_strides=[2, 2], embedding_size=24),
        "ast": ASTConfig(
            hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, num_mel_bins=32,
            max_length=100, frequency_stride=10, time_stride=10,
        ),
        "clap_audio": ClapAudioConfig(
            spec_size=64, window_size=4, num_mel_bins=16, patch_size=4, patch_embeds_hidden_size=8, hidden_size=16,
            depths=[1, 1], num_attention_heads=[1, 2], projection_dim=8,
        ),
        "whisper": WhisperConfig(
            d_model=16, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=32, num_mel_bins=16,
            max_source_positions=50, decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=32,
        ),
        "wav2vec2": Wav2Vec2Config(**waveform),
        "hubert": HubertConfig(**waveform),
    }


ENCODERS = sorted(tiny_audio_configs())


def tiny_model_config(name: str, **overrides) -> AVESFormerConfig:
    return tiny_avesformer_config(audio_config=tiny_audio_configs()[name], **overrides)


def tiny_processor(audio_config, **kwargs):
    """An AudioVisualProcessor with 64x64 frames and the feature extractor of `audio_config`'s encoder."""
    from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor
    from avesformer_hf.audio_encoders import feature_extractor_for

    return AudioVisualProcessor(
        image_processor=AVESFormerImageProcessor(size={"height": 64, "width": 64}),
        feature_extractor=feature_extractor_for(audio_config), **kwargs,
    )


def save_tiny_model(folder, num_labels: int = 1) -> str:
    """A saved tiny model + processor (64x64 frames; palette masks when semantic) in `folder`; returns its path."""
    from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor, AVESFormerModel

    torch.manual_seed(0)
    AVESFormerModel(tiny_avesformer_config(num_labels=num_labels)).save_pretrained(folder)
    mask_type = "palette" if num_labels > 1 else "binary"
    AudioVisualProcessor(AVESFormerImageProcessor(size={"height": 64, "width": 64}, mask_type=mask_type)).save_pretrained(folder)
    return str(folder)


def randomised(model, seed: int = 0):
    """`model` with random weights and BatchNorm statistics (seeded), in eval mode: converters compare outputs that
    default initialisations (zeros, ones) would make trivial."""
    from torch import nn

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
    return model.eval()
