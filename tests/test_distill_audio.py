"""`avesformer distill-audio`: a tiny random VGGish teacher, audio files written here, a tiny light student."""

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from avesformer_hf import AVESFormerModel, LightAudioConfig, LightAudioModel, VGGishModel
from avesformer_hf.cli import main as cli_main
from helpers import tiny_avesformer_config, tiny_vggish_config
from init_checkpoint_script import run_script

RATE = 16000


def write_audio_folder(folder: Path, count: int = 20, seconds: float = 5.0, seed: int = 0) -> Path:
    """Clips of a few random tones plus noise at random levels, in nested folders, as .wav and .flac."""
    generator = np.random.default_rng(seed)
    time = np.arange(int(seconds * RATE)) / RATE
    for index in range(count):
        tones = sum(generator.uniform(0.05, 0.3) * np.sin(2 * np.pi * generator.uniform(100, 4000) * time) for _ in range(3))
        noise = generator.uniform(0.0, 0.2) * generator.standard_normal(time.shape)
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * generator.uniform(0.2, 2.0) * time)
        path = folder / f"class{index % 3}" / f"clip{index}.{'flac' if index % 2 else 'wav'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(path, (envelope * tones + noise).astype(np.float32) * 0.5, RATE)
    return folder


@pytest.fixture(scope="module")
def distilled(tmp_path_factory):
    root = tmp_path_factory.mktemp("distill")
    write_audio_folder(root / "audio")
    torch.manual_seed(0)
    VGGishModel(tiny_vggish_config()).save_pretrained(root / "teacher")
    LightAudioConfig(stem_channels=8, block_channels=[16, 32], block_strides=[2, 2]).to_json_file(root / "student.json")
    argv = ["distill-audio", "--audio-dir", root / "audio", "--teacher", root / "teacher", "--output-dir", root / "out",
            "--student-config", root / "student.json", "--num-epochs", "8", "--batch-size", "16",
            "--learning-rate", "1e-2", "--heldout-fraction", "0.2", "--logging-steps", "5", "--checkpointing-steps", "1000"]
    assert cli_main([str(arg) for arg in argv]) == 0
    return root, argv


def test_heldout_embedding_error_falls_and_cosine_rises(distilled):
    root, _ = distilled
    metrics = json.loads((root / "out" / "metrics.json").read_text())
    history = metrics["history"]
    assert [record["epoch"] for record in history] == list(range(9))  # before training, then each epoch
    assert history[-1]["normalized_mse"] < 0.75 * history[0]["normalized_mse"]
    assert history[-1]["centered_cosine"] > history[0]["centered_cosine"]
    assert len(metrics["heldout_files"]) == 4 and metrics["heldout_windows"] == 20  # 4 of 20 files, 5 windows each


def test_the_student_checkpoints_are_safetensors_and_json_only(distilled):
    root, _ = distilled
    checkpoints = sorted((root / "out" / "checkpoints").iterdir())
    assert len(checkpoints) == 2  # keep_checkpoints
    files = {path.name for path in checkpoints[-1].iterdir()}
    assert {"config.json", "model.safetensors", "optimizer.safetensors", "distill_state.json"} <= files
    assert {Path(name).suffix for name in files} == {".json", ".safetensors", ".py"}  # .py: the model's remote code
    model = LightAudioModel.from_pretrained(root / "out" / "model")
    assert model.config.embedding_size == tiny_vggish_config().embedding_size


def test_resume_continues_from_the_latest_checkpoint(distilled, tmp_path):
    root, argv = distilled
    out = tmp_path / "out"
    first = [str(a) for a in argv[: argv.index("--output-dir") + 1]] + [str(out)] + [str(a) for a in argv[argv.index("--output-dir") + 2 :]]
    first[first.index("--num-epochs") + 1] = "1"
    assert cli_main(first) == 0
    second = list(first)
    second[second.index("--num-epochs") + 1] = "2"
    assert cli_main(second) == 1  # an earlier run's output is not overwritten without --resume-from-checkpoint
    assert cli_main(second + ["--resume-from-checkpoint", "latest"]) == 0
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert [record["epoch"] for record in history] == [0, 1, 2]
    assert history[2]["step"] == 2 * history[1]["step"]


def test_init_checkpoint_takes_the_distilled_student(distilled, tmp_path, capsys):
    root, _ = distilled
    tiny_avesformer_config().save_pretrained(tmp_path / "config")  # a VGGish config: --audio brings the light encoder
    assert run_script([tmp_path / "init", "--config", tmp_path / "config", "--audio", root / "out" / "model"]) == 0
    assert "audio encoder (light_audio) from" in capsys.readouterr().out
    model = AVESFormerModel.from_pretrained(tmp_path / "init")
    student = LightAudioModel.from_pretrained(root / "out" / "model")
    assert isinstance(model.audio_backbone, LightAudioModel)
    for key, value in student.state_dict().items():
        torch.testing.assert_close(model.audio_backbone.state_dict()[key], value)


def test_a_folder_without_audio_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = ["distill-audio", "--audio-dir", tmp_path / "empty", "--teacher", tmp_path, "--output-dir", tmp_path / "out"]
    assert cli_main([str(arg) for arg in argv]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "found 0 audio file(s)" in error and str(tmp_path / "empty") in error
