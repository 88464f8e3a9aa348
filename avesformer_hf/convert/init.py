"""A ready-to-fine-tune AVESFormer: pretrained visual backbone + pretrained VGGish + a fresh decoder.

Each part comes from a Hub id, a local transformers folder, or an original `.pth` file (converted here).
"""

from pathlib import Path

from ..configuration_avesformer import AVESFormerConfig
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
    audio: a `VGGishModel` folder or Hub id, or the PyTorch port's `vggish-10086976.pth`.
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


def processor_for_config(config: AVESFormerConfig):
    """The processor matching a config: palette masks and zero-padded, flagged audio for AVSS; binary masks and
    repeated audio for S4 / MS3 (as `avesformer_hf.data.collate.default_processor` per subset)."""
    from ..feature_extraction_vggish import VGGishFeatureExtractor
    from ..image_processing_avesformer import AVESFormerImageProcessor
    from ..processing_avesformer import AudioVisualProcessor

    return AudioVisualProcessor(
        image_processor=AVESFormerImageProcessor(mask_type="palette" if config.is_semantic else "binary"),
        feature_extractor=VGGishFeatureExtractor(pad_mode="zeros" if config.is_semantic else "repeat"),
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
        processor_for_config(config).save_pretrained(out_dir)
    return model


__all__ = ["build_from_pretrained_parts", "processor_for_config", "write_init_checkpoint"]
