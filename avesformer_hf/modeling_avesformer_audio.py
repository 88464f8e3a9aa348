"""The audio encoders AVESFormer runs per frame: VGGish (default), the light CNN, or a transformers audio model.

Every encoder maps one frame's audio input [N, ...] (what its own feature extractor gives for one window) to a
pooled embedding [N, E], E = `AVESFormerConfig.audio_embedding_size`.
"""

import torch
from transformers import (
    ASTModel,
    ClapAudioModel,
    ClapModel,
    HubertModel,
    PretrainedConfig,
    PreTrainedModel,
    Wav2Vec2Model,
    WhisperModel,
)
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from .modeling_light_audio import LightAudioModel
from .modeling_vggish import VGGishModel


def _embeddings(output) -> torch.Tensor:
    return output.embeddings


def _pooler_output(output) -> torch.Tensor:
    return output.pooler_output


def _mean_over_time(output) -> torch.Tensor:
    return output.last_hidden_state.mean(dim=1)  # [N, time, E] -> [N, E]


# model_type -> (encoder class, pooling of its output to [N, E])
AUDIO_ENCODERS = {
    "vggish": (VGGishModel, _embeddings),
    "light_audio": (LightAudioModel, _embeddings),
    "audio-spectrogram-transformer": (ASTModel, _pooler_output),
    "clap_audio_model": (ClapAudioModel, _pooler_output),
    "whisper": (WhisperEncoder, _mean_over_time),
    "wav2vec2": (Wav2Vec2Model, _mean_over_time),
    "hubert": (HubertModel, _mean_over_time),
}
# checkpoints of a whole model whose audio tower is the encoder: model_type -> (class, its encoder attribute)
ENCODER_OF_FULL_MODEL = {"clap": (ClapModel, "audio_model"), "whisper": (WhisperModel, "encoder")}


def build_audio_encoder(audio_config: PretrainedConfig) -> PreTrainedModel:
    """A randomly initialised encoder from its config (no Hub call)."""
    return AUDIO_ENCODERS[audio_config.model_type][0](audio_config)


def pooled_audio_embeddings(encoder: PreTrainedModel, input_features: torch.Tensor) -> torch.Tensor:
    """One window's encoder input per item [N, ...] -> pooled embeddings [N, E]."""
    pooling = AUDIO_ENCODERS[encoder.config.model_type][1]
    return pooling(encoder(input_features))


def pretrained_audio_encoder(encoder: PreTrainedModel, source, **hub_kwargs):
    """(the encoder loaded from `source`, its loading info) for `encoder`'s type. A whole CLAP or Whisper checkpoint
    gives its audio tower / encoder."""
    config_dict = PretrainedConfig.get_config_dict(source, **hub_kwargs)[0]
    found_type = config_dict.get("model_type")
    if found_type == "clap" or found_type == "whisper" and config_dict.get("architectures") != ["WhisperEncoder"]:
        model_class, attribute = ENCODER_OF_FULL_MODEL[found_type]
        full, info = model_class.from_pretrained(source, output_loading_info=True, **hub_kwargs)
        pretrained = getattr(full, attribute)
        if pretrained.config.model_type != encoder.config.model_type:
            raise ValueError(
                f"{source} holds a {pretrained.config.model_type!r} encoder, but the config expects "
                f"{encoder.config.model_type!r}"
            )
        own = attribute + "."
        return pretrained, {key: [k for k in keys if _key_name(k).startswith(own)] for key, keys in info.items()}
    if found_type != encoder.config.model_type:
        raise ValueError(f"{source} holds a {found_type!r} checkpoint, but the config expects {encoder.config.model_type!r}")
    return type(encoder).from_pretrained(source, output_loading_info=True, **hub_kwargs)


def _key_name(key) -> str:
    return key[0] if isinstance(key, tuple) else str(key)


def fit_pretrained_state(encoder: PreTrainedModel, state: dict) -> dict:
    """Whisper's position table covers 30 s; an encoder configured for shorter windows keeps its first rows."""
    if encoder.config.model_type == "whisper" and "embed_positions.weight" in state:
        state = dict(state, **{"embed_positions.weight": state["embed_positions.weight"][: encoder.config.max_source_positions]})
    return state


__all__ = [
    "AUDIO_ENCODERS", "build_audio_encoder", "fit_pretrained_state", "pooled_audio_embeddings", "pretrained_audio_encoder"
]
