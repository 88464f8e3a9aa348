"""The Accelerate training loop, after transformers' `*_no_trainer.py` examples: `prepare`, `accumulate`,
`gather_for_metrics`, `save_state` / `load_state`, trackers. Four named steps: `set_up` (setup.py),
`train_epoch`, `evaluate_and_save`, `finish_run`.

    result = train(AVESFormerTrainingArguments(output_dir="runs/x", model_config="hub_configs/avesformer-pvtv2-b2-s4",
                                               data_root="AVSBench", subset="s4"))
"""

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from accelerate import Accelerator
from safetensors.torch import load_file
from tqdm.auto import tqdm

from .arguments import AVESFormerTrainingArguments
from .checkpointing import StopRequest, save_checkpoint
from .data import RunData
from .divergence import check_logged_loss, check_scores, check_step, check_weights, gradient_norm
from .evaluation import evaluate_model, metric_names
from .frames import check_labels, select_labelled_frames
from .setup import ARGS_FILE, ARTIFACTS, METRICS_FILE, MODEL_DIR, LossWindow, Run, seeded_loader, set_up
from .tracking import LOG_FILE, PLOT_FILE, plot_history

__all__ = ["ARGS_FILE", "ARTIFACTS", "METRICS_FILE", "MODEL_DIR", "TrainingResult", "train"]


@dataclass
class TrainingResult:
    output_dir: Path
    global_step: int
    metrics: dict = field(default_factory=dict)
    stopped_by_signal: int | None = None

    @property
    def exit_code(self) -> int:
        return 128 + self.stopped_by_signal if self.stopped_by_signal else 0


def train(args: AVESFormerTrainingArguments, data: RunData | None = None, step_callbacks=()) -> TrainingResult:
    """Fine-tunes AVESFormer as `args` says. Every configuration error is raised before anything is written.

    `data` replaces the datasets named by `args` (for callers holding their own); `step_callbacks` are called
    with the `TrainerState` after every optimizer step, on every process.
    """
    run = set_up(args, data)
    run.progress = tqdm(
        total=run.max_steps, initial=run.state.global_step, desc="train", disable=not run.accelerator.is_local_main_process
    )
    try:
        with StopRequest(run.accelerator) as stop:
            stopped_by = None
            while stopped_by is None and run.state.epoch < run.num_epochs and run.state.global_step < run.max_steps:
                stopped_by = train_epoch(run, stop, step_callbacks)
    finally:
        run.progress.close()
    return finish_run(run, stopped_by)


def train_epoch(run: Run, stop: StopRequest, step_callbacks) -> int | None:
    """The rest of the current epoch (or up to max_steps); the signal number when a stop was requested."""
    args, state, accelerator = run.args, run.state, run.accelerator
    accelerator.unwrap_model(run.model).freeze_visual_backbone(state.epoch < args.freeze_backbone_epochs)
    run.train_loader.set_epoch(state.epoch)
    loader = run.train_loader
    if state.batches_in_epoch:
        loader = accelerator.skip_first_batches(run.train_loader, state.batches_in_epoch)
        loader.set_epoch(state.epoch)
    for batch in loader:
        if not train_batch(run, batch):
            continue
        for callback in step_callbacks:
            callback(state)
        if stop.requested():
            save_checkpoint_now(run)
            accelerator.print(f"Stopped by signal {stop.received or 15} at step {state.global_step}; checkpoint saved")
            return stop.received or 15
        if args.eval_steps and state.global_step % args.eval_steps == 0:
            evaluate_and_save(run)
        end_of_epoch = accelerator.gradient_state.end_of_dataloader
        if args.checkpointing_steps and state.global_step % args.checkpointing_steps == 0 and not end_of_epoch:
            save_checkpoint_now(run)
        if state.global_step >= run.max_steps:
            return None
    state.epoch += 1
    state.batches_in_epoch = 0
    if not args.eval_steps:
        evaluate_and_save(run)
    save_checkpoint_now(run)
    return None


def train_batch(run: Run, batch) -> bool:
    """Forward, backward and (when gradients are synchronised) one optimizer step; True when a step was taken."""
    accelerator, model, state = run.accelerator, run.model, run.state
    inputs = select_labelled_frames(batch)
    check_labels(inputs["labels"], run.config.num_labels)
    with accelerator.accumulate(model):
        loss = model(**inputs).loss
        accelerator.backward(loss)
        if accelerator.sync_gradients:
            norm = gradient_norm(model, run.args.max_grad_norm, accelerator)
            # fp16's gradient scaler skips steps with inf gradients itself; the logged loss is checked instead.
            if run.args.mixed_precision != "fp16":
                check_step(float(loss.detach()), norm, state.global_step + 1)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad()
    state.batches_in_epoch += 1
    run.window.add(float(loss.detach()))
    if not accelerator.sync_gradients:
        return False
    state.global_step += 1
    run.progress.update(1)
    if state.global_step % run.args.logging_steps == 0 or state.global_step == run.max_steps:
        log_training(run)
    return True


def log_training(run: Run) -> None:
    accelerator, window = run.accelerator, run.window
    mean_loss = float(accelerator.reduce(torch.tensor(window.total / window.batches, device=accelerator.device), "mean"))
    check_logged_loss(mean_loss, run.state.global_step)
    throughput = window.batches * run.args.batch_size * accelerator.num_processes / max(time.perf_counter() - window.started, 1e-9)
    accelerator.log(
        {"train/loss": mean_loss, "train/lr": run.scheduler.get_last_lr()[0],
         "train/clips_per_second": throughput, "epoch": run.state.epoch},
        step=run.state.global_step,
    )
    run.progress.set_postfix(loss=f"{mean_loss:.4f}", clips_per_s=f"{throughput:.1f}")
    run.window = LossWindow()


def evaluate(run: Run, loader, name: str) -> dict:
    return evaluate_model(
        run.model, loader, run.accelerator, run.config.num_labels, f_score_mode=run.args.f_score_mode,
        frames_per_batch=run.args.eval_batch_size * run.config.num_frames, description=name,
    )


def evaluate_and_save(run: Run) -> dict:
    """Validation; the model is saved to OUTPUT/model when it is the best so far (and finite)."""
    state, accelerator = run.state, run.accelerator
    scores = evaluate(run, run.val_loader, "val")
    check_scores(scores, state.global_step)
    accelerator.log({f"val/{k}": v for k, v in scores.items()}, step=state.global_step)
    accelerator.print(f"step {state.global_step}: val " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    state.last_eval_step = state.global_step
    metric = scores[metric_names(run.config.num_labels)[0]]
    if state.best_metric is None or metric > state.best_metric:
        check_weights(run.model, state.global_step, "the best model")
        state.best_metric, state.best_step = metric, state.global_step
        save_model(accelerator, run.model, run.processor, run.output_dir / MODEL_DIR)
    return scores


def save_checkpoint_now(run: Run) -> None:
    check_weights(run.model, run.state.global_step, "the checkpoint")
    save_checkpoint(run.accelerator, run.output_dir, run.state, run.args.checkpoints_total_limit)
    run.last_checkpoint = run.state.global_step


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


def finish_run(run: Run, stopped_by: int | None) -> TrainingResult:
    """A stopped run just ends; a finished one evaluates its last weights if not yet done, checkpoints them,
    and writes the best model's metrics, the plot and (optionally) pushes the model."""
    state, accelerator = run.state, run.accelerator
    if stopped_by is not None:
        finish(accelerator, run.model)
        return TrainingResult(run.output_dir, state.global_step, stopped_by_signal=stopped_by)
    if state.last_eval_step != state.global_step or state.best_step is None:
        evaluate_and_save(run)
    if run.last_checkpoint != state.global_step:
        save_checkpoint_now(run)
    metrics = final_metrics(run)
    if accelerator.is_main_process:
        (run.output_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
        plot_history(run.output_dir / LOG_FILE, run.output_dir / PLOT_FILE)
        if run.args.push_to_hub:
            push_best_model(run.output_dir / MODEL_DIR, run.args)
    finish(accelerator, run.model)
    return TrainingResult(run.output_dir, state.global_step, metrics=metrics)


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


def final_metrics(run: Run) -> dict:
    """Val (and test, when the data has it) numbers of the best model saved in OUTPUT/model."""
    args, accelerator, state = run.args, run.accelerator, run.state
    best = run.output_dir / MODEL_DIR / "model.safetensors"
    accelerator.unwrap_model(run.model).load_state_dict(load_file(best), strict=True)
    metrics = {"subset": args.subset, "synthetic": bool(args.synthetic), "best_step": state.best_step,
               "global_step": state.global_step, "val": evaluate(run, run.val_loader, "val (best model)")}
    if run.data.test is not None:
        test_loader = accelerator.prepare_data_loader(
            seeded_loader(run.data.test, args.eval_batch_size, False, run.data.eval_collate_fn, args)
        )
        metrics["test"] = evaluate(run, test_loader, "test (best model)")
    return metrics


def push_best_model(folder: Path, args: AVESFormerTrainingArguments) -> None:
    from ..hub import push_model_folder

    push_model_folder(folder, args.hub_model_id, private=args.hub_private)
