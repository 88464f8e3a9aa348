"""The set-up step of a run: every check that can fail runs before the first file is written.

Order: arguments, checkpoint to resume, output folder guard, config, processor, data, model; only then is the
previous run cleared (with --overwrite-output-dir), SynthAVS generated, and the checkpoint state loaded, and
only after that is `training_args.json` written. A run that fails its set-up leaves the folder as it found it.
"""

import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, DistributedDataParallelKwargs, is_tensorboard_available, set_seed
from torch.utils.data import DataLoader
from transformers import get_scheduler

from .arguments import AVESFormerTrainingArguments
from .checkpointing import CHECKPOINTS_DIR, TrainerState, load_checkpoint, resolve_checkpoint
from .checks import check_arguments, check_model_matches_subset, check_output_dir
from .data import RunData, build_run_data
from .errors import TrainingConfigurationError
from .model_loading import load_config, load_model, load_processor
from .tracking import LOG_FILE, PLOT_FILE, JSONLinesTracker

MODEL_DIR = "model"
METRICS_FILE = "metrics.json"
ARGS_FILE = "training_args.json"
ARTIFACTS = (MODEL_DIR, CHECKPOINTS_DIR, LOG_FILE, PLOT_FILE, METRICS_FILE, ARGS_FILE, "hparams.json", "tensorboard")


@dataclass
class LossWindow:
    """Training loss summed since the last logged step, and when that window started."""

    total: float = 0.0
    batches: int = 0
    started: float = field(default_factory=time.perf_counter)

    def add(self, loss: float) -> None:
        self.total += loss
        self.batches += 1


@dataclass
class Run:
    """What the steps of one run share."""

    args: AVESFormerTrainingArguments
    accelerator: Accelerator
    config: Any
    model: Any
    processor: Any
    data: RunData
    jsonl: JSONLinesTracker
    optimizer: Any = None
    scheduler: Any = None
    train_loader: Any = None
    val_loader: Any = None
    max_steps: int = 0
    num_epochs: int = 0
    state: TrainerState = field(default_factory=TrainerState)
    last_checkpoint: int | None = None
    window: LossWindow = field(default_factory=LossWindow)
    progress: Any = None

    @property
    def output_dir(self) -> Path:
        return Path(self.args.output_dir)


def set_up(args: AVESFormerTrainingArguments, data: RunData | None = None) -> Run:
    check_arguments(args)
    args = args.resolved()
    checkpoint, notes = None, []
    if args.resume_from_checkpoint:
        checkpoint, notes = resolve_checkpoint(args.resume_from_checkpoint, args.output_dir)
    clear = check_output_dir(args, checkpoint)
    config = load_config(args)
    check_model_matches_subset(config, args.subset)
    jsonl = JSONLinesTracker(args.output_dir)
    accelerator = build_accelerator(args, jsonl)
    set_seed(args.seed)
    # Trained AVESFormer activations underflow to denormal floats, which are 20-50x slower on CPUs.
    torch.set_flush_denormal(True)
    processor = load_processor(args, args.image_size or (args.synthetic_image_size if args.synthetic else None))
    if data is None and not args.synthetic:
        data = load_data(args, processor, accelerator)  # reads and checks every file of the data root
    model = load_model(args, config)
    # Everything that can fail before training has passed: from here on the run writes.
    prepare_output_dir(accelerator, Path(args.output_dir), clear)
    run = Run(args, accelerator, config, model, processor, data or load_data(args, processor, accelerator), jsonl)
    build_optimisation(run)
    if checkpoint is not None:
        for note in notes:
            accelerator.print(f"warning: {note}")
        load_checkpoint(accelerator, checkpoint, run.state)
        run.last_checkpoint = jsonl.resume_step = run.state.global_step
        accelerator.print(f"Resumed from {checkpoint}: epoch {run.state.epoch}, step {run.state.global_step}")
    if accelerator.is_main_process:
        (run.output_dir / ARGS_FILE).write_text(args.to_json() + "\n")
    accelerator.init_trackers("tensorboard", config=hyperparameters(args, config))
    return run


def build_accelerator(args: AVESFormerTrainingArguments, jsonl: JSONLinesTracker) -> Accelerator:
    trackers = [jsonl]
    if args.report_to == "all" and is_tensorboard_available():
        trackers.append("tensorboard")
    return Accelerator(
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        mixed_precision=args.mixed_precision,
        log_with=trackers,
        project_dir=args.output_dir,
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True, data_seed=args.seed),
        # Frozen-backbone epochs leave backbone weights without gradients; DDP must know to expect that.
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=args.freeze_backbone_epochs > 0)],
    )


def load_data(args: AVESFormerTrainingArguments, processor, accelerator) -> RunData:
    try:
        return build_run_data(args, processor, accelerator)
    except TrainingConfigurationError:  # already names the flag at fault
        raise
    except ValueError as error:  # AVSBenchLayoutError names the file at fault
        source = f"--data-root {args.data_root}" if args.data_root else "--synthetic"
        raise TrainingConfigurationError(f"{source}: {error}") from error


def prepare_output_dir(accelerator: Accelerator, output_dir: Path, clear: bool) -> None:
    if accelerator.is_main_process:
        if clear:
            clear_previous_run(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()


def clear_previous_run(output_dir: Path) -> None:
    for name in ARTIFACTS:
        path = output_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def seeded_loader(dataset, batch_size: int, shuffle: bool, collate_fn, args: AVESFormerTrainingArguments) -> DataLoader:
    # An own generator keeps the loader from drawing on the global RNG, which dropout uses: resumed runs
    # then see the same random numbers as uninterrupted ones.
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate_fn, num_workers=args.num_workers,
        generator=torch.Generator().manual_seed(args.seed),
    )


def build_optimisation(run: Run) -> None:
    """Loaders, AdamW and the scheduler, prepared by accelerate; the step and epoch counts of the run."""
    args, accelerator, data = run.args, run.accelerator, run.data
    run.model.train()
    train_loader = seeded_loader(data.train, args.batch_size, True, data.collate_fn, args)
    val_loader = seeded_loader(data.val, args.eval_batch_size, False, data.eval_collate_fn, args)
    optimizer = torch.optim.AdamW(
        [p for p in run.model.parameters() if p.requires_grad], lr=args.learning_rate, weight_decay=args.weight_decay
    )
    steps_per_epoch = math.ceil(len(train_loader) / max(1, accelerator.num_processes) / args.gradient_accumulation_steps)
    run.max_steps = args.max_steps or args.num_epochs * steps_per_epoch
    run.num_epochs = math.ceil(run.max_steps / steps_per_epoch)
    # The prepared scheduler steps once per process and optimizer step (as in transformers' examples).
    scheduler = get_scheduler(
        args.lr_scheduler, optimizer,
        num_warmup_steps=args.warmup_steps * accelerator.num_processes,
        num_training_steps=run.max_steps * accelerator.num_processes,
    )
    run.model, run.optimizer, run.train_loader, run.val_loader, run.scheduler = accelerator.prepare(
        run.model, optimizer, train_loader, val_loader, scheduler
    )


def hyperparameters(args: AVESFormerTrainingArguments, config) -> dict:
    values = {k: v for k, v in json.loads(args.to_json()).items() if isinstance(v, (int, float, str, bool))}
    values.update(num_labels=config.num_labels, d_model=config.d_model, num_prompt_queries=config.num_prompt_queries)
    return values
