"""AVSBench-semantic (AVSS) metrics: mIoU and F over all classes, background included, as the benchmark
computes them.

Per frame (logits [K, H, W], labels [H, W] of class ids): prediction = argmax; per class the areas of
intersection, prediction and label; IoU = inter / (union + 2.22e-16) and F = (1 + 0.3) P R / (0.3 P + R)
with P = inter / pred, R = inter / label (NaN -> 0). Both are summed over frames and each class is
divided by the number of frames where its union is non-zero. A class whose union is zero on every
frame scores 0 and still counts in the mean over the K classes (``absent_classes="zero"``, the
benchmark), or is left out of the mean (``absent_classes="exclude"``).
"""

import numpy as np
import torch

from .binary import BETA_SQUARED, as_frames

UNION_EPS = 2.220446049250313e-16
ABSENT_CLASS_RULES = ("zero", "exclude")


def frame_class_areas(logits, labels) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per frame and class: (intersection, predicted area, label area), each [N, K] int64."""
    logits = as_frames(logits, "predictions (logits)", 4, torch.float32)
    labels = as_frames(labels, "references (labels)", 3, torch.int64)
    num_frames, num_classes = logits.shape[:2]
    if logits.shape[0] != labels.shape[0] or logits.shape[2:] != labels.shape[1:]:
        raise ValueError(
            f"predictions shape {tuple(logits.shape)} ([N, K, H, W]) does not match references shape "
            f"{tuple(labels.shape)} ([N, H, W])"
        )
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"references hold class ids in [{int(labels.min())}, {int(labels.max())}], "
            f"outside [0, {num_classes - 1}] for {num_classes} classes"
        )
    prediction = logits.argmax(dim=1).reshape(num_frames, -1)
    labels = labels.reshape(num_frames, -1)
    offsets = (torch.arange(num_frames) * num_classes).unsqueeze(1)
    size = num_frames * num_classes

    def areas(class_ids: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        indices = class_ids + offsets
        indices = indices[keep] if keep is not None else indices.flatten()
        return torch.bincount(indices, minlength=size).reshape(num_frames, num_classes)

    return areas(prediction, prediction == labels), areas(prediction), areas(labels)


class SemanticSegmentationMetric:
    """Streaming AVSS metrics: call `update(logits, labels)` per batch, then `compute()`.

    Args:
        num_labels: classes K including background (71 for AVSS).
        absent_classes: "zero" (the benchmark: classes never present count as 0 in the mean) or
            "exclude" (the mean runs over the classes present in prediction or ground truth).
    """

    def __init__(self, num_labels: int = 71, absent_classes: str = "zero"):
        if absent_classes not in ABSENT_CLASS_RULES:
            raise ValueError(f"absent_classes must be one of {ABSENT_CLASS_RULES}, got {absent_classes!r}")
        if num_labels < 2:
            raise ValueError(f"semantic metrics need num_labels >= 2 (background + classes), got {num_labels}")
        self.num_labels = num_labels
        self.absent_classes = absent_classes
        self.reset()

    def reset(self) -> None:
        self.iou_sum = torch.zeros(self.num_labels, dtype=torch.float64)
        self.f_score_sum = torch.zeros(self.num_labels, dtype=torch.float64)
        self.frames_present = torch.zeros(self.num_labels, dtype=torch.int64)
        self.num_frames = 0

    def update(self, logits, labels) -> None:
        """Adds frames: logits [N, K, H, W] or [K, H, W], labels [N, H, W] or [H, W] of class ids."""
        intersection, predicted, labelled = (area.double() for area in frame_class_areas(logits, labels))
        if intersection.shape[1] != self.num_labels:
            raise ValueError(f"predictions have {intersection.shape[1]} classes, the metric was built for {self.num_labels}")
        union = predicted + labelled - intersection
        precision = intersection / predicted
        recall = intersection / labelled
        f_score = torch.nan_to_num((1 + BETA_SQUARED) * precision * recall / (BETA_SQUARED * precision + recall), nan=0.0)
        self.iou_sum += (intersection / (union + UNION_EPS)).sum(dim=0)
        self.f_score_sum += f_score.sum(dim=0)
        self.frames_present += (union > 0).sum(dim=0)
        self.num_frames += intersection.shape[0]

    def per_class(self) -> dict[str, np.ndarray]:
        """Per-class IoU and F [K] (NaN for classes never present) and whether each class was present."""
        present = self.frames_present > 0
        count = self.frames_present.double()
        iou = torch.where(present, self.iou_sum / count.clamp(min=1), torch.nan)
        f_score = torch.where(present, self.f_score_sum / count.clamp(min=1), torch.nan)
        return {"IoU": iou.numpy(), "F-score": f_score.numpy(), "present": present.numpy()}

    def compute(self) -> dict[str, float]:
        """{"mIoU": ..., "F-score": ...}; no frames -> ValueError."""
        if self.num_frames == 0:
            raise ValueError("no frames were added: call update(logits, labels) before compute()")
        classes = self.per_class()
        if self.absent_classes == "exclude":
            present = classes["present"]
            return {"mIoU": float(classes["IoU"][present].mean()), "F-score": float(classes["F-score"][present].mean())}
        return {"mIoU": float(np.nan_to_num(classes["IoU"]).mean()), "F-score": float(np.nan_to_num(classes["F-score"]).mean())}


__all__ = ["SemanticSegmentationMetric", "frame_class_areas"]
