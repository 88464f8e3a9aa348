"""Light audio encoder configuration: a depthwise-separable CNN on the VGGish log-mel."""

from transformers import PretrainedConfig


class LightAudioConfig(PretrainedConfig):
    r"""
    Configuration of [`LightAudioModel`], a MobileNet-style audio encoder (about 0.8 M parameters at the defaults,
    against VGGish's 72 M) that reads the same [1, 96, 64] log-mel examples as VGGish and gives one embedding per
    example: the feature maps averaged over time (the mel bands are kept: they carry pitch), a linear layer and a
    BatchNorm. Trained from scratch with AVESFormer, or distilled from a larger encoder with `avesformer distill-audio`.

    Args:
        stem_channels (`int`, *optional*, defaults to 32): output channels of the stride-2 3x3 stem convolution.
        block_channels (`list[int]`, *optional*, defaults to `[64, 128, 128, 256, 256, 512, 512]`):
            output channels of the depthwise-separable blocks (depthwise 3x3 then pointwise 1x1, each BatchNorm + ReLU).
        block_strides (`list[int]`, *optional*, defaults to `[1, 2, 1, 2, 1, 2, 1]`): stride of each block's
            depthwise convolution.
        embedding_size (`int`, *optional*, defaults to 128): size of the output embedding (VGGish's, so the two
            are interchangeable).
        num_mel_bins (`int`, *optional*, defaults to 64), num_frames_per_example (`int`, *optional*, defaults to 96):
            the log-mel example the encoder reads, [1, num_frames_per_example, num_mel_bins].
    """

    model_type = "light_audio"

    def __init__(
        self,
        stem_channels=32,
        block_channels=None,
        block_strides=None,
        embedding_size=128,
        num_mel_bins=64,
        num_frames_per_example=96,
        **kwargs,
    ):
        self.stem_channels = stem_channels
        self.block_channels = list(block_channels if block_channels is not None else [64, 128, 128, 256, 256, 512, 512])
        self.block_strides = list(block_strides if block_strides is not None else [1, 2, 1, 2, 1, 2, 1])
        self.embedding_size = embedding_size
        self.num_mel_bins = num_mel_bins
        self.num_frames_per_example = num_frames_per_example
        super().__init__(**kwargs)
        if not self.block_channels or len(self.block_channels) != len(self.block_strides):
            raise ValueError(
                f"`block_channels` ({self.block_channels}) and `block_strides` ({self.block_strides}) must be "
                "non-empty lists of the same length"
            )
        if any(stride not in (1, 2) for stride in self.block_strides):
            raise ValueError(f"`block_strides` must hold 1 or 2 per block, got {self.block_strides}")


__all__ = ["LightAudioConfig"]

LightAudioConfig.register_for_auto_class()
