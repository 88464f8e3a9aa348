"""The audio part alone, per encoder choice at equal settings: parameters, size, FLOPs and per-frame latency of the
encoder's forward (one clip of T windows per call) and of its feature extractor (the numpy front end in the
processor). Each encoder is built at its canonical size from its config (random init: speed does not depend on the
weights). Called by `run_benchmark` when `BenchmarkOptions.audio_encoders` names any.
"""

import numpy as np
import torch
from transformers import ASTConfig, ClapAudioConfig, HubertConfig, Wav2Vec2Config, WhisperConfig

from ..audio_encoders import feature_extractor_for
from .run import count_flops, summarize, synchronize, time_calls
from ..configuration_light_audio import LightAudioConfig
from ..configuration_vggish import VGGishConfig
from ..modeling_avesformer_audio import build_audio_encoder, pooled_audio_embeddings
from ..processing_avesformer import AudioVisualProcessor

WHISPER_TINY = dict(d_model=384, encoder_layers=4, encoder_attention_heads=6, encoder_ffn_dim=1536, num_mel_bins=80)


def default_audio_encoders() -> dict:
    """name -> config of every encoder choice, at the size of its usual released checkpoint."""
    return {
        "VGGish (default)": VGGishConfig(),
        "light (LightAudioConfig)": LightAudioConfig(),
        "AST base (10.24-s input)": ASTConfig(),
        "CLAP audio HTSAT-tiny (10-s input)": ClapAudioConfig(),
        "Whisper-tiny encoder (30-s input)": WhisperConfig(**WHISPER_TINY),
        "Whisper-tiny encoder (1-s window)": WhisperConfig(**WHISPER_TINY, max_source_positions=50),
        "wav2vec2 base": Wav2Vec2Config(),
        "HuBERT base": HubertConfig(),
    }


def select_audio_encoders(names: str | None, choices: dict | None = None) -> dict:
    """`"all"` / `None` -> every choice, `"none"` -> nothing, else a comma-separated list of names."""
    choices = default_audio_encoders() if choices is None else choices
    if names is None or names == "all":
        return choices
    wanted = [name.strip() for name in names.split(",") if name.strip() and name.strip() != "none"]
    unknown = [name for name in wanted if name not in choices]
    if unknown:
        raise ValueError(f"--audio-encoders: unknown {unknown}; known: {list(choices)}, 'all' or 'none'")
    return {name: choices[name] for name in wanted}


def measure_audio_encoder(name: str, audio_config, options) -> dict:
    """One encoder: T windows of noise at 16 kHz through its feature extractor, then its forward to [T, E]."""
    torch.manual_seed(0)
    device = torch.device(options.device)
    encoder = build_audio_encoder(audio_config).eval().to(device)
    processor = AudioVisualProcessor(feature_extractor=feature_extractor_for(audio_config))
    seconds = options.frames * 0.96 + 0.05  # T windows of 0.96 s (VGGish needs 0.975 s for its last one)
    waveform = np.random.default_rng(0).uniform(-0.5, 0.5, int(seconds * 16000)).astype(np.float32)

    def features():
        return processor(audio=waveform, sampling_rate=16000, num_frames=options.frames)["input_features"][0]

    inputs = features().to(device)

    def forward():
        with torch.inference_mode():
            return pooled_audio_embeddings(encoder, inputs)

    parameters = sum(p.numel() for p in encoder.parameters())
    result = {
        "name": name, "model_type": audio_config.model_type, "parameters": parameters,
        "megabytes_fp32": parameters * 4 / 1e6, "input_shape": list(inputs.shape[1:]),
        "embedding_size": int(forward().shape[-1]), "flops_per_frame": flops_per_frame(forward, options.frames),
    }
    result["latency"] = summarize(time_calls(forward, options.runs, options.warmup, device), options.frames)
    result["features_latency"] = summarize(time_calls(features, options.runs, 1, torch.device("cpu")), options.frames)
    synchronize(device)
    return result


def flops_per_frame(forward, frames: int) -> float | None:
    try:
        return count_flops(forward) / frames
    except AttributeError:  # wav2vec2 / HuBERT: weight-norm parametrizations break the FLOP counter's tracing
        return None


def run_audio_encoders(options, progress=print, choices: dict | None = None) -> list[dict]:
    """Measure every encoder named in `options.audio_encoders`; a failing one is recorded, not fatal."""
    measured = []
    for name, audio_config in select_audio_encoders(",".join(options.audio_encoders), choices).items():
        try:
            entry = measure_audio_encoder(name, audio_config, options)
            progress(f"audio encoder {name}: {entry['latency']['median_ms']:.1f} ms/frame")
        except Exception as error:  # e.g. out of memory for the large ones: recorded, not fatal
            entry = {"name": name, "model_type": audio_config.model_type, "error": f"{type(error).__name__}: {error}"}
            progress(f"audio encoder {name}: {entry['error']}")
        measured.append(entry)
    return measured


def audio_encoders_section(result: dict) -> list[str]:
    """Markdown: the table of the audio part per encoder choice, and each one's ratio to VGGish."""
    entries = result.get("audio_encoders")
    if not entries:
        return []
    rows = [
        "## Audio encoders (the audio part alone)",
        "",
        f"Random init, eval, one clip of T = {result['options']['frames']} windows per call, "
        f"threads: {result['options']['threads']}, on `{result['options']['device']}`; per-frame = per window. "
        "Front end: the encoder's own feature extractor (numpy) in `AudioVisualProcessor`. MB: fp32 weights (10^6 bytes).",
        "",
        "| encoder | model_type | input per frame | parameters (M) | MB | GFLOPs / frame | ms / frame | front end ms / frame | embedding |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in entries:
        if "error" in entry:
            rows.append(f"| {entry['name']} | {entry['model_type']} | failed: {entry['error'][:80]} | | | | | | |")
            continue
        latency, front = entry["latency"], entry["features_latency"]
        flops = "n/a" if entry["flops_per_frame"] is None else f"{entry['flops_per_frame'] / 1e9:.3f}"
        rows.append(
            f"| {entry['name']} | `{entry['model_type']}` | {entry['input_shape']} | {entry['parameters'] / 1e6:.2f} | "
            f"{entry['megabytes_fp32']:.1f} | {flops} | "
            f"{latency['median_ms']:.2f} [{latency['q1_ms']:.2f}-{latency['q3_ms']:.2f}] | {front['median_ms']:.2f} | "
            f"{entry['embedding_size']} |"
        )
    return rows + [""]


__all__ = ["audio_encoders_section", "default_audio_encoders", "run_audio_encoders", "select_audio_encoders"]
