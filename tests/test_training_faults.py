"""Training and resume under bad input and faults: each case ends in a correct result or a one-line error naming
the flag or file, and nothing the user had is lost (docs/reliability.md, "Training and resume")."""

import math
import shutil
from pathlib import Path

import pytest
import torch

from avesformer_hf.data import load_avsbench
from avesformer_hf.data.collate import AVSBenchCollator, default_processor
from avesformer_hf.training import (
    CheckpointError,
    AVESFormerTrainingArguments,
    TrainingConfigurationError,
    TrainingDivergedError,
    train,
)
from avesformer_hf.training.checkpointing import checkpoint_dirs
from avesformer_hf.training.data import RunData
from avesformer_hf.training.entry import main
from avesformer_hf.training.frames import check_labels
from helpers import tiny_avesformer_config


def arguments(training_setup, output_dir, **overrides) -> AVESFormerTrainingArguments:
    values = dict(output_dir=str(output_dir), subset="s4", model_config=str(training_setup / "config"),
                  data_root=str(training_setup / "synthavs"), image_size=32, max_steps=1, batch_size=1, report_to="jsonl")
    values.update(overrides)
    return AVESFormerTrainingArguments(**values)


@pytest.fixture(scope="module")
def short_run(training_setup):
    """--max-steps 3 --checkpointing-steps 1 on an 8-step epoch: the last step is a checkpoint step and no
    evaluation has happened yet (this crashed at the end with FileNotFoundError model.safetensors)."""
    output_dir = training_setup / "short_run"
    result = train(arguments(training_setup, output_dir, max_steps=3, checkpointing_steps=1, learning_rate=1e-3))
    return output_dir, result


def previous_run(folder: Path) -> Path:
    """A folder holding the results of an earlier run, which a failing run must leave byte for byte."""
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "model.safetensors").write_bytes(b"trained weights")
    (folder / "checkpoints" / "checkpoint-5").mkdir(parents=True)
    (folder / "checkpoints" / "checkpoint-5" / "trainer_state.json").write_text('{"global_step": 5}')
    for name in ("metrics.json", "training_args.json", "log.jsonl"):
        (folder / name).write_text(f"earlier {name}\n")
    return folder


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_of(run_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_dir, tmp_path / run_dir.name))


class Planted:
    """Unpickling this writes a file: proof that a loader executed code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.write_text, (self.marker, "code ran")


# --- flags: rejected before anything is built or written, naming the flag ------------------------------------

BAD_FLAGS = [
    ({"learning_rate": math.inf}, "--learning-rate must be a finite number > 0, got inf"),
    ({"learning_rate": math.nan}, "--learning-rate must be a finite number > 0, got nan"),
    ({"learning_rate": 0.0}, "--learning-rate must be a finite number > 0"),
    ({"weight_decay": math.nan}, "--weight-decay must be a finite number >= 0"),
    ({"max_grad_norm": math.inf}, "--max-grad-norm must be a finite number >= 0"),
    ({"warmup_steps": -1}, "--warmup-steps must be a finite number >= 0"),
    ({"checkpointing_steps": -2}, "--checkpointing-steps must be a finite number >= 0"),
    ({"lr_scheduler": "cosinus"}, "--lr-scheduler: unknown scheduler 'cosinus'; choose one of linear, cosine"),
    ({"mixed_precision": "fp8"}, "--mixed-precision: 'fp8' is not one of no, fp16, bf16"),
]


@pytest.mark.parametrize("overrides, message", BAD_FLAGS, ids=[next(iter(o)) + "=" + str(next(iter(o.values()))) for o, _ in BAD_FLAGS])
def test_bad_flag_is_rejected_before_anything_is_written(training_setup, tmp_path, overrides, message):
    with pytest.raises(TrainingConfigurationError, match="^" + message.replace("(", r"\(")):
        train(arguments(training_setup, tmp_path / "run", **overrides))
    assert not (tmp_path / "run").exists()


def test_output_dir_that_is_a_file_is_left_alone(training_setup, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    with pytest.raises(TrainingConfigurationError, match=f"--output-dir {path} is a file, not a folder"):
        train(arguments(training_setup, path, overwrite_output_dir=True))
    assert path.read_text() == "mine"


# --- --overwrite-output-dir deletes nothing until every set-up check has passed -----------------------------

def broken_data_root(training_setup, tmp_path) -> tuple[Path, Path]:
    root = Path(shutil.copytree(training_setup / "synthavs", tmp_path / "data"))
    wav = sorted(root.rglob("*.wav"))[-1]
    wav.write_bytes(b"not a wav")
    return root, wav


def broken_init_from(training_setup, tmp_path) -> Path:
    folder = tmp_path / "init"
    from avesformer_hf import AVESFormerModel

    AVESFormerModel(tiny_avesformer_config(num_frames=5)).save_pretrained(folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return folder


@pytest.mark.parametrize("fault", ["lr_scheduler typo", "unreadable wav", "truncated --init-from weights"])
def test_overwrite_keeps_the_previous_run_when_set_up_fails(training_setup, tmp_path, fault):
    output_dir = previous_run(tmp_path / "run")
    before = snapshot(output_dir)
    overrides, message = {"lr_scheduler": "linaer"}, "--lr-scheduler: unknown scheduler 'linaer'"
    if fault == "unreadable wav":
        root, wav = broken_data_root(training_setup, tmp_path)
        overrides, message = {"data_root": str(root)}, f"unreadable audio: {wav}"
    elif fault == "truncated --init-from weights":
        folder = broken_init_from(training_setup, tmp_path)
        overrides, message = {"init_from": str(folder), "model_config": None}, f"--init-from {folder}: the weights do not load"
    with pytest.raises(TrainingConfigurationError) as error:
        train(arguments(training_setup, output_dir, overwrite_output_dir=True, **overrides))
    assert message in str(error.value) and "\n" not in str(error.value)
    assert snapshot(output_dir) == before


# --- resume: the existing-run guard holds, and a failing resume writes nothing --------------------------------

def test_resume_from_another_runs_checkpoint_into_a_run_folder_is_refused(training_setup, short_run, tmp_path):
    output_dir = previous_run(tmp_path / "run")
    before = snapshot(output_dir)
    foreign = short_run[0] / "checkpoints" / "checkpoint-2"
    with pytest.raises(TrainingConfigurationError, match="already holds a run.*is not one of its checkpoints"):
        train(arguments(training_setup, output_dir, resume_from_checkpoint=str(foreign), max_steps=3))
    assert snapshot(output_dir) == before


@pytest.mark.parametrize("resume_from, message", [
    ("latest", "no intact checkpoint in"),
    ("missing-folder", "is not a folder"),
])
def test_failing_resume_rewrites_nothing(training_setup, tmp_path, resume_from, message):
    output_dir = previous_run(tmp_path / "run")
    shutil.rmtree(output_dir / "checkpoints")
    before = snapshot(output_dir)
    if resume_from != "latest":
        resume_from = str(tmp_path / resume_from)
    with pytest.raises(CheckpointError, match=message):
        train(arguments(training_setup, output_dir, resume_from_checkpoint=resume_from))
    assert snapshot(output_dir) == before


# --- checkpoints: no pickle executes, damaged ones are named or passed over -----------------------------------

def test_planted_custom_checkpoint_pickle_is_not_executed(training_setup, short_run, tmp_path):
    run_dir = copy_of(short_run[0], tmp_path)
    marker = tmp_path / "pwned"
    checkpoint = run_dir / "checkpoints" / "checkpoint-3"
    torch.save(Planted(marker), checkpoint / "custom_checkpoint_0.pkl")
    with pytest.raises(CheckpointError, match="custom_checkpoint_0.pkl is a pickle this trainer never writes"):
        train(arguments(training_setup, run_dir, resume_from_checkpoint=str(checkpoint), max_steps=4))
    assert not marker.exists()


@pytest.mark.parametrize("name", ["optimizer.bin", "random_states_0.pkl"])
def test_code_in_accelerate_state_files_is_not_executed(training_setup, short_run, tmp_path, name):
    run_dir = copy_of(short_run[0], tmp_path)
    marker = tmp_path / "pwned"
    checkpoint = run_dir / "checkpoints" / "checkpoint-3"
    torch.save({"state": Planted(marker)}, checkpoint / name)
    with pytest.raises(CheckpointError, match=str(checkpoint)):
        train(arguments(training_setup, run_dir, resume_from_checkpoint=str(checkpoint), max_steps=4))
    assert not marker.exists()


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage, message", [
    ("truncate model.safetensors", "model.safetensors is damaged"),
    ("truncate optimizer.bin", "optimizer.bin is damaged"),
    ("delete scheduler.bin", "scheduler.bin is missing"),
    ("delete trainer_state.json", "trainer_state.json is missing"),
])
def test_damaged_checkpoint_given_by_path_is_a_one_line_error(training_setup, short_run, tmp_path, damage, message):
    run_dir = copy_of(short_run[0], tmp_path)
    checkpoint = run_dir / "checkpoints" / "checkpoint-3"
    action, name = damage.split()
    truncate(checkpoint / name) if action == "truncate" else (checkpoint / name).unlink()
    before = snapshot(run_dir)
    with pytest.raises(CheckpointError) as error:
        train(arguments(training_setup, run_dir, resume_from_checkpoint=str(checkpoint), max_steps=4))
    assert f"{checkpoint / name}" in str(error.value) and message in str(error.value)
    assert "\n" not in str(error.value)
    assert snapshot(run_dir) == before


def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(training_setup, short_run, tmp_path, capsys):
    run_dir = copy_of(short_run[0], tmp_path)
    truncate(run_dir / "checkpoints" / "checkpoint-3" / "model.safetensors")
    result = train(arguments(training_setup, run_dir, resume_from_checkpoint="latest", max_steps=4, checkpointing_steps=1,
                             learning_rate=1e-3))
    output = capsys.readouterr().out
    assert "warning: skipped a damaged checkpoint" in output and "checkpoint-3/model.safetensors is damaged" in output
    assert f"Resumed from {run_dir / 'checkpoints' / 'checkpoint-2'}: epoch 0, step 2" in output
    assert result.global_step == 4 and (run_dir / "model" / "model.safetensors").is_file()


# --- the end of a short run, divergence, bad labels ------------------------------------------------------------

def test_short_run_ending_on_a_checkpoint_step_evaluates_and_saves_a_best_model(short_run):
    output_dir, result = short_run
    assert result.global_step == 3 and result.metrics["best_step"] == 3
    assert (output_dir / "model" / "model.safetensors").is_file()
    assert [p.name for p in checkpoint_dirs(output_dir)] == ["checkpoint-1", "checkpoint-2", "checkpoint-3"]


def test_diverging_run_stops_with_an_error_and_saves_no_best_model(training_setup, tmp_path):
    output_dir = tmp_path / "run"
    with pytest.raises(TrainingDivergedError, match="training diverged (at|by) step"):
        train(arguments(training_setup, output_dir, learning_rate=1e30, max_steps=4, eval_steps=1))
    assert not (output_dir / "model").exists() and not (output_dir / "metrics.json").exists()


@pytest.mark.parametrize("bad_value, shown", [(7.0, "7.0"), (math.nan, "nan")])
def test_binary_labels_outside_0_1_are_an_error_not_a_loss(training_setup, tmp_path, bad_value, shown):
    splits = load_avsbench(training_setup / "synthavs", subset="s4")
    collate = AVSBenchCollator("s4", processor=default_processor("s4", 32), train=True)

    def corrupt(rows):
        batch = collate(rows)
        batch["labels"] = torch.where(batch["labels"] > 0, torch.tensor(bad_value), batch["labels"])
        return batch

    data = RunData(train=splits["train"], val=splits["val"], collate_fn=corrupt)
    with pytest.raises(TrainingConfigurationError, match=f"labels hold {shown} where 0 or 1 \\(binary masks\\) are valid"):
        train(arguments(training_setup, tmp_path / "run", max_steps=2), data=data)


@pytest.mark.parametrize("labels, message", [
    (torch.tensor([0, 2, 3]), "labels hold 3 where integer class ids 0..2 are valid"),
    (torch.tensor([0.0, 1.5]), "labels hold 1.5 where integer class ids 0..2 are valid"),
    (torch.tensor([-1, 0]), "labels hold -1 where integer class ids 0..2 are valid"),
])
def test_class_labels_outside_the_model_classes_are_an_error(labels, message):
    with pytest.raises(TrainingConfigurationError, match=message):
        check_labels(labels, num_labels=3)
    check_labels(torch.tensor([0, 1, 2]), num_labels=3)


# --- the command line: one line, no traceback (AVESFORMER_DEBUG=1 shows it), non-zero exit ---------------------

def command(training_setup, output_dir, *extra) -> list[str]:
    return ["--model-config", str(training_setup / "config"), "--data-root", str(training_setup / "synthavs"), "--image-size", "32",
            "--output-dir", str(output_dir), "--max-steps", "1", "--report-to", "jsonl", *extra]


@pytest.mark.parametrize("extra, code, message", [
    (("--learning-rate", "inf"), 2, "error: --learning-rate must be a finite number > 0, got inf"),
    (("--resume-from-checkpoint", "latest"), 2, "error: --resume-from-checkpoint latest: no intact checkpoint in"),
    (("--learning-rate", "1e30", "--max-steps", "4"), 1, "error: training diverged"),
])
def test_command_line_errors_are_one_line_without_traceback(training_setup, tmp_path, capsys, monkeypatch, extra, code, message):
    monkeypatch.delenv("AVESFORMER_DEBUG", raising=False)
    assert main(command(training_setup, tmp_path / "run", *extra)) == code
    err = capsys.readouterr().err  # may also hold the progress bar
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith(message) and "Traceback" not in err


def test_avesformer_debug_shows_the_traceback(training_setup, tmp_path, monkeypatch):
    monkeypatch.setenv("AVESFORMER_DEBUG", "1")
    with pytest.raises(TrainingConfigurationError, match="--learning-rate"):
        main(command(training_setup, tmp_path / "run", "--learning-rate", "nan"))


def test_init_from_whose_config_contradicts_its_weights(training_setup, tmp_path):
    from avesformer_hf import AVESFormerModel

    folder = tmp_path / "init"
    AVESFormerModel(tiny_avesformer_config(num_frames=5)).save_pretrained(folder)
    tiny_avesformer_config(num_frames=5, d_model=32).save_pretrained(folder)
    with pytest.raises(TrainingConfigurationError, match=f"--init-from {folder}: the weights contradict the config"):
        train(arguments(training_setup, tmp_path / "run", init_from=str(folder), model_config=None))
    assert not (tmp_path / "run").exists()


def test_the_planted_payload_does_run_when_unpickled(tmp_path):
    # control for the pickle tests above: an unsafe load of the same file executes the payload
    marker = tmp_path / "pwned"
    torch.save(Planted(marker), tmp_path / "payload.pkl")
    torch.load(tmp_path / "payload.pkl", weights_only=False)
    assert marker.read_text() == "code ran"
