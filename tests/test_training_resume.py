"""Checkpointing: SIGTERM saves a checkpoint and exits; after SIGKILL, resuming from the last checkpoint
reproduces the uninterrupted run exactly (weights and loss curve; CPU, fixed seed, dropout on)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from avesformer_hf.training.checkpointing import checkpoint_dirs
from avesformer_hf.training.tracking import read_log

RUNNER = Path(__file__).with_name("training_runner.py")
REPO = Path(__file__).resolve().parents[1]


def run_args(training_setup, output_dir, **overrides) -> dict:
    # 8 training clips, 2 per step: 4 steps per epoch. Step 3 is a mid-epoch checkpoint, steps 5-6 run
    # after the backbone unfreezes at the epoch boundary; dropout (0.1) makes the RNG state matter.
    values = dict(
        output_dir=str(output_dir), subset="s4", model_config=str(training_setup / "config"),
        data_root=str(training_setup / "synthavs"), image_size=32, max_steps=6, batch_size=2, learning_rate=1e-3,
        freeze_backbone_epochs=1, checkpointing_steps=3, logging_steps=1, report_to="jsonl", seed=7,
    )
    values.update(overrides)
    return values


def launch(args: dict, signal_at: tuple[int, str] | None = None) -> subprocess.Popen:
    command = [sys.executable, str(RUNNER), json.dumps(args)]
    if signal_at:
        command += [str(signal_at[0]), signal_at[1]]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


def step_losses(output_dir) -> dict[int, float]:
    return {r["step"]: r["train/loss"] for r in read_log(Path(output_dir) / "log.jsonl") if "train/loss" in r}


def test_sigterm_then_sigkill_then_resume_matches_the_uninterrupted_run(training_setup, tmp_path):
    straight = launch(run_args(training_setup, tmp_path / "straight"))

    interrupted = tmp_path / "interrupted"
    code, output = finish(launch(run_args(training_setup, interrupted), signal_at=(2, "SIGTERM")))
    assert code == 128 + 15, output
    # SIGTERM at step 2 (not a checkpointing step) saved a checkpoint there and stopped before evaluating.
    assert [p.name for p in checkpoint_dirs(interrupted)] == ["checkpoint-2"]
    assert not (interrupted / "metrics.json").exists()

    code, output = finish(launch(run_args(training_setup, interrupted, resume_from_checkpoint="latest"), signal_at=(4, "SIGKILL")))
    assert code == -9, output
    # step 4 is lost: the newest complete checkpoint is step 3's
    assert [p.name for p in checkpoint_dirs(interrupted)] == ["checkpoint-2", "checkpoint-3"]

    code, output = finish(launch(run_args(training_setup, interrupted, resume_from_checkpoint="latest")))
    assert code == 0, output
    code, output = finish(straight)
    assert code == 0, output

    expected = load_file(tmp_path / "straight" / "checkpoints" / "checkpoint-6" / "model.safetensors")
    resumed = load_file(interrupted / "checkpoints" / "checkpoint-6" / "model.safetensors")
    assert expected.keys() == resumed.keys()
    different = [name for name in expected if not torch.equal(expected[name], resumed[name])]
    assert not different, f"weights differ after resuming: {different[:5]}"
    # the log keeps one record per step: the lost step 4 was dropped and logged again, identically
    assert step_losses(interrupted) == step_losses(tmp_path / "straight")
    assert sorted(step_losses(interrupted)) == [1, 2, 3, 4, 5, 6]
    metrics = json.loads((interrupted / "metrics.json").read_text())
    assert metrics == json.loads((tmp_path / "straight" / "metrics.json").read_text())


def test_resume_latest_without_checkpoints_fails_clearly(training_setup, tmp_path):
    from avesformer_hf.training import CheckpointError, TrainingArguments, train

    with pytest.raises(CheckpointError, match="no intact checkpoint"):
        train(TrainingArguments(**run_args(training_setup, tmp_path / "empty", resume_from_checkpoint="latest")))
    assert not (tmp_path / "empty").exists()
