"""Data a user makes without our scripts, written by the tests: an S4-layout tree of their own categories and
an own-videos folder (videos/, masks/, metadata.csv)."""

import runpy
import sys
from pathlib import Path

import numpy as np
import PIL.Image
import soundfile
from synthetic_video import COLOURS, write_test_video

SIZE = 32
REPO = Path(__file__).resolve().parents[1]


def run_script(name: str, *argv: str) -> int:
    """Runs scripts/<name> as `python scripts/<name> ARGV` does, in this process."""
    saved = sys.argv
    sys.argv = [str(REPO / "scripts" / name), *argv]
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as stop:
        return stop.code
    finally:
        sys.argv = saved
    return 0


def category_names(count: int) -> list[str]:
    """Names a user might choose, none of them AVSBench's."""
    return [f"instrument_{index:02d}" for index in range(count)]


def split_of(index: int) -> str:
    """Most clips train; every 12th from the 4th is val, every 12th from the 8th test."""
    return {3: "val", 7: "test"}.get(index % 12, "train")


def clip_frame(seed: int) -> PIL.Image.Image:
    rng = np.random.default_rng(seed)
    return PIL.Image.fromarray(rng.integers(0, 256, size=(SIZE, SIZE, 3), dtype=np.uint8))


def square_mask(frame: int, value: int = 255) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), dtype=np.uint8)
    mask[4 + frame : 16 + frame, 8:20] = value
    return mask


def write_wav(path: Path, seconds: float = 5.0, rate: int = 44100, channels: int = 2, pitch: float = 440.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    times = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * pitch * times).astype(np.float32)
    soundfile.write(path, np.stack([tone] * channels, axis=1), rate)
    return path


def write_s4_tree(root: Path, num_categories: int = 35, clips_per_category: int = 1) -> Path:
    """Single-source/ in AVSBench's layout with the user's categories, a mask for all 5 frames of every clip
    (train included) and 44.1 kHz stereo wavs."""
    subset = root / "Single-source"
    data = subset / "s4_data"
    lines = ["name,start,category,split"]
    index = 0
    for category_index, category in enumerate(category_names(num_categories)):
        for _ in range(clips_per_category):
            name, split = f"clip{index:03d}", split_of(index)
            lines.append(f"{name},0,{category},{split}")
            for number in range(1, 6):
                frame_path = data / "visual_frames" / split / category / name / f"{name}_{number}.png"
                frame_path.parent.mkdir(parents=True, exist_ok=True)
                clip_frame(100 * index + number).save(frame_path)
                mask_path = data / "gt_masks" / split / category / name / f"{name}_{number}.png"
                mask_path.parent.mkdir(parents=True, exist_ok=True)
                PIL.Image.fromarray(square_mask(number + category_index % 3)).save(mask_path)
            write_wav(data / "audio_wav" / split / category / f"{name}.wav", pitch=200.0 + 40 * category_index)
            index += 1
    subset.mkdir(parents=True, exist_ok=True)
    (subset / "s4_meta_data.csv").write_text("\n".join(lines) + "\n")
    return root


# video name, container, split, category, seconds, audio rate, channels, frames with a mask
OWN_VIDEOS = [
    ("street", "mp4", "train", "dog", 7, 48000, 1, [0, 2, 5, 6]),
    ("garden", "mkv", "train", "bird", 5, 44100, 2, [0, 1, 2, 3, 4]),
    ("kitchen", "mkv", "val", "dog", 5, 44100, 2, [1, 3]),
    ("park", "mp4", "test", "bird", 5, 44100, 2, [0, 4]),
]


def colour_mask(frame: int, size=(48, 32)) -> PIL.Image.Image:
    """A binary mask whose square moves with the frame index, as 0/255 greyscale."""
    mask = np.zeros((size[1], size[0]), dtype=np.uint8)
    mask[2 + 2 * frame : 12 + 2 * frame, 4:20] = 255
    return PIL.Image.fromarray(mask)


def write_own_videos(root: Path, videos=OWN_VIDEOS, size=(48, 32), with_category: bool = True) -> Path:
    """ROOT/metadata.csv, ROOT/videos/<name>.<container>, ROOT/masks/<name>/<frame>.png (video fps 4)."""
    (root / "videos").mkdir(parents=True, exist_ok=True)
    lines = ["video,split,category" if with_category else "video,split"]
    for name, container, split, category, seconds, rate, channels, masked in videos:
        write_test_video(root / "videos" / f"{name}.{container}", seconds=seconds, fps=4, size=size, audio_rate=rate, channels=channels)
        lines.append(f"{name},{split},{category}" if with_category else f"{name},{split}")
        for frame in masked:
            path = root / "masks" / name / f"{frame}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            colour_mask(frame, size).save(path)
    (root / "metadata.csv").write_text("\n".join(lines) + "\n")
    return root


__all__ = ["COLOURS", "OWN_VIDEOS", "run_script", "write_own_videos", "write_s4_tree"]
