"""Your own videos as rows of AVSBench's shape, read from a folder anyone can make by hand.

    ROOT/metadata.csv              columns video, split (train / val / test); optional category (needed for
                                   --subset s4), start and duration (seconds; default: the whole video)
    ROOT/videos/<video>.<ext>      any container PyAV reads (mp4, mkv, webm, mov, ...), with a sound track
    ROOT/masks/<video>/<t>.png     the mask of frame t (0-based; frame t is the picture at start + t / fps)
    ROOT/labels.json               semantic masks only (--subset avss): {"background": 0, "dog": 1, ...}

    dataset = load_own_videos("my_clips", subset="s4")          # train / val (/ test) as in metadata.csv

Frames are sampled at `fps` (default 1 per second) and cut into clips of the subset's length (S4 / MS3: 5
frames, AVSS: 10), the last clip moved back to end with the video. A clip's audio is the same span of the
file's sound track, downmixed to mono and resampled to 16 kHz, held in the row as a wav. Frames without a mask
file are unlabelled (`labels_mask` False). Binary masks are checked as in `masks.py`; semantic masks are
palette PNGs whose indices are class ids (or greyscale ids, or AVSS colours), stored as AVSS colours.
"""

import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import datasets
import soundfile

from ..inference.video import SAMPLING_RATE, read_clip
from ..avsbench import AVSS_NUM_CLASSES, S4_CATEGORIES, SPLITS, SUBSETS
from .masks import MaskValueError, checked_binary_mask, checked_semantic_mask
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

METADATA_FILE = "metadata.csv"
VIDEOS_DIR = "videos"
MASKS_DIR = "masks"
LABELS_FILE = "labels.json"
MAX_SEMANTIC_CLASSES = AVSS_NUM_CLASSES  # the AVSS colour palette the collator decodes


def is_own_videos_root(root) -> bool:
    root = Path(root)
    return (root / METADATA_FILE).is_file() and (root / VIDEOS_DIR).is_dir()


def parse_seconds(text: str, name: str, where: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise AVSBenchLayoutError(f"{where}: {name} {text!r} is not a number of seconds") from None
    if value < 0:
        raise AVSBenchLayoutError(f"{where}: {name} must be >= 0, got {value}")
    return value


def read_video_metadata(path: Path, subset: str) -> list[dict]:
    """metadata.csv -> [{"video_id", "split", "category", "start", "duration", "line"}]."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [name.strip() for name in rows[0]] if rows else []
    required = ["video", "split"] + (["category"] if subset == "s4" else [])
    for name in required:
        if name not in header:
            raise AVSBenchLayoutError(f"{path}: missing column {name!r} (columns: {header}; needed: {required})")
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}, line {line}"
        if len(row) != len(header):
            raise AVSBenchLayoutError(f"{where}: {len(row)} cells for {len(header)} columns")
        cells = dict(zip(header, (cell.strip() for cell in row)))
        if cells["split"] not in SPLITS:
            raise AVSBenchLayoutError(f"{where}: split {cells['split']!r} is not one of {SPLITS}")
        records.append({
            "video_id": cells["video"], "split": cells["split"], "category": cells.get("category", ""), "line": line,
            "start": parse_seconds(cells.get("start", ""), "start", where) or 0.0,
            "duration": parse_seconds(cells.get("duration", ""), "duration", where),
        })
    if not records:
        raise AVSBenchLayoutError(f"{path}: no videos listed")
    return records


def semantic_num_classes(root: Path) -> int:
    """Classes in ROOT/labels.json ({name: id}, ids 0..K-1, K <= 71)."""
    path = root / LABELS_FILE
    if not path.is_file():
        raise AVSBenchLayoutError(f"semantic masks (--subset avss) need {path}: {{\"background\": 0, \"<class>\": 1, ...}}")
    try:
        labels = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AVSBenchLayoutError(f"unreadable {path} ({error})") from None
    if not isinstance(labels, dict) or sorted(labels.values()) != list(range(len(labels))):
        raise AVSBenchLayoutError(f"{path}: expected a mapping of class names to the ids 0..K-1")
    if len(labels) > MAX_SEMANTIC_CLASSES:
        raise AVSBenchLayoutError(f"{path}: {len(labels)} classes; at most {MAX_SEMANTIC_CLASSES} are supported")
    return len(labels)


def find_video(root: Path, name: str) -> Path:
    found = sorted(path for path in (root / VIDEOS_DIR).glob(f"{name}.*") if path.stem == name and path.is_file())
    if not found:
        raise AVSBenchLayoutError(f"missing video: no {root / VIDEOS_DIR / name}.<ext> (e.g. {name}.mp4)")
    if len(found) > 1:
        raise AVSBenchLayoutError(f"video {name!r} has several files: {', '.join(path.name for path in found)}")
    return found[0]


def mask_files(mask_dir: Path, frame_count: int, fps: float) -> dict[int, Path]:
    """{frame index: mask path}; names must be frame indices within the video's frames."""
    if not mask_dir.is_dir():
        raise AVSBenchLayoutError(f"no masks for this video: {mask_dir}/ should hold <frame index>.png files")
    masks = {}
    for path in sorted(mask_dir.iterdir()):
        if path.suffix.lower() != ".png" or not path.stem.isdigit():
            raise AVSBenchLayoutError(f"{path}: mask files are named by frame index (0.png, 1.png, ...)")
        if int(path.stem) >= frame_count:
            raise AVSBenchLayoutError(
                f"{path}: the video gives {frame_count} frames at {fps:g} fps (indices 0..{frame_count - 1})"
            )
        masks[int(path.stem)] = path
    return masks


def clip_starts(frame_count: int, length: int, source) -> list[int]:
    """First frames of consecutive clips of `length` frames; the last one ends with the video."""
    if frame_count < length:
        raise AVSBenchLayoutError(f"{source}: {frame_count} frames, fewer than the {length} of one clip")
    starts = list(range(0, frame_count - length + 1, length))
    if starts[-1] + length < frame_count:
        starts.append(frame_count - length)
    return starts


def wav_bytes(waveform) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, waveform, SAMPLING_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mask_entry(path: Path, frame, subset: str, threshold, num_classes):
    mask = open_image(path, "mask")
    check_mask_size(mask, frame.size, path)
    try:
        if subset == "avss":
            return checked_semantic_mask(path, mask, num_classes)
        return checked_binary_mask(path, mask, threshold)
    except MaskValueError as error:
        raise AVSBenchLayoutError(str(error)) from None


def video_rows(root: Path, record: dict, subset: str, length: int, fps: float, threshold, num_classes) -> list[dict]:
    """The clips of one listed video as rows."""
    name = record["video_id"]
    path = find_video(root, name)
    try:
        clip = read_clip(path, fps=fps, start=record["start"], duration=record["duration"])
    except (ValueError, OSError) as error:
        raise AVSBenchLayoutError(str(error)) from None
    masks = mask_files(root / MASKS_DIR / name, len(clip.frames), fps)
    starts = clip_starts(len(clip.frames), length, path)
    rows = []
    for first in starts:
        indices = range(first, first + length)
        entries = [mask_entry(masks[i], clip.frames[i], subset, threshold, num_classes) if i in masks else None for i in indices]
        begin, end = (round(i / fps * SAMPLING_RATE) for i in (first, first + length))
        waveform = clip.waveform[begin:end]
        check_audio_length(len(waveform) / SAMPLING_RATE, f"of {path} from {record['start'] + first / fps:.3f} s")
        video_id = name if len(starts) == 1 else f"{name}_{first}"
        row = {"video_id": video_id, **image_columns([clip.frames[i] for i in indices], entries)}
        row["audio"] = {**audio_value(Path(f"{video_id}.wav")), "bytes": wav_bytes(waveform)}
        if subset == "s4":
            row["category"] = record["category"]
        if subset == "avss":
            row.update(subset_label="v2", frame_mask=[True] * length)  # full-length clips, as AVSS's 10-s v2
        rows.append(row)
    return rows


def generate_video_rows(
    root: str, subset: str, split: str, length: int, fps: float, on_error: str, mask_threshold, signature: str
) -> Iterator[dict]:
    """The rows of one split (`signature` only keys the cache)."""
    root = Path(root)
    num_classes = semantic_num_classes(root) if subset == "avss" else None
    metadata = root / METADATA_FILE
    for record in drop_duplicates(read_video_metadata(metadata, subset), metadata, on_error, report=False):
        if record["split"] != split:
            continue
        try:
            yield from video_rows(root, record, subset, length, fps, mask_threshold, num_classes)
        except AVSBenchLayoutError as error:
            if on_error == "raise":
                raise
            logger.warning("skipped video %s (%s): %s", record["video_id"], split, error)


def load_own_videos(
    root,
    subset: str = "s4",
    splits=None,
    *,
    num_frames: int = 5,
    fps: float = 1.0,
    on_error: str = "raise",
    mask_threshold: int | None = None,
    cache_dir: str | None = None,
) -> datasets.DatasetDict:
    """The videos listed in `root/metadata.csv` as a DatasetDict of `splits` (default: the splits listed).

    Args:
        subset: "s4" (binary masks, `category` column), "ms3" (binary) or "avss" (semantic, ROOT/labels.json).
        num_frames: frames per clip for S4 / MS3 (AVSS: twice this, as AVSBench's 10-s clips).
        fps: frames sampled per second of video.
        on_error: "raise" or "skip" (leave out a broken video, or a repeated one, logging each).
        mask_threshold: binarise masks as values >= this (default: only 0/255, 0/1 and booleans pass).
    """
    check_on_error(on_error)
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    root = Path(root)
    metadata_path = root / METADATA_FILE
    if not is_own_videos_root(root):
        raise AVSBenchLayoutError(f"{root}: an own-videos folder holds {METADATA_FILE} and {VIDEOS_DIR}/")
    metadata = drop_duplicates(read_video_metadata(metadata_path, subset), metadata_path, on_error)
    found_splits = [split for split in SPLITS if any(record["split"] == split for record in metadata)]
    splits = found_splits if splits is None else requested_splits(splits)
    if subset == "avss":
        semantic_num_classes(root)  # fails early on a missing or broken labels.json
    categories = category_names((r["category"] for r in metadata), metadata_path) if subset == "s4" else S4_CATEGORIES
    features = avsbench_features(subset, categories)
    signature = tree_signature(root)
    result = datasets.DatasetDict()
    for split in splits:
        if split not in found_splits:
            raise AVSBenchLayoutError(f"{metadata_path}: no videos in split {split!r}")
        gen_kwargs = {
            "root": str(root.resolve()), "subset": subset, "split": split, "length": 2 * num_frames if subset == "avss" else num_frames,
            "fps": fps, "on_error": on_error, "mask_threshold": mask_threshold, "signature": signature,
        }
        result[split] = build_split(generate_video_rows, features, split, gen_kwargs, on_error, cache_dir)
    return result


__all__ = ["is_own_videos_root", "load_own_videos"]
