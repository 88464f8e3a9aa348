"""Datasets read with `datasets.load_dataset`: a Hub dataset id or a folder written by
`scripts/push_avsbench.py --local-dir`, checked to hold the rows `load_avsbench` gives.

    dataset = load_hub_dataset("avsbench-parquet", config="s4", splits=["train", "val"])
"""

import datasets

from .rows import AUDIO_FEATURE
from ..avsbench import SUBSETS

IMAGE_LIST = datasets.List(datasets.Image())
BOOL_LIST = datasets.List(datasets.Value("bool"))


def expected_columns(subset: str) -> dict[str, tuple[str, object]]:
    """{column: (what it is, a check of its feature)} for the rows of `subset`."""
    columns = {
        "video_id": ("a string", lambda f: f == datasets.Value("string")),
        "frames": ("a list of images", lambda f: f == IMAGE_LIST),
        "masks": ("a list of images", lambda f: f == IMAGE_LIST),
        "labels_mask": ("a list of bools", lambda f: f == BOOL_LIST),
        "audio": ("{'path': string, 'bytes': binary}", lambda f: f == AUDIO_FEATURE),
    }
    if subset == "s4":
        columns["category"] = ("a ClassLabel", lambda f: isinstance(f, datasets.ClassLabel))
    if subset == "avss":
        columns["subset_label"] = ("a ClassLabel (v1s / v1m / v2)", lambda f: isinstance(f, datasets.ClassLabel))
        columns["frame_mask"] = ("a list of bools", lambda f: f == BOOL_LIST)
    return columns


def check_features(features: datasets.Features, subset: str, where: str) -> None:
    """A ValueError naming every missing column and every column of the wrong feature type."""
    problems = []
    for name, (kind, fits) in expected_columns(subset).items():
        if name not in features:
            problems.append(f"missing column {name!r} ({kind})")
        elif not fits(features[name]):
            problems.append(f"column {name!r} is {features[name]}, expected {kind}")
    if problems:
        raise ValueError(f"{where}: {'; '.join(problems)} (has columns {list(features)})")


def load_hub_dataset(name: str, config: str, subset: str | None = None, splits=None, cache_dir: str | None = None) -> datasets.DatasetDict:
    """`datasets.load_dataset(name, config)` with `splits` (default: all), checked for the rows of `subset`
    (default: `config`). A dataset that cannot be read is a ValueError naming it."""
    subset = subset or config
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
    where = f"--dataset-name {name} (config {config})"
    try:
        dataset = datasets.load_dataset(name, config, cache_dir=cache_dir)
    except (FileNotFoundError, ValueError, ConnectionError, datasets.exceptions.DatasetNotFoundError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{where}: cannot be read ({message})") from None
    splits = list(dataset) if splits is None else [splits] if isinstance(splits, str) else list(splits)
    missing = [split for split in splits if split not in dataset]
    if missing:
        raise ValueError(f"{where}: no split {', '.join(map(repr, missing))} (splits: {list(dataset)})")
    for split in splits:
        check_features(dataset[split].features, subset, f"{where}, split {split!r}")
    return datasets.DatasetDict({split: dataset[split] for split in splits})


__all__ = ["check_features", "load_hub_dataset"]
