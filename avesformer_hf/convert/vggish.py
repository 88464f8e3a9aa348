"""The widely used PyTorch port of VGGish (`vggish-10086976.pth`) -> `VGGishModel`.

The port is a plain `nn.Sequential` stack whose indices `VGGishModel` keeps (`features.{0,3,6,8,11,13}.*`,
`embeddings.{0,2,4}.*`) and which flattens its conv features channels-last exactly as `VGGishModel` does, so the
conversion is a checked one-to-one copy. The port's PCA parameters live in a separate file and are not used by AVS.
"""

from pathlib import Path

import torch

from ..configuration_vggish import VGGishConfig
from ..modeling_vggish import VGGishModel
from .checkpoint import convert_checkpoint_file, remap_state_dict


def convert_vggish_state_dict(
    state_dict: dict[str, torch.Tensor], config: VGGishConfig | None = None, source_name: str = "VGGish state dict"
) -> VGGishModel:
    """A `VGGishModel` (original VGGish unless `config` says otherwise) holding the port's weights."""
    model = VGGishModel(config or VGGishConfig()).eval()
    target = model.state_dict()
    converted = remap_state_dict(
        state_dict,
        lambda key, tensor: [(key, tensor)],
        target,
        source_name=source_name,
        target_name="VGGishModel",
    )
    model.load_state_dict(converted)
    return model


def convert_vggish_checkpoint(
    path: str | Path, out_dir: str | Path | None = None, config: VGGishConfig | None = None
) -> VGGishModel:
    """Read `vggish-10086976.pth` (weights only), convert, and save a `from_pretrained` folder if `out_dir` is given."""
    return convert_checkpoint_file(path, convert_vggish_state_dict, out_dir, config)


__all__ = ["convert_vggish_checkpoint", "convert_vggish_state_dict"]
