"""AVSBench metrics as plain torch functions with streaming accumulators, plus an `evaluate` module.

    metric = avs_metric(num_labels=1)          # S4/MS3; num_labels=71 for AVSS
    for logits, labels in batches:             # binary: [N, H, W]; semantic: [N, K, H, W] and [N, H, W]
        metric.update(logits, labels)
    metric.compute()                           # {"mIoU": ..., "F-score": ...}

    evaluate.load(EVALUATE_MODULE)             # the same numbers through `evaluate`, offline
"""

from pathlib import Path

from .binary import BinarySegmentationMetric, f_score_thresholds, frame_f_curves, frame_iou
from .semantic import SemanticSegmentationMetric, frame_class_areas

EVALUATE_MODULE = str(Path(__file__).parent / "avs_segmentation")


def avs_metric(
    num_labels: int = 1,
    f_score_mode: str = "dataset",
    frames_per_batch: int | None = None,
    absent_classes: str = "zero",
) -> BinarySegmentationMetric | SemanticSegmentationMetric:
    """The accumulator for a task: binary (num_labels=1, S4/MS3) or semantic (num_labels=K, AVSS)."""
    if num_labels == 1:
        return BinarySegmentationMetric(f_score_mode=f_score_mode, frames_per_batch=frames_per_batch)
    if f_score_mode != "dataset":
        raise ValueError(f"f_score_mode={f_score_mode!r} applies to binary metrics only (num_labels=1)")
    return SemanticSegmentationMetric(num_labels=num_labels, absent_classes=absent_classes)


__all__ = [
    "EVALUATE_MODULE",
    "BinarySegmentationMetric",
    "SemanticSegmentationMetric",
    "avs_metric",
    "f_score_thresholds",
    "frame_class_areas",
    "frame_f_curves",
    "frame_iou",
]
