"""The Accelerate training loop, after transformers' `*_no_trainer.py` examples: `prepare`, `accumulate`,
`gather_for_metrics`, `save_state` / `load_state`, trackers.

    result = train(TrainingArguments(output_dir="runs/x", model_config="hub_configs/avesformer-pvtv2-b2-s4",
                                     data_root="AVSBench", subset="s4"))
"""

import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, DistributedDataParallelKwargs, is_tensorboard_available, set_seed
from safetensors.torch import load_file
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import get_scheduler

from .arguments import TrainingArguments
from .checkpointing import CHECKPOINTS_DIR, StopRequest, TrainerState, resolve_checkpoint, save_checkpoint
from .checks import check_arguments, check_model_matches_subset
from .data import RunData, build_run_data
from .evaluation import evaluate_model, metric_names
from .frames import select_labelled_frames
from .model_loading import load_config, load_model, load_processor
from .tracking import LOG_FILE, PLOT_FILE, JSONLinesTracker, plot_history

MODEL_DIR = "model"
METRICS_FILE = "metrics.json"
ARGS_FILE = "training_args.json"
ARTIFACTS = (MODEL_DIR, CHECKPOINTS_DIR, LOG_FILE, PLOT_FILE, METRICS_FILE, ARGS_FILE, "hparams.json", "tensorboard")


@dataclass
class TrainingResult:
    output_dir: Path
    global_step: int
    metrics: dict = field(default_factory=dict)
    stopped_by_signal: int | None = None

    @property
    def exit_code(self) -> int:
        return 128 + self.stopped_by_signal if self.stopped_by_signal else 0


def build_accelerator(args: TrainingArguments, jsonl: JSONLinesTracker) -> Accelerator:
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


def seeded_loader(dataset, batch_size: int, shuffle: bool, collate_fn, args: TrainingArguments) -> DataLoader:
    # An own generator keeps the loader from drawing on the global RNG, which dropout uses: resumed runs
    # then see the same random numbers as uninterrupted ones.
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate_fn, num_workers=args.num_workers,
        generator=torch.Generator().manual_seed(args.seed),
    )


def save_model(accelerator: Accelerator, model, processor, folder: Path) -> None:
    """save_pretrained of model + processor together, written beside and renamed into place."""
    accelerator.wait_for_everyone()
    staging = folder.with_name(folder.name + ".partial")
    state_dict = accelerator.get_state_dict(model)
    if accelerator.is_main_process:
        shutil.rmtree(staging, ignore_errors=True)
        accelerator.unwrap_model(model).save_pretrained(staging, state_dict=state_dict)
        processor.save_pretrained(staging)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    accelerator.wait_for_everyone()


def clear_previous_run(output_dir: Path) -> None:
    for name in ARTIFACTS:
        path = output_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def train(args: TrainingArguments, data: RunData | None = None, step_callbacks=()) -> TrainingResult:
    """Fine-tunes AVESFormer as `args` says. Every configuration error is raised before training starts.

    `data` replaces the datasets named by `args` (for callers holding their own); `step_callbacks` are called
    with the `TrainerState` after every optimizer step, on every process.
    """
    check_arguments(args)
    args = args.resolved()
    config = load_config(args)
    check_model_matches_subset(config, args.subset)
    output_dir = Path(args.output_dir)
    metric_key = metric_names(config.num_labels)[0]

    jsonl = JSONLinesTracker(output_dir)
    accelerator = build_accelerator(args, jsonl)
    if accelerator.is_main_process:
        if args.overwrite_output_dir and not args.resume_from_checkpoint:
            clear_previous_run(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / ARGS_FILE).write_text(args.to_json() + "\n")
    accelerator.wait_for_everyone()

    set_seed(args.seed)
    # Trained AVESFormer activations underflow to denormal floats, which are 20-50x slower on CPUs.
    torch.set_flush_denormal(True)
    image_size = args.image_size or (args.synthetic_image_size if args.synthetic else None)
    processor = load_processor(args, image_size)
    data = data or build_run_data(args, processor, accelerator)
    model = load_model(args, config)
    model.train()

    train_loader = seeded_loader(data.train, args.batch_size, True, data.collate_fn, args)
    val_loader = seeded_loader(data.val, args.eval_batch_size, False, data.eval_collate_fn, args)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=args.learning_rate, weight_decay=args.weight_decay
    )
    steps_per_epoch = math.ceil(len(train_loader) / max(1, accelerator.num_processes) / args.gradient_accumulation_steps)
    max_steps = args.max_steps or args.num_epochs * steps_per_epoch
    num_epochs = math.ceil(max_steps / steps_per_epoch)
    # The prepared scheduler steps once per process and optimizer step (as in transformers' examples).
    scheduler = get_scheduler(
        args.lr_scheduler, optimizer,
        num_warmup_steps=args.warmup_steps * accelerator.num_processes,
        num_training_steps=max_steps * accelerator.num_processes,
    )
    model, optimizer, train_loader, val_loader, scheduler = accelerator.prepare(
        model, optimizer, train_loader, val_loader, scheduler
    )
    state = TrainerState()
    accelerator.register_for_checkpointing(state)
    if args.resume_from_checkpoint:
        checkpoint = resolve_checkpoint(args.resume_from_checkpoint, output_dir)
        accelerator.load_state(str(checkpoint))
        jsonl.resume_step = state.global_step
        accelerator.print(f"Resumed from {checkpoint}: epoch {state.epoch}, step {state.global_step}")
    accelerator.init_trackers("tensorboard", config=hyperparameters(args, config))

    def evaluate(loader, name):
        return evaluate_model(
            model, loader, accelerator, config.num_labels, f_score_mode=args.f_score_mode,
            frames_per_batch=args.eval_batch_size * config.num_frames, description=name,
        )

    def evaluate_and_keep_best():
        scores = evaluate(val_loader, "val")
        accelerator.log({f"val/{k}": v for k, v in scores.items()}, step=state.global_step)
        accelerator.print(f"step {state.global_step}: val " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
        if state.best_metric is None or scores[metric_key] > state.best_metric:
            state.best_metric, state.best_step = scores[metric_key], state.global_step
            save_model(accelerator, model, processor, output_dir / MODEL_DIR)
        return scores

    last_checkpoint = state.global_step if args.resume_from_checkpoint else None
    last_eval = None

    def checkpoint():
        nonlocal last_checkpoint
        save_checkpoint(accelerator, output_dir, state.global_step, args.checkpoints_total_limit)
        last_checkpoint = state.global_step

    unwrapped = accelerator.unwrap_model(model)
    clips_per_batch = args.batch_size * accelerator.num_processes
    progress = tqdm(total=max_steps, initial=state.global_step, desc="train", disable=not accelerator.is_local_main_process)
    stopped_by = None
    with StopRequest(accelerator) as stop:
        running_loss, running_batches, window_start = 0.0, 0, time.perf_counter()
        while state.epoch < num_epochs and state.global_step < max_steps and stopped_by is None:
            unwrapped.freeze_visual_backbone(state.epoch < args.freeze_backbone_epochs)
            train_loader.set_epoch(state.epoch)
            loader = train_loader
            if state.batches_in_epoch:
                loader = accelerator.skip_first_batches(train_loader, state.batches_in_epoch)
                loader.set_epoch(state.epoch)
            for batch in loader:
                with accelerator.accumulate(model):
                    loss = model(**select_labelled_frames(batch)).loss
                    accelerator.backward(loss)
                    if accelerator.sync_gradients and args.max_grad_norm > 0:
                        accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad()
                state.batches_in_epoch += 1
                running_loss += float(loss.detach())
                running_batches += 1
                if not accelerator.sync_gradients:
                    continue
                state.global_step += 1
                progress.update(1)
                if state.global_step % args.logging_steps == 0 or state.global_step == max_steps:
                    mean_loss = float(accelerator.reduce(torch.tensor(running_loss / running_batches, device=accelerator.device), "mean"))
                    elapsed = time.perf_counter() - window_start
                    throughput = running_batches * clips_per_batch / max(elapsed, 1e-9)
                    accelerator.log(
                        {"train/loss": mean_loss, "train/lr": scheduler.get_last_lr()[0],
                         "train/clips_per_second": throughput, "epoch": state.epoch},
                        step=state.global_step,
                    )
                    progress.set_postfix(loss=f"{mean_loss:.4f}", clips_per_s=f"{throughput:.1f}")
                    running_loss, running_batches, window_start = 0.0, 0, time.perf_counter()
                for callback in step_callbacks:
                    callback(state)
                if stop.requested():
                    stopped_by = stop.received or 15
                    checkpoint()
                    accelerator.print(f"Stopped by signal {stopped_by} at step {state.global_step}; checkpoint saved")
                    break
                if args.eval_steps and state.global_step % args.eval_steps == 0:
                    evaluate_and_keep_best()
                    last_eval = state.global_step
                end_of_epoch = accelerator.gradient_state.end_of_dataloader
                if args.checkpointing_steps and state.global_step % args.checkpointing_steps == 0 and not end_of_epoch:
                    checkpoint()
                if state.global_step >= max_steps:
                    break
            else:
                state.epoch += 1
                state.batches_in_epoch = 0
                if not args.eval_steps:
                    evaluate_and_keep_best()
                    last_eval = state.global_step
                checkpoint()
    progress.close()
    if stopped_by is not None:
        finish(accelerator, model)
        return TrainingResult(output_dir, state.global_step, stopped_by_signal=stopped_by)

    if last_eval != state.global_step and last_checkpoint != state.global_step:
        evaluate_and_keep_best()
    if last_checkpoint != state.global_step:
        checkpoint()
    metrics = final_metrics(args, accelerator, model, data, state, evaluate, val_loader)
    if accelerator.is_main_process:
        (output_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
        plot_history(output_dir / LOG_FILE, output_dir / PLOT_FILE)
    if args.push_to_hub and accelerator.is_main_process:
        push_best_model(output_dir / MODEL_DIR, args)
    finish(accelerator, model)
    return TrainingResult(output_dir, state.global_step, metrics=metrics)


# DDP models of finished distributed runs, kept alive on purpose: see `finish`.
_FINISHED_DISTRIBUTED_MODELS = []


def finish(accelerator: Accelerator, model) -> None:
    """Ends the trackers and the process group. In a distributed run the DDP model is kept alive: freeing it
    runs the gloo group's destructor, which joins worker threads while holding the GIL, and a worker releasing the tensors of the
    last collective needs the GIL too, so the process can hang. The command-line entry ends such runs with
    `os._exit` (see `entry.py`), which skips the destructor."""
    if accelerator.num_processes > 1:
        accelerator.wait_for_everyone()
        _FINISHED_DISTRIBUTED_MODELS.append(model)
    accelerator.end_training()  # also destroys the process group


def final_metrics(args, accelerator, model, data: RunData, state: TrainerState, evaluate, val_loader) -> dict:
    """Val (and test, when the data has it) numbers of the best model saved in OUTPUT/model."""
    best = Path(args.output_dir) / MODEL_DIR / "model.safetensors"
    accelerator.unwrap_model(model).load_state_dict(load_file(best), strict=True)
    metrics = {"subset": args.subset, "synthetic": bool(args.synthetic), "best_step": state.best_step,
               "global_step": state.global_step, "val": evaluate(val_loader, "val (best model)")}
    if data.test is not None:
        test_loader = accelerator.prepare_data_loader(
            seeded_loader(data.test, args.eval_batch_size, False, data.eval_collate_fn, args)
        )
        metrics["test"] = evaluate(test_loader, "test (best model)")
    return metrics


def hyperparameters(args: TrainingArguments, config) -> dict:
    values = {k: v for k, v in json.loads(args.to_json()).items() if isinstance(v, (int, float, str, bool))}
    values.update(num_labels=config.num_labels, d_model=config.d_model, num_prompt_queries=config.num_prompt_queries)
    return values


def push_best_model(folder: Path, args: TrainingArguments) -> None:
    try:
        from ..hub import push_model_folder
    except ImportError as error:
        raise RuntimeError(
            f"--push-to-hub needs avesformer_hf.hub.push_model_folder, which is not available ({error}); "
            f"the model is saved in {folder}: push it with `avesformer push` later"
        ) from error
    push_model_folder(folder, args.hub_model_id, private=args.hub_private)
