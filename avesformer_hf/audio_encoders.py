"""The feature extractor that goes with each audio encoder config (what `AudioVisualProcessor` runs per window).

A pretrained encoder comes with its own (`AutoFeatureExtractor.from_pretrained(checkpoint)`); these are the defaults
for an encoder built from its config, matched to that config's input size.
"""

from transformers import ASTFeatureExtractor, ClapFeatureExtractor, Wav2Vec2FeatureExtractor, WhisperFeatureExtractor

from .feature_extraction_vggish import VGGishFeatureExtractor

CLAP_HOP_SECONDS = 0.01  # ClapFeatureExtractor's default hop: 480 samples at 48 kHz


def _log_mel(config, pad_mode):
    return VGGishFeatureExtractor(
        feature_size=config.num_mel_bins, example_length=config.num_frames_per_example, pad_mode=pad_mode
    )


def _ast(config, pad_mode):
    return ASTFeatureExtractor(num_mel_bins=config.num_mel_bins, max_length=config.max_length)


def _clap(config, pad_mode):
    # The model stretches the log-mel to spec_size x (spec_size // mel bins) frames; longer input does not fit.
    frames = config.spec_size * (config.spec_size // config.num_mel_bins)
    max_seconds = max(1, min(10, int(frames * CLAP_HOP_SECONDS)))
    return ClapFeatureExtractor(feature_size=config.num_mel_bins, max_length_s=max_seconds, truncation="rand_trunc")


def _whisper(config, pad_mode):
    # The encoder reads exactly 2 x max_source_positions log-mel frames at a 10 ms hop: 30 s for the released models.
    extractor = WhisperFeatureExtractor(feature_size=config.num_mel_bins)
    seconds = 2 * config.max_source_positions * extractor.hop_length / extractor.sampling_rate
    return WhisperFeatureExtractor(feature_size=config.num_mel_bins, chunk_length=round(seconds))


def _waveform(config, pad_mode):
    return Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False)


FEATURE_EXTRACTORS = {
    "vggish": _log_mel,
    "light_audio": _log_mel,
    "audio-spectrogram-transformer": _ast,
    "clap_audio_model": _clap,
    "whisper": _whisper,
    "wav2vec2": _waveform,
    "hubert": _waveform,
}


def feature_extractor_for(audio_config, pad_mode: str = "repeat"):
    """A feature extractor whose output fits an encoder built from `audio_config`."""
    return FEATURE_EXTRACTORS[audio_config.model_type](audio_config, pad_mode)


__all__ = ["FEATURE_EXTRACTORS", "feature_extractor_for"]
