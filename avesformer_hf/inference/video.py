"""Video files: reading clips (frames at a chosen rate + mono 16 kHz audio; the decoder lives with the pipeline, in
the remote-code set) and writing overlay videos with PyAV.

Frame t of a clip read at `fps` is the picture shown at `start + t / fps`; its audio is the 0.96 s that
starts there (`Clip.audio_windows`).
"""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from tqdm.auto import tqdm

from .overlay import render_overlay
from ..pipeline_avesformer import (  # noqa: F401  (the reading half, re-exported)
    SAMPLING_RATE,
    WINDOW_SAMPLES,
    Clip,
    open_container,
    read_clip,
    stream_duration,
)


def write_video(path, frames, masks=None, audio=None, fps: float = 1.0, sampling_rate: int = SAMPLING_RATE,
                alpha: float = 0.5, id2label: dict | None = None, show_progress: bool = False):
    """Write a playable H.264/AAC mp4 of `frames`, with `masks` drawn over them (`overlay.render_overlay`: outlined,
    contrasting fill; class masks with a legend of `id2label` names) and `audio` (mono float) as sound. The file is
    written beside `path` and renamed into place, so a failure leaves no half-written video."""
    path = Path(path)
    if not frames:
        raise ValueError(f"{path}: no frames to write")
    if masks is not None and len(masks) != len(frames):
        raise ValueError(f"{path}: {len(masks)} masks for {len(frames)} frames")
    width, height = frames[0].size
    if width < 2 or height < 2:
        raise ValueError(f"{path}: the frames are {width}x{height} pixels; an H.264 video needs at least 2x2")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        with av.open(str(partial), mode="w") as container:
            video = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
            video.width, video.height = width - width % 2, height - height % 2  # yuv420p needs even sides
            video.pix_fmt = "yuv420p"
            sound = None
            if audio is not None:
                sound = container.add_stream("aac", rate=sampling_rate)
                sound.layout = "mono"
            for index in tqdm(range(len(frames)), desc="writing video", unit="frame", disable=not show_progress):
                picture = frames[index] if masks is None else render_overlay(frames[index], masks[index], id2label=id2label, alpha=alpha)
                frame = av.VideoFrame.from_image(picture.convert("RGB")).reformat(video.width, video.height, format="yuv420p")
                container.mux(video.encode(frame))
            container.mux(video.encode())
            if sound is not None:
                samples = np.asarray(audio, dtype=np.float32).reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
                frame.sample_rate = sampling_rate
                container.mux(sound.encode(frame))
                container.mux(sound.encode())
        partial.replace(path)
    except (OSError, av.error.FFmpegError) as error:
        partial.unlink(missing_ok=True)
        raise OSError(f"{path}: the video could not be written ({getattr(error, 'strerror', None) or error})") from error
    return path
