"""VGGishFeatureExtractor against a plain, frame-by-frame reading of the VGGish log-mel formulas."""

import math

import numpy as np
import pytest
import torch

from avesformer_hf.feature_extraction_vggish import VGGishFeatureExtractor

RATE = 16000


def reference_log_mel_examples(waveform: np.ndarray) -> np.ndarray:
    """The spec's formulas written out one frame and one band at a time (float64)."""
    window = [0.5 - 0.5 * math.cos(2 * math.pi * n / 400) for n in range(400)]

    def mel(hz):
        return 1127.0 * math.log(1.0 + hz / 700.0)

    edges = [mel(125.0) + i * (mel(7500.0) - mel(125.0)) / 65 for i in range(66)]
    bin_mels = [mel(k * 8000.0 / 256) for k in range(257)]
    weights = np.zeros((257, 64))
    for band in range(64):
        lower, center, upper = edges[band], edges[band + 1], edges[band + 2]
        for k in range(1, 257):  # DC bin keeps weight 0
            m = bin_mels[k]
            weights[k, band] = max(0.0, min((m - lower) / (center - lower), (upper - m) / (upper - center)))

    num_stft_frames = 1 + (len(waveform) - 400) // 160
    rows = []
    for frame in range(num_stft_frames):
        segment = waveform[frame * 160 : frame * 160 + 400] * np.array(window)
        magnitude = np.abs(np.fft.rfft(segment, 512))
        rows.append(np.log(magnitude @ weights + 0.01))
    num_examples = num_stft_frames // 96
    return np.array(rows[: num_examples * 96]).reshape(num_examples, 1, 96, 64)


def tone(frequency: float, seconds: float, rate: int = RATE, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * frequency * np.arange(int(round(seconds * rate))) / rate)


@pytest.fixture(scope="module")
def extractor():
    return VGGishFeatureExtractor()


@pytest.mark.parametrize("seconds,expected_examples", [(0.98, 1), (1.0, 1), (5.0, 5), (10.0, 10), (7.3, 7)])
@pytest.mark.parametrize("signal", ["random", "tone"])
def test_log_mel_matches_reference(extractor, seconds, expected_examples, signal):
    rng = np.random.default_rng(0)
    waveform = rng.uniform(-1, 1, int(seconds * RATE)) if signal == "random" else tone(440.0, seconds) + tone(3100.0, seconds, amplitude=0.2)
    features = extractor(waveform, sampling_rate=RATE, return_tensors="np")["input_features"]
    assert features.shape == (1, expected_examples, 1, 96, 64)
    assert features.dtype == np.float32
    np.testing.assert_allclose(features[0], reference_log_mel_examples(waveform), rtol=0, atol=1e-4)


def test_tone_peaks_in_the_band_that_contains_it(extractor):
    features = extractor(tone(440.0, 2.0), sampling_rate=RATE)["input_features"][0]
    mel = lambda hz: 1127.0 * math.log(1.0 + hz / 700.0)  # noqa: E731
    spacing = (mel(7500.0) - mel(125.0)) / 65
    band_centres = [mel(125.0) + (band + 1) * spacing for band in range(64)]
    expected_band = int(np.argmin([abs(centre - mel(440.0)) for centre in band_centres]))
    assert np.all(features.mean(axis=(1,)).argmax(axis=-1) == expected_band)


def test_int16_pcm_equals_float_and_channels_are_averaged(extractor):
    left, right = tone(440.0, 2.0, amplitude=0.4), tone(880.0, 2.0, amplitude=0.2)
    expected = extractor((left + right) / 2, sampling_rate=RATE)["input_features"]
    stereo_samples_first = np.stack([left, right], axis=1)
    for clip in (stereo_samples_first, stereo_samples_first.T, torch.from_numpy(stereo_samples_first)):
        np.testing.assert_allclose(extractor(clip, sampling_rate=RATE)["input_features"], expected, atol=1e-5)
    pcm = np.round(left * 32768).astype(np.int16)
    from_pcm = extractor(pcm, sampling_rate=RATE)["input_features"]
    from_float = extractor(pcm / 32768.0, sampling_rate=RATE)["input_features"]
    np.testing.assert_allclose(from_pcm, from_float, atol=1e-6)
    from_list = extractor(list(left), sampling_rate=RATE)["input_features"]
    np.testing.assert_allclose(from_list, extractor(left, sampling_rate=RATE)["input_features"], atol=1e-6)


@pytest.mark.parametrize("input_rate", [44100, 48000])
def test_resampled_input_matches_the_16khz_original(extractor, input_rate):
    """Tolerance: soxr's VHQ filter is flat in the pass band and rejects aliases far below the 0.01 log offset,
    so away from the clip edges the features agree to ~1e-6 (measured); we allow 1e-3. The first STFT frame
    holds the filter's start-up transient (measured 8e-3), so the whole clip gets 0.05."""
    original = extractor(tone(440.0, 3.0) + tone(1000.0, 3.0, amplitude=0.2), sampling_rate=RATE)["input_features"]
    waveform = tone(440.0, 3.0, rate=input_rate) + tone(1000.0, 3.0, rate=input_rate, amplitude=0.2)
    resampled = extractor(waveform, sampling_rate=input_rate)["input_features"]
    assert resampled.shape == original.shape == (1, 3, 1, 96, 64)
    frames_resampled, frames_original = resampled.reshape(-1, 64), original.reshape(-1, 64)
    np.testing.assert_allclose(frames_resampled[2:-2], frames_original[2:-2], atol=1e-3)
    np.testing.assert_allclose(frames_resampled, frames_original, atol=0.05)


def test_num_frames_repeat_zeros_and_cut(extractor):
    waveform = np.random.default_rng(1).uniform(-1, 1, 3 * RATE)
    full = extractor(waveform, sampling_rate=RATE)["input_features"][0]

    repeated = extractor(waveform, sampling_rate=RATE, num_frames=5, return_tensors="pt")
    assert repeated["input_features"].shape == (1, 5, 1, 96, 64)
    assert "audio_mask" not in repeated
    for index in (3, 4):
        np.testing.assert_array_equal(repeated["input_features"][0, index].numpy(), full[2])

    zeros = extractor(waveform, sampling_rate=RATE, num_frames=5, pad_mode="zeros", return_tensors="pt")
    assert zeros["audio_mask"].tolist() == [[1, 1, 1, 0, 0]]
    assert torch.count_nonzero(zeros["input_features"][0, 3:]) == 0
    np.testing.assert_array_equal(zeros["input_features"][0, :3].numpy(), full)

    cut = extractor(waveform, sampling_rate=RATE, num_frames=2)["input_features"]
    np.testing.assert_array_equal(cut[0], full[:2])


def test_batch_of_clips(extractor):
    clips = [tone(440.0, 5.0), np.random.default_rng(2).uniform(-1, 1, 5 * RATE), tone(2000.0, 5.2)]
    batch = extractor(clips, sampling_rate=RATE, return_tensors="pt")["input_features"]
    assert batch.shape == (3, 5, 1, 96, 64)
    np.testing.assert_array_equal(batch[1].numpy(), extractor(clips[1], sampling_rate=RATE)["input_features"][0])


def test_clips_of_different_lengths_need_num_frames(extractor):
    clips = [tone(440.0, 5.0), tone(440.0, 3.0)]
    with pytest.raises(ValueError, match=r"different numbers of 0.96-s examples \(3, 5\).*num_frames"):
        extractor(clips, sampling_rate=RATE)
    assert extractor(clips, sampling_rate=RATE, num_frames=5)["input_features"].shape == (2, 5, 1, 96, 64)


def test_missing_sampling_rate_is_an_error(extractor):
    with pytest.raises(ValueError, match="sampling_rate is required"):
        extractor(tone(440.0, 2.0))


@pytest.mark.parametrize("seconds", [0.5, 0.96])
def test_audio_shorter_than_one_example_is_an_error_saying_how_long_it_was(extractor, seconds):
    with pytest.raises(ValueError, match=rf"audio is {seconds:.3f} s long \({int(seconds * RATE)} samples.*15600 samples"):
        extractor(tone(440.0, seconds), sampling_rate=RATE)


def test_short_clip_in_a_batch_is_named(extractor):
    with pytest.raises(ValueError, match="audio clip 1 of 2: audio is 0.500 s"):
        extractor([tone(440.0, 2.0), tone(440.0, 0.5)], sampling_rate=RATE)


def test_bad_shapes_and_options_are_errors(extractor):
    with pytest.raises(ValueError, match=r"shape \[samples\] or \[samples, channels\], got shape \(2, 2, 16000\)"):
        extractor(np.zeros((2, 2, 16000)), sampling_rate=RATE)
    with pytest.raises(ValueError, match="pad_mode must be one of"):
        extractor(tone(440.0, 2.0), sampling_rate=RATE, num_frames=3, pad_mode="edge")
    with pytest.raises(ValueError, match="dtype uint8"):
        extractor(np.zeros(RATE * 2, dtype=np.uint8), sampling_rate=RATE)


def test_save_and_load_round_trip(tmp_path):
    extractor = VGGishFeatureExtractor(num_frames=10, pad_mode="zeros")
    extractor.save_pretrained(tmp_path)
    loaded = VGGishFeatureExtractor.from_pretrained(tmp_path)
    assert loaded.to_dict() == extractor.to_dict()
    waveform = tone(440.0, 4.0)
    np.testing.assert_array_equal(
        loaded(waveform, sampling_rate=RATE)["input_features"], extractor(waveform, sampling_rate=RATE)["input_features"]
    )
