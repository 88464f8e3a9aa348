"""torchvision ResNet checkpoints (`resnet50-19c8e357.pth`, `resnet50-0676ba61.pth`, ResNet-18/34/101/152)
-> transformers' `ResNetBackbone`.

Original layout: `conv1`, `bn1`, `layer{1..4}.{j}.{conv,bn}{1,2[,3]}`, `layer{s}.{j}.downsample.{0,1}` (the 1x1
projection shortcut), `fc` (the ImageNet classifier, dropped). torchvision puts the stride of a bottleneck in its
3x3 convolution (ResNet v1.5), as transformers does with `downsample_in_bottleneck=False`.
"""

import re
from pathlib import Path

import torch
from transformers import ResNetBackbone, ResNetConfig

from ..configuration_avesformer import BACKBONE_STAGES
from .checkpoint import convert_checkpoint_file, remap_state_dict

_BN_PARAMS = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
_STEM = re.compile(rf"(conv1\.weight|bn1\.{_BN_PARAMS})")
_BLOCK_LAYER = re.compile(rf"layer(\d)\.(\d+)\.(conv|bn)(\d)\.{_BN_PARAMS}")
_SHORTCUT = re.compile(rf"layer(\d)\.(\d+)\.downsample\.([01])\.{_BN_PARAMS}")


def infer_resnet_config(state_dict: dict[str, torch.Tensor], source_name: str = "checkpoint") -> ResNetConfig:
    """The `ResNetConfig` of a torchvision state dict, read from its shapes (stem width, stage widths, depths)."""
    if "conv1.weight" not in state_dict or "layer4.0.conv1.weight" not in state_dict:
        raise ValueError(f"{source_name} is not a torchvision ResNet checkpoint: no conv1.weight / layer4.0.conv1.weight")
    bottleneck = "layer1.0.conv3.weight" in state_dict
    last_conv = "conv3" if bottleneck else "conv2"
    depths = [len({key.split(".")[1] for key in state_dict if key.startswith(f"layer{s}.")}) for s in range(1, 5)]
    hidden_sizes = [state_dict[f"layer{s}.0.{last_conv}.weight"].shape[0] for s in range(1, 5)]
    return ResNetConfig(
        embedding_size=state_dict["conv1.weight"].shape[0],
        hidden_sizes=hidden_sizes,
        depths=depths,
        layer_type="bottleneck" if bottleneck else "basic",
        downsample_in_first_stage=False,
        downsample_in_bottleneck=False,
        out_features=list(BACKBONE_STAGES),
    )


def _rename(key: str, tensor: torch.Tensor) -> list[tuple[str, torch.Tensor]] | None:
    if _STEM.fullmatch(key):
        part = "convolution" if key.startswith("conv1") else "normalization"
        return [(f"embedder.embedder.{part}.{key.split('.', 1)[1]}", tensor)]
    if match := _BLOCK_LAYER.fullmatch(key):
        stage, block, kind, index, param = match.groups()
        part = "convolution" if kind == "conv" else "normalization"
        return [(f"encoder.stages.{int(stage) - 1}.layers.{block}.layer.{int(index) - 1}.{part}.{param}", tensor)]
    if match := _SHORTCUT.fullmatch(key):
        stage, block, index, param = match.groups()
        part = "convolution" if index == "0" else "normalization"
        return [(f"encoder.stages.{int(stage) - 1}.layers.{block}.shortcut.{part}.{param}", tensor)]
    return None


def convert_resnet_state_dict(
    state_dict: dict[str, torch.Tensor], config: ResNetConfig | None = None, source_name: str = "ResNet state dict"
) -> ResNetBackbone:
    """A `ResNetBackbone` holding a torchvision checkpoint's weights; `config` defaults to the inferred one."""
    config = config or infer_resnet_config(state_dict, source_name)
    if getattr(config, "downsample_in_bottleneck", False):
        raise ValueError("torchvision ResNets stride in the 3x3 convolution: the config needs downsample_in_bottleneck=False")
    model = ResNetBackbone(config).eval()
    converted = remap_state_dict(
        state_dict, _rename, model.state_dict(),
        source_name=source_name, target_name="ResNetBackbone",
        dropped=r"fc\.(weight|bias)", optional=r".*\.num_batches_tracked",
    )
    model.load_state_dict(converted)
    return model


def convert_resnet_checkpoint(
    path: str | Path, out_dir: str | Path | None = None, config: ResNetConfig | None = None
) -> ResNetBackbone:
    """Read a torchvision `resnet*.pth` (weights only), convert, and save a `from_pretrained` folder if asked."""
    return convert_checkpoint_file(path, convert_resnet_state_dict, out_dir, config)


__all__ = ["convert_resnet_checkpoint", "convert_resnet_state_dict", "infer_resnet_config"]
