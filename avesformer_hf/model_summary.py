"""Parameter counts by part, and the variant table read from `hub_configs/`."""

from pathlib import Path

import torch

from .configuration_avesformer import AVESFormerConfig
from .modeling_avesformer import AVESFormerModel

DEFAULT_HUB_CONFIGS = Path(__file__).parent / "hub_configs"
PARTS = ("total", "audio_backbone", "visual_backbone", "decoder_and_head")
# audio config model_type -> what a card or a table calls the encoder
AUDIO_ENCODER_NAMES = {
    "vggish": "VGGish",
    "light_audio": "light CNN (LightAudioModel)",
    "audio-spectrogram-transformer": "AST",
    "clap_audio_model": "CLAP audio tower (HTSAT)",
    "whisper": "Whisper encoder",
    "wav2vec2": "wav2vec 2.0",
    "hubert": "HuBERT",
}


def audio_encoder_name(config: AVESFormerConfig) -> str:
    return AUDIO_ENCODER_NAMES.get(config.audio_config.model_type, config.audio_config.model_type)


def parameter_counts(model: AVESFormerModel) -> dict[str, int]:
    """Parameters of the whole model and of its three parts (audio encoder, visual backbone, everything else)."""
    total = sum(p.numel() for p in model.parameters())
    audio = sum(p.numel() for p in model.audio_backbone.parameters())
    visual = sum(p.numel() for p in model.backbone.parameters())
    return {"total": total, "audio_backbone": audio, "visual_backbone": visual, "decoder_and_head": total - audio - visual}


def config_parameter_counts(config: AVESFormerConfig) -> dict[str, int]:
    """Counts without allocating or initialising weights (the model is built on the meta device)."""
    with torch.device("meta"):
        return parameter_counts(AVESFormerModel(config))


def hub_variants(root: Path | str = DEFAULT_HUB_CONFIGS) -> dict[str, Path]:
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"No hub_configs folder at {root}")
    return {folder.name: folder for folder in sorted(root.iterdir()) if (folder / "config.json").is_file()}


def variant_table_markdown(root: Path | str = DEFAULT_HUB_CONFIGS) -> str:
    rows = [
        "| variant | backbone | audio | classes | frames | total | audio backbone | visual backbone | decoder + head |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, folder in hub_variants(root).items():
        config = AVESFormerConfig.from_pretrained(folder)
        counts = config_parameter_counts(config)
        millions = [f"{counts[part] / 1e6:.2f} M" for part in PARTS]
        rows.append(
            f"| {name} | {config.backbone_config.model_type} | {audio_encoder_name(config)} | {config.num_labels} | "
            f"{config.num_frames} | "
            + " | ".join(millions)
            + " |"
        )
    return "\n".join(rows)
