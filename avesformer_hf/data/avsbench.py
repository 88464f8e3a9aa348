"""AVSBench (S4, MS3, AVSS) as `datasets.DatasetDict`s, read from the folder layouts it is distributed in.

    dataset = load_avsbench("AVSBench", subset="s4")       # train / val / test
    dataset["train"][0]   # video_id, category, frames [5 x PIL], masks [PIL or None], labels_mask, audio

`root` is the folder holding `Single-source/`, `Multi-sources/` and `AVSS/` (or the subset's own folder).
Every clip is checked while the dataset is built: each missing or unreadable file, each mask whose size
differs from its frame's and each AVSS colour outside the palette is an `AVSBenchLayoutError` naming the
file. With `on_error="skip"` such clips are left out instead and each is reported (logged as a warning)
while the dataset is built. Binary masks must hold {0, 255}, {0, 1} or booleans (`mask_threshold` binarises
anything else; see `masks.py`), clips must not repeat a video id, and each wav must hold one VGGish window
(0.975 s). The built dataset is cached by `datasets`; the cache key includes a
signature of the subset's files (paths, sizes, modification times), so a changed tree is read again.

Rows (one per clip), by subset:
- all: `video_id`, `frames` (list of `Image`), `masks` (list of `Image`, None for unlabelled frames),
  `labels_mask` (list of bool: the frames that carry a label), `audio` ({"path", "bytes"} of the wav).
- S4: `category` (`ClassLabel`: the 23 official categories when every category folder is one of them,
  else the sorted names found, logged once). A frame is labelled when its mask file exists (the official
  train set ships the first mask only, so its clips are labelled on frame 1).
- AVSS: `subset_label` (`ClassLabel` v1s / v1m / v2) and `frame_mask`: 5-s clips are padded to
  2 x `num_frames` (10) frames with None frames, `frame_mask` False and `labels_mask` False.
  v1s train clips are labelled on frame 0 only. Masks are colour PNGs (see `decode_mask`).
"""

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import datasets
import numpy as np
import PIL.Image
import soundfile

from ..image_processing_avesformer import avss_palette, binary_mask_to_bool, palette_mask_to_ids
from ..avsbench import AVSS_NUM_CLASSES, AVSS_SUBSET_LABELS, METADATA_FILES, S4_CATEGORIES, SPLITS, SUBSET_FOLDERS, SUBSETS
from .masks import checked_binary_mask
from .rows import (
    AVSBenchLayoutError,
    audio_value,
    avsbench_features,
    build_split,
    category_names,
    check_audio_length,
    check_mask_size,
    check_on_error,
    drop_duplicates,
    image_columns,
    open_image,
    requested_splits,
    tree_signature,
)

logger = logging.getLogger(__name__)



def find_subset_dir(root, subset: str) -> Path:
    """`root/<subset folder>` or `root` itself when it is the subset's folder (holds its metadata CSV)."""
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
    root = Path(root)
    for candidate in (root / SUBSET_FOLDERS[subset], root):
        if (candidate / METADATA_FILES[subset]).is_file():
            return candidate
    raise AVSBenchLayoutError(
        f"no {subset} metadata: neither {root / SUBSET_FOLDERS[subset] / METADATA_FILES[subset]} "
        f"nor {root / METADATA_FILES[subset]} exists"
    )


def read_metadata(path: Path, subset: str) -> list[dict[str, str]]:
    """CSV rows as {"video_id", "split", ...}. Like the benchmark, the video name (and S4's category) is read
    by position and the other columns by name, since header names vary between releases."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise AVSBenchLayoutError(f"{path}: empty metadata file")
    header = [name.strip() for name in rows[0]]
    required = {"s4": ["split"], "ms3": ["split"], "avss": ["uid", "label", "split"]}[subset]
    for name in required:
        if name not in header:
            raise AVSBenchLayoutError(f"{path}: missing column {name!r} (columns: {header})")
    if subset == "s4" and len(header) < 3:
        raise AVSBenchLayoutError(f"{path}: expected at least 3 columns (name, start time, category, ...), got {header}")
    records = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise AVSBenchLayoutError(f"{path}, line {line_number}: {len(row)} cells for {len(header)} columns")
        by_name = dict(zip(header, (cell.strip() for cell in row)))
        record = {"split": by_name["split"], "line": line_number}
        if subset == "avss":
            record.update(video_id=by_name["uid"], subset_label=by_name["label"])
        else:
            record["video_id"] = row[0].strip()
        if subset == "s4":
            record["category"] = row[2].strip()
        records.append(record)
    return records


# ---- reading and checking files -------------------------------------------------------------------


def check_audio(path: Path) -> None:
    """The wav exists, decodes and holds at least one VGGish window."""
    if not path.is_file():
        raise AVSBenchLayoutError(f"missing audio: {path}")
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise AVSBenchLayoutError(f"unreadable audio: {path} ({error})") from error
    check_audio_length(info.frames / info.samplerate, path)


def check_clip(frame_paths: list[Path | None], mask_paths: list[Path | None], semantic: bool, palette, mask_threshold=None) -> list:
    """Every frame and mask decodes, each mask has its frame's size and allowed values (AVSS: palette
    colours). Returns the `masks` entries: paths, or canonical bytes for binary masks read differently."""
    sizes = [open_image(path, "frame").size if path is not None else None for path in frame_paths]
    entries = []
    for size, mask_path in zip(sizes, mask_paths):
        if mask_path is None:
            entries.append(None)
            continue
        mask = open_image(mask_path, "mask")
        check_mask_size(mask, size, mask_path)
        try:
            if semantic:
                palette_mask_to_ids(mask, source=str(mask_path), palette=palette)
                entries.append(str(mask_path))
            else:
                entries.append(checked_binary_mask(mask_path, mask, mask_threshold))
        except ValueError as error:  # MaskValueError or an AVSS colour outside the palette
            raise AVSBenchLayoutError(str(error)) from None
    return entries


def decode_mask(mask, subset: str, num_classes: int = AVSS_NUM_CLASSES) -> np.ndarray | None:
    """A `masks` entry (PIL image, path or None) -> [H, W] uint8 0/1 (S4/MS3) or int64 class ids (AVSS)."""
    if mask is None:
        return None
    source = str(mask)
    if not isinstance(mask, PIL.Image.Image):
        mask = open_image(Path(mask), "mask")
    source = getattr(mask, "filename", None) or source
    if subset == "avss":
        return palette_mask_to_ids(mask, source=source, palette=avss_palette(num_classes))
    return binary_mask_to_bool(mask, source=source).astype(np.uint8)


def read_audio(audio) -> tuple[np.ndarray, int]:
    """An `audio` entry ({"path", "bytes"}, a path or bytes) -> (mono float32 waveform, sampling rate)."""
    if isinstance(audio, dict):
        audio = audio["bytes"] if audio.get("bytes") else audio["path"]
    source = io.BytesIO(audio) if isinstance(audio, bytes) else str(audio)
    waveform, sampling_rate = soundfile.read(source, dtype="float32", always_2d=True)
    return waveform.mean(axis=1), sampling_rate


# ---- one clip per subset: file paths, labelled frames, checks -> row --------------------------------


def s4_row(subset_dir: Path, record: dict, num_frames: int, palette, mask_threshold=None) -> dict:
    name, split, category = record["video_id"], record["split"], record["category"]
    data = subset_dir / "s4_data"
    numbers = range(1, num_frames + 1)
    frames = [data / "visual_frames" / split / category / name / f"{name}_{n}.png" for n in numbers]
    # labelled frames are the frames with a mask file (the official train set has frame 1's only)
    candidates = [data / "gt_masks" / split / category / name / f"{name}_{n}.png" for n in numbers]
    masks = [path if path.is_file() else None for path in candidates]
    if not any(masks):
        raise AVSBenchLayoutError(f"clip {name}: no mask file, expected at least {candidates[0]}")
    audio = data / "audio_wav" / split / category / f"{name}.wav"
    entries = check_clip(frames, masks, semantic=False, palette=palette, mask_threshold=mask_threshold)
    check_audio(audio)
    return {"video_id": name, "category": category, **image_columns(frames, entries), "audio": audio_value(audio)}


def ms3_row(subset_dir: Path, record: dict, num_frames: int, palette, mask_threshold=None) -> dict:
    name, split = record["video_id"], record["split"]
    data = subset_dir / "ms3_data"
    numbers = range(1, num_frames + 1)
    # MS3 frames have no split folder and carry the source file's ".mp4" in their names
    frames = [data / "visual_frames" / name / f"{name}.mp4_{n}.png" for n in numbers]
    masks = [data / "gt_masks" / split / name / f"{name}_{n}.png" for n in numbers]
    audio = data / "audio_wav" / split / f"{name}.wav"
    entries = check_clip(frames, masks, semantic=False, palette=palette, mask_threshold=mask_threshold)
    check_audio(audio)
    return {"video_id": name, **image_columns(frames, entries), "audio": audio_value(audio)}


def avss_row(subset_dir: Path, record: dict, num_frames: int, palette, mask_threshold=None) -> dict:
    uid, split, subset_label = record["video_id"], record["split"], record["subset_label"]
    if subset_label not in AVSS_SUBSET_LABELS:
        raise AVSBenchLayoutError(
            f"{subset_dir / METADATA_FILES['avss']}, line {record['line']}: label {subset_label!r} is not one of {AVSS_SUBSET_LABELS}"
        )
    clip_dir = subset_dir / subset_label / uid
    padded_length = 2 * num_frames
    length = padded_length if subset_label == "v2" else num_frames
    labelled = [not (subset_label == "v1s" and split == "train") or index == 0 for index in range(length)]
    frames = [clip_dir / "frames" / f"{index}.jpg" for index in range(length)]
    masks = [clip_dir / "labels_rgb" / f"{index}.png" if keep else None for index, keep in enumerate(labelled)]
    audio = clip_dir / "audio.wav"
    check_clip(frames, masks, semantic=True, palette=palette)
    check_audio(audio)
    padding = [None] * (padded_length - length)
    row = image_columns(frames + padding, masks + padding)
    return {
        "video_id": uid,
        "subset_label": subset_label,
        "frames": row["frames"],
        "frame_mask": [True] * length + [False] * len(padding),
        "masks": row["masks"],
        "labels_mask": row["labels_mask"],
        "audio": audio_value(audio),
    }


ROW_BUILDERS: dict[str, Callable[..., dict]] = {"s4": s4_row, "ms3": ms3_row, "avss": avss_row}


def avss_num_classes(subset_dir: Path) -> int:
    """Classes in `label2idx.json` (71 when the file is absent); ids must be 0..K-1."""
    path = subset_dir / "label2idx.json"
    if not path.is_file():
        return 71
    try:
        label2idx = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AVSBenchLayoutError(f"unreadable {path} ({error})") from error
    if not isinstance(label2idx, dict) or sorted(label2idx.values()) != list(range(len(label2idx))):
        raise AVSBenchLayoutError(f"{path}: expected a mapping of class names to the ids 0..K-1")
    return len(label2idx)


def generate_rows(
    subset: str, subset_dir: str, split: str, num_frames: int, on_error: str, signature: str, mask_threshold=None
) -> Iterator[dict]:
    """The rows of one split (`signature` only keys the cache)."""
    subset_dir = Path(subset_dir)
    palette = avss_palette(avss_num_classes(subset_dir)) if subset == "avss" else None
    build_row = ROW_BUILDERS[subset]
    metadata = subset_dir / METADATA_FILES[subset]
    for record in drop_duplicates(read_metadata(metadata, subset), metadata, on_error, report=False):
        if record["split"] != split:
            continue
        try:
            yield build_row(subset_dir, record, num_frames, palette, mask_threshold)
        except AVSBenchLayoutError as error:
            if on_error == "raise":
                raise
            logger.warning("skipped %s clip %s (%s): %s", subset, record["video_id"], split, error)


def load_avsbench(
    root,
    subset: str = "s4",
    splits=None,
    *,
    num_frames: int = 5,
    on_error: str = "raise",
    mask_threshold: int | None = None,
    cache_dir: str | None = None,
) -> datasets.DatasetDict:
    """AVSBench `subset` ("s4", "ms3" or "avss") under `root` as a DatasetDict of `splits` (default: every
    split the metadata lists, in train / val / test order).

    Args:
        num_frames: frames per 5-s clip (AVSBench: 5; AVSS 10-s clips have twice as many).
        on_error: "raise" (default) or "skip": leave out clips with missing or broken files (and repeated
            video ids after the first), logging each.
        mask_threshold: binarise S4 / MS3 masks as values >= this (default: only 0/255, 0/1 and booleans pass).
        cache_dir: the `datasets` cache (default: `HF_DATASETS_CACHE`).
    """
    check_on_error(on_error)
    splits = None if splits is None else requested_splits(splits)
    subset_dir = find_subset_dir(root, subset)
    metadata_path = subset_dir / METADATA_FILES[subset]
    metadata = drop_duplicates(read_metadata(metadata_path, subset), metadata_path, on_error)  # fails early on a broken CSV
    categories = category_names((r["category"] for r in metadata), metadata_path) if subset == "s4" else S4_CATEGORIES
    features = avsbench_features(subset, categories)
    found_splits = {record["split"] for record in metadata}
    for record in metadata:
        if record["split"] not in SPLITS:
            raise AVSBenchLayoutError(
                f"{subset_dir / METADATA_FILES[subset]}, line {record['line']}: split {record['split']!r} is not one of {SPLITS}"
            )
    splits = [split for split in SPLITS if split in found_splits] if splits is None else splits
    signature = tree_signature(subset_dir)
    result = datasets.DatasetDict()
    for split in splits:
        if split not in found_splits:
            raise AVSBenchLayoutError(f"{subset_dir / METADATA_FILES[subset]}: no clips in split {split!r}")
        gen_kwargs = {
            "subset": subset, "subset_dir": str(subset_dir.resolve()), "split": split, "num_frames": num_frames,
            "on_error": on_error, "signature": signature, "mask_threshold": mask_threshold,
        }
        result[split] = build_split(generate_rows, features, split, gen_kwargs, on_error, cache_dir)
    return result


__all__ = ["AVSBenchLayoutError", "avsbench_features", "decode_mask", "load_avsbench", "read_audio"]
