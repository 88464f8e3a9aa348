"""AVESFormer: visual backbone -> input projections -> PQG -> ELF decoder -> mask head.

Reads like the paper's Figure 4. Frames are independent, so a clip batch [B, T, ...] is flattened to
N = B * T frames everywhere inside and unflattened only at the output.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoBackbone, PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from .configuration_avesformer import AVESFormerConfig
from .modeling_avesformer_audio import (
    build_audio_encoder,
    fit_pretrained_state,
    pooled_audio_embeddings,
    pretrained_audio_encoder,
)


@dataclass
class AVESFormerOutput(ModelOutput):
    """
    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*): the training loss, when `labels` are given.
        logits (`torch.FloatTensor` of shape `(B, T, K, H / 4, W / 4)`):
            K = 1 mask logit (sigmoid) for binary models, K = num_labels class logits (softmax) for semantic ones.
        audio_embeds (`torch.FloatTensor` of shape `(B, T, E)`): the audio embeddings used (the audio encoder's
            pooled output, E = `config.audio_embedding_size`, 128 for VGGish).
        attentions (`tuple(torch.FloatTensor)`, *optional*): with `output_attentions=True`, the PQG
            cross-attention weights of every attention stage, each `(B, T, heads, visual_tokens, prompt_tokens)`.
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    audio_embeds: torch.FloatTensor | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


def sine_position_embedding(height: int, width: int, dim: int, device, dtype) -> torch.Tensor:
    """2-D sine/cosine position encodings (DETR style, normalised coordinates): [height * width, dim]."""
    quarter = dim // 4
    omega = 1.0 / (10000 ** (torch.arange(quarter, device=device, dtype=torch.float32) / quarter))
    ys = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height * 2 * math.pi
    xs = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width * 2 * math.pi
    y_angles = ys[:, None] * omega[None]  # [h, dim/4]
    x_angles = xs[:, None] * omega[None]  # [w, dim/4]
    y_embed = torch.cat([y_angles.sin(), y_angles.cos()], dim=-1)[:, None, :].expand(height, width, 2 * quarter)
    x_embed = torch.cat([x_angles.sin(), x_angles.cos()], dim=-1)[None, :, :].expand(height, width, 2 * quarter)
    embed = torch.cat([y_embed, x_embed], dim=-1).reshape(height * width, 4 * quarter)
    if embed.shape[-1] < dim:
        embed = F.pad(embed, (0, dim - embed.shape[-1]))
    return embed.to(dtype)


class AVESFormerAttention(nn.Module):
    """Multi-head attention through `scaled_dot_product_attention`; explicit softmax only when weights are asked for."""

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.d_model // config.num_attention_heads
        self.dropout = config.dropout
        self.q_proj = nn.Linear(config.d_model, config.d_model)
        self.k_proj = nn.Linear(config.d_model, config.d_model)
        self.v_proj = nn.Linear(config.d_model, config.d_model)
        self.out_proj = nn.Linear(config.d_model, config.d_model)

    def _split_heads(self, states: torch.Tensor) -> torch.Tensor:
        # [N, L, D] -> [N, heads, L, head_dim]
        return states.unflatten(-1, (self.num_heads, self.head_dim)).transpose(1, 2)

    def forward(self, query, key, value, output_attentions: bool = False):
        q = self._split_heads(self.q_proj(query))
        k = self._split_heads(self.k_proj(key))
        v = self._split_heads(self.v_proj(value))
        dropout = self.dropout if self.training else 0.0
        weights = None
        if output_attentions:
            weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
            attended = F.dropout(weights, dropout, self.training) @ v
        else:
            attended = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout)
        # [N, heads, L, head_dim] -> [N, L, D]
        attended = attended.transpose(1, 2).flatten(2)
        return self.out_proj(attended), weights


class AVESFormerFeedForward(nn.Module):
    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.d_model, config.decoder_ffn_dim)
        self.fc2 = nn.Linear(config.decoder_ffn_dim, config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, hidden_states):
        return self.fc2(self.dropout(F.gelu(self.fc1(hidden_states))))


class AVESFormerPromptLayer(nn.Module):
    """Post-norm self-attention + FFN over the prompt tokens."""

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        self.self_attn = AVESFormerAttention(config)
        self.self_attn_norm = nn.LayerNorm(config.d_model)
        self.ffn = AVESFormerFeedForward(config)
        self.ffn_norm = nn.LayerNorm(config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, prompts):
        attended, _ = self.self_attn(prompts, prompts, prompts)
        prompts = self.self_attn_norm(prompts + self.dropout(attended))
        return self.ffn_norm(prompts + self.dropout(self.ffn(prompts)))


class AVESFormerPromptQueryGenerator(nn.Module):
    """PQG: learnable prompts conditioned on the audio, so cross-attention has several keys to choose among.

    With a single audio token a softmax over one key is always 1 ("attention dissipation"); Nq prompts fix it.
    """

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        self.fusion = config.prompt_fusion
        self.prompts = nn.Parameter(torch.zeros(config.num_prompt_queries, config.d_model))
        self.layers = nn.ModuleList(AVESFormerPromptLayer(config) for _ in range(config.num_prompt_layers))

    def forward(self, audio_features: torch.Tensor) -> torch.Tensor:
        """audio_features [N, D] -> prompt queries [N, Nq, D] ("add") or [N, Nq + 1, D] ("concat")."""
        prompts = self.prompts[None].expand(audio_features.shape[0], -1, -1)
        if self.fusion == "add":
            prompt_queries = prompts + audio_features[:, None, :]
        else:
            prompt_queries = torch.cat([prompts, audio_features[:, None, :]], dim=1)
        for layer in self.layers:
            prompt_queries = layer(prompt_queries)
        return prompt_queries


class AVESFormerConvBlock(nn.Module):
    """ConvNeXt-style residual block: depthwise kxk conv -> LayerNorm -> pointwise MLP (GELU) -> residual."""

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        dim = config.d_model
        self.depthwise = nn.Conv2d(dim, dim, config.conv_kernel_size, padding=config.conv_kernel_size // 2, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, config.conv_mlp_ratio * dim)
        self.fc2 = nn.Linear(config.conv_mlp_ratio * dim, dim)

    def forward(self, feature_map):
        hidden = self.depthwise(feature_map).permute(0, 2, 3, 1)  # [N, D, h, w] -> [N, h, w, D]
        hidden = self.fc2(F.gelu(self.fc1(self.norm(hidden))))
        return feature_map + hidden.permute(0, 3, 1, 2)


class AVESFormerConvStage(nn.Module):
    """An early ELF stage: one conv block per level map (strides 8/16/32), no audio."""

    def __init__(self, config: AVESFormerConfig, num_levels: int = 3):
        super().__init__()
        self.blocks = nn.ModuleList(AVESFormerConvBlock(config) for _ in range(num_levels))

    def forward(self, feature_maps: list[torch.Tensor]) -> list[torch.Tensor]:
        return [block(feature_map) for block, feature_map in zip(self.blocks, feature_maps)]


class AVESFormerAttentionStage(nn.Module):
    """A late ELF stage over the visual tokens of all levels (post-norm):
    self-attention, cross-attention to the PQG prompt queries, FFN."""

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        self.self_attn = AVESFormerAttention(config)
        self.self_attn_norm = nn.LayerNorm(config.d_model)
        self.cross_attn = AVESFormerAttention(config)
        self.cross_attn_norm = nn.LayerNorm(config.d_model)
        self.ffn = AVESFormerFeedForward(config)
        self.ffn_norm = nn.LayerNorm(config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, tokens, position_embeds, prompt_queries, output_attentions: bool = False):
        with_position = tokens + position_embeds
        attended, _ = self.self_attn(with_position, with_position, tokens)
        tokens = self.self_attn_norm(tokens + self.dropout(attended))
        attended, cross_weights = self.cross_attn(
            tokens + position_embeds, prompt_queries, prompt_queries, output_attentions=output_attentions
        )
        tokens = self.cross_attn_norm(tokens + self.dropout(attended))
        tokens = self.ffn_norm(tokens + self.dropout(self.ffn(tokens)))
        return tokens, cross_weights


class AVESFormerELFDecoder(nn.Module):
    """EarLy Focus decoder: stages of `config.decoder_stage_types` over the stride-8/16/32 maps.

    Consecutive attention stages share one flatten / unflatten of the maps.
    """

    def __init__(self, config: AVESFormerConfig, num_levels: int = 3):
        super().__init__()
        self.stage_types = list(config.decoder_stage_types)
        self.stages = nn.ModuleList(
            AVESFormerConvStage(config, num_levels) if kind == "conv" else AVESFormerAttentionStage(config)
            for kind in self.stage_types
        )
        self.level_embed = nn.Parameter(torch.zeros(num_levels, config.d_model))

    def _position_embeds(self, feature_maps) -> torch.Tensor:
        dim = feature_maps[0].shape[1]
        return torch.cat(
            [
                sine_position_embedding(m.shape[2], m.shape[3], dim, m.device, m.dtype) + self.level_embed[level]
                for level, m in enumerate(feature_maps)
            ]
        )[None]

    def forward(self, feature_maps: list[torch.Tensor], prompt_queries, output_attentions: bool = False):
        attentions = []
        shapes = [m.shape[2:] for m in feature_maps]
        position_embeds = self._position_embeds(feature_maps) if "attn" in self.stage_types else None
        tokens = None  # set while inside a run of attention stages
        for kind, stage in zip(self.stage_types, self.stages):
            if kind == "conv":
                if tokens is not None:
                    feature_maps, tokens = self._to_maps(tokens, shapes), None
                feature_maps = stage(feature_maps)
            else:
                if tokens is None:
                    # [N, D, h, w] per level -> [N, h*w, D] (a free view of channels-last maps) -> [N, sum(h*w), D]
                    tokens = torch.cat([m.flatten(2).transpose(1, 2) for m in feature_maps], dim=1)
                tokens, weights = stage(tokens, position_embeds, prompt_queries, output_attentions)
                if output_attentions:
                    attentions.append(weights)
        if tokens is not None:
            feature_maps = self._to_maps(tokens, shapes)
        return feature_maps, attentions

    @staticmethod
    def _to_maps(tokens: torch.Tensor, shapes) -> list[torch.Tensor]:
        # [N, sum(h*w), D] -> per level [N, D, h, w]
        sizes = [h * w for h, w in shapes]
        return [
            chunk.transpose(1, 2).unflatten(2, (h, w))
            for chunk, (h, w) in zip(tokens.split(sizes, dim=1), shapes)
        ]


class AVESFormerMaskHead(nn.Module):
    """Top-down merge 1/32 -> 1/16 -> 1/8 -> 1/4 (+ the stride-4 level), 3x3 conv, optional audio gate, logits.

    The 3x3 conv runs at 1/4 resolution, the largest map of the model: `mask_head_conv="separable"` (depthwise 3x3 +
    pointwise 1x1) costs a ninth of the `"dense"` 3x3 conv's FLOPs there.
    """

    def __init__(self, config: AVESFormerConfig):
        super().__init__()
        dim = config.d_model
        if config.mask_head_conv == "separable":
            spatial = [nn.Conv2d(dim, dim, 3, padding=1, groups=dim), nn.Conv2d(dim, dim, 1, bias=False)]
        else:
            spatial = [nn.Conv2d(dim, dim, 3, padding=1, bias=False)]
        self.fuse = nn.Sequential(*spatial, nn.GroupNorm(config.num_norm_groups, dim), nn.ReLU())
        self.audio_gate = nn.Linear(dim, dim) if config.use_audio_gate else None
        self.classifier = nn.Conv2d(dim, config.num_labels, 1)

    def forward(self, stride4_map, decoded_maps, audio_features):
        merged = decoded_maps[-1]
        for finer in [*reversed(decoded_maps[:-1]), stride4_map]:
            merged = finer + F.interpolate(merged, size=finer.shape[-2:], mode="bilinear", align_corners=False)
        mask_features = self.fuse(merged)
        if self.audio_gate is not None:
            mask_features = mask_features * torch.sigmoid(self.audio_gate(audio_features))[:, :, None, None]
        return self.classifier(mask_features), mask_features


def dice_loss(probabilities: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-frame Dice loss 1 - 2 sum(pg) / (sum(p^2) + sum(g^2) + 2e-3); inputs [M, H, W] -> [M]."""
    probabilities, targets = probabilities.flatten(1), targets.flatten(1)
    numerator = 2 * (probabilities * targets).sum(-1)
    denominator = (probabilities * probabilities).sum(-1) + (targets * targets).sum(-1) + 2e-3
    return 1 - numerator / denominator


def avesformer_loss(
    logits: torch.Tensor, mask_features: torch.Tensor, labels: torch.Tensor, config: AVESFormerConfig
) -> torch.Tensor:
    """Loss over the labelled frames only. logits [M, K, h, w], mask_features [M, D, h, w], labels [M, H, W]."""
    size = labels.shape[-2:]
    logits = F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
    if config.is_semantic:
        loss = config.ce_loss_weight * F.cross_entropy(logits, labels)
        foreground = (labels > 0).to(logits.dtype)
    else:
        mask_logits = logits[:, 0]
        loss = config.dice_loss_weight * dice_loss(mask_logits.sigmoid(), labels).mean()
        loss = loss + config.bce_loss_weight * F.binary_cross_entropy_with_logits(mask_logits, labels)
        foreground = labels
    if config.aux_loss_weight:
        aux_logits = F.interpolate(mask_features.mean(1, keepdim=True), size=size, mode="bilinear", align_corners=False)
        loss = loss + config.aux_loss_weight * dice_loss(aux_logits[:, 0].sigmoid(), foreground).mean()
    return loss


class AVESFormerPreTrainedModel(PreTrainedModel):
    config_class = AVESFormerConfig
    base_model_prefix = "avesformer"
    main_input_name = "pixel_values"
    _no_split_modules = ["AVESFormerAttentionStage", "AVESFormerConvStage"]

    @torch.no_grad()
    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            init.trunc_normal_(module.weight, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, (nn.LayerNorm, nn.GroupNorm)):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, AVESFormerPromptQueryGenerator):
            init.normal_(module.prompts, std=1.0)
        elif isinstance(module, AVESFormerELFDecoder):
            init.normal_(module.level_embed, std=std)


class AVESFormerModel(AVESFormerPreTrainedModel):
    """AVESFormer for audio-visual segmentation (binary S4 / MS3 masks or AVSS semantic masks)."""

    def __init__(self, config: AVESFormerConfig):
        super().__init__(config)
        self.backbone = AutoBackbone.from_config(config.backbone_config)
        self.audio_backbone = build_audio_encoder(config.audio_config)
        dim = config.d_model
        self.input_projections = nn.ModuleList(
            nn.Sequential(nn.Conv2d(channels, dim, 1), nn.GroupNorm(config.num_norm_groups, dim))
            for channels in self.backbone.num_features[-4:]
        )
        self.audio_projection = nn.Linear(config.audio_embedding_size, dim)
        self.prompt_query_generator = AVESFormerPromptQueryGenerator(config)
        self.decoder = AVESFormerELFDecoder(config)
        self.mask_head = AVESFormerMaskHead(config)
        self.post_init()
        if config.freeze_audio_backbone:
            self.audio_backbone.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.config.freeze_audio_backbone:
            self.audio_backbone.eval()  # a frozen encoder keeps its dropout off and its BatchNorm statistics fixed
        return self

    def freeze_visual_backbone(self, frozen: bool = True):
        """Freeze (or unfreeze) the visual backbone, as the training recipe does for its first epochs."""
        self.backbone.requires_grad_(not frozen)

    @classmethod
    def from_backbone_pretrained(cls, config: AVESFormerConfig, backbone=None, audio=None, **hub_kwargs):
        """A fresh AVESFormer (new decoder) whose visual backbone and/or audio encoder start from pretrained weights.

        `backbone`: Hub id or folder of a transformers PVT-v2 / ResNet checkpoint that fits `config.backbone_config`
        (`OpenGVLab/pvt_v2_b2`, `microsoft/resnet-50`); `audio`: Hub id or folder of the encoder that
        `config.audio_config` describes (a `VGGishModel` or `LightAudioModel` folder, an AST / CLAP / Whisper /
        wav2vec2 / HuBERT checkpoint; a Whisper encoder configured for short windows keeps the first rows of the
        checkpoint's position table). `hub_kwargs` (`revision`, `cache_dir`, ...) go to `from_pretrained`. Original
        `.pth` files: see `avesformer_hf.convert`.
        """
        model = cls(config)
        if backbone is not None:
            found_type = type(config.backbone_config).get_config_dict(backbone, **hub_kwargs)[0].get("model_type")
            if found_type != config.backbone_config.model_type:
                raise ValueError(
                    f"{backbone} holds a {found_type!r} checkpoint, but the config expects "
                    f"{config.backbone_config.model_type!r}"
                )
            stages = {"out_features": list(config.backbone_config.out_features)}
            pretrained = type(model.backbone).from_pretrained(backbone, output_loading_info=True, **stages, **hub_kwargs)
            _load_part(model.backbone, *pretrained, backbone)
        if audio is not None:
            _load_part(model.audio_backbone, *pretrained_audio_encoder(model.audio_backbone, audio, **hub_kwargs), audio)
        return model

    def embed_audio(self, input_features: torch.Tensor) -> torch.Tensor:
        """The audio encoder's input per frame [B, T, ...] (VGGish: log-mel examples [B, T, 1, 96, 64]) -> audio
        embeddings [B, T, E]."""
        if input_features.ndim < 3:
            raise ValueError(f"`input_features` must have shape [B, T, ...], got {list(input_features.shape)}")
        batch, frames = input_features.shape[:2]
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.config.freeze_audio_backbone):
            embeddings = pooled_audio_embeddings(self.audio_backbone, input_features.flatten(0, 1))
        return embeddings.unflatten(0, (batch, frames))

    def decode(self, visual_maps: list[torch.Tensor], audio_embeds: torch.Tensor, output_attentions: bool = False):
        """Everything after the two backbones: projections, PQG, ELF decoder, mask head.

        visual_maps: the backbone's four maps [N, C_i, H / s_i, W / s_i]; audio_embeds [N, E].
        Returns logits [N, K, H / 4, W / 4], mask features [N, D, H / 4, W / 4] and the PQG cross-attention weights.
        """
        # Channels-last maps: the conv blocks' and the mask head's permutes to [N, h, w, D] become free views, and
        # oneDNN convolutions, GroupNorm and bilinear upsampling all have faster NHWC kernels on CPU.
        projected = [
            projection(m.contiguous(memory_format=torch.channels_last))
            for projection, m in zip(self.input_projections, visual_maps)
        ]
        audio_features = self.audio_projection(audio_embeds.to(projected[0].dtype))
        prompt_queries = self.prompt_query_generator(audio_features)
        decoded_maps, attentions = self.decoder(projected[1:], prompt_queries, output_attentions)
        logits, mask_features = self.mask_head(projected[0], decoded_maps, audio_features)
        return logits.contiguous(), mask_features, attentions

    def forward(
        self,
        pixel_values: torch.Tensor,
        input_features: torch.Tensor | None = None,
        audio_embeds: torch.Tensor | None = None,
        audio_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        labels_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> AVESFormerOutput | tuple:
        r"""
        Args:
            pixel_values (`torch.FloatTensor` of shape `(B, T, 3, H, W)`): normalised frames; H, W divisible by 32.
            input_features (`torch.FloatTensor` of shape `(B, T, ...)`): the audio encoder's input, one window per
                frame (VGGish and the light encoder: log-mel examples `(B, T, 1, 96, 64)`).
            audio_embeds (`torch.FloatTensor` of shape `(B, T, E)`): precomputed audio embeddings instead.
            audio_mask (`torch.Tensor` of shape `(B, T)`, *optional*): 0 where the audio is padding; its embedding
                is zeroed.
            labels (`torch.Tensor` of shape `(B, T, H', W')`, *optional*): float 0/1 masks (binary models) or
                int64 class ids (semantic models).
            labels_mask (`torch.Tensor` of shape `(B, T)`, *optional*): which frames carry a label; the others
                never contribute to the loss.
        """
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        batch, frames = self._check_inputs(pixel_values, input_features, audio_embeds, audio_mask, labels, labels_mask)

        if audio_embeds is None:
            audio_embeds = self.embed_audio(input_features)
        if audio_mask is not None:
            audio_embeds = audio_embeds * audio_mask[..., None].to(audio_embeds.dtype)

        # [B, T, ...] -> [N, ...]: frames are independent.
        visual_maps = self.backbone(pixel_values.flatten(0, 1)).feature_maps
        logits, mask_features, attentions = self.decode(visual_maps, audio_embeds.flatten(0, 1), output_attentions)

        loss = None
        if labels is not None:
            flat_labels = labels.flatten(0, 1)
            selected = (
                labels_mask.flatten().bool()
                if labels_mask is not None
                else torch.ones(flat_labels.shape[0], dtype=torch.bool, device=flat_labels.device)
            )
            if selected.any():
                loss = avesformer_loss(logits[selected], mask_features[selected], flat_labels[selected], self.config)
            else:
                # No labelled frame: a zero that still depends on the graph, so backward() works everywhere.
                loss = logits.sum() * 0.0

        logits = logits.unflatten(0, (batch, frames))
        attentions = tuple(w.unflatten(0, (batch, frames)) for w in attentions) if output_attentions else None
        if not return_dict:
            return tuple(v for v in (loss, logits, audio_embeds, attentions) if v is not None)
        return AVESFormerOutput(loss=loss, logits=logits, audio_embeds=audio_embeds, attentions=attentions)

    @staticmethod
    def _check_rank(name: str, tensor: torch.Tensor, rank: int, shape: str):
        if tensor.ndim != rank:
            raise ValueError(f"`{name}` must have shape {shape}, got {list(tensor.shape)}")

    def _check_inputs(self, pixel_values, input_features, audio_embeds, audio_mask, labels, labels_mask):
        self._check_rank("pixel_values", pixel_values, 5, "[B, T, 3, H, W]")
        batch, frames, channels, height, width = pixel_values.shape
        if channels != 3:
            raise ValueError(f"`pixel_values` must have 3 channels at dim 2 ([B, T, 3, H, W]), got {list(pixel_values.shape)}")
        if height % 32 or width % 32:
            raise ValueError(f"`pixel_values` height and width must be divisible by 32, got {height}x{width}")
        if (input_features is None) == (audio_embeds is None):
            raise ValueError(
                f"Pass exactly one of `input_features` [B, T, ...] and `audio_embeds` [B, T, {self.config.audio_embedding_size}]"
            )
        if input_features is not None and hasattr(self.config.audio_config, "num_frames_per_example"):
            audio_config = self.config.audio_config
            expected = (batch, frames, 1, audio_config.num_frames_per_example, audio_config.num_mel_bins)
            self._check_rank("input_features", input_features, 5, f"{list(expected)}")
            if tuple(input_features.shape) != expected:
                raise ValueError(
                    f"`input_features` must have shape {list(expected)} to match `pixel_values` "
                    f"(B={batch}, T={frames}), got {list(input_features.shape)}"
                )
        elif input_features is not None:
            if input_features.ndim < 3 or tuple(input_features.shape[:2]) != (batch, frames):
                raise ValueError(
                    f"`input_features` must have shape [B, T, ...] with B={batch}, T={frames} to match `pixel_values`, "
                    f"got {list(input_features.shape)}"
                )
        else:
            expected = (batch, frames, self.config.audio_embedding_size)
            if tuple(audio_embeds.shape) != expected:
                raise ValueError(
                    f"`audio_embeds` must have shape {list(expected)} to match `pixel_values`, got {list(audio_embeds.shape)}"
                )
        for name, mask in (("audio_mask", audio_mask), ("labels_mask", labels_mask)):
            if mask is not None and tuple(mask.shape) != (batch, frames):
                raise ValueError(f"`{name}` must have shape [B, T] = {[batch, frames]}, got {list(mask.shape)}")
        if labels is not None:
            if labels.ndim != 4 or tuple(labels.shape[:2]) != (batch, frames):
                raise ValueError(f"`labels` must have shape [B, T, H, W] with B={batch}, T={frames}, got {list(labels.shape)}")
            if self.config.is_semantic and labels.is_floating_point():
                raise ValueError(
                    f"`labels` of a semantic model ({self.config.num_labels} classes) must be integer class ids, "
                    f"got {labels.dtype}"
                )
            if not self.config.is_semantic and not labels.is_floating_point():
                raise ValueError(f"`labels` of a binary model must be float 0/1 masks, got {labels.dtype}")
        return batch, frames


def _load_part(module: nn.Module, pretrained: PreTrainedModel, info: dict, source):
    """Copy a pretrained part into `module`; a checkpoint that leaves weights unfilled or does not fit is an error."""
    unfilled = sorted(info["missing_keys"]) + sorted(str(key) for key in info["mismatched_keys"])
    if unfilled:
        raise ValueError(f"{source} does not fill {type(module).__name__}: {unfilled[:12]}")
    try:
        module.load_state_dict(fit_pretrained_state(module, pretrained.state_dict()))
    except RuntimeError as error:
        raise ValueError(f"{source} does not fit `config` ({type(module).__name__}): {error}") from None


__all__ = ["AVESFormerModel", "AVESFormerPreTrainedModel", "AVESFormerOutput"]

AVESFormerModel.register_for_auto_class("AutoModel")
