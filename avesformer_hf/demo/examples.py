"""Small SynthAVS clips as mp4 files with sound: the demo's examples and the notebook's default clip."""

import json
import tempfile
from pathlib import Path

import PIL.Image
import soundfile

from ..inference.video import write_video

EXAMPLE_IMAGE_SIZE = 128


def _load_rgb(path: Path) -> PIL.Image.Image:
    with PIL.Image.open(path) as image:
        return image.convert("RGB")


def ensure_example_clips(examples_dir: Path | str, num_clips: int = 2, image_size: int = EXAMPLE_IMAGE_SIZE) -> list[Path]:
    """The mp4 files in `examples_dir`; when there are none, `num_clips` SynthAVS S4 clips (5 s, 1 fps) are
    generated there first."""
    examples_dir = Path(examples_dir)
    existing = sorted(examples_dir.glob("*.mp4"))
    if existing:
        return existing
    from ..data.synthetic import MANIFEST, generate_synthavs

    written = []
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = generate_synthavs(scratch, layout="s4", num_clips=max(3, num_clips), image_size=image_size) / "Single-source"
        manifest = json.loads((data_dir / MANIFEST).read_text())
        for clip in manifest["clips"][:num_clips]:
            name, split = clip["video_id"], clip["split"]
            category = next(item["class"] for item in clip["objects"] if item["sounding"])  # S4's folder name
            frame_dir = data_dir / "s4_data" / "visual_frames" / split / category / name
            frames = [_load_rgb(frame_dir / f"{name}_{number}.png") for number in range(1, clip["num_frames"] + 1)]
            waveform, rate = soundfile.read(data_dir / "s4_data" / "audio_wav" / split / category / f"{name}.wav", dtype="float32")
            path = examples_dir / f"synthavs_{category}_{name}.mp4"
            write_video(path, frames, audio=waveform, fps=1.0, sampling_rate=rate)
            written.append(path)
    return sorted(written)
