"""Parameter counts by part, and the variant table read from `hub_configs/`."""

from pathlib import Path

import torch

from .configuration_avesformer import AVESFormerConfig
from .modeling_avesformer import AVESFormerModel

DEFAULT_HUB_CONFIGS = Path(__file__).parent / "hub_configs"
PARTS = ("total", "vggish", "visual_backbone", "decoder_and_head")


def parameter_counts(model: AVESFormerModel) -> dict[str, int]:
    """Parameters of the whole model and of its three parts (VGGish, visual backbone, everything else)."""
    total = sum(p.numel() for p in model.parameters())
    vggish = sum(p.numel() for p in model.audio_backbone.parameters())
    visual = sum(p.numel() for p in model.backbone.parameters())
    return {"total": total, "vggish": vggish, "visual_backbone": visual, "decoder_and_head": total - vggish - visual}


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
        "| variant | backbone | classes | frames | total | VGGish | visual backbone | decoder + head |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, folder in hub_variants(root).items():
        config = AVESFormerConfig.from_pretrained(folder)
        counts = config_parameter_counts(config)
        millions = [f"{counts[part] / 1e6:.2f} M" for part in PARTS]
        rows.append(
            f"| {name} | {config.backbone_config.model_type} | {config.num_labels} | {config.num_frames} | "
            + " | ".join(millions)
            + " |"
        )
    return "\n".join(rows)
