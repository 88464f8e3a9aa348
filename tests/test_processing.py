"""AudioVisualProcessor: clips of frames + audio to model inputs, save/load, post-processing."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import PIL.Image
import pytest
import torch
from transformers import AutoProcessor

from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor, VGGishFeatureExtractor

RATE = 16000


def clip(num_frames: int, seconds: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    frames = [PIL.Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)) for _ in range(num_frames)]
    return frames, rng.uniform(-0.5, 0.5, int(seconds * RATE)).astype(np.float32)


@pytest.fixture(scope="module")
def processor():
    return AudioVisualProcessor(AVESFormerImageProcessor(size={"height": 64, "width": 64}), VGGishFeatureExtractor())


def test_one_clip(processor):
    frames, waveform = clip(5, 5.0)
    inputs = processor(images=frames, audio=waveform, sampling_rate=RATE)
    assert inputs["pixel_values"].shape == (1, 5, 3, 64, 64)
    assert inputs["input_features"].shape == (1, 5, 1, 96, 64)
    assert set(inputs) == {"pixel_values", "input_features"}
    expected_audio = processor.feature_extractor(waveform, sampling_rate=RATE, return_tensors="pt")["input_features"]
    assert torch.equal(inputs["input_features"], expected_audio)


def test_batch_of_three_clips_with_masks(processor):
    clips = [clip(5, 5.0, seed) for seed in range(3)]
    masks = [[np.ones((48, 64), dtype=bool)] + [None] * 4 for _ in clips]
    inputs = processor(
        images=[frames for frames, _ in clips], audio=[audio for _, audio in clips], sampling_rate=RATE, masks=masks
    )
    assert inputs["pixel_values"].shape == (3, 5, 3, 64, 64)
    assert inputs["input_features"].shape == (3, 5, 1, 96, 64)
    assert inputs["labels"].shape == (3, 5, 64, 64)
    assert inputs["labels_mask"][:, 0].all() and not inputs["labels_mask"][:, 1:].any()


def test_frames_set_the_number_of_audio_examples(processor):
    frames, waveform = clip(5, 3.2)  # 3 examples of audio for 5 frames: the last is repeated
    inputs = processor(images=frames, audio=waveform, sampling_rate=RATE)
    assert inputs["input_features"].shape == (1, 5, 1, 96, 64)
    assert torch.equal(inputs["input_features"][0, 4], inputs["input_features"][0, 2])
    frames, waveform = clip(2, 5.0)  # more audio than frames: cut
    assert processor(images=frames, audio=waveform, sampling_rate=RATE)["input_features"].shape == (1, 2, 1, 96, 64)


def test_clips_of_different_lengths_need_num_frames_and_pad_like_avss(processor):
    short, long = clip(5, 5.0, 0), clip(10, 10.0, 1)
    images, audio = [short[0], long[0]], [short[1], long[1]]
    with pytest.raises(ValueError, match=r"different numbers of frames \(5, 10\)"):
        processor(images=images, audio=audio, sampling_rate=RATE)
    inputs = processor(images=images, audio=audio, sampling_rate=RATE, num_frames=10, pad_mode="zeros")
    assert inputs["pixel_values"].shape == (2, 10, 3, 64, 64)
    assert inputs["audio_mask"].tolist() == [[1] * 5 + [0] * 5, [1] * 10]


def test_batch_size_mismatch_and_missing_sampling_rate_are_errors(processor):
    frames, waveform = clip(5, 5.0)
    with pytest.raises(ValueError, match="2 clips of frames but 1 clips of audio"):
        processor(images=[frames, frames], audio=[waveform], sampling_rate=RATE)
    with pytest.raises(ValueError, match="sampling_rate is required"):
        processor(images=frames, audio=waveform)


def test_audio_per_frame_windows(processor):
    frames, waveform = clip(4, 5.0)
    windows = [waveform[start : start + 15600] for start in (0, 8000, 16000, 24000)]
    inputs = processor(images=frames, audio=windows, sampling_rate=RATE, audio_per_frame=True)
    assert inputs["input_features"].shape == (1, 4, 1, 96, 64)
    second = processor.feature_extractor(windows[1], sampling_rate=RATE, return_tensors="pt")["input_features"][0, 0]
    assert torch.equal(inputs["input_features"][0, 1], second)
    with pytest.raises(ValueError, match="3 per-frame windows for 4 frames"):
        processor(images=frames, audio=windows[:3], sampling_rate=RATE, audio_per_frame=True)


def test_post_processing_delegates_to_the_image_processor(processor):
    binary = processor.post_process_binary_segmentation(torch.randn(1, 5, 1, 16, 16), target_sizes=[(48, 64)])
    semantic = processor.post_process_semantic_segmentation(torch.randn(1, 5, 71, 16, 16), target_sizes=[(48, 64)])
    assert binary[0].shape == semantic[0].shape == (5, 48, 64)


def test_round_trip_through_save_pretrained_and_auto_processor(tmp_path):
    processor = AudioVisualProcessor(
        AVESFormerImageProcessor(size={"height": 96, "width": 96}, mask_type="palette"),
        VGGishFeatureExtractor(num_frames=10, pad_mode="zeros"),
    )
    processor.save_pretrained(tmp_path)
    assert {"processor_config.json", "processing_avesformer.py", "image_processing_avesformer.py",
            "feature_extraction_vggish.py"} <= set(os.listdir(tmp_path))
    loaded = AutoProcessor.from_pretrained(tmp_path)
    assert isinstance(loaded, AudioVisualProcessor)
    resaved = tmp_path / "again"
    loaded.save_pretrained(resaved)
    saved = json.loads((tmp_path / "processor_config.json").read_text())
    assert json.loads((resaved / "processor_config.json").read_text()) == saved
    assert saved["image_processor"]["mask_type"] == "palette" and saved["feature_extractor"]["pad_mode"] == "zeros"
    frames, waveform = clip(5, 5.0)
    first, second = processor(images=frames, audio=waveform, sampling_rate=RATE), loaded(images=frames, audio=waveform, sampling_rate=RATE)
    assert first.keys() == second.keys() and all(torch.equal(first[key], second[key]) for key in first)


def test_saved_folder_loads_as_remote_code_without_the_package(tmp_path):
    """The flat files alone (what push_to_hub uploads) rebuild the processor through trust_remote_code."""
    AudioVisualProcessor().save_pretrained(tmp_path / "model")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path = [p for p in sys.path if p not in ("", {os.getcwd()!r})]
        from transformers import AutoProcessor
        processor = AutoProcessor.from_pretrained({str(tmp_path / "model")!r}, trust_remote_code=True)
        assert "avesformer_hf" not in sys.modules
        print(type(processor).__name__, type(processor.image_processor).__name__, type(processor.feature_extractor).__name__)
        """
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"), PYTHONPATH="")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["AudioVisualProcessor", "AVESFormerImageProcessor", "VGGishFeatureExtractor"]
