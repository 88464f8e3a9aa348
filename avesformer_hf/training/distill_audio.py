"""`avesformer distill-audio`: train the light audio encoder to reproduce a teacher's embeddings (VGGish or any
encoder AVESFormer takes) on a folder of the user's audio files.

    result = distill_audio(DistillArguments(audio_dir="AVSBench/s4_data/audio_wav", output_dir="runs/light",
                                            teacher="pretrained/vggish"))

Loss: mean squared error over the teacher's per-dimension variance (1 - R^2) plus 1 - cosine similarity. Held-out
files measure both after every epoch; the best epoch's student is `OUTPUT/model` (`init_checkpoint.py --audio` takes
it). Checkpoints (`OUTPUT/checkpoints/checkpoint-<step>`): the student and the AdamW state as safetensors, the
loop's position as JSON; no pickle.
"""

import json
import math
import shutil
from dataclasses import asdict
from pathlib import Path

import torch
from torch.optim.swa_utils import update_bn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from ..audio_encoders import feature_extractor_for
from ..configuration_light_audio import LightAudioConfig
from ..modeling_light_audio import LightAudioModel
from .checkpointing import CHECKPOINTS_DIR, TrainerState, checkpoint_dirs
from .distill_arguments import DistillArguments
from .distill_data import build_distillation_set, find_audio_files, load_teacher, split_files
from .tracking import LOG_FILE

MODEL_DIR = "model"
STATE_FILE = "distill_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"


@torch.no_grad()
def heldout_metrics(student, inputs, targets, batch_size: int, teacher_mean: torch.Tensor) -> dict:
    """On held-out windows: squared error over the teacher's variance (1 - R^2), mean cosine similarity, and the
    cosine after subtracting the teacher's mean training embedding (a random VGGish's embeddings share a large mean,
    so their plain cosine is high even for a student that only outputs that mean)."""
    student.eval()
    predicted = torch.cat([student(chunk).embeddings for chunk in inputs.split(batch_size)])
    student.train()
    variance = targets.var(dim=0).mean().clamp_min(1e-12)
    return {
        "normalized_mse": float(F.mse_loss(predicted, targets) / variance),
        "cosine": float(F.cosine_similarity(predicted, targets, dim=-1).mean()),
        "centered_cosine": float(F.cosine_similarity(predicted - teacher_mean, targets - teacher_mean, dim=-1).mean()),
    }


def distillation_loss(predicted, targets, variance):
    return F.mse_loss(predicted, targets) / variance + (1 - F.cosine_similarity(predicted, targets, dim=-1).mean())


def save_checkpoint(output_dir: Path, student, optimizer, state: TrainerState, keep: int) -> Path:
    """Student (safetensors), AdamW tensors (safetensors) + param groups and loop state (JSON); atomic rename."""
    root = output_dir / CHECKPOINTS_DIR
    final, partial = root / f"checkpoint-{state.global_step}", root / f"checkpoint-{state.global_step}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    student.save_pretrained(partial)
    optimizer_state = optimizer.state_dict()
    tensors = {f"{index}.{name}": value.contiguous() for index, values in optimizer_state["state"].items()
               for name, value in values.items()}
    save_file(tensors, partial / OPTIMIZER_FILE)
    (partial / STATE_FILE).write_text(json.dumps({"state": asdict(state), "param_groups": optimizer_state["param_groups"]}))
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    for stale in checkpoint_dirs(output_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(stale, ignore_errors=True)
    return final


def load_checkpoint(folder: Path, student, optimizer) -> TrainerState:
    if not (folder / STATE_FILE).is_file():
        raise FileNotFoundError(f"--resume-from-checkpoint {folder}: not a distill-audio checkpoint (no {STATE_FILE})")
    student.load_state_dict(LightAudioModel.from_pretrained(folder).state_dict())
    saved = json.loads((folder / STATE_FILE).read_text())
    state: dict[int, dict] = {}
    for key, value in load_file(folder / OPTIMIZER_FILE).items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    return TrainerState(**saved["state"])


def resolve_resume(args: DistillArguments, output_dir: Path) -> Path | None:
    if args.resume_from_checkpoint is None:
        return None
    if args.resume_from_checkpoint == "latest":
        found = checkpoint_dirs(output_dir)
        if not found:
            raise FileNotFoundError(f"--resume-from-checkpoint latest: no checkpoint in {output_dir / CHECKPOINTS_DIR}")
        return found[-1]
    return Path(args.resume_from_checkpoint)


def cosine_learning_rate(args: DistillArguments, step: int, total_steps: int) -> float:
    return args.learning_rate * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / max(1, total_steps)))


def prepare_output_dir(args: DistillArguments) -> Path:
    """A new run must not overwrite an earlier run's model or checkpoints: that needs --resume-from-checkpoint."""
    output_dir = Path(args.output_dir)
    earlier = [output_dir / name for name in (MODEL_DIR, CHECKPOINTS_DIR) if (output_dir / name).exists()]
    if earlier and args.resume_from_checkpoint is None:
        raise FileExistsError(
            f"--output-dir {output_dir} already holds {earlier[0].name}/ of an earlier run: pass "
            "--resume-from-checkpoint latest to continue it, or another --output-dir"
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir


def student_config_for(args: DistillArguments) -> LightAudioConfig:
    if not args.student_config:
        return LightAudioConfig()
    path = Path(args.student_config)
    if not path.exists():
        raise FileNotFoundError(f"--student-config {path}: no such file or folder")
    return LightAudioConfig.from_json_file(path) if path.is_file() else LightAudioConfig.from_pretrained(path)


def distill_audio(args: DistillArguments, progress=print) -> dict:
    """Run the distillation; returns the final metrics (also written to OUTPUT/metrics.json)."""
    from .tracking import JSONLinesTracker

    output_dir = prepare_output_dir(args)
    train_files, heldout_files = split_files(find_audio_files(args.audio_dir), args.heldout_fraction)
    teacher, teacher_extractor = load_teacher(args.teacher)
    config = student_config_for(args)
    student_extractor = feature_extractor_for(config)
    progress(f"teacher {type(teacher).__name__}; {len(train_files)} training files, {len(heldout_files)} held out")
    train_set = build_distillation_set(train_files, student_extractor, teacher, teacher_extractor, progress=progress)
    heldout = build_distillation_set(heldout_files, student_extractor, teacher, teacher_extractor, progress=progress)
    progress(f"{len(train_set.inputs)} training windows, {len(heldout.inputs)} held-out windows")

    config.embedding_size = train_set.targets.shape[1]
    torch.manual_seed(args.seed)
    student = LightAudioModel(config).train()
    with torch.no_grad():  # the student's standardised embedding starts at the teacher's mean and spread per feature
        student.embedding_norm.bias.copy_(train_set.targets.mean(dim=0))
        student.embedding_norm.weight.copy_(train_set.targets.std(dim=0))
    optimizer = torch.optim.AdamW(student.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    resume = resolve_resume(args, output_dir)
    state = load_checkpoint(resume, student, optimizer) if resume else TrainerState()  # best_metric: held-out cosine
    tracker = JSONLinesTracker(output_dir, resume_step=state.global_step if resume else None)
    tracker.start()
    history = [] if resume is None else [record for record in read_history(output_dir) if record["step"] <= state.global_step]
    if resume is None:
        recalibrate_batchnorm(student, train_set.inputs, args.batch_size)
        before = heldout_metrics(student, heldout.inputs, heldout.targets, args.batch_size, train_set.targets.mean(dim=0))
        history.append({"epoch": 0, "step": 0, **before})
        log_heldout(tracker, history[-1])
    run_epochs(args, student, optimizer, state, train_set, heldout, tracker, history, output_dir, progress)
    student_extractor.save_pretrained(output_dir / MODEL_DIR)
    return write_metrics(args, output_dir, state, history, student, train_set, heldout)


def run_epochs(args, student, optimizer, state, train_set, heldout, tracker, history, output_dir, progress):
    count = len(train_set.inputs)
    batches_per_epoch = math.ceil(count / args.batch_size)
    total_steps = args.num_epochs * batches_per_epoch
    variance = train_set.targets.var(dim=0).mean().clamp_min(1e-12)
    for epoch in range(state.epoch, args.num_epochs):
        order = torch.randperm(count, generator=torch.Generator().manual_seed(args.seed + epoch))
        for batch_index in range(state.batches_in_epoch, batches_per_epoch):
            chosen = order[batch_index * args.batch_size : (batch_index + 1) * args.batch_size]
            for group in optimizer.param_groups:
                group["lr"] = cosine_learning_rate(args, state.global_step, total_steps)
            loss = distillation_loss(student(train_set.inputs[chosen]).embeddings, train_set.targets[chosen], variance)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            state.global_step, state.batches_in_epoch = state.global_step + 1, batch_index + 1
            if state.global_step % args.logging_steps == 0:
                tracker.log({"loss": loss.item(), "lr": optimizer.param_groups[0]["lr"], "epoch": epoch}, step=state.global_step)
                progress(f"epoch {epoch + 1}/{args.num_epochs} step {state.global_step}/{total_steps} loss {loss.item():.4f}")
            if state.global_step % args.checkpointing_steps == 0:
                save_checkpoint(output_dir, student, optimizer, state, args.keep_checkpoints)
        state.epoch, state.batches_in_epoch = epoch + 1, 0
        recalibrate_batchnorm(student, train_set.inputs, args.batch_size)
        metrics = heldout_metrics(student, heldout.inputs, heldout.targets, args.batch_size, train_set.targets.mean(dim=0))
        history.append({"epoch": state.epoch, "step": state.global_step, **metrics})
        log_heldout(tracker, history[-1])
        progress(
            f"epoch {state.epoch}: held-out cosine {metrics['cosine']:.4f} (centred {metrics['centered_cosine']:.4f}), "
            f"normalised MSE {metrics['normalized_mse']:.4f}"
        )
        if state.best_metric is None or metrics["cosine"] > state.best_metric:
            state.best_metric, state.best_step = metrics["cosine"], state.global_step
            student.save_pretrained(output_dir / MODEL_DIR)
        save_checkpoint(output_dir, student, optimizer, state, args.keep_checkpoints)


def recalibrate_batchnorm(student, inputs: torch.Tensor, batch_size: int, seed: int = 0):
    """BatchNorm statistics recomputed over all training windows with the current weights: the running averages
    trail weights that move fast, and the standardised embedding makes that lag large at evaluation. The windows go
    in shuffled batches, as in training: batches of one file's neighbouring windows vary less than the data."""
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        update_bn(inputs[order].split(batch_size), student)


def log_heldout(tracker, record: dict):
    tracker.log({f"heldout_{key}": value for key, value in record.items() if key != "step"}, step=record["step"])


def read_history(output_dir: Path) -> list[dict]:
    """The held-out records of an earlier life of this run (from its log)."""
    from .tracking import read_log

    path = output_dir / LOG_FILE
    records = read_log(path) if path.exists() else []
    return [
        {"step": r["step"], **{key.removeprefix("heldout_"): value for key, value in r.items() if key.startswith("heldout_")}}
        for r in records if "heldout_cosine" in r
    ]


def write_metrics(args, output_dir, state, history, student, train_set, heldout) -> dict:
    metrics = {
        "teacher": str(args.teacher),
        "student_parameters": sum(p.numel() for p in student.parameters()),
        "training_windows": len(train_set.inputs),
        "heldout_windows": len(heldout.inputs),
        "heldout_files": heldout.files,
        "best_epoch": next(record["epoch"] for record in history if record["step"] == state.best_step),
        "best_heldout_cosine": state.best_metric,
        "history": history,
        "arguments": asdict(args),
    }
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


__all__ = ["DistillArguments", "distill_audio"]
