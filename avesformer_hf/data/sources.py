"""Where clips come from: an AVSBench tree or an own-videos folder (`--data-root`, recognised by its
layout), or a dataset read with `datasets.load_dataset` (`--dataset-name`). Every source gives the rows
(the `Features`) that `load_avsbench` gives for the subset.

    dataset = load_clips("s4", data_root="my_clips")                  # AVSBench tree or own videos
    dataset = load_clips("s4", dataset_name="avsbench-parquet")      # Hub id or push_avsbench folder
"""

from pathlib import Path

from .avsbench import AVSBenchLayoutError, find_subset_dir, load_avsbench
from .own_videos import METADATA_FILE, VIDEOS_DIR, is_own_videos_root, load_own_videos

LAYOUTS = ("avsbench", "own_videos")


def data_root_layout(root, subset: str) -> str:
    """"own_videos" or "avsbench"; an AVSBenchLayoutError naming what either layout needs otherwise."""
    root = Path(root)
    if is_own_videos_root(root):
        return "own_videos"
    try:
        find_subset_dir(root, subset)
    except AVSBenchLayoutError as error:
        raise AVSBenchLayoutError(
            f"{error}; nor is it an own-videos folder ({root / METADATA_FILE} and {root / VIDEOS_DIR}/)"
        ) from None
    return "avsbench"


def load_clips(
    subset: str,
    splits=None,
    *,
    data_root=None,
    dataset_name: str | None = None,
    dataset_config: str | None = None,
    num_frames: int = 5,
    fps: float = 1.0,
    on_error: str = "raise",
    mask_threshold: int | None = None,
    cache_dir: str | None = None,
):
    """The `splits` of one source as a `datasets.DatasetDict`: pass exactly one of `data_root` and
    `dataset_name` (whose config defaults to `subset`)."""
    if (data_root is None) == (dataset_name is None):
        raise ValueError("pass exactly one of data_root and dataset_name")
    if dataset_name is not None:
        from .hub import load_hub_dataset

        return load_hub_dataset(dataset_name, dataset_config or subset, subset=subset, splits=splits, cache_dir=cache_dir)
    options = dict(num_frames=num_frames, on_error=on_error, mask_threshold=mask_threshold, cache_dir=cache_dir)
    if data_root_layout(data_root, subset) == "own_videos":
        return load_own_videos(data_root, subset, splits, fps=fps, **options)
    return load_avsbench(data_root, subset, splits, **options)


__all__ = ["data_root_layout", "load_clips"]
