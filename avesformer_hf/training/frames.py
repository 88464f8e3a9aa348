"""Batches as the model sees them during training: only the frames that carry a label.

Frames are independent in AVESFormer, so a clip batch [B, T, ...] whose labelled frames are selected by
`labels_mask` and regrouped as M clips of one frame [M, 1, ...] gives the same loss and gradients as the
full batch with `labels_mask`, at a fraction of the cost (S4 train: 1 labelled frame of 5).
"""

import torch

from .errors import TrainingConfigurationError

MODEL_INPUT_KEYS = ("pixel_values", "input_features", "audio_embeds", "audio_mask", "labels", "labels_mask")


def model_inputs(batch, with_labels: bool = True) -> dict:
    """The entries of a collated batch that `AVESFormerModel.forward` takes (drops names, categories...)."""
    keys = MODEL_INPUT_KEYS if with_labels else MODEL_INPUT_KEYS[:4]
    return {key: batch[key] for key in keys if key in batch and batch[key] is not None}


def select_labelled_frames(batch) -> dict:
    """[B, T, ...] model inputs -> [M, 1, ...] holding the M frames with `labels_mask` set.

    A batch without any labelled frame keeps its first frame (still flagged unlabelled), so every process
    runs a forward and backward pass and distributed gradient synchronisation stays in step.
    """
    inputs = model_inputs(batch)
    if "labels_mask" not in inputs:
        raise KeyError("training batches need `labels_mask` [B, T] (which frames carry a label)")
    labelled = inputs["labels_mask"].bool().flatten()
    if bool(labelled.all()):
        return inputs
    if not bool(labelled.any()):
        labelled = torch.zeros_like(labelled)
        labelled[0] = True
    # [B, T, ...] -> [B * T, ...] -> [M, ...] -> [M, 1, ...]
    return {key: value.flatten(0, 1)[labelled].unsqueeze(1) for key, value in inputs.items()}


def check_labels(labels: torch.Tensor, num_labels: int) -> None:
    """Binary labels are 0 or 1; class labels are integer ids 0..num_labels-1. Anything else is a data error."""
    if num_labels == 1:
        bad = ~((labels == 0) | (labels == 1))
        valid = "0 or 1 (binary masks)"
    else:
        bad = (labels < 0) | (labels >= num_labels) | (labels != labels.round())
        valid = f"integer class ids 0..{num_labels - 1}"
    if bool(bad.any()):
        value = labels[bad].flatten()[0].item()
        raise TrainingConfigurationError(f"labels hold {value} where {valid} are valid ({int(bad.sum())} such pixels in the batch)")
