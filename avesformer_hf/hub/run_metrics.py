"""`metrics.json` -> model-index results. Tolerant of the key spellings the project's tools write."""

import json
import math
from pathlib import Path

from huggingface_hub import EvalResult

SUBSET_DATASETS = {
    "s4": "AVSBench-Object S4 (single source)",
    "ms3": "AVSBench-Object MS3 (multiple sources)",
    "avss": "AVSBench-Semantic (AVSS)",
}
# Accepted spellings (compared lower-case, without "-", "_" and spaces) -> (model-index type, display name).
BINARY_METRICS = {
    "mj": ("mean_iou", "M_J (mIoU)"),
    "miou": ("mean_iou", "M_J (mIoU)"),
    "jaccard": ("mean_iou", "M_J (mIoU)"),
    "mf": ("f_score", "M_F (F-score, beta^2 = 0.3)"),
    "fscore": ("f_score", "M_F (F-score, beta^2 = 0.3)"),
    "f": ("f_score", "M_F (F-score, beta^2 = 0.3)"),
}
SEMANTIC_METRICS = {
    "miou": ("mean_iou", "mIoU (71 classes)"),
    "mj": ("mean_iou", "mIoU (71 classes)"),
    "fscore": ("f_score", "F-score (beta^2 = 0.3)"),
    "mf": ("f_score", "F-score (beta^2 = 0.3)"),
    "f": ("f_score", "F-score (beta^2 = 0.3)"),
}
SPLITS = ("val", "validation", "test")


def read_metrics(path: Path | str | None) -> dict | None:
    """The metrics file as a dict, or None when `path` is None or absent; a malformed file is an error naming it."""
    if path is None or not Path(path).is_file():
        return None
    try:
        metrics = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(metrics, dict):
        raise ValueError(f"{path}: expected a JSON object of splits, got {type(metrics).__name__}")
    return metrics


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def split_metrics(metrics: dict, semantic: bool) -> dict[str, dict[str, tuple[str, str, float]]]:
    """{split: {original key: (type, display name, value)}} for the recognised metrics of each split."""
    known = SEMANTIC_METRICS if semantic else BINARY_METRICS
    found = {}
    for split in SPLITS:
        values = metrics.get(split)
        if not isinstance(values, dict):
            continue
        recognised = {}
        for key, value in values.items():
            kind = known.get(_normalise(key))
            if kind is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            recognised[key] = (*kind, float(value))
        if recognised:
            found[split] = recognised
    return found


def eval_results(metrics: dict | None, subset: str | None, semantic: bool, synthetic: bool = False) -> list[EvalResult]:
    """One model-index entry per (split, metric) found in `metrics`."""
    if not metrics:
        return []
    subset = subset or ("avss" if semantic else None)
    if synthetic:
        dataset_type, dataset_name = "synthavs", f"SynthAVS (synthetic, {subset or 's4'} layout)"
    else:
        dataset_type, dataset_name = "avsbench", SUBSET_DATASETS.get(subset, "AVSBench")
    results = []
    for split, recognised in split_metrics(metrics, semantic).items():
        for metric_type, metric_name, value in recognised.values():
            results.append(
                EvalResult(
                    task_type="image-segmentation",
                    task_name="Audio-visual segmentation",
                    dataset_type=dataset_type,
                    dataset_name=dataset_name,
                    dataset_config=subset,
                    dataset_split="validation" if split == "val" else split,
                    metric_type=metric_type,
                    metric_name=metric_name,
                    metric_value=value,
                )
            )
    return results
