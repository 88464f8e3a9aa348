"""`pipeline("audio-visual-segmentation")` on a saved tiny model: an mp4 and a frames + audio dict give one entry per
frame with masks at the frame's size, the masks of `avesformer predict`; the same through `trust_remote_code=True`
in a Python where `avesformer_hf` cannot be imported, from a folder holding what a push uploads."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import PIL.Image
import pytest
import torch
from synthetic_video import write_test_video
from helpers import save_tiny_model
from remote_code import WITHOUT_PACKAGE as LOAD_WITHOUT_PACKAGE
from transformers import pipeline

from avesformer_hf.cli import main
from avesformer_hf.hub import repo_files
from avesformer_hf.inference.predict import predict_clip_streaming
from avesformer_hf.inference.video import read_clip


# the first part of remote_code's script: the import blocker and its check
BLOCK_PACKAGE = LOAD_WITHOUT_PACKAGE[: LOAD_WITHOUT_PACKAGE.index("import numpy")]


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory):
    return write_test_video(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=3, fps=4, size=(80, 48))


def predicted_pngs(folder, count: int) -> list[np.ndarray]:
    paths = sorted(folder.glob("frame_*.png"))
    assert len(paths) == count
    return [np.asarray(PIL.Image.open(path)) for path in paths]


def mask_arrays(entries) -> list[np.ndarray]:
    return [np.asarray(entry["segments"][0]["mask"]) for entry in entries]


@pytest.mark.parametrize("fps", [1, 4])  # 1: a window per frame; 4: one VGGish example per 0.96 s hop
def test_pipeline_on_a_video_and_on_frames_and_audio_gives_the_masks_of_predict(clip_path, binary_model, tmp_path, fps):
    segmenter = pipeline("audio-visual-segmentation", model=str(binary_model))
    from_file = segmenter(str(clip_path), fps=fps)

    assert len(from_file) == 3 * fps
    assert [entry["time"] for entry in from_file] == pytest.approx([index / fps for index in range(3 * fps)])
    for entry in from_file:
        (segment,) = entry["segments"]
        assert segment["label"] == "sounding" and 0.0 <= segment["score"] <= 1.0
        assert segment["mask"].size == (80, 48) and set(np.unique(np.asarray(segment["mask"]))) <= {0, 255}

    clip = read_clip(clip_path, fps=fps)
    from_dict = segmenter({"frames": clip.frames, "audio": clip.waveform, "sampling_rate": 16000}, fps=fps)
    assert len(from_dict) == len(from_file)

    assert main(["predict", str(clip_path), "--model", str(binary_model), "--masks-dir", str(tmp_path / "masks"),
                 "--fps", str(fps)]) == 0
    pngs = predicted_pngs(tmp_path / "masks", 3 * fps)
    for png, file_mask, dict_mask in zip(pngs, mask_arrays(from_file), mask_arrays(from_dict)):
        np.testing.assert_array_equal(file_mask, png)
        np.testing.assert_array_equal(dict_mask, png)


def test_a_semantic_model_gives_one_segment_per_class_present(clip_path, tmp_path):
    folder = save_tiny_model(tmp_path / "avss", num_labels=71)
    segmenter = pipeline("audio-visual-segmentation", model=str(folder))
    entries = segmenter(str(clip_path), return_label_maps=True)
    assert len(entries) == 3
    for entry in entries:
        label_map = entry["label_map"]
        assert label_map.shape == (48, 80) and label_map.dtype == np.int64
        present = sorted(set(np.unique(label_map).tolist()) - {0})
        assert [segment["label"] for segment in entry["segments"]] == [f"LABEL_{index}" for index in present]
        for index, segment in zip(present, entry["segments"]):
            np.testing.assert_array_equal(np.asarray(segment["mask"]) == 255, label_map == index)


def test_a_list_is_batched_and_bad_inputs_name_the_problem(clip_path, binary_model):
    segmenter = pipeline("audio-visual-segmentation", model=str(binary_model))
    results = segmenter([str(clip_path), str(clip_path)], duration=2)
    assert [len(entries) for entries in results] == [2, 2]
    with pytest.raises(ValueError, match="fps must be a positive number of frames per second, got nan"):
        segmenter(str(clip_path), fps=float("nan"))
    with pytest.raises(ValueError, match="threshold must be a probability in \\[0, 1\\], got 1.5"):
        segmenter(str(clip_path), threshold=1.5)
    with pytest.raises(ValueError, match="missing: audio, sampling_rate"):
        segmenter({"frames": [PIL.Image.new("RGB", (8, 8))]})
    with pytest.raises(ValueError, match="inputs must be a video file path, a dict .* got int"):
        segmenter(3)


def test_above_one_fps_vggish_runs_once_per_hop_and_the_live_streamer_agrees(clip_path, binary_model, monkeypatch):
    from avesformer_hf import AVESFormerModel, AudioVisualProcessor
    from avesformer_hf.inference.predict import predict_clip

    model = AVESFormerModel.from_pretrained(binary_model).eval()
    processor = AudioVisualProcessor.from_pretrained(binary_model)
    clip = read_clip(clip_path, fps=4)
    embedded = []
    original = AVESFormerModel.embed_audio

    def recording(self, input_features):
        embedded.append(input_features.shape[1])
        return original(self, input_features)

    monkeypatch.setattr(AVESFormerModel, "embed_audio", recording)
    entries = predict_clip(model, processor, clip, threshold=0.5).entries
    assert embedded == [3]  # 3 s of audio: 3 hops for 12 frames
    monkeypatch.setattr(AVESFormerModel, "embed_audio", original)

    live = predict_clip_streaming(model, processor, clip).masks
    # the probabilities, to compare only the pixels not within float noise of the threshold
    segmenter = pipeline("audio-visual-segmentation", model=str(binary_model))
    logits = segmenter._forward(segmenter.preprocess(clip))["logits"]
    probabilities = torch.nn.functional.interpolate(logits, size=(48, 80), mode="bilinear").sigmoid()[:, 0]
    decided = ((probabilities - 0.5).abs() > 1e-5).numpy()
    pipeline_masks = np.stack([np.asarray(entry["segments"][0]["mask"]) == 255 for entry in entries])
    assert pipeline_masks.shape == (12, 48, 80)
    np.testing.assert_array_equal(np.stack(live)[decided], pipeline_masks[decided])


WITHOUT_PACKAGE = BLOCK_PACKAGE + textwrap.dedent(
    """
    import numpy as np
    import PIL.Image
    from transformers import pipeline

    repo, clip, work = sys.argv[1:4]
    segmenter = pipeline(model=repo, trust_remote_code=True)
    from_file = segmenter(clip)
    frames = [PIL.Image.open(f"{work}/frame_{index}.png") for index in range(3)]
    from_dict = segmenter({"frames": frames, "audio": np.load(f"{work}/audio.npy"), "sampling_rate": 16000})
    for name, entries in (("file", from_file), ("dict", from_dict)):
        np.save(f"{work}/remote_{name}.npy", np.stack([np.asarray(e["segments"][0]["mask"]) for e in entries]))
    json.dump({"pipeline": type(segmenter).__module__, "task": segmenter.task,
               "loaded": sorted(name for name in sys.modules if name.startswith("avesformer_hf"))},
              open(f"{work}/remote.json", "w"))
    """
)


def test_trust_remote_code_pipeline_works_without_the_package(clip_path, binary_model, tmp_path):
    repo = tmp_path / "repo"  # what a push uploads
    repo.mkdir()
    for name, source in repo_files(binary_model).items():
        (repo / name).write_bytes(source if isinstance(source, bytes) else source.read_bytes())
    clip = read_clip(clip_path)
    for index, frame in enumerate(clip.frames):
        frame.save(tmp_path / f"frame_{index}.png")
    np.save(tmp_path / "audio.npy", clip.waveform)

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"))
    result = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_PACKAGE, str(repo), str(clip_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "remote.json").read_text())
    assert report["loaded"] == [] and report["task"] == "audio-visual-segmentation"
    assert report["pipeline"].startswith("transformers_modules.")

    assert main(["predict", str(clip_path), "--model", str(binary_model), "--masks-dir", str(tmp_path / "masks")]) == 0
    pngs = np.stack(predicted_pngs(tmp_path / "masks", 3))
    np.testing.assert_array_equal(np.load(tmp_path / "remote_file.npy"), pngs)
    np.testing.assert_array_equal(np.load(tmp_path / "remote_dict.npy"), pngs)
