"""Pretrained weights: converters for the original checkpoints users have on disk, and the init checkpoint.

All key renaming lives here; modeling code never knows the original names. Legacy files are read with
`torch.load(weights_only=True)` only.
"""

from .checkpoint import CheckpointMismatchError, load_legacy_state_dict, remap_state_dict
from .initial_checkpoint import build_from_pretrained_parts, processor_for_config, with_audio_config_of, write_init_checkpoint
from .pvt_v2 import (
    PVT_V2_VARIANTS,
    convert_pvt_v2_checkpoint,
    convert_pvt_v2_state_dict,
    infer_pvt_v2_variant,
    pvt_v2_config,
)
from .resnet import convert_resnet_checkpoint, convert_resnet_state_dict, infer_resnet_config
from .vggish import convert_vggish_checkpoint, convert_vggish_state_dict

__all__ = [
    "PVT_V2_VARIANTS",
    "CheckpointMismatchError",
    "build_from_pretrained_parts",
    "convert_pvt_v2_checkpoint",
    "convert_pvt_v2_state_dict",
    "convert_resnet_checkpoint",
    "convert_resnet_state_dict",
    "convert_vggish_checkpoint",
    "convert_vggish_state_dict",
    "infer_pvt_v2_variant",
    "infer_resnet_config",
    "load_legacy_state_dict",
    "processor_for_config",
    "pvt_v2_config",
    "remap_state_dict",
    "with_audio_config_of",
    "write_init_checkpoint",
]
