"""VGGish configuration."""

from transformers import PretrainedConfig


class VGGishConfig(PretrainedConfig):
    r"""
    Configuration of [`VGGishModel`], the AudioSet audio embedding network used by AVS models.
    The defaults give the original VGGish (72,141,184 parameters).

    Args:
        conv_stages (`list[list[int]]`, *optional*, defaults to `[[64], [128], [256, 256], [512, 512]]`):
            Output channels of the 3x3 convolutions, grouped into stages; each stage ends with a 2x2 max-pool.
        hidden_sizes (`list[int]`, *optional*, defaults to `[4096, 4096]`):
            Widths of the fully connected layers between the flattened conv features and the embedding.
        embedding_size (`int`, *optional*, defaults to 128):
            Size of the output embedding (followed by a ReLU, as in the original network).
        num_mel_bins (`int`, *optional*, defaults to 64):
            Mel bands of one log-mel example (input width).
        num_frames_per_example (`int`, *optional*, defaults to 96):
            STFT frames of one example (input height, 0.96 s at a 10 ms hop).
    """

    model_type = "vggish"

    def __init__(
        self,
        conv_stages=None,
        hidden_sizes=None,
        embedding_size=128,
        num_mel_bins=64,
        num_frames_per_example=96,
        **kwargs,
    ):
        self.conv_stages = [list(stage) for stage in (conv_stages or [[64], [128], [256, 256], [512, 512]])]
        self.hidden_sizes = list(hidden_sizes if hidden_sizes is not None else [4096, 4096])
        self.embedding_size = embedding_size
        self.num_mel_bins = num_mel_bins
        self.num_frames_per_example = num_frames_per_example
        super().__init__(**kwargs)
        self._validate_vggish()

    def _validate_vggish(self):
        if not self.conv_stages or any(not stage for stage in self.conv_stages):
            raise ValueError(f"`conv_stages` must be a non-empty list of non-empty stages, got {self.conv_stages}")
        downsample = 2 ** len(self.conv_stages)
        if self.num_frames_per_example % downsample or self.num_mel_bins % downsample:
            raise ValueError(
                f"`num_frames_per_example` ({self.num_frames_per_example}) and `num_mel_bins` ({self.num_mel_bins}) "
                f"must be divisible by 2**len(conv_stages) = {downsample}"
            )

    @property
    def flattened_size(self) -> int:
        downsample = 2 ** len(self.conv_stages)
        return (
            self.conv_stages[-1][-1]
            * (self.num_frames_per_example // downsample)
            * (self.num_mel_bins // downsample)
        )


__all__ = ["VGGishConfig"]

VGGishConfig.register_for_auto_class()
