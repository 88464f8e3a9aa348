"""The audio-encoder table of `avesformer benchmark`, measured on tiny encoders of every type."""

import pytest

from avesformer_hf.benchmark.audio import (
    audio_encoders_section,
    default_audio_encoders,
    run_audio_encoders,
    select_audio_encoders,
)
from avesformer_hf.benchmark.options import BenchmarkOptions
from helpers import tiny_audio_configs


def test_every_encoder_type_is_measured_with_parameters_size_and_speed():
    choices = tiny_audio_configs()
    options = BenchmarkOptions(frames=2, runs=2, warmup=1, threads=1, audio_encoders=tuple(choices))
    entries = run_audio_encoders(options, progress=lambda line: None, choices=choices)
    assert [entry["name"] for entry in entries] == list(choices)
    for entry in entries:
        assert "error" not in entry, entry
        assert entry["parameters"] > 0 and entry["megabytes_fp32"] == pytest.approx(entry["parameters"] * 4 / 1e6)
        assert entry["latency"]["median_ms"] > 0 and entry["features_latency"]["median_ms"] > 0
        if entry["model_type"] not in ("wav2vec2", "hubert"):  # weight norm: no FLOP count
            assert entry["flops_per_frame"] > 0
    by_name = {entry["name"]: entry for entry in entries}
    assert by_name["light_audio"]["input_shape"] == by_name["vggish"]["input_shape"] == [1, 96, 64]
    assert by_name["wav2vec2"]["input_shape"] == [15360]  # raw 0.96-s windows at 16 kHz
    text = "\n".join(audio_encoders_section({"audio_encoders": entries, "options": {"frames": 2, "threads": 1,
                                                                                     "device": "cpu"}}))
    assert "## Audio encoders" in text and text.count("\n| ") == len(entries) + 1


def test_the_default_choices_cover_every_type_and_names_are_checked():
    types = {config.model_type for config in default_audio_encoders().values()}
    assert types == {"vggish", "light_audio", "audio-spectrogram-transformer", "clap_audio_model", "whisper",
                     "wav2vec2", "hubert"}
    assert select_audio_encoders("none") == {}
    with pytest.raises(ValueError, match=r"--audio-encoders: unknown \['VGG'\]"):
        select_audio_encoders("VGG")
