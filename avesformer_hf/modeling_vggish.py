"""VGGish: the AudioSet log-mel -> 128-d embedding network, as a PreTrainedModel of its own."""

from dataclasses import dataclass

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from .configuration_vggish import VGGishConfig


@dataclass
class VGGishOutput(ModelOutput):
    """
    Args:
        embeddings (`torch.FloatTensor` of shape `(N, embedding_size)`): one embedding per 0.96 s example.
        last_hidden_state (`torch.FloatTensor` of shape `(N, C, 96 / 2**S, 64 / 2**S)`): the last conv features.
    """

    embeddings: torch.FloatTensor | None = None
    last_hidden_state: torch.FloatTensor | None = None


def check_log_mel_examples(input_features: torch.Tensor, config) -> None:
    """`input_features` must be [N, 1, num_frames_per_example, num_mel_bins] (the VGGish log-mel examples)."""
    expected = (1, config.num_frames_per_example, config.num_mel_bins)
    if input_features.ndim != 4 or tuple(input_features.shape[1:]) != expected:
        raise ValueError(
            f"`input_features` must have shape [N, {expected[0]}, {expected[1]}, {expected[2]}], "
            f"got {list(input_features.shape)}"
        )


class VGGishPreTrainedModel(PreTrainedModel):
    config_class = VGGishConfig
    base_model_prefix = "vggish"
    main_input_name = "input_features"

    @torch.no_grad()
    def _init_weights(self, module):
        # He initialisation: a deep ReLU stack initialised at std 0.02 would shrink the signal to nothing,
        # and a frozen randomly initialised VGGish must still pass the audio through.
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            init.zeros_(module.bias)


class VGGishModel(VGGishPreTrainedModel):
    """Six 3x3 convolutions in four pooled stages, then fully connected layers to the embedding.

    The layer order (conv, ReLU, ..., max-pool) is that of the original network, so `features.*` and
    `embeddings.*` index the same layers as the widely used PyTorch port.
    """

    def __init__(self, config: VGGishConfig):
        super().__init__(config)
        layers: list[nn.Module] = []
        in_channels = 1
        for stage in config.conv_stages:
            for out_channels in stage:
                layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_channels = out_channels
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)

        head: list[nn.Module] = []
        in_features = config.flattened_size
        for width in [*config.hidden_sizes, config.embedding_size]:
            head += [nn.Linear(in_features, width), nn.ReLU(inplace=True)]
            in_features = width
        self.embeddings = nn.Sequential(*head)
        self.post_init()

    def forward(self, input_features: torch.Tensor, return_dict: bool | None = None, **kwargs) -> VGGishOutput:
        check_log_mel_examples(input_features, self.config)
        hidden = self.features(input_features)
        # (N, C, h, w) -> (N, h, w, C) -> (N, h*w*C): the original network flattens channels-last.
        flat = hidden.permute(0, 2, 3, 1).flatten(1)
        embeddings = self.embeddings(flat)
        if return_dict is False:
            return (embeddings, hidden)
        return VGGishOutput(embeddings=embeddings, last_hidden_state=hidden)


__all__ = ["VGGishModel", "VGGishPreTrainedModel", "VGGishOutput"]

VGGishModel.register_for_auto_class("AutoModel")
