"""AVESFormer configuration."""

from transformers import CONFIG_MAPPING, PretrainedConfig, PvtV2Config

from .configuration_light_audio import LightAudioConfig
from .configuration_vggish import VGGishConfig

STAGE_TYPES = ("conv", "attn")
PROMPT_FUSIONS = ("add", "concat")
MASK_HEAD_CONVS = ("separable", "dense")
BACKBONE_TYPES = ("pvt_v2", "resnet")
BACKBONE_STAGES = ["stage1", "stage2", "stage3", "stage4"]
OWN_AUDIO_CONFIGS = {"vggish": VGGishConfig, "light_audio": LightAudioConfig}
# audio encoder model_type -> size of its pooled per-frame embedding, read from its config
AUDIO_EMBEDDING_SIZES = {
    "vggish": lambda config: config.embedding_size,
    "light_audio": lambda config: config.embedding_size,
    "audio-spectrogram-transformer": lambda config: config.hidden_size,
    "clap_audio_model": lambda config: int(config.patch_embeds_hidden_size * 2 ** (len(config.depths) - 1)),
    "whisper": lambda config: config.d_model,
    "wav2vec2": lambda config: config.hidden_size,
    "hubert": lambda config: config.hidden_size,
}


def default_backbone_config() -> PvtV2Config:
    """PVT-v2-b2: depths [3, 4, 6, 3], hidden sizes [64, 128, 320, 512], all four stages out."""
    return PvtV2Config(
        depths=[3, 4, 6, 3],
        hidden_sizes=[64, 128, 320, 512],
        num_attention_heads=[1, 2, 5, 8],
        mlp_ratios=[8, 8, 4, 4],
        sr_ratios=[8, 4, 2, 1],
        out_features=list(BACKBONE_STAGES),
    )


class AVESFormerConfig(PretrainedConfig):
    r"""
    Configuration of [`AVESFormerModel`]. The defaults give AVESFormer with a PVT-v2-b2 backbone, VGGish audio
    and a binary (S4 / MS3) head.

    Args:
        backbone_config (`PretrainedConfig` or `dict`, *optional*):
            A transformers `PvtV2Config` or `ResNetConfig` with four output stages (strides 4/8/16/32).
            Defaults to PVT-v2-b2.
        audio_config (`PretrainedConfig` or `dict`, *optional*): the per-frame audio encoder. Defaults to VGGish
            (`VGGishConfig`); also `LightAudioConfig` (our light CNN on the same log-mel) or a transformers audio
            model's config: `ASTConfig`, `ClapAudioConfig`, `WhisperConfig` (its encoder), `Wav2Vec2Config`,
            `HubertConfig`. A dict is restored by its `model_type`.
        d_model (`int`, *optional*, defaults to 256): width of the decoder.
        num_prompt_queries (`int`, *optional*, defaults to 16): learnable prompts of the Prompt Query Generator.
        prompt_fusion (`str`, *optional*, defaults to `"add"`):
            `"add"` adds the audio feature to every prompt (Nq tokens); `"concat"` appends it as a token (Nq + 1).
        num_prompt_layers (`int`, *optional*, defaults to 1): self-attention + FFN layers refining the prompts.
        decoder_stage_types (`list[str]`, *optional*, defaults to `["conv"] * 3 + ["attn"] * 3`):
            The ELF decoder: `"conv"` stages (local, audio-free) then `"attn"` stages (audio cross-attention).
        num_attention_heads (`int`, *optional*, defaults to 8): heads of every attention layer.
        decoder_ffn_dim (`int`, *optional*, defaults to 1024): hidden size of attention-stage FFNs.
        conv_kernel_size (`int`, *optional*, defaults to 7): depthwise kernel of conv stages.
        conv_mlp_ratio (`int`, *optional*, defaults to 4): pointwise MLP expansion of conv stages.
        dropout (`float`, *optional*, defaults to 0.1): dropout of attention stages.
        num_norm_groups (`int`, *optional*, defaults to 32): GroupNorm groups of projections and mask head.
        mask_head_conv (`str`, *optional*, defaults to `"separable"`): the mask head's 3x3 conv at 1/4 resolution,
            `"separable"` (depthwise 3x3 + pointwise 1x1) or `"dense"` (a full 3x3 conv, 9x the FLOPs there).
        use_audio_gate (`bool`, *optional*, defaults to `True`): gate mask features channel-wise by the audio.
        num_frames (`int`, *optional*, defaults to 5): frames per clip (5 for S4 / MS3, 10 for AVSS).
        num_labels (`int`, *optional*, defaults to 1): 1 for binary masks (sigmoid), 71 for AVSS (softmax).
        dice_loss_weight, bce_loss_weight, ce_loss_weight, aux_loss_weight (`float`, *optional*):
            Loss weights (defaults 1.0, 1.0, 1.0, 0.1).
        freeze_audio_backbone (`bool`, *optional*, defaults to `True`): keep the audio encoder frozen (and in eval
            mode, so its dropout and BatchNorm statistics stay fixed).
        initializer_range (`float`, *optional*, defaults to 0.02): std of the truncated-normal init.
    """

    model_type = "avesformer"
    sub_configs = {"backbone_config": PretrainedConfig, "audio_config": PretrainedConfig}

    def __init__(
        self,
        backbone_config=None,
        audio_config=None,
        d_model=256,
        num_prompt_queries=16,
        prompt_fusion="add",
        num_prompt_layers=1,
        decoder_stage_types=None,
        num_attention_heads=8,
        decoder_ffn_dim=1024,
        conv_kernel_size=7,
        conv_mlp_ratio=4,
        dropout=0.1,
        num_norm_groups=32,
        mask_head_conv="separable",
        use_audio_gate=True,
        num_frames=5,
        dice_loss_weight=1.0,
        bce_loss_weight=1.0,
        ce_loss_weight=1.0,
        aux_loss_weight=0.1,
        freeze_audio_backbone=True,
        initializer_range=0.02,
        **kwargs,
    ):
        self._fill_labels(kwargs)
        self.backbone_config = self._build_backbone_config(backbone_config)
        self.audio_config = self._build_audio_config(audio_config)
        self.d_model = d_model
        self.num_prompt_queries = num_prompt_queries
        self.prompt_fusion = prompt_fusion
        self.num_prompt_layers = num_prompt_layers
        self.decoder_stage_types = list(
            ["conv", "conv", "conv", "attn", "attn", "attn"] if decoder_stage_types is None else decoder_stage_types
        )
        self.num_attention_heads = num_attention_heads
        self.decoder_ffn_dim = decoder_ffn_dim
        self.conv_kernel_size = conv_kernel_size
        self.conv_mlp_ratio = conv_mlp_ratio
        self.dropout = dropout
        self.num_norm_groups = num_norm_groups
        self.mask_head_conv = mask_head_conv
        self.use_audio_gate = use_audio_gate
        self.num_frames = num_frames
        self.dice_loss_weight = dice_loss_weight
        self.bce_loss_weight = bce_loss_weight
        self.ce_loss_weight = ce_loss_weight
        self.aux_loss_weight = aux_loss_weight
        self.freeze_audio_backbone = freeze_audio_backbone
        self.initializer_range = initializer_range
        super().__init__(**kwargs)
        if self.id2label is not None:
            self.label2id = {label: int(index) for index, label in self.id2label.items()}
        self._validate_avesformer()

    @staticmethod
    def _fill_labels(kwargs: dict) -> None:
        """`num_labels` and `id2label` must agree; without `id2label` the classes get names (binary: "sounding")."""
        num_labels = kwargs.pop("num_labels", None)
        id2label = kwargs.get("id2label")
        if num_labels is not None and id2label is not None and len(id2label) != num_labels:
            raise ValueError(
                f"`num_labels` ({num_labels}) disagrees with `id2label`, which names {len(id2label)} classes"
            )
        if num_labels is None and id2label is None:
            num_labels = 1
        if num_labels is not None and id2label is None:
            kwargs["id2label"] = {0: "sounding"} if num_labels == 1 else {i: f"LABEL_{i}" for i in range(num_labels)}

    @staticmethod
    def _build_backbone_config(backbone_config):
        if backbone_config is None:
            return default_backbone_config()
        if isinstance(backbone_config, dict):
            backbone_config = dict(backbone_config)
            model_type = backbone_config.pop("model_type", None)
            if model_type not in BACKBONE_TYPES:
                raise ValueError(f"`backbone_config.model_type` must be one of {BACKBONE_TYPES}, got {model_type!r}")
            backbone_config = CONFIG_MAPPING[model_type](**backbone_config)
        if getattr(backbone_config, "model_type", None) not in BACKBONE_TYPES:
            raise ValueError(
                f"`backbone_config` must be a PvtV2Config or ResNetConfig, got {type(backbone_config).__name__}"
            )
        if list(backbone_config.out_features) != BACKBONE_STAGES:
            raise ValueError(
                f"`backbone_config.out_features` must be {BACKBONE_STAGES} (strides 4/8/16/32), "
                f"got {backbone_config.out_features}"
            )
        return backbone_config

    @staticmethod
    def _build_audio_config(audio_config):
        if audio_config is None:
            return VGGishConfig()
        if isinstance(audio_config, dict):
            audio_config = dict(audio_config)
            model_type = audio_config.pop("model_type", "vggish")  # configs saved before other encoders existed
            if model_type not in AUDIO_EMBEDDING_SIZES:
                raise ValueError(
                    f"`audio_config.model_type` must be one of {sorted(AUDIO_EMBEDDING_SIZES)}, got {model_type!r}"
                )
            config_class = OWN_AUDIO_CONFIGS.get(model_type) or CONFIG_MAPPING[model_type]
            audio_config = config_class(**audio_config)
        if getattr(audio_config, "model_type", None) not in AUDIO_EMBEDDING_SIZES:
            raise ValueError(
                f"`audio_config` must be the config of one of {sorted(AUDIO_EMBEDDING_SIZES)}, "
                f"got {type(audio_config).__name__}"
            )
        return audio_config

    def _validate_avesformer(self):
        unknown = [stage for stage in self.decoder_stage_types if stage not in STAGE_TYPES]
        if unknown or not self.decoder_stage_types:
            raise ValueError(
                f"`decoder_stage_types` must be a non-empty list of {STAGE_TYPES}, got {self.decoder_stage_types}"
            )
        if self.d_model % self.num_attention_heads:
            raise ValueError(
                f"`d_model` ({self.d_model}) must be divisible by `num_attention_heads` ({self.num_attention_heads})"
            )
        if self.d_model % self.num_norm_groups:
            raise ValueError(f"`d_model` ({self.d_model}) must be divisible by `num_norm_groups` ({self.num_norm_groups})")
        if self.prompt_fusion not in PROMPT_FUSIONS:
            raise ValueError(f"`prompt_fusion` must be one of {PROMPT_FUSIONS}, got {self.prompt_fusion!r}")
        if self.mask_head_conv not in MASK_HEAD_CONVS:
            raise ValueError(f"`mask_head_conv` must be one of {MASK_HEAD_CONVS}, got {self.mask_head_conv!r}")
        if self.num_prompt_queries < 1:
            raise ValueError(f"`num_prompt_queries` must be at least 1, got {self.num_prompt_queries}")
        if self.num_prompt_layers < 0:
            raise ValueError(f"`num_prompt_layers` must be >= 0, got {self.num_prompt_layers}")
        if self.num_labels < 1 or self.num_labels == 2:
            raise ValueError(
                f"`num_labels` must be 1 (binary masks) or the number of classes including background (> 2), "
                f"got {self.num_labels}"
            )
        if self.num_frames < 1:
            raise ValueError(f"`num_frames` must be at least 1, got {self.num_frames}")
        if self.conv_kernel_size % 2 == 0:
            raise ValueError(f"`conv_kernel_size` must be odd, got {self.conv_kernel_size}")

    @property
    def audio_embedding_size(self) -> int:
        """Size of the audio encoder's pooled per-frame embedding (`audio_embeds`' last dimension)."""
        return AUDIO_EMBEDDING_SIZES[self.audio_config.model_type](self.audio_config)

    @property
    def is_semantic(self) -> bool:
        return self.num_labels > 1


__all__ = ["AVESFormerConfig"]

AVESFormerConfig.register_for_auto_class()
