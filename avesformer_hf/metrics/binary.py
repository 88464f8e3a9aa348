"""AVSBench S4/MS3 metrics: M_J ("mIoU") and M_F ("F-score"), exactly as the benchmark computes them.

Per frame (logits [H, W], labels [H, W] in {0, 1}):
- M_J: prediction = sigmoid(logit) > 0.5; IoU = |P and G| / (|P or G| + 1e-7); when the ground truth is
  empty the frame scores the fraction of pixels where both are 0.
- M_F: probabilities sigmoid(logit) against 255 thresholds ``linspace(0, 1 - 1e-10, 255)`` (float32, as
  the benchmark builds them); F = (1 + 0.3) P R / (0.3 P + R) per threshold (NaN -> 0); frames whose
  ground truth is empty are skipped; the curves are averaged over frames, then the maximum is taken.

The benchmark averages both numbers per test batch and then over batches, so its M_F (and, with an
uneven last batch, its M_J) depends on the batch size. ``f_score_mode="dataset"`` (the default)
averages over all frames at once; ``"per_batch"`` groups the stream of frames into consecutive batches
of ``frames_per_batch`` frames and reproduces the benchmark's numbers.
"""

import numpy as np
import torch

NUM_THRESHOLDS = 255
BETA_SQUARED = 0.3
IOU_EPS = 1e-7
F_SCORE_MODES = ("dataset", "per_batch")


def f_score_thresholds() -> torch.Tensor:
    """The benchmark's 255 thresholds, built in float32 exactly as it does (the last one rounds to 1.0)."""
    return torch.linspace(0, 1 - 1e-10, NUM_THRESHOLDS)


def as_frames(array, name: str, dims: int, dtype: torch.dtype) -> torch.Tensor:
    """numpy / torch / nested lists -> tensor with a leading frame axis: [N, *spatial] of `dims` axes."""
    tensor = torch.as_tensor(np.asarray(array) if not isinstance(array, torch.Tensor) else array)
    if tensor.ndim == dims - 1:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim != dims:
        raise ValueError(f"{name}: expected {dims - 1} or {dims} dimensions, got shape {tuple(tensor.shape)}")
    return tensor.detach().cpu().to(dtype)


def binary_inputs(logits, labels) -> tuple[torch.Tensor, torch.Tensor]:
    """Checks and converts one batch: logits [N, H, W] (or [H, W]) and 0/1 labels of the same shape."""
    logits = as_frames(logits, "predictions (logits)", 3, torch.float32)
    labels = as_frames(labels, "references (labels)", 3, torch.float32)
    if logits.shape != labels.shape:
        raise ValueError(
            f"predictions shape {tuple(logits.shape)} does not match references shape {tuple(labels.shape)}"
        )
    if labels.numel() and not bool(((labels == 0) | (labels == 1)).all()):
        values = torch.unique(labels)[:8].tolist()
        raise ValueError(f"references must be binary 0/1 masks, found values {values}")
    return logits, labels


def frame_iou(logits, labels) -> torch.Tensor:
    """M_J of each frame: [N] float64."""
    logits, labels = binary_inputs(logits, labels)
    prediction = torch.sigmoid(logits) > 0.5
    target = labels.bool()
    intersection = (prediction & target).sum(dim=(1, 2)).double()
    union = (prediction | target).sum(dim=(1, 2)).double()
    empty_target = ~target.any(dim=2).any(dim=1)
    both_background = (~prediction & ~target).sum(dim=(1, 2)).double()
    num_pixels = float(target.shape[1] * target.shape[2])
    intersection = torch.where(empty_target, both_background, intersection)
    union = torch.where(empty_target, torch.full_like(union, num_pixels), union)
    return intersection / (union + IOU_EPS)


def frame_f_curves(logits, labels) -> tuple[torch.Tensor, torch.Tensor]:
    """F over the 255 thresholds for each frame: ([N, 255] float64, has_object [N] bool).

    Rows of frames without a ground-truth object are zeros; the caller skips them via `has_object`.
    """
    logits, labels = binary_inputs(logits, labels)
    num_frames = logits.shape[0]
    probabilities = torch.sigmoid(logits).reshape(num_frames, -1)
    target = labels.reshape(num_frames, -1).bool()
    # bin b holds the pixels with thresholds[b - 1] <= p < thresholds[b]: p >= thresholds[j] iff bin > j.
    bins = torch.bucketize(probabilities, f_score_thresholds(), right=True)
    offsets = (torch.arange(num_frames) * (NUM_THRESHOLDS + 1)).unsqueeze(1)
    size = num_frames * (NUM_THRESHOLDS + 1)
    histogram = torch.bincount((bins + offsets).flatten(), minlength=size).reshape(num_frames, -1)
    positive_histogram = torch.bincount((bins + offsets)[target], minlength=size).reshape(num_frames, -1)
    # count of pixels in bins > j, for j = 0..254
    predicted = histogram.flip(1).cumsum(1).flip(1)[:, 1:].double()
    true_positive = positive_histogram.flip(1).cumsum(1).flip(1)[:, 1:].double()
    target_area = target.sum(dim=1, keepdim=True).double()
    precision = true_positive / (predicted + 1e-20)
    recall = true_positive / (target_area + 1e-20)
    f_score = (1 + BETA_SQUARED) * precision * recall / (BETA_SQUARED * precision + recall)
    f_score = torch.nan_to_num(f_score, nan=0.0)
    has_object = target_area.squeeze(1) > 0
    f_score[~has_object] = 0.0
    return f_score, has_object


def _batch_score(iou: torch.Tensor, curves: torch.Tensor, has_object: torch.Tensor) -> tuple[float, float]:
    """One benchmark batch: (mean M_J, max of the mean F curve over frames with an object, 0 if none)."""
    f_score = float(curves[has_object].mean(dim=0).max()) if has_object.any() else 0.0
    return float(iou.mean()), f_score


class BinarySegmentationMetric:
    """Streaming S4/MS3 metrics: call `update(logits, labels)` per batch, then `compute()`.

    Args:
        f_score_mode: "dataset" (average over all frames) or "per_batch" (the benchmark's form).
        frames_per_batch: frames per benchmark test batch (clips per batch x frames per clip; the
            benchmark's S4/MS3 test uses 1 clip of 5 frames). Required for "per_batch".
    """

    def __init__(self, f_score_mode: str = "dataset", frames_per_batch: int | None = None):
        if f_score_mode not in F_SCORE_MODES:
            raise ValueError(f"f_score_mode must be one of {F_SCORE_MODES}, got {f_score_mode!r}")
        if f_score_mode == "per_batch" and (frames_per_batch is None or frames_per_batch < 1):
            raise ValueError("f_score_mode='per_batch' needs frames_per_batch >= 1 (e.g. 5 for one S4 clip)")
        self.f_score_mode = f_score_mode
        self.frames_per_batch = frames_per_batch
        self.reset()

    def reset(self) -> None:
        self.num_frames = 0
        self.iou_sum = 0.0
        self.f_curve_sum = torch.zeros(NUM_THRESHOLDS, dtype=torch.float64)
        self.num_object_frames = 0
        # per_batch mode: the open batch's frames, then one (M_J, M_F) pair per closed batch
        self.pending_iou = [torch.zeros(0, dtype=torch.float64)]
        self.pending_curves = [torch.zeros(0, NUM_THRESHOLDS, dtype=torch.float64)]
        self.pending_has_object = [torch.zeros(0, dtype=torch.bool)]
        self.batch_scores: list[tuple[float, float]] = []

    def update(self, logits, labels) -> None:
        """Adds frames: logits [N, H, W] or [H, W] and 0/1 labels of the same shape."""
        iou = frame_iou(logits, labels)
        curves, has_object = frame_f_curves(logits, labels)
        self.num_frames += len(iou)
        self.iou_sum += float(iou.sum())
        self.f_curve_sum += curves[has_object].sum(dim=0)
        self.num_object_frames += int(has_object.sum())
        if self.f_score_mode == "per_batch":
            self.pending_iou.append(iou)
            self.pending_curves.append(curves)
            self.pending_has_object.append(has_object)
            self._close_full_batches()

    def _close_full_batches(self) -> None:
        iou, curves, has_object = (torch.cat(parts) for parts in self._pending())
        start = 0
        while len(iou) - start >= self.frames_per_batch:
            stop = start + self.frames_per_batch
            self.batch_scores.append(_batch_score(iou[start:stop], curves[start:stop], has_object[start:stop]))
            start = stop
        self.pending_iou, self.pending_curves, self.pending_has_object = [iou[start:]], [curves[start:]], [has_object[start:]]

    def _pending(self):
        return self.pending_iou, self.pending_curves, self.pending_has_object

    def compute(self) -> dict[str, float]:
        """{"mIoU": M_J, "F-score": M_F}; no frames -> ValueError. More frames may be added afterwards."""
        if self.num_frames == 0:
            raise ValueError("no frames were added: call update(logits, labels) before compute()")
        if self.f_score_mode == "per_batch":
            scores = list(self.batch_scores)
            iou, curves, has_object = (torch.cat(parts) for parts in self._pending())
            if len(iou):  # the last, smaller batch
                scores.append(_batch_score(iou, curves, has_object))
            scores = np.asarray(scores)
            return {"mIoU": float(scores[:, 0].mean()), "F-score": float(scores[:, 1].mean())}
        return {"mIoU": self.iou_sum / self.num_frames, "F-score": float(self.f_curve().max())}

    def f_curve(self) -> torch.Tensor:
        """Mean F per threshold over the frames with an object (dataset form): [255] float64."""
        if self.num_object_frames == 0:
            return torch.zeros(NUM_THRESHOLDS, dtype=torch.float64)
        return self.f_curve_sum / self.num_object_frames


__all__ = [
    "BinarySegmentationMetric",
    "f_score_thresholds",
    "frame_f_curves",
    "frame_iou",
    "NUM_THRESHOLDS",
]
