"""Two CPU processes (gloo DDP, `accelerate launch --multi_gpu`) give the loss curve of one process with the
same global batch, and a finished run leaves a loadable model + processor, metrics.json and a plot."""

import json
import os
import subprocess
import sys
from pathlib import Path

from avesformer_hf.training.tracking import read_log

REPO = Path(__file__).resolve().parents[1]
# Per-step losses of the two runs agree to float32 reduction-order noise; 1e-4 leaves room for six steps.
LOSS_TOLERANCE = 1e-4


def launch(training_setup, output_dir, launcher: list[str], batch_size: int, env: dict) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "accelerate.commands.launch", *launcher, "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", "scripts/train.py",
        "--model-config", str(training_setup / "config"), "--data-root", str(training_setup / "synthavs"), "--image-size", "32",
        "--subset", "s4", "--output-dir", str(output_dir), "--max-steps", "6", "--batch-size", str(batch_size),
        "--learning-rate", "1e-3", "--freeze-backbone-epochs", "1", "--logging-steps", "1", "--report-to", "jsonl",
        # dropout masks are drawn per process, so they would differ between the layouts
        "--config-overrides", "dropout=0.0", "--seed", "3",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO), **env}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_processes_match_one_process_with_the_same_global_batch(training_setup, tmp_path):
    two = launch(training_setup, tmp_path / "two", ["--multi_gpu", "--num_processes", "2"], 1, {"ACCELERATE_USE_CPU": "1"})
    one = launch(training_setup, tmp_path / "one", ["--cpu", "--num_processes", "1"], 2, {})
    outputs = {}
    for name, process in (("two", two), ("one", one)):
        outputs[name], _ = process.communicate(timeout=400)
        assert process.returncode == 0, outputs[name]

    losses = {
        name: [r["train/loss"] for r in read_log(tmp_path / name / "log.jsonl") if "train/loss" in r]
        for name in ("one", "two")
    }
    assert len(losses["one"]) == len(losses["two"]) == 6
    assert max(abs(a - b) for a, b in zip(losses["one"], losses["two"])) < LOSS_TOLERANCE, losses

    one = tmp_path / "one"
    metrics = json.loads((one / "metrics.json").read_text())
    assert set(metrics["val"]) >= {"M_J", "M_F"} and set(metrics["test"]) >= {"M_J", "M_F"}
    assert (one / "training_curves.png").stat().st_size > 0
    from avesformer_hf import AVESFormerModel
    from avesformer_hf.processing_avesformer import AudioVisualProcessor

    model = AVESFormerModel.from_pretrained(one / "model")
    processor = AudioVisualProcessor.from_pretrained(one / "model")
    assert model.config.num_labels == 1 and processor.image_processor.size["height"] == 32
    # the printed summary is the metrics file's
    assert f"M_J {metrics['test']['M_J']:.4f}" in outputs["one"]
