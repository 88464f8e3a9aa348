"""Bad inputs to `avesformer predict`, the pipeline and the processor: a correct result, or a one-line error naming
the flag, file or shape at fault (no traceback unless AVESFORMER_DEBUG=1), and nothing the user had overwritten.
The cases are the rows of docs/reliability.md, "Prediction: CLI, Python API, video I/O"."""

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import PIL.Image
import pytest
import torch

from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor
from avesformer_hf.cli import main

REPO = Path(__file__).resolve().parents[1]


def write_video_with(path, size=(64, 48), layout="mono", codec="libx264", pixel_format="yuv420p", seconds=2):
    """A clip with `layout` audio (same tone in every channel) and `size` frames."""
    with av.open(str(path), mode="w") as container:
        video = container.add_stream(codec, rate=4)
        video.width, video.height, video.pix_fmt = *size, pixel_format
        audio = container.add_stream("aac", rate=16000)
        audio.layout = layout
        for _ in range(seconds * 4):
            picture = PIL.Image.new("RGB", size, (200, 10, 10))
            container.mux(video.encode(av.VideoFrame.from_image(picture).reformat(format=pixel_format)))
        container.mux(video.encode())
        tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(seconds * 16000) / 16000)).astype(np.float32)
        channels = audio.layout.nb_channels
        # packed samples: PyAV cannot build planar frames of 8 channels
        frame = av.AudioFrame.from_ndarray(np.repeat(tone, channels)[None], format="flt", layout=layout)
        frame.sample_rate = 16000
        container.mux(audio.encode(frame))
        container.mux(audio.encode())
    return path


def run_cli(*arguments, capsys) -> tuple[int, str]:
    code = main(["predict", *map(str, arguments)])
    return code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, *fragments: str):
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


FLAG_CASES = [
    (["--start", "-5"], "--start must be a time in seconds >= 0, got -5.0"),
    (["--fps", "nan"], "--fps must be a positive number of frames per second, got nan"),
    (["--fps", "0"], "--fps must be a positive number of frames per second, got 0.0"),
    (["--threshold", "nan"], "--threshold must be a probability in [0, 1], got nan"),
    (["--threshold", "1.5"], "--threshold must be a probability in [0, 1], got 1.5"),
    (["--duration", "0"], "--duration must be a number of seconds > 0"),
    (["--duration", "inf"], "--duration must be a number of seconds > 0"),
    (["--chunk-seconds", "-1"], "--chunk-seconds must be a number of seconds > 0, got -1.0"),
    (["--device", "tpu9"], "--device tpu9: not a torch device"),
]


@pytest.mark.parametrize(("flags", "message"), FLAG_CASES, ids=[" ".join(flags) for flags, _ in FLAG_CASES])
def test_bad_flags_are_one_line_errors_naming_the_flag(clip_path, binary_model, tmp_path, capsys, flags, message):
    out = tmp_path / "overlay.mp4"
    code, err = run_cli(clip_path, "--model", binary_model, "--out", out, *flags, capsys=capsys)
    assert_one_line_error(code, err, message)
    assert not out.exists()


def test_cuda_without_cuda_names_the_flag(clip_path, binary_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, err = run_cli(clip_path, "--model", binary_model, "--masks-dir", tmp_path / "m", "--device", "cuda", capsys=capsys)
    assert_one_line_error(code, err, "--device cuda: CUDA is not available on this machine")


def test_out_may_not_be_the_input_video(clip_path, binary_model, tmp_path, capsys):
    before = clip_path.read_bytes()
    for out in (clip_path, Path(os.path.relpath(clip_path))):
        code, err = run_cli(clip_path, "--model", binary_model, "--out", out, capsys=capsys)
        assert_one_line_error(code, err, "is the input video")
    assert clip_path.read_bytes() == before


def test_older_masks_are_never_mixed_with_new_ones(clip_path, binary_model, tmp_path, capsys):
    masks = tmp_path / "masks"
    masks.mkdir()
    for index in range(5):
        (masks / f"frame_{index:05d}.png").write_bytes(b"old run")
    code, err = run_cli(clip_path, "--model", binary_model, "--masks-dir", masks, capsys=capsys)
    assert_one_line_error(code, err, f"{masks} already holds 5 mask PNGs")
    assert sorted(path.read_bytes() for path in masks.iterdir()) == [b"old run"] * 5


def test_a_read_only_or_impossible_out_is_refused_before_any_work(clip_path, binary_model, tmp_path, capsys):
    protected = tmp_path / "protected.mp4"
    protected.write_bytes(b"keep me")
    protected.chmod(0o444)
    code, err = run_cli(clip_path, "--model", binary_model, "--out", protected, capsys=capsys)
    assert_one_line_error(code, err, f"--out {protected} is read-only")
    assert protected.read_bytes() == b"keep me"
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, err = run_cli(clip_path, "--model", binary_model, "--out", blocker / "overlay.mp4", capsys=capsys)
    assert_one_line_error(code, err, str(blocker / "overlay.mp4"))


def test_a_one_pixel_video_gives_masks_and_a_clear_error_for_the_overlay(binary_model, tmp_path, capsys):
    tiny = write_video_with(tmp_path / "tiny.mov", size=(1, 1), codec="png", pixel_format="rgb24")
    assert main(["predict", str(tiny), "--model", str(binary_model), "--masks-dir", str(tmp_path / "masks")]) == 0
    pngs = sorted((tmp_path / "masks").glob("*.png"))
    assert len(pngs) == 2 and PIL.Image.open(pngs[0]).size == (1, 1)
    code, err = run_cli(tiny, "--model", binary_model, "--out", tmp_path / "overlay.mp4", capsys=capsys)
    assert_one_line_error(code, err, "overlay.mp4: the frames are 1x1 pixels; an H.264 video needs at least 2x2")


def test_a_damaged_or_mismatched_model_folder_is_named(binary_model, clip_path, tmp_path, capsys):
    import shutil

    truncated = shutil.copytree(binary_model, tmp_path / "truncated")
    weights = truncated / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    code, err = run_cli(clip_path, "--model", truncated, "--masks-dir", tmp_path / "a", capsys=capsys)
    assert_one_line_error(code, err, f"{truncated}: the weights could not be loaded")

    contradicting = shutil.copytree(binary_model, tmp_path / "contradicting")
    config = (contradicting / "config.json").read_text().replace('"d_model": 16', '"d_model": 24')
    (contradicting / "config.json").write_text(config)
    code, err = run_cli(clip_path, "--model", contradicting, "--masks-dir", tmp_path / "b", capsys=capsys)
    assert_one_line_error(code, err, f"{contradicting}: the weights")

    code, err = run_cli(clip_path, "--model", tmp_path / "runs" / "modl", "--masks-dir", tmp_path / "c", capsys=capsys)
    assert_one_line_error(code, err, f"--model {tmp_path / 'runs' / 'modl'}: no such folder")


def test_debug_shows_the_traceback(clip_path, binary_model, monkeypatch):
    monkeypatch.setenv("AVESFORMER_DEBUG", "1")
    with pytest.raises(ValueError, match="--fps must be a positive number"):
        main(["predict", str(clip_path), "--model", str(binary_model), "--fps", "nan"])


def cli_subprocess(*arguments) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "avesformer_hf.cli", "predict", *map(str, arguments)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_seven_one_audio_is_read_not_a_crash(binary_model, tmp_path):
    """PyAV crashes the process (exit 139) reading 8-channel planar frames; a subprocess keeps pytest alive."""
    surround = write_video_with(tmp_path / "surround.mp4", layout="7.1")
    result = cli_subprocess(surround, "--model", binary_model, "--masks-dir", tmp_path / "masks")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 frames segmented" in result.stdout

    from avesformer_hf.inference.video import read_clip

    waveform = read_clip(surround).waveform  # the mean of 8 equal channels is the tone itself
    assert len(waveform) == 32000 and 0.35 < np.abs(waveform[4000:28000]).max() < 0.6


def test_a_user_error_in_a_real_process_prints_one_line_and_no_traceback(clip_path, binary_model):
    result = cli_subprocess(clip_path, "--model", binary_model, "--threshold", "nan")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "error: --threshold must be a probability in [0, 1], got nan"
    assert "Traceback" not in result.stderr


# ---- Python API: the processor and the pipeline ------------------------------------------------------------------

def test_non_finite_audio_or_pixels_are_errors_naming_the_input():
    processor = AudioVisualProcessor(AVESFormerImageProcessor(size={"height": 32, "width": 32}))
    frames = [np.zeros((32, 32, 3), dtype=np.float32)] * 2
    audio = np.zeros(32000, dtype=np.float32)
    with pytest.raises(ValueError, match="audio: samples must be finite, got NaN or inf"):
        processor(images=frames, audio=np.where(np.arange(32000) == 7, np.nan, audio), sampling_rate=16000)
    bad = [frames[0], np.full((32, 32, 3), np.inf, dtype=np.float32)]
    with pytest.raises(ValueError, match="frame 1 of clip 0: pixels must be finite"):
        processor(images=bad, audio=audio, sampling_rate=16000)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (torch.zeros(0, 2, 3, 32, 32), r"shape \(0, 2, 3, 32, 32\) hold no frame"),
        (torch.zeros(1, 0, 3, 32, 32), r"shape \(1, 0, 3, 32, 32\) hold no frame"),
        (np.zeros((0, 32, 32, 3), dtype=np.uint8), r"shape \(0, 32, 32, 3\) hold no frame"),
        ([], "images: got an empty list"),
        ([[]], "images: got an empty list"),
    ],
    ids=["B=0", "T=0", "clip of 0 frames", "empty list", "empty clip"],
)
def test_empty_batches_and_clips_are_shape_errors(images, message):
    with pytest.raises(ValueError, match=message):
        AVESFormerImageProcessor(size={"height": 32, "width": 32})(images)


def test_sixteen_bit_frames_are_scaled_not_clipped(tmp_path):
    processor = AVESFormerImageProcessor(size={"height": 8, "width": 8})
    grey16 = PIL.Image.fromarray(np.full((8, 8), 128 * 257, dtype=np.uint16))
    grey16.save(tmp_path / "grey16.png")
    with PIL.Image.open(tmp_path / "grey16.png") as reopened:
        assert reopened.mode.startswith("I")
        from_png = processor(reopened)["pixel_values"]
    expected = processor(PIL.Image.new("RGB", (8, 8), (128, 128, 128)))["pixel_values"]
    torch.testing.assert_close(from_png, expected)
    from_array = processor(np.full((8, 8, 3), 128 * 257, dtype=np.uint16))["pixel_values"]
    torch.testing.assert_close(from_array, expected)


def test_pipeline_dict_inputs_are_checked(binary_model):
    from transformers import pipeline

    segmenter = pipeline("audio-visual-segmentation", model=str(binary_model))
    frames = [PIL.Image.new("RGB", (16, 16))] * 2
    with pytest.raises(ValueError, match="frames: got an empty list"):
        segmenter({"frames": [], "audio": np.zeros(32000), "sampling_rate": 16000})
    with pytest.raises(ValueError, match="audio: samples must be finite"):
        segmenter({"frames": frames, "audio": np.full(32000, np.inf), "sampling_rate": 16000})
    with pytest.raises(ValueError, match="audio: audio is 0.500 s long"):
        segmenter({"frames": frames, "audio": np.zeros(8000), "sampling_rate": 16000})
    arrays = [np.zeros((16, 24, 3), dtype=np.float32), np.full((16, 24, 3), np.nan, dtype=np.float32)]
    with pytest.raises(ValueError, match="frame 1 of clip 0: pixels must be finite"):
        segmenter({"frames": arrays, "audio": np.zeros(32000), "sampling_rate": 16000})
    entries = segmenter({"frames": arrays[:1] * 2, "audio": np.zeros(32000), "sampling_rate": 16000})
    assert [entry["segments"][0]["mask"].size for entry in entries] == [(24, 16), (24, 16)]
