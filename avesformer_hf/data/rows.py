"""What every source of clips shares: the rows' `Features`, their columns, the checks of single files, and
building one split with `Dataset.from_generator` (layout errors raised as themselves, skips reported)."""

import hashlib
import logging
import os
from pathlib import Path

import datasets
import PIL.Image

from ..avsbench import AVSS_SUBSET_LABELS, S4_CATEGORIES, SAMPLING_RATE, SPLITS, WINDOW_SAMPLES

logger = logging.getLogger(__name__)

ON_ERROR = ("raise", "skip")
AUDIO_FEATURE = {"path": datasets.Value("string"), "bytes": datasets.Value("binary")}
MIN_AUDIO_SECONDS = WINDOW_SAMPLES / SAMPLING_RATE  # one VGGish example


class AVSBenchLayoutError(ValueError):
    """A file of the AVSBench tree is missing, unreadable or inconsistent; the message names it."""


def avsbench_features(subset: str, categories=S4_CATEGORIES) -> datasets.Features:
    """The rows' Features; S4's `category` names are `categories` (see `category_names`)."""
    features = {"video_id": datasets.Value("string")}
    if subset == "s4":
        features["category"] = datasets.ClassLabel(names=list(categories))
    if subset == "avss":
        features["subset_label"] = datasets.ClassLabel(names=list(AVSS_SUBSET_LABELS))
    features["frames"] = datasets.List(datasets.Image())
    if subset == "avss":
        features["frame_mask"] = datasets.List(datasets.Value("bool"))
    features["masks"] = datasets.List(datasets.Image())
    features["labels_mask"] = datasets.List(datasets.Value("bool"))
    features["audio"] = AUDIO_FEATURE
    return datasets.Features(features)


def drop_duplicates(records: list[dict], path: Path, on_error: str = "raise", report: bool = True) -> list[dict]:
    """Records whose video id was listed before are an error; with on_error="skip" the first one is kept."""
    first_line, kept = {}, []
    for record in records:
        name = record["video_id"]
        if name not in first_line:
            first_line[name] = record["line"]
            kept.append(record)
            continue
        message = f"{path}, line {record['line']}: video {name!r} is already listed on line {first_line[name]}"
        if on_error == "raise":
            raise AVSBenchLayoutError(message)
        if report:
            logger.warning("skipped a duplicate: %s", message)
    return kept


def category_names(found, source) -> tuple[str, ...]:
    """The official 23 S4 categories when every name found is one of them, else the names found, sorted."""
    found = set(found)
    if found <= set(S4_CATEGORIES):
        return S4_CATEGORIES
    names = tuple(sorted(found))
    logger.warning("%s: %d categories of your own (%s), not the 23 of AVSBench: labels are these names, sorted",
                   source, len(names), ", ".join(names[:5]) + (", ..." if len(names) > 5 else ""))
    return names


def tree_signature(directory: Path) -> str:
    """A hash of every file's relative path, size and modification time under `directory`."""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(directory):
        subfolders.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            status = os.stat(path)
            digest.update(f"{os.path.relpath(path, directory)}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def open_image(path: Path, what: str) -> PIL.Image.Image:
    """Opens and decodes an image, or an AVSBenchLayoutError naming the file."""
    if not path.is_file():
        raise AVSBenchLayoutError(f"missing {what}: {path}")
    try:
        image = PIL.Image.open(path)
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise AVSBenchLayoutError(f"unreadable {what}: {path} ({error})") from error
    return image


def check_audio_length(seconds: float, source) -> None:
    if seconds < MIN_AUDIO_SECONDS:
        raise AVSBenchLayoutError(
            f"audio {source} is {seconds:.3f} s long; one VGGish window needs {MIN_AUDIO_SECONDS:.3f} s"
        )


def check_mask_size(mask: PIL.Image.Image, size, mask_path) -> None:
    if mask.size != size:
        raise AVSBenchLayoutError(
            f"mask {mask_path} is {mask.size[0]}x{mask.size[1]} but its frame is {size[0]}x{size[1]} (width x height)"
        )


def image_columns(frames: list, masks: list) -> dict:
    """Frame and mask entries (paths, {"path", "bytes"} or None) -> the `frames`, `masks`, `labels_mask` columns."""

    def entry(value):
        return str(value) if isinstance(value, Path) else value

    return {
        "frames": [entry(value) for value in frames],
        "masks": [entry(value) for value in masks],
        "labels_mask": [value is not None for value in masks],
    }


def audio_value(path: Path) -> dict:
    return {"path": str(path), "bytes": None}


def build_split(generator, features: datasets.Features, split: str, gen_kwargs: dict, on_error: str, cache_dir=None) -> datasets.Dataset:
    """`Dataset.from_generator` of one split; a layout error inside is raised as itself, and a split whose every
    clip was skipped (and reported) is an empty split with the same features."""
    try:
        return datasets.Dataset.from_generator(
            generator, features=features, cache_dir=cache_dir, split=datasets.NamedSplit(split), gen_kwargs=gen_kwargs
        )
    except datasets.exceptions.DatasetGenerationError as error:
        if isinstance(error.__cause__, AVSBenchLayoutError):
            raise error.__cause__ from None
        raise
    except ValueError as error:
        # datasets cannot read back zero rows
        if on_error != "skip" or "corresponds to no data" not in str(error):
            raise
        return datasets.Dataset.from_dict({name: [] for name in features}, features=features, split=split)


def check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, got {on_error!r}")


def requested_splits(splits) -> list[str]:
    splits = list(SPLITS) if splits is None else [splits] if isinstance(splits, str) else list(splits)
    for split in splits:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; AVSBench splits are {SPLITS}")
    return splits


__all__ = ["AVSBenchLayoutError", "avsbench_features", "build_split", "category_names", "drop_duplicates"]
