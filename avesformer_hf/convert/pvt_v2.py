"""Official PVT-v2 checkpoints (`pvt_v2_b{0..5}.pth`, `pvt_v2_b2_li.pth`) -> transformers' `PvtV2Backbone`.

Original layout (whai362/PVT `pvt_v2.py`): `patch_embed{i}.{proj,norm}`, `block{i}.{j}.{norm1, attn.{q, kv, sr, norm,
proj}, norm2, mlp.{fc1, dwconv.dwconv, fc2}}`, `norm{i}`, `head` (the ImageNet classifier, dropped). The fused
`attn.kv` projection is split into transformers' `key` and `value` (first and second half of its output rows).

Numerics: the original patch-embedding and spatial-reduction LayerNorms use eps 1e-5, transformers uses
`layer_norm_eps` (1e-6) everywhere, as in the published `OpenGVLab/pvt_v2_*` conversions; feature maps agree to
about 1e-5.
"""

import re
from pathlib import Path

import torch
from transformers import PvtV2Backbone, PvtV2Config

from ..configuration_avesformer import BACKBONE_STAGES
from .checkpoint import convert_checkpoint_file, remap_state_dict

_WIDE = [64, 128, 320, 512]
# The factories of the original pvt_v2.py; all use sr_ratios [8, 4, 2, 1].
PVT_V2_VARIANTS = {
    "b0": dict(hidden_sizes=[32, 64, 160, 256], depths=[2, 2, 2, 2], mlp_ratios=[8, 8, 4, 4]),
    "b1": dict(hidden_sizes=_WIDE, depths=[2, 2, 2, 2], mlp_ratios=[8, 8, 4, 4]),
    "b2": dict(hidden_sizes=_WIDE, depths=[3, 4, 6, 3], mlp_ratios=[8, 8, 4, 4]),
    "b2_li": dict(hidden_sizes=_WIDE, depths=[3, 4, 6, 3], mlp_ratios=[8, 8, 4, 4], linear_attention=True),
    "b3": dict(hidden_sizes=_WIDE, depths=[3, 4, 18, 3], mlp_ratios=[8, 8, 4, 4]),
    "b4": dict(hidden_sizes=_WIDE, depths=[3, 8, 27, 3], mlp_ratios=[8, 8, 4, 4]),
    "b5": dict(hidden_sizes=_WIDE, depths=[3, 6, 40, 3], mlp_ratios=[4, 4, 4, 4]),
}

_BLOCK_RENAMES = {
    "norm1": "layer_norm_1",
    "attn.q": "attention.query",
    "attn.sr": "attention.spatial_reduction",
    "attn.norm": "attention.layer_norm",
    "attn.proj": "attention.proj",
    "norm2": "layer_norm_2",
    "mlp.fc1": "mlp.dense1",
    "mlp.dwconv.dwconv": "mlp.dwconv.dwconv",
    "mlp.fc2": "mlp.dense2",
}
_PATCH_EMBED = re.compile(r"patch_embed(\d)\.(proj|norm)\.(weight|bias)")
_BLOCK = re.compile(r"block(\d)\.(\d+)\.(.+)\.(weight|bias)")
_STAGE_NORM = re.compile(r"norm(\d)\.(weight|bias)")


def pvt_v2_config(variant: str) -> PvtV2Config:
    """The transformers config of an original PVT-v2 variant, with the four stages AVESFormer reads."""
    if variant not in PVT_V2_VARIANTS:
        raise ValueError(f"Unknown PVT-v2 variant {variant!r}; known: {sorted(PVT_V2_VARIANTS)}")
    values = dict(num_attention_heads=[1, 2, 5, 8], sr_ratios=[8, 4, 2, 1], **PVT_V2_VARIANTS[variant])
    return PvtV2Config(**values, out_features=list(BACKBONE_STAGES))


def infer_pvt_v2_variant(state_dict: dict[str, torch.Tensor], source_name: str = "checkpoint") -> str:
    """Which original variant a state dict is, from its widths, depths, MLP ratios and attention kind."""
    try:
        hidden_sizes = [state_dict[f"patch_embed{i}.proj.weight"].shape[0] for i in range(1, 5)]
        depths = [len({key.split(".")[1] for key in state_dict if key.startswith(f"block{i}.")}) for i in range(1, 5)]
        mlp_ratios = [state_dict[f"block{i}.0.mlp.fc1.weight"].shape[0] // hidden_sizes[i - 1] for i in range(1, 5)]
    except KeyError as error:
        raise ValueError(f"{source_name} is not an original PVT-v2 checkpoint: no key {error}") from None
    # Only the linear-attention variant has a (1x1) spatial reduction in stage 4, whose ratio is 1.
    found = dict(
        hidden_sizes=hidden_sizes, depths=depths, mlp_ratios=mlp_ratios,
        linear_attention="block4.0.attn.sr.weight" in state_dict,
    )
    for name, values in PVT_V2_VARIANTS.items():
        if {**values, "linear_attention": values.get("linear_attention", False)} == found:
            return name
    raise ValueError(
        f"{source_name} matches no original PVT-v2 variant ({sorted(PVT_V2_VARIANTS)}): found {found}; "
        "pass the target config explicitly"
    )


def _rename(key: str, tensor: torch.Tensor) -> list[tuple[str, torch.Tensor]] | None:
    if match := _PATCH_EMBED.fullmatch(key):
        stage, part, kind = match.groups()
        part = "proj" if part == "proj" else "layer_norm"
        return [(f"encoder.layers.{int(stage) - 1}.patch_embedding.{part}.{kind}", tensor)]
    if match := _STAGE_NORM.fullmatch(key):
        stage, kind = match.groups()
        return [(f"encoder.layers.{int(stage) - 1}.layer_norm.{kind}", tensor)]
    if match := _BLOCK.fullmatch(key):
        stage, block, part, kind = match.groups()
        prefix = f"encoder.layers.{int(stage) - 1}.blocks.{block}"
        if part == "attn.kv":
            # kv's output rows are [keys; values]: the original reshapes them to (2, heads, head_dim).
            key_part, value_part = tensor.chunk(2, dim=0)
            return [(f"{prefix}.attention.key.{kind}", key_part), (f"{prefix}.attention.value.{kind}", value_part)]
        if part in _BLOCK_RENAMES:
            return [(f"{prefix}.{_BLOCK_RENAMES[part]}.{kind}", tensor)]
    return None


def convert_pvt_v2_state_dict(
    state_dict: dict[str, torch.Tensor], config: PvtV2Config | None = None, source_name: str = "PVT-v2 state dict"
) -> PvtV2Backbone:
    """A `PvtV2Backbone` holding an original checkpoint's weights; `config` defaults to the inferred variant."""
    if config is None:
        config = pvt_v2_config(infer_pvt_v2_variant(state_dict, source_name))
    if list(config.out_features) != BACKBONE_STAGES:
        config = PvtV2Config(**{**config.to_dict(), "out_features": list(BACKBONE_STAGES), "out_indices": None})
    model = PvtV2Backbone(config).eval()
    converted = remap_state_dict(
        state_dict, _rename, model.state_dict(),
        source_name=source_name, target_name="PvtV2Backbone", dropped=r"head\..*",
    )
    model.load_state_dict(converted)
    return model


def convert_pvt_v2_checkpoint(
    path: str | Path, out_dir: str | Path | None = None, config: PvtV2Config | None = None
) -> PvtV2Backbone:
    """Read an official `pvt_v2_*.pth` (weights only), convert, and save a `from_pretrained` folder if asked."""
    return convert_checkpoint_file(path, convert_pvt_v2_state_dict, out_dir, config)


__all__ = [
    "PVT_V2_VARIANTS",
    "convert_pvt_v2_checkpoint",
    "convert_pvt_v2_state_dict",
    "infer_pvt_v2_variant",
    "pvt_v2_config",
]
