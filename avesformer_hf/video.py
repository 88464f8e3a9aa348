"""Read clips (frames at a chosen rate + mono 16 kHz audio) from video files and write overlay videos, with PyAV.

Frame t of a clip read at `fps` is the picture shown at `start + t / fps`; its audio is the 0.96 s that
starts there (`Clip.audio_windows`).
"""

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import PIL.Image

from .feature_extraction_vggish import resample
from .overlay import render_overlay

SAMPLING_RATE = 16000
WINDOW_SAMPLES = 15600  # one VGGish example: 0.96 s of frames, 0.975 s of samples
TIME_TOLERANCE = 1e-4  # seconds; frame times are rationals turned into floats


@dataclass
class Clip:
    """Frames sampled at `fps` and the mono waveform of the same span (`sampling_rate`, float32)."""

    frames: list[PIL.Image.Image]
    waveform: np.ndarray
    sampling_rate: int = SAMPLING_RATE
    fps: float = 1.0
    start: float = 0.0
    duration: float = field(default=0.0)

    def audio_windows(self, window_samples: int = WINDOW_SAMPLES) -> list[np.ndarray]:
        """Frame t's audio: `window_samples` from t / fps (moved back to end with the clip for the last frames)."""
        if len(self.waveform) < window_samples:
            raise ValueError(
                f"the clip has {len(self.waveform) / self.sampling_rate:.3f} s of audio; one window needs "
                f"{window_samples / self.sampling_rate:.3f} s"
            )
        last_start = len(self.waveform) - window_samples
        starts = [min(round(index / self.fps * self.sampling_rate), last_start) for index in range(len(self.frames))]
        return [self.waveform[start : start + window_samples] for start in starts]


def open_container(path) -> av.container.InputContainer:
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return av.open(str(path))
    except av.error.FFmpegError as error:
        raise ValueError(f"{path}: not a readable video file ({error})") from error


def stream_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def read_frames(path, container, fps: float, start: float, count: int) -> list[PIL.Image.Image]:
    """The picture on screen at start + t / fps for t < count (the last decoded frame fills a short tail)."""
    targets = [start + index / fps for index in range(count)]
    chosen, previous = [], None
    try:
        if start > 0:
            container.seek(int(start * av.time_base), backward=True)
        for frame in container.decode(video=0):
            while len(chosen) < count and frame.time is not None and frame.time > targets[len(chosen)] + TIME_TOLERANCE:
                chosen.append((previous or frame).to_image())
            previous = frame
            if len(chosen) == count:
                break
    except av.error.FFmpegError as error:
        raise ValueError(f"{path}: video stream could not be decoded ({error})") from error
    if previous is None:
        raise ValueError(f"{path}: the video stream holds no frames from {start:.3f} s")
    while len(chosen) < count:
        chosen.append(previous.to_image())
    return chosen


def read_audio(path, container, start: float, duration: float) -> tuple[np.ndarray, int]:
    """Channel-averaged float waveform of [start, start + duration) at the stream's own rate."""
    to_float = av.AudioResampler(format="fltp")  # any sample format -> planar float, same layout and rate
    pieces, first_time, rate = [], None, container.streams.audio[0].rate
    try:
        for decoded in container.decode(audio=0):
            if first_time is None:
                first_time = decoded.time or 0.0
            for frame in to_float.resample(decoded):
                rate = frame.sample_rate
                pieces.append(frame.to_ndarray().astype(np.float64).mean(axis=0))  # [channels, samples] -> mono
            if pieces and first_time + sum(map(len, pieces)) / rate >= start + duration:
                break
    except av.error.FFmpegError as error:
        raise ValueError(f"{path}: audio stream could not be decoded ({error})") from error
    if not pieces:
        raise ValueError(f"{path}: the audio stream holds no samples")
    waveform = np.concatenate(pieces)
    offset = round((start - first_time) * rate)
    if offset < 0:
        waveform, offset = np.concatenate([np.zeros(-offset), waveform]), 0
    return waveform[offset : offset + round(duration * rate)], rate


def read_clip(path, fps: float = 1.0, start: float = 0.0, duration: float | None = None) -> Clip:
    """Frames at `fps` from `start` for `duration` seconds (default: to the end) and the mono 16 kHz audio."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    with open_container(path) as container:
        if not container.streams.video:
            raise ValueError(f"{path}: no video stream")
        if not container.streams.audio:
            raise ValueError(f"{path}: no audio stream (AVESFormer needs the sound of the clip)")
        available = stream_duration(container, container.streams.video[0])
    if available is not None:
        available -= start
        duration = available if duration is None else min(duration, available)
    if duration is None or duration <= 0:
        raise ValueError(f"{path}: zero-length clip (nothing from {start:.3f} s)")
    count = math.floor(duration * fps + TIME_TOLERANCE)
    if count == 0:
        raise ValueError(f"{path}: the clip is {duration:.3f} s long, shorter than one frame at {fps} fps")
    with open_container(path) as container:
        frames = read_frames(path, container, fps, start, count)
    with open_container(path) as container:
        waveform, rate = read_audio(path, container, start, duration)
    if rate != SAMPLING_RATE:
        waveform = resample(waveform, rate, SAMPLING_RATE)
    return Clip(frames, waveform.astype(np.float32), SAMPLING_RATE, fps, start, duration)


def write_video(
    path, frames, masks=None, audio=None, fps: float = 1.0, sampling_rate: int = SAMPLING_RATE, alpha: float = 0.5,
    id2label: dict | None = None,
):
    """Write a playable H.264/AAC mp4 of `frames`, with `masks` drawn over them (`overlay.render_overlay`: outlined,
    contrasting fill; class masks with a legend of `id2label` names) and `audio` (mono float) as sound."""
    if not frames:
        raise ValueError(f"{path}: no frames to write")
    if masks is not None and len(masks) != len(frames):
        raise ValueError(f"{path}: {len(masks)} masks for {len(frames)} frames")
    pictures = frames if masks is None else [
        render_overlay(frame, mask, id2label=id2label, alpha=alpha) for frame, mask in zip(frames, masks)
    ]
    width, height = pictures[0].size
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        video.width, video.height = width - width % 2, height - height % 2  # yuv420p needs even sides
        video.pix_fmt = "yuv420p"
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=sampling_rate)
            sound.layout = "mono"
        for picture in pictures:
            frame = av.VideoFrame.from_image(picture.convert("RGB")).reformat(video.width, video.height, format="yuv420p")
            container.mux(video.encode(frame))
        container.mux(video.encode())
        if sound is not None:
            samples = np.asarray(audio, dtype=np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate = sampling_rate
            container.mux(sound.encode(frame))
            container.mux(sound.encode())
    return Path(path)
