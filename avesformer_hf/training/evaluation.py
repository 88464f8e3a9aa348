"""Validation / test pass: AVSBench metrics over the labelled frames, gathered across processes."""

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..metrics import avs_metric
from .frames import model_inputs


def metric_names(num_labels: int) -> tuple[str, str]:
    """How the two numbers are reported: M_J / M_F for S4 and MS3, mIoU / F for AVSS."""
    return ("M_J", "M_F") if num_labels == 1 else ("mIoU", "F")


@torch.no_grad()
def evaluate_model(
    model,
    dataloader,
    accelerator,
    num_labels: int,
    f_score_mode: str = "dataset",
    frames_per_batch: int | None = None,
    description: str = "eval",
) -> dict[str, float]:
    """Runs `model` over `dataloader` and returns {"M_J", "M_F", "loss"} (AVSS: {"mIoU", "F", "loss"}).

    Logits stay at 1/4 resolution until gathered, then are upsampled (bilinear) to the label size, as the
    benchmark does. Frames with `labels_mask` 0 (AVSS padding) are left out.
    """
    metric = avs_metric(num_labels=num_labels, f_score_mode=f_score_mode, frames_per_batch=frames_per_batch)
    was_training = model.training
    model.eval()
    loss_sum, loss_count = 0.0, 0
    for batch in tqdm(dataloader, desc=description, leave=False, disable=not accelerator.is_local_main_process):
        inputs = model_inputs(batch)
        outputs = model(**inputs)
        logits, labels, labels_mask = accelerator.gather_for_metrics(
            (outputs.logits.float(), inputs["labels"], inputs["labels_mask"])
        )
        if outputs.loss is not None:
            loss_sum += float(accelerator.reduce(outputs.loss.detach().float(), "mean"))
            loss_count += 1
        # [B, T, K, h, w] -> [B*T, K, h, w], labelled frames only
        keep = labels_mask.flatten().bool()
        logits, labels = logits.flatten(0, 1)[keep], labels.flatten(0, 1)[keep]
        if not len(logits):
            continue
        logits = F.interpolate(logits, size=labels.shape[-2:], mode="bilinear", align_corners=False)
        metric.update((logits[:, 0] if num_labels == 1 else logits).cpu(), labels.cpu())
    if was_training:
        model.train()
    if metric.num_frames == 0:
        raise ValueError(f"{description}: no labelled frame to evaluate")
    scores = metric.compute()
    iou_name, f_name = metric_names(num_labels)
    result = {iou_name: scores["mIoU"], f_name: scores["F-score"]}
    if loss_count:
        result["loss"] = loss_sum / loss_count
    return result
