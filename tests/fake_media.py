"""Fake camera and microphone files for headless chromium, from a SynthAVS clip: a Y4M video and a WAV file."""

from pathlib import Path

import numpy as np
import PIL.Image
import soundfile

from avesformer_hf.data.synthetic import SAMPLING_RATE, render_clip, synth_classes


def synthavs_clip(seconds: int = 4, image_size: int = 128, seed: int = 3, num_classes: int = 4):
    """(frames one per second, label maps, waveform at 16 kHz) of one seeded single-source SynthAVS clip with two
    objects (`num_classes` must match a trained model's SynthAVS classes for its sounds to mean anything)."""
    classes = synth_classes("s4", num_classes)
    frames, label_maps, waveform, _ = render_clip(np.random.default_rng(seed), classes, 2, 1, seconds, image_size)
    return frames, label_maps, waveform


def write_y4m(path: Path, frames: list[PIL.Image.Image], fps: int) -> Path:
    """YUV4MPEG2, 4:2:0 (what chromium's --use-file-for-fake-video-capture reads): a header line, then per frame
    "FRAME\\n" and the Y, U and V planes (U and V at half width and height)."""
    width, height = frames[0].size
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, u, v = frame.convert("YCbCr").split()
            handle.write(b"FRAME\n" + y.tobytes())
            for plane in (u, v):
                handle.write(plane.resize((width // 2, height // 2), PIL.Image.BILINEAR).tobytes())
    return path


def write_fake_devices(folder: Path, seconds: int = 4, fps: int = 10, image_size: int = 128, seed: int = 3,
                       num_classes: int = 4):
    """clip.y4m (each SynthAVS frame held for one second at `fps`) and sound.wav (16-bit, 16 kHz) in `folder`."""
    frames, label_maps, waveform = synthavs_clip(seconds, image_size, seed, num_classes)
    video = write_y4m(folder / "clip.y4m", [frame for frame in frames for _ in range(fps)], fps)
    sound = folder / "sound.wav"
    soundfile.write(sound, np.clip(waveform, -1, 1).astype(np.float32), SAMPLING_RATE, subtype="PCM_16")
    return video, sound, label_maps
