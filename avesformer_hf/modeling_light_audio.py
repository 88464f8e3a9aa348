"""LightAudioModel: log-mel example [N, 1, 96, 64] -> embedding [N, 128] with depthwise-separable convolutions."""

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init

from .configuration_light_audio import LightAudioConfig
from .modeling_vggish import VGGishOutput, check_log_mel_examples


class LightAudioConvNormAct(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class LightAudioBlock(nn.Sequential):
    """Depthwise 3x3 (spatial, per channel) then pointwise 1x1 (across channels): a ninth of a dense 3x3's cost."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__(
            LightAudioConvNormAct(in_channels, in_channels, 3, stride, groups=in_channels),
            LightAudioConvNormAct(in_channels, out_channels, 1),
        )


class LightAudioPreTrainedModel(PreTrainedModel):
    config_class = LightAudioConfig
    base_model_prefix = "light_audio"
    main_input_name = "input_features"

    @torch.no_grad()
    def _init_weights(self, module):
        if isinstance(module, nn.Conv2d):
            init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            init.ones_(module.weight)
            init.zeros_(module.bias)
            if module.running_mean is not None:
                init.zeros_(module.running_mean)
                init.ones_(module.running_var)
        elif isinstance(module, nn.Linear):
            init.trunc_normal_(module.weight, std=0.02)
            init.zeros_(module.bias)


class LightAudioModel(LightAudioPreTrainedModel):
    """Stride-2 stem, depthwise-separable blocks, average over time, linear embedding (no ReLU), BatchNorm."""

    def __init__(self, config: LightAudioConfig):
        super().__init__(config)
        layers: list[nn.Module] = [LightAudioConvNormAct(1, config.stem_channels, 3, stride=2)]
        in_channels = config.stem_channels
        for out_channels, stride in zip(config.block_channels, config.block_strides):
            layers.append(LightAudioBlock(in_channels, out_channels, stride))
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        mel_bins = config.num_mel_bins
        for stride in (2, *config.block_strides):
            mel_bins = (mel_bins + 1) // 2 if stride == 2 else mel_bins
        # Averaged over time only: which mel bands sound (pitch) stays in the embedding, as VGGish's flatten keeps it.
        self.embedding = nn.Linear(in_channels * mel_bins, config.embedding_size)
        # Each embedding feature standardised over the batch: the pooled channels vary little from one sound to the
        # next, and without this the embedding starts about 20x weaker than VGGish's, too weak for AVESFormer to
        # start listening before it settles on segmenting every object.
        self.embedding_norm = nn.BatchNorm1d(config.embedding_size)
        self.post_init()

    def forward(self, input_features: torch.Tensor, return_dict: bool | None = None, **kwargs) -> VGGishOutput:
        check_log_mel_examples(input_features, self.config)
        hidden = self.features(input_features)
        embeddings = self.embedding_norm(self.embedding(hidden.mean(dim=2).flatten(1)))  # [N, C, t, f] -> [N, C * f] -> [N, E]
        if return_dict is False:
            return (embeddings, hidden)
        return VGGishOutput(embeddings=embeddings, last_hidden_state=hidden)


__all__ = ["LightAudioModel", "LightAudioPreTrainedModel"]

LightAudioModel.register_for_auto_class("AutoModel")
