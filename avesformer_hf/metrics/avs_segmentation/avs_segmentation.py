"""AVSBench segmentation metrics (S4/MS3 M_J and M_F; AVSS mIoU and F) as an `evaluate` module.

    metric = evaluate.load(avesformer_hf.metrics.EVALUATE_MODULE)   # works with HF_HUB_OFFLINE=1
    metric.compute(predictions=logits, references=labels, num_labels=1)

The math lives in `avesformer_hf.metrics`; this module only adapts it to `evaluate`.
"""

import datasets
import evaluate
import numpy as np

from avesformer_hf.metrics import avs_metric

_DESCRIPTION = """AVSBench audio-visual segmentation metrics, computed exactly as the benchmark does.
Binary (S4/MS3, num_labels=1): mIoU is M_J (sigmoid > 0.5, empty ground truth scores the background
agreement) and F-score is M_F (max over 255 thresholds of the frame-averaged F, beta^2 = 0.3).
Semantic (AVSS, num_labels=71): per-class IoU and F from argmax predictions, averaged over the frames
where each class appears, then over all classes including background."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: one item per frame: logits [H, W] (binary) or [K, H, W] (semantic).
    references: one item per frame: labels [H, W] (0/1 for binary, class ids for semantic).
    num_labels: 1 for S4/MS3, the number of classes (71) for AVSS.
    f_score_mode: "dataset" (default) or "per_batch" (binary only, the benchmark's batch-dependent form).
    frames_per_batch: frames per benchmark batch for "per_batch" (5 = one S4/MS3 clip).
    absent_classes: "zero" (default, the benchmark) or "exclude" (semantic only).
Returns:
    {"mIoU": float, "F-score": float}
"""

_CITATION = """@inproceedings{zhou2022avs, title={Audio-Visual Segmentation}, author={Zhou, Jinxing and others},
booktitle={ECCV}, year={2022}}"""


def _features(spatial_dims: int) -> datasets.Features:
    def nested(value: datasets.Value, depth: int):
        return value if depth == 0 else datasets.List(nested(value, depth - 1))

    return datasets.Features(
        {"predictions": nested(datasets.Value("float32"), spatial_dims), "references": nested(datasets.Value("int64"), 2)}
    )


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AvsSegmentation(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[_features(2), _features(3)],
        )

    def _compute(
        self,
        predictions,
        references,
        num_labels: int = 1,
        f_score_mode: str = "dataset",
        frames_per_batch: int | None = None,
        absent_classes: str = "zero",
    ):
        metric = avs_metric(num_labels, f_score_mode, frames_per_batch, absent_classes)
        for logits, labels in zip(predictions, references):
            metric.update(np.asarray(logits, dtype=np.float32), np.asarray(labels))
        return metric.compute()
