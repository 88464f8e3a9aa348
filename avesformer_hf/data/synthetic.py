"""SynthAVS: a small, seeded audio-visual segmentation benchmark written in AVSBench's own layouts.

Every object class has a look (a shape and a colour) and a sound (a tone at a class pitch with its
second harmonic, amplitude-modulated at a class rate). A clip shows 1-3 objects of different classes
at random places and sizes (drifting slightly from frame to frame, never overlapping); only some of
them sound, the others are silent distractors. The audio is the mix of the sounding objects' sounds
plus noise, and the masks cover exactly the sounding objects (AVSS: coloured by class id). The same
loaders read it as the real AVSBench:

    root = generate_synthavs("synthavs", layout="s4", num_clips=60, image_size=64)
    load_avsbench(root, subset="s4")

or from the shell: ``python -m avesformer_hf.data.synthetic OUT --layout s4 --num-clips 60``.
Each subset folder also gets ``synthavs.json``: the classes and, per clip, the objects, their boxes
and which of them sound.
"""

import argparse
import colorsys
import csv
import io
import json
import math
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import PIL.Image
import PIL.ImageDraw
import soundfile

from ..image_processing_avesformer import label_to_color
from ..avsbench import AVSS_CLASS_NAMES, AVSS_SUBSET_LABELS, S4_CATEGORIES, SAMPLING_RATE, SPLITS, SUBSET_FOLDERS, SUBSETS

LAYOUTS = SUBSETS
LAYOUT_FOLDERS = SUBSET_FOLDERS
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "hexagon")
LOWEST_PITCH_HZ = 200.0
HIGHEST_PITCH_HZ = 3200.0
MANIFEST = "synthavs.json"


@dataclass(frozen=True)
class ObjectClass:
    """What a class looks and sounds like. `class_id` is its index in the layout's label space."""

    name: str
    class_id: int
    shape: str
    color: tuple[int, int, int]
    pitch_hz: float
    modulation_hz: float


def class_pitches(num_classes: int) -> np.ndarray:
    """Log-spaced pitches from 200 Hz with a ratio r = 2 ** (1 / (m + 0.5)).

    Every second harmonic (an octave up) then falls half a step between two class pitches, so no class
    is mistaken for another's harmonic; m is the smallest that keeps all pitches within 3200 Hz.
    """
    octaves = math.log2(HIGHEST_PITCH_HZ / LOWEST_PITCH_HZ)
    steps_per_octave = max(0, math.ceil((num_classes - 1) / octaves - 0.5)) + 0.5
    return LOWEST_PITCH_HZ * 2.0 ** (np.arange(num_classes) / steps_per_octave)


def synth_classes(layout: str, num_classes: int) -> list[ObjectClass]:
    """The object classes of a layout: S4/MS3 take S4 category names, AVSS the AVSS classes 1..num_classes."""
    names, first_id = (S4_CATEGORIES, 0) if layout in ("s4", "ms3") else (AVSS_CLASS_NAMES, 1)
    available = len(names) - first_id
    if not 1 <= num_classes <= available:
        raise ValueError(f"num_classes must lie in [1, {available}] for layout {layout!r}, got {num_classes}")
    # spread the chosen classes over the category list, so a few classes are not all 'a...' names
    chosen = np.linspace(first_id, len(names) - 1, num_classes).round().astype(int)
    pitches = class_pitches(num_classes)
    classes = []
    for index, class_id in enumerate(chosen):
        hue = (index * 0.61803398875) % 1.0
        red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
        classes.append(
            ObjectClass(
                name=names[class_id],
                class_id=int(class_id),
                shape=SHAPES[index % len(SHAPES)],
                color=(round(red * 255), round(green * 255), round(blue * 255)),
                pitch_hz=round(float(pitches[index]), 3),
                modulation_hz=round(2.0 + 5.0 * ((index * 0.38196601125) % 1.0), 3),
            )
        )
    return classes


def draw_shape(draw: PIL.ImageDraw.ImageDraw, shape: str, center: tuple[float, float], radius: float, fill) -> None:
    x, y = center
    r = radius
    if shape == "circle":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    elif shape == "square":
        draw.rectangle([x - 0.8 * r, y - 0.8 * r, x + 0.8 * r, y + 0.8 * r], fill=fill)
    elif shape == "triangle":
        draw.polygon([(x, y - r), (x + r, y + 0.8 * r), (x - r, y + 0.8 * r)], fill=fill)
    elif shape == "diamond":
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=fill)
    elif shape == "cross":
        draw.rectangle([x - r, y - 0.35 * r, x + r, y + 0.35 * r], fill=fill)
        draw.rectangle([x - 0.35 * r, y - r, x + 0.35 * r, y + r], fill=fill)
    elif shape == "hexagon":
        draw.polygon([(x + r * math.cos(a), y + r * math.sin(a)) for a in np.arange(6) * math.pi / 3], fill=fill)
    else:
        raise ValueError(f"unknown shape {shape!r}; known: {SHAPES}")


def place_objects(rng: np.random.Generator, count: int, num_frames: int, image_size: int) -> list[list[tuple[float, float, float]]]:
    """Per object, per frame (x, y, radius): random sizes and places, a slow drift, never overlapping."""
    placed: list[list[tuple[float, float, float]]] = []
    for _ in range(count):
        for _attempt in range(200):
            radius = rng.uniform(0.1, 0.2) * image_size
            start = rng.uniform(radius + 1, image_size - radius - 1, size=2)
            velocity = rng.uniform(-0.02, 0.02, size=2) * image_size
            path = [start + velocity * frame for frame in range(num_frames)]
            inside = all(radius + 1 <= v <= image_size - radius - 1 for point in path for v in point)
            apart = all(
                math.dist(path[frame], other[frame][:2]) > radius + other[frame][2] + 2
                for other in placed
                for frame in range(num_frames)
            )
            if inside and apart:
                placed.append([(float(p[0]), float(p[1]), float(radius)) for p in path])
                break
        else:
            raise ValueError(f"cannot place {count} objects in a {image_size}x{image_size} image; use a larger image_size")
    return placed


def object_sound(object_class: ObjectClass, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A tone at the class pitch plus its second harmonic, amplitude-modulated at the class rate."""
    time = np.arange(int(round(seconds * SAMPLING_RATE))) / SAMPLING_RATE
    phase = rng.uniform(0, 2 * np.pi, size=3)
    pitch = object_class.pitch_hz
    tone = np.sin(2 * np.pi * pitch * time + phase[0]) + 0.3 * np.sin(2 * np.pi * 2 * pitch * time + phase[1])
    envelope = 0.65 + 0.35 * np.sin(2 * np.pi * object_class.modulation_hz * time + phase[2])
    return tone * envelope


@dataclass
class SynthClip:
    video_id: str
    split: str
    subset_label: str | None  # AVSS: v1s / v1m / v2
    num_frames: int
    objects: list[dict]  # {"class": name, "class_id": id, "sounding": bool, "boxes": [[x0, y0, x1, y1] per frame]}

    @property
    def sounding_classes(self) -> list[str]:
        return [item["class"] for item in self.objects if item["sounding"]]


def render_clip(
    rng: np.random.Generator, classes: list[ObjectClass], num_objects: int, num_sounding: int, num_frames: int, image_size: int
) -> tuple[list[PIL.Image.Image], list[np.ndarray], np.ndarray, list[dict]]:
    """Frames (RGB), class-id maps [H, W] (0 = not sounding / background), waveform, object records."""
    class_indices = rng.choice(len(classes), size=num_objects, replace=False)
    sounding = np.zeros(num_objects, dtype=bool)
    sounding[rng.choice(num_objects, size=num_sounding, replace=False)] = True
    paths = place_objects(rng, num_objects, num_frames, image_size)
    background_color = rng.integers(20, 90, size=3)
    frames, label_maps = [], []
    for frame in range(num_frames):
        noise = rng.integers(-12, 13, size=(image_size, image_size, 3))
        image = PIL.Image.fromarray(np.clip(background_color + noise, 0, 255).astype(np.uint8))
        draw = PIL.ImageDraw.Draw(image)
        label_map = np.zeros((image_size, image_size), dtype=np.int64)
        for index, class_index in enumerate(class_indices):
            object_class = classes[class_index]
            x, y, radius = paths[index][frame]
            draw_shape(draw, object_class.shape, (x, y), radius, object_class.color)
            if sounding[index]:
                # the mask is drawn with the very same call, so it covers exactly the object's pixels
                mask = PIL.Image.new("L", (image_size, image_size), 0)
                draw_shape(PIL.ImageDraw.Draw(mask), object_class.shape, (x, y), radius, 255)
                label_map[np.asarray(mask) > 0] = object_class.class_id + 1
        frames.append(image)
        label_maps.append(label_map)
    waveform = 0.01 * rng.standard_normal(num_frames * SAMPLING_RATE)
    for index, class_index in enumerate(class_indices):
        if sounding[index]:
            waveform += rng.uniform(0.18, 0.25) * object_sound(classes[class_index], num_frames, rng)
    objects = [
        {
            "class": classes[class_index].name,
            "class_id": classes[class_index].class_id,
            "sounding": bool(sounding[index]),
            "boxes": [[round(x - r, 2), round(y - r, 2), round(x + r, 2), round(y + r, 2)] for x, y, r in paths[index]],
        }
        for index, class_index in enumerate(class_indices)
    ]
    return frames, label_maps, waveform, objects


def split_sizes(num_clips: int, fractions=(0.7, 0.15, 0.15)) -> dict[str, int]:
    """Clips per split; val and test get at least one clip each when there are 3 or more."""
    if num_clips < 3:
        raise ValueError(f"num_clips must be at least 3 (one per split), got {num_clips}")
    val = max(1, round(num_clips * fractions[1]))
    test = max(1, round(num_clips * fractions[2]))
    return {"train": num_clips - val - test, "val": val, "test": test}


def save_png(image: PIL.Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=False)


def save_jpeg(image: PIL.Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="JPEG", quality=92)


def save_wav(waveform: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(waveform, -1, 1).astype(np.float32), SAMPLING_RATE, format="WAV", subtype="PCM_16")
    path.write_bytes(buffer.getvalue())


def binary_mask_image(label_map: np.ndarray) -> PIL.Image.Image:
    return PIL.Image.fromarray(np.where(label_map > 0, 255, 0).astype(np.uint8), mode="L")


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def clip_plan(
    layout: str, num_clips: int, rng: np.random.Generator, seconds: int, num_classes: int = 3
) -> list[tuple[str, str | None, int, int, int]]:
    """Per clip (split, AVSS subset label, frames, objects, sounding objects); objects are of distinct classes."""
    max_objects = min(3, num_classes)
    plan = []
    sizes = split_sizes(num_clips)
    index = 0
    for split in SPLITS:
        for _ in range(sizes[split]):
            subset_label = AVSS_SUBSET_LABELS[index % 3] if layout == "avss" else None
            num_frames = 2 * seconds if subset_label == "v2" else seconds
            num_objects = int(rng.integers(1, max_objects + 1))
            multi_source = layout == "ms3" or subset_label in ("v1m", "v2")
            num_sounding = int(rng.integers(1, num_objects + 1)) if multi_source else 1
            plan.append((split, subset_label, num_frames, num_objects, num_sounding))
            index += 1
    return plan


def generate_synthavs(
    out_dir,
    layout: str = "s4",
    num_clips: int = 60,
    image_size: int = 64,
    num_classes: int = 8,
    seconds: int = 5,
    seed: int = 0,
    overwrite: bool = False,
) -> Path:
    """Writes a SynthAVS subset in AVSBench's layout under `out_dir` and returns `out_dir`, the root that
    `load_avsbench(root, subset=layout)` takes (S4/MS3 clips have `seconds` frames: pass
    `num_frames=seconds` to the loader when it is not 5; AVSS v2 clips are twice as long).

    Same arguments -> byte-identical files.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if seconds < 1 or image_size < 16:
        raise ValueError(f"need seconds >= 1 and image_size >= 16, got seconds={seconds}, image_size={image_size}")
    root = Path(out_dir)
    subset_dir = empty_subset_dir(root / LAYOUT_FOLDERS[layout], overwrite)
    classes = synth_classes(layout, num_classes)
    plan_rng = np.random.default_rng([seed, LAYOUTS.index(layout)])
    clips: list[SynthClip] = []
    metadata_rows = []
    for index, (split, subset_label, num_frames, num_objects, num_sounding) in enumerate(
        clip_plan(layout, num_clips, plan_rng, seconds, num_classes=len(classes))
    ):
        # every clip draws from its own stream, so changing one clip changes no other
        rng = np.random.default_rng([seed, LAYOUTS.index(layout), index])
        frames, label_maps, waveform, objects = render_clip(rng, classes, num_objects, num_sounding, num_frames, image_size)
        clip = SynthClip(f"synth{index:05d}", split, subset_label, num_frames, objects)
        metadata_rows.append(write_clip(layout, subset_dir, clip, frames, label_maps, waveform))
        clips.append(clip)
    write_metadata(layout, subset_dir, metadata_rows)
    manifest = {
        "layout": layout,
        "seed": seed,
        "image_size": image_size,
        "seconds": seconds,
        "sampling_rate": SAMPLING_RATE,
        "classes": [asdict(object_class) for object_class in classes],
        "clips": [asdict(clip) for clip in clips],
    }
    (subset_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return root


def empty_subset_dir(subset_dir: Path, overwrite: bool) -> Path:
    if subset_dir.exists() and any(subset_dir.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{subset_dir} already exists and is not empty (pass overwrite=True to replace it)")
        shutil.rmtree(subset_dir)
    return subset_dir


def write_clip(layout: str, subset_dir: Path, clip: SynthClip, frames, label_maps, waveform) -> list:
    """Write one clip in the layout's folders; returns its row of the layout's metadata CSV."""
    video_id = clip.video_id
    if layout == "s4":
        category = next(item["class"] for item in clip.objects if item["sounding"])
        write_s4_clip(subset_dir / "s4_data", clip, category, frames, label_maps, waveform)
        return [video_id, 0, category, clip.split]
    if layout == "ms3":
        write_ms3_clip(subset_dir / "ms3_data", clip, frames, label_maps, waveform)
        return [video_id, clip.split]
    clip.video_id = f"{video_id}_0"
    sounding_names = "_".join(clip.sounding_classes)
    write_avss_clip(subset_dir / clip.subset_label / clip.video_id, clip, frames, label_maps, waveform)
    return [video_id, clip.video_id, 0, 0, sounding_names, clip.split, clip.subset_label]


def write_metadata(layout: str, subset_dir: Path, rows: list[list]) -> None:
    if layout == "s4":
        write_csv(subset_dir / "s4_meta_data.csv", ["name", "start time", "category", "split"], rows)
    elif layout == "ms3":
        write_csv(subset_dir / "ms3_meta_data.csv", ["video_id", "split"], rows)
    else:
        write_csv(subset_dir / "metadata.csv", ["vid", "uid", "s_min", "s_sec", "a_obj", "split", "label"], rows)
        label2idx = {name: index for index, name in enumerate(AVSS_CLASS_NAMES)}
        (subset_dir / "label2idx.json").write_text(json.dumps(label2idx, indent=1) + "\n", encoding="utf-8")


def write_s4_clip(data_dir: Path, clip: SynthClip, category: str, frames, label_maps, waveform) -> None:
    name = clip.video_id
    for frame_number, (frame, label_map) in enumerate(zip(frames, label_maps), start=1):
        save_png(frame, data_dir / "visual_frames" / clip.split / category / name / f"{name}_{frame_number}.png")
        if clip.split != "train" or frame_number == 1:  # S4 train clips are labelled on frame 1 only
            save_png(binary_mask_image(label_map), data_dir / "gt_masks" / clip.split / category / name / f"{name}_{frame_number}.png")
    save_wav(waveform, data_dir / "audio_wav" / clip.split / category / f"{name}.wav")


def write_ms3_clip(data_dir: Path, clip: SynthClip, frames, label_maps, waveform) -> None:
    name = clip.video_id
    for frame_number, (frame, label_map) in enumerate(zip(frames, label_maps), start=1):
        save_png(frame, data_dir / "visual_frames" / name / f"{name}.mp4_{frame_number}.png")
        save_png(binary_mask_image(label_map), data_dir / "gt_masks" / clip.split / name / f"{name}_{frame_number}.png")
    save_wav(waveform, data_dir / "audio_wav" / clip.split / f"{name}.wav")


def write_avss_clip(clip_dir: Path, clip: SynthClip, frames, label_maps, waveform) -> None:
    for frame_index, (frame, label_map) in enumerate(zip(frames, label_maps)):
        save_jpeg(frame, clip_dir / "frames" / f"{frame_index}.jpg")
        if not (clip.subset_label == "v1s" and clip.split == "train" and frame_index > 0):
            # label maps hold class_id + 1 for sounding pixels; AVSS ids are already 1-based (0 = background)
            class_ids = np.where(label_map > 0, label_map - 1, 0)
            save_png(PIL.Image.fromarray(label_to_color(class_ids)), clip_dir / "labels_rgb" / f"{frame_index}.png")
    save_wav(waveform, clip_dir / "audio.wav")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avesformer_hf.data.synthetic", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", help="root folder (gets Single-source/, Multi-sources/ or AVSS/)")
    parser.add_argument("--layout", choices=LAYOUTS, default="s4")
    parser.add_argument("--num-clips", type=int, default=60)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--num-classes", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    root = generate_synthavs(
        args.out_dir,
        layout=args.layout,
        num_clips=args.num_clips,
        image_size=args.image_size,
        num_classes=args.num_classes,
        seconds=args.seconds,
        seed=args.seed,
        overwrite=args.overwrite,
    )
    print(f"SynthAVS {args.layout}: {args.num_clips} clips under {root / LAYOUT_FOLDERS[args.layout]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
