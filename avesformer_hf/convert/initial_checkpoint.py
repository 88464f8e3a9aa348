"""A ready-to-fine-tune AVESFormer: pretrained visual backbone + pretrained audio encoder + a fresh decoder.

Each part comes from a Hub id, a local transformers folder, or an original `.pth` file (converted here). The audio
encoder may be any type `AVESFormerConfig.audio_config` takes (a `distill-audio` output included).
"""

from pathlib import Path

from transformers import AutoFeatureExtractor, PretrainedConfig

from ..audio_encoders import feature_extractor_for
from ..configuration_avesformer import AUDIO_EMBEDDING_SIZES, AVESFormerConfig
from ..modeling_avesformer import AVESFormerModel
from .pvt_v2 import convert_pvt_v2_checkpoint
from .resnet import convert_resnet_checkpoint
from .vggish import convert_vggish_checkpoint

BACKBONE_CONVERTERS = {"pvt_v2": convert_pvt_v2_checkpoint, "resnet": convert_resnet_checkpoint}


def _is_original_file(source) -> bool:
    return source is not None and Path(source).is_file()


def build_from_pretrained_parts(
    config: AVESFormerConfig, backbone: str | Path | None = None, audio: str | Path | None = None, **hub_kwargs
) -> AVESFormerModel:
    """`AVESFormerModel.from_backbone_pretrained`, also taking original `.pth` files for `backbone` and `audio`.

    backbone: `OpenGVLab/pvt_v2_b2`, `microsoft/resnet-50`, a folder written by `avesformer convert`, or an
        official `pvt_v2_b*.pth` / torchvision `resnet*.pth` matching `config.backbone_config`.
    audio: a folder or Hub id of the encoder `config.audio_config` describes (see `with_audio_config_of` to take
        the encoder type from the checkpoint), or the VGGish PyTorch port's `vggish-10086976.pth`.
    """
    model = AVESFormerModel.from_backbone_pretrained(
        config,
        backbone=None if _is_original_file(backbone) else backbone,
        audio=None if _is_original_file(audio) else audio,
        **hub_kwargs,
    )
    if _is_original_file(backbone):
        convert = BACKBONE_CONVERTERS[config.backbone_config.model_type]
        model.backbone.load_state_dict(convert(backbone, config=config.backbone_config).state_dict())
    if _is_original_file(audio):
        model.audio_backbone.load_state_dict(convert_vggish_checkpoint(audio, config=config.audio_config).state_dict())
    return model


def with_audio_config_of(config: AVESFormerConfig, audio: str | Path | None, **hub_kwargs) -> AVESFormerConfig:
    """`config` with the audio encoder that the checkpoint `audio` holds (its own config), when that is another
    encoder type than `config.audio_config`'s; unchanged for `.pth` files and checkpoints of the same type."""
    if audio is None or _is_original_file(audio):
        return config
    values = PretrainedConfig.get_config_dict(audio, **hub_kwargs)[0]
    values = values.get("audio_config", values) if values.get("model_type") == "clap" else values
    if values.get("model_type") == config.audio_config.model_type:
        return config
    if values.get("model_type") not in AUDIO_EMBEDDING_SIZES:
        raise ValueError(
            f"--audio {audio}: a {values.get('model_type')!r} checkpoint is no audio encoder AVESFormer takes "
            f"({sorted(AUDIO_EMBEDDING_SIZES)})"
        )
    return AVESFormerConfig.from_dict({**config.to_dict(), "audio_config": values})


def processor_for_config(config: AVESFormerConfig, audio: str | Path | None = None, **hub_kwargs):
    """The processor matching a config: palette masks and zero-padded, flagged audio for AVSS; binary masks and
    repeated audio for S4 / MS3 (as `avesformer_hf.data.collate.default_processor` per subset). The audio front end is
    the encoder's: VGGish log-mel for VGGish and the light encoder, else the feature extractor saved with the `audio`
    checkpoint, or one built to fit `config.audio_config`."""
    from ..image_processing_avesformer import AVESFormerImageProcessor
    from ..processing_avesformer import AudioVisualProcessor

    pad_mode = "zeros" if config.is_semantic else "repeat"
    extractor = feature_extractor_for(config.audio_config, pad_mode)
    if audio is not None and not _is_original_file(audio) and not hasattr(extractor, "samples_per_example"):
        try:
            extractor = AutoFeatureExtractor.from_pretrained(audio, **hub_kwargs)
        except (OSError, ValueError):
            pass  # the checkpoint has no feature extractor: the one built from the config
    return AudioVisualProcessor(
        image_processor=AVESFormerImageProcessor(mask_type="palette" if config.is_semantic else "binary"),
        feature_extractor=extractor,
        audio_pad_mode=pad_mode,
    )


def write_init_checkpoint(
    config: AVESFormerConfig,
    out_dir: str | Path,
    backbone: str | Path | None = None,
    audio: str | Path | None = None,
    with_processor: bool = True,
    **hub_kwargs,
) -> AVESFormerModel:
    """Build with `build_from_pretrained_parts` and save model (+ processor) to `out_dir` for `--init-from`."""
    model = build_from_pretrained_parts(config, backbone=backbone, audio=audio, **hub_kwargs)
    model.save_pretrained(out_dir)
    if with_processor:
        processor_for_config(config, audio, **hub_kwargs).save_pretrained(out_dir)
    return model


__all__ = ["build_from_pretrained_parts", "processor_for_config", "with_audio_config_of", "write_init_checkpoint"]
