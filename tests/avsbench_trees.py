"""Small AVSBench trees in the official layouts, quirks included: Single-source/ (S4), Multi-sources/ (MS3) and
AVSS/, with 24x16 frames, masks and 16 kHz wavs."""

import json
from pathlib import Path

import numpy as np
import PIL.Image
import soundfile

from avesformer_hf.image_processing_avesformer import label_to_color

SIZE = (24, 16)  # width x height


def frame_image(seed: int) -> PIL.Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(SIZE[1], SIZE[0], 3), dtype=np.uint8)
    return PIL.Image.fromarray(pixels)


def binary_mask(rows: slice) -> PIL.Image.Image:
    mask = np.zeros((SIZE[1], SIZE[0]), dtype=np.uint8)
    mask[rows] = 255
    return PIL.Image.fromarray(mask)


def save(image: PIL.Image.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def save_wav(path: Path, seconds: float = 5.0, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = np.full((int(16000 * seconds), channels), 0.25, dtype=np.float32)
    if channels == 2:
        samples[:, 1] = -0.75
    soundfile.write(path, samples, 16000)
    return path


S4_CLIPS = [("vidA_0", "dog_barking", "train"), ("vidB_30", "playing_piano", "train"), ("vidC_10", "dog_barking", "val"), ("vidD_0", "race_car", "test")]


def write_s4(root: Path) -> Path:
    """Single-source/ as distributed: train clips have a mask for frame 1 only."""
    subset = root / "Single-source"
    data = subset / "s4_data"
    subset.mkdir(parents=True)
    # header names differ from the spec's on purpose: name and category are read by position
    lines = ["video_name,start_second,label_name,split"] + [f"{name},0,{category},{split}" for name, category, split in S4_CLIPS]
    (subset / "s4_meta_data.csv").write_text("\n".join(lines) + "\n")
    for clip_index, (name, category, split) in enumerate(S4_CLIPS):
        for number in range(1, 6):
            save(frame_image(10 * clip_index + number), data / "visual_frames" / split / category / name / f"{name}_{number}.png")
            if split != "train" or number == 1:
                save(binary_mask(slice(0, number)), data / "gt_masks" / split / category / name / f"{name}_{number}.png")
        save_wav(data / "audio_wav" / split / category / f"{name}.wav")
    return root


MS3_CLIPS = [("m1", "train"), ("m2", "val"), ("m3", "test")]


def write_ms3(root: Path) -> Path:
    """Multi-sources/: frames without a split folder and with '.mp4_' in their names; all 5 frames labelled."""
    subset = root / "Multi-sources"
    data = subset / "ms3_data"
    subset.mkdir(parents=True)
    lines = ["video_id,split"] + [f"{name},{split}" for name, split in MS3_CLIPS]
    (subset / "ms3_meta_data.csv").write_text("\n".join(lines) + "\n")
    for name, split in MS3_CLIPS:
        for number in range(1, 6):
            save(frame_image(number), data / "visual_frames" / name / f"{name}.mp4_{number}.png")
            save(binary_mask(slice(number, number + 2)), data / "gt_masks" / split / name / f"{name}_{number}.png")
        save_wav(data / "audio_wav" / split / f"{name}.wav", channels=2)
    return root


# uid, label, split: a v1s train clip (frame 0 labelled), a v1m val clip, a v2 test clip (10 frames)
AVSS_CLIPS = [("u1_0", "v1s", "train"), ("u2_5", "v1m", "val"), ("u3_0", "v2", "test"), ("u4_0", "v1m", "train")]


def avss_labels(index: int) -> np.ndarray:
    labels = np.zeros((SIZE[1], SIZE[0]), dtype=np.int64)
    labels[: 1 + index % 4, :5] = 17  # dog
    labels[-2:, -6:] = 70  # woman
    return labels


def write_avss(root: Path) -> Path:
    """AVSS/: colour masks through the palette; labels_rgb holds only the labelled frames."""
    subset = root / "AVSS"
    subset.mkdir(parents=True)
    lines = ["vid,uid,s_min,s_sec,a_obj,split,label"] + [f"{uid[:2]},{uid},0,0,dog,{split},{label}" for uid, label, split in AVSS_CLIPS]
    (subset / "metadata.csv").write_text("\n".join(lines) + "\n")
    (subset / "label2idx.json").write_text(json.dumps({f"class{index}": index for index in range(71)}))
    for uid, label, split in AVSS_CLIPS:
        clip = subset / label / uid
        length = 10 if label == "v2" else 5
        for index in range(length):
            save(frame_image(index), clip / "frames" / f"{index}.jpg")
            if not (label == "v1s" and split == "train" and index > 0):
                save(PIL.Image.fromarray(label_to_color(avss_labels(index))), clip / "labels_rgb" / f"{index}.png")
        save_wav(clip / "audio.wav", seconds=length)
    return root
