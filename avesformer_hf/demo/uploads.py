"""The demo's uploads: checked and decoded in a child process (`isolated.call_in_child`), so that a file that
crashes a decoder ends one request with an error instead of the server.

`decode_upload` is the child's side: it returns the frames and the mono 16 kHz waveform as arrays.
`read_upload` is the server's side: it returns a `Clip`, or raises `DemoError` with a message that names the
uploaded file by its own name, never by the server path it was stored under.
"""

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL.Image

from .isolated import ChildCrashed, ChildFailed, ChildTimedOut, call_in_child, describe_exit
from ..inference.video import SAMPLING_RATE, WINDOW_SAMPLES, Clip, open_container, read_clip, stream_duration

USER_ERRORS = ("DemoError", "ValueError", "FileNotFoundError")  # raised by the checks, shown as they are
CHILD_PRELOAD = [__name__]  # imported once by the forkserver the decoding children fork from


class DemoError(Exception):
    """A problem with the user's input or model choice, shown to them as is."""


@dataclass(frozen=True)
class UploadLimits:
    max_seconds: float = 20.0
    max_file_mb: float = 50.0
    max_pixels: int = 3840 * 2160
    min_side: int = 32
    timeout_s: float = 120.0  # a decode that takes longer is killed


def check_file(path: str, what: str, limits: UploadLimits) -> None:
    name = Path(path).name
    if not os.path.isfile(path):
        raise DemoError(f"The {what} {name} is no longer on the server; upload it again.")
    megabytes = os.path.getsize(path) / 2**20
    if megabytes == 0:
        raise DemoError(f"The {what} {name} is empty (0 bytes).")
    if megabytes > limits.max_file_mb:
        raise DemoError(
            f"The {what} {name} is {megabytes:.1f} MB; this demo takes files up to {limits.max_file_mb:g} MB."
        )


def check_size(name: str, width: int, height: int, limits: UploadLimits) -> None:
    if min(width, height) < limits.min_side:
        side = limits.min_side
        raise DemoError(f"{name} is {width}x{height} pixels; this demo needs at least {side}x{side}.")
    if width * height > limits.max_pixels:
        raise DemoError(
            f"{name} is {width}x{height} pixels; this demo takes pictures of up to {limits.max_pixels / 1e6:.1f} "
            "megapixels. Scale it down and try again."
        )


def check_seconds(name: str, seconds: float, limits: UploadLimits, at_least: float = 0.0) -> None:
    if seconds > limits.max_seconds + 1e-3:
        raise DemoError(
            f"{name} is {seconds:.1f} s long; this demo takes clips up to {limits.max_seconds:g} s. "
            "Trim it and try again."
        )
    if seconds < at_least:
        raise DemoError(f"The sound of {name} is {seconds:.2f} s long; at least {at_least:.2f} s is needed.")


def decode_video(path: str, limits: UploadLimits) -> tuple[dict, dict]:
    name = Path(path).name
    check_file(path, "video", limits)
    with open_container(path) as container:
        if not container.streams.video:
            raise DemoError(f"{name} holds no video stream: upload a video with sound, or an image and an audio file.")
        if not container.streams.audio:
            raise DemoError(f"{name} has no audio track: AVESFormer needs the sound to find the sounding objects.")
        stream = container.streams.video[0]
        check_size(name, stream.codec_context.width, stream.codec_context.height, limits)
        seconds = stream_duration(container, stream)
    if seconds is not None:
        check_seconds(name, seconds, limits)
    clip = read_clip(path, fps=1.0, duration=limits.max_seconds)
    check_seconds(name, len(clip.waveform) / SAMPLING_RATE, limits, at_least=WINDOW_SAMPLES / SAMPLING_RATE)
    frames = np.stack([np.asarray(frame.convert("RGB")) for frame in clip.frames])
    return {"fps": clip.fps, "duration": clip.duration, "repeat": 1}, {"frames": frames, "waveform": clip.waveform}


def read_still(path: str, limits: UploadLimits) -> np.ndarray:
    name = Path(path).name
    check_file(path, "image", limits)
    try:
        with PIL.Image.open(path) as image:
            check_size(name, *image.size, limits)
            return np.asarray(image.convert("RGB"))
    except (PIL.UnidentifiedImageError, OSError) as error:
        raise DemoError(f"{name} is not an image this demo can read (PNG, JPEG, WebP, ...): {error}") from error


def read_sound(path: str, limits: UploadLimits) -> np.ndarray:
    """Mono float32 at 16 kHz."""
    import soundfile

    from ..feature_extraction_vggish import resample

    name = Path(path).name
    check_file(path, "audio file", limits)
    try:
        waveform, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise DemoError(f"{name} is not an audio file this demo can read (WAV, FLAC, OGG, MP3): {error}") from error
    waveform = waveform.mean(axis=1)
    check_seconds(name, len(waveform) / rate, limits, at_least=WINDOW_SAMPLES / SAMPLING_RATE)
    return resample(waveform, rate, SAMPLING_RATE).astype(np.float32) if rate != SAMPLING_RATE else waveform


def decode_still(image: str, audio: str, limits: UploadLimits) -> tuple[dict, dict]:
    """The still image shown once per whole second of the audio."""
    picture, waveform = read_still(image, limits), read_sound(audio, limits)
    seconds = len(waveform) / SAMPLING_RATE
    meta = {"fps": 1.0, "duration": seconds, "repeat": max(1, math.floor(seconds))}
    return meta, {"frames": picture[None], "waveform": waveform}


def decode_upload(video: str | None, image: str | None, audio: str | None, limits: UploadLimits) -> tuple[dict, dict]:
    """Run in the child: the upload's frames [T,H,W,3] uint8 and waveform, or a DemoError."""
    if video:
        return decode_video(video, limits)
    return decode_still(image, audio, limits)


def without_paths(message: str, paths) -> str:
    """`message` with each of `paths` (and any other path under the temp folder) cut to its file name."""
    for path in sorted((str(path) for path in paths if path), key=len, reverse=True):
        message = message.replace(path, Path(path).name)
    roots = {tempfile.gettempdir(), str(Path(tempfile.gettempdir()).resolve()), os.environ.get("GRADIO_TEMP_DIR")}
    for root in sorted(filter(None, roots), key=len, reverse=True):
        message = re.sub(rf"{re.escape(root.rstrip('/'))}/(?:[^\s'\":/]+/)*([^\s'\":/]+)", r"\1", message)
    return message


def read_upload(video, image, audio, limits: UploadLimits, decode=decode_upload) -> Clip:
    """The clip of a video upload (or of an image + audio upload), decoded by `decode` in a child process."""
    if not video and (image is None) != (audio is None):
        raise DemoError("An image needs an audio file with it (or upload a video with sound instead).")
    if not video and image is None:
        raise DemoError("Upload a video with sound, or an image and an audio file.")
    name = Path(video or image).name
    try:
        meta, arrays = call_in_child(decode, video, image, audio, limits, timeout_s=limits.timeout_s)
    except ChildFailed as error:
        message = " ".join(without_paths(str(error), [video, image, audio]).split())  # one line
        if error.kind not in USER_ERRORS:
            message = f"{name} could not be read ({error.kind}: {message})."
        raise DemoError(message) from None
    except ChildCrashed as error:
        raise DemoError(
            f"Reading {name} crashed the decoder ({describe_exit(error.exitcode)}); the file may be damaged or use a "
            "format this demo cannot decode (7.1 surround sound is one). The demo is still running: try another file."
        ) from None
    except ChildTimedOut:
        raise DemoError(
            f"Reading {name} took longer than {limits.timeout_s:g} s; try a shorter or smaller file."
        ) from None
    repeat = min(int(meta["repeat"]), math.ceil(limits.max_seconds))  # the answer of a child is not trusted
    frames = [PIL.Image.fromarray(frame) for frame in arrays["frames"]] * repeat
    return Clip(frames, arrays["waveform"], SAMPLING_RATE, fps=meta["fps"], start=0.0, duration=meta["duration"])
