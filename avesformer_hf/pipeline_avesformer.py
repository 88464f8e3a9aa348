"""`pipeline("audio-visual-segmentation")`: a video file (or frames + audio) -> one entry per frame with its masks.

Part of the remote-code set (relative imports only): a pushed repo carries this file and names it in its config's
`custom_pipelines`, so `pipeline(model=REPO, trust_remote_code=True)` works without the avesformer_hf package.
Reading video files needs PyAV, imported when a file is read.

Frame t of a clip read at `fps` is the picture shown at `start + t / fps`. Up to 1 frame per second, frame t is
segmented with the audio window that starts at it (AVSBench; VGGish: 0.975 s); above, the audio encoder runs once
per hop (VGGish: 0.96 s; other encoders: the processor's `audio_window_seconds`) and every frame takes the embedding
of the hop it falls in (the pairing of the streamer's file alignment, at a fraction of the cost). Any audio encoder
the model has works: the processor turns each window into that encoder's input.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL.Image
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers.pipelines import PIPELINE_REGISTRY, Pipeline

from .feature_extraction_vggish import load_waveform, resample

TASK = "audio-visual-segmentation"
SAMPLING_RATE = 16000
WINDOW_SAMPLES = 15600  # one VGGish example: 0.96 s of frames, 0.975 s of samples
TIME_TOLERANCE = 1e-4  # seconds; frame times are rationals turned into floats
PROGRESS_AFTER_SECONDS = 5.0  # longer clips show progress bars for decoding, segmenting and writing
POST_PROCESS_FRAMES = 16  # frames resized to full size at a time (bounds memory for long HD clips)


def check_options(prefix: str = "", fps=None, start=None, duration=None, threshold=None, chunk_seconds=None):
    """Raise a one-line ValueError naming the first invalid option (`prefix` + name, e.g. "--fps"); None = not given."""
    finite = lambda value: isinstance(value, (int, float)) and math.isfinite(value)  # noqa: E731
    problems = [
        (fps, lambda v: finite(v) and v > 0, "fps", "a positive number of frames per second"),
        (start, lambda v: finite(v) and v >= 0, "start", "a time in seconds >= 0"),
        (duration, lambda v: finite(v) and v > 0, "duration", "a number of seconds > 0 (or nothing: to the end)"),
        (threshold, lambda v: finite(v) and 0 <= v <= 1, "threshold", "a probability in [0, 1]"),
        (chunk_seconds, lambda v: finite(v) and v > 0, "chunk-seconds" if prefix else "chunk_seconds", "a number of seconds > 0"),
    ]
    for value, valid, name, expected in problems:
        if value is not None and not valid(value):
            raise ValueError(f"{prefix}{name} must be {expected}, got {value}")


@dataclass
class Clip:
    """Frames sampled at `fps` and the mono waveform of the same span (`sampling_rate`, float32)."""

    frames: list[PIL.Image.Image]
    waveform: np.ndarray
    sampling_rate: int = SAMPLING_RATE
    fps: float = 1.0
    start: float = 0.0
    duration: float = 0.0

    def audio_windows(self, window_samples: int = WINDOW_SAMPLES) -> list[np.ndarray]:
        """Frame t's audio: `window_samples` from t / fps (moved back to end with the clip for the last frames)."""
        self.check_holds(window_samples)
        last_start = len(self.waveform) - window_samples
        starts = [min(round(index / self.fps * self.sampling_rate), last_start) for index in range(len(self.frames))]
        return [self.waveform[start : start + window_samples] for start in starts]

    def at_rate(self, sampling_rate: int) -> "Clip":
        """This clip with its audio resampled to `sampling_rate` (itself when it is at that rate)."""
        if sampling_rate == self.sampling_rate:
            return self
        waveform = resample(self.waveform, self.sampling_rate, sampling_rate).astype(np.float32)
        return Clip(self.frames, waveform, sampling_rate, self.fps, self.start, self.duration)

    def hop_windows(self, hop_samples: int, window_samples: int) -> list[np.ndarray]:
        """The windows of `window_samples` that start every `hop_samples`, as many as the audio holds (at least one)."""
        self.check_holds(window_samples)
        count = 1 + (len(self.waveform) - window_samples) // hop_samples
        return [self.waveform[k * hop_samples : k * hop_samples + window_samples] for k in range(count)]

    def check_holds(self, window_samples: int) -> None:
        if len(self.waveform) < window_samples:
            raise ValueError(
                f"the clip has {len(self.waveform) / self.sampling_rate:.3f} s of audio; one window needs "
                f"{window_samples / self.sampling_rate:.3f} s"
            )

    def hops_of_frames(self, hop_samples: int, num_hops: int) -> np.ndarray:
        """The hop each frame falls in (frame i shown at i / fps), the last complete one for a short tail."""
        hop_seconds = hop_samples / self.sampling_rate
        hops = np.floor(np.arange(len(self.frames)) / (self.fps * hop_seconds) + 1e-9).astype(np.int64)
        return np.minimum(hops, num_hops - 1)


def import_av():
    try:
        import av
    except ImportError as error:
        raise ImportError("reading video files needs PyAV: pip install av") from error
    return av


def open_container(path):
    av = import_av()
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
        return container.duration / import_av().time_base
    return None


class ClipDecoder:
    """One pass over the packets of a file: the pictures on screen at start + t / fps (t < count) and the mono
    audio of [start, start + duration), the mean of the channels. Samples are read from packed (interleaved) frames:
    PyAV's planar reading crashes the process for 8 channels (7.1)."""

    def __init__(self, path, container, fps: float, start: float, duration: float, count: int, progress):
        av = import_av()
        self.path, self.container, self.progress = path, container, progress
        self.targets = [start + index / fps for index in range(count)]
        self.start, self.end = start, start + duration
        self.chosen, self.previous = [], None
        self.to_packed = av.AudioResampler(format="flt")  # same layout and rate, one interleaved plane
        self.pieces, self.first_time, self.rate = [], None, container.streams.audio[0].rate

    def video_done(self) -> bool:
        return len(self.chosen) == len(self.targets)

    def audio_done(self) -> bool:
        received = sum(map(len, self.pieces))
        return self.first_time is not None and self.first_time + received / self.rate >= self.end

    def take_picture(self, frame):
        while not self.video_done() and frame.time is not None and frame.time > self.targets[len(self.chosen)] + TIME_TOLERANCE:
            self.chosen.append((self.previous or frame).to_image())
            self.progress.update(1)
        self.previous = frame

    def take_samples(self, decoded):
        if self.first_time is None:
            self.first_time = decoded.time or 0.0
        for frame in self.to_packed.resample(decoded):
            self.rate, channels = frame.sample_rate, frame.layout.nb_channels
            self.pieces.append(frame.to_ndarray().reshape(-1, channels).astype(np.float64).mean(axis=1))

    def decode(self) -> tuple[list[PIL.Image.Image], np.ndarray, int]:
        av = import_av()
        video, audio = self.container.streams.video[0], self.container.streams.audio[0]
        try:
            if self.start > 0:  # a second early: the keyframe before `start`, and audio from before it
                self.container.seek(int(max(0.0, self.start - 1.0) * av.time_base), backward=True)
            for packet in self.container.demux(video, audio):
                if packet.stream.type == "video" and not self.video_done():
                    for frame in packet.decode():
                        self.take_picture(frame)
                elif packet.stream.type == "audio" and not self.audio_done():
                    for decoded in packet.decode():
                        self.take_samples(decoded)
                if self.video_done() and self.audio_done():
                    break
        except av.error.FFmpegError as error:
            raise ValueError(f"{self.path}: the streams could not be decoded ({error})") from error
        return self.finish_frames(), *self.finish_audio()

    def finish_frames(self) -> list[PIL.Image.Image]:
        if self.previous is None:
            raise ValueError(f"{self.path}: the video stream holds no frames from {self.start:.3f} s")
        while not self.video_done():
            self.chosen.append(self.previous.to_image())
            self.progress.update(1)
        return self.chosen

    def finish_audio(self) -> tuple[np.ndarray, int]:
        if not self.pieces:
            raise ValueError(f"{self.path}: the audio stream holds no samples")
        waveform = np.concatenate(self.pieces)
        offset = round((self.start - self.first_time) * self.rate)
        if offset < 0:
            waveform, offset = np.concatenate([np.zeros(-offset), waveform]), 0
        return waveform[offset : offset + round((self.end - self.start) * self.rate)], self.rate


def probe(path, container, start: float, duration: float | None) -> float:
    """The seconds to read from `start`: `duration`, cut to what the video holds."""
    if not container.streams.video:
        raise ValueError(f"{path}: no video stream")
    if not container.streams.audio:
        raise ValueError(f"{path}: no audio stream (AVESFormer needs the sound of the clip)")
    available = stream_duration(container, container.streams.video[0])
    if available is not None:
        if start >= available:
            raise ValueError(f"{path}: start {start:.3f} s is at or past the end of the video ({available:.3f} s)")
        duration = available - start if duration is None else min(duration, available - start)
    if duration is None:
        raise ValueError(f"{path}: the video does not say how long it is: pass a duration")
    return duration


def read_clip(path, fps: float = 1.0, start: float = 0.0, duration: float | None = None, show_progress: bool | None = None,
              sampling_rate: int = SAMPLING_RATE) -> Clip:
    """Frames at `fps` from `start` for `duration` seconds (default: to the end) and the mono audio at
    `sampling_rate` (default 16 kHz, VGGish's), decoded in one pass over the file."""
    check_options(fps=fps, start=start, duration=duration)
    with open_container(path) as container:
        duration = probe(path, container, start, duration)
        count = math.floor(duration * fps + TIME_TOLERANCE)
        if count == 0:
            raise ValueError(f"{path}: the clip is {duration:.3f} s long, shorter than one frame at {fps} fps")
        show = duration > PROGRESS_AFTER_SECONDS if show_progress is None else show_progress
        with tqdm(total=count, desc="decoding", unit="frame", disable=not show) as progress:
            frames, waveform, rate = ClipDecoder(path, container, fps, start, duration, count, progress).decode()
    if rate != sampling_rate:
        waveform = resample(waveform, rate, sampling_rate)
    return Clip(frames, waveform.astype(np.float32), sampling_rate, fps, start, duration)


def clip_from_dict(inputs: dict, sampling_rate: int, fps: float, start: float, window_samples: int) -> Clip:
    """{"frames": [...], "audio": array, "sampling_rate": int} -> a Clip (frames at `fps`, audio at `sampling_rate`,
    at least one window of `window_samples`). Frames are whatever the image processor takes: PIL images, numpy
    [H, W, C] or torch [C, H, W]."""
    missing = [key for key in ("frames", "audio", "sampling_rate") if key not in inputs]
    if missing:
        raise ValueError(f"a dict input needs the keys frames, audio and sampling_rate; missing: {', '.join(missing)}")
    frames = list(inputs["frames"])
    if not frames:
        raise ValueError("frames: got an empty list; a clip needs at least one frame")
    waveform = load_waveform(inputs["audio"], inputs["sampling_rate"], sampling_rate, "audio")
    if len(waveform) < window_samples:
        raise ValueError(
            f"audio: audio is {len(waveform) / sampling_rate:.3f} s long; one window of the audio encoder needs "
            f"{window_samples / sampling_rate:.3f} s"
        )
    return Clip(frames, waveform.astype(np.float32), sampling_rate, fps, start, len(frames) / fps)


def frame_audio_inputs(processor, clip: Clip) -> tuple[torch.Tensor, torch.Tensor]:
    """The audio encoder's input per window [1, n, ...] and the window each frame takes [T], for any encoder. Up to
    1 frame per second every frame has its own window, from the frame on; above, one window per hop (VGGish: 0.96 s,
    other encoders: `audio_window_seconds`), shared by the frames that fall in it."""
    clip = clip.at_rate(processor.audio_sampling_rate)
    if clip.fps > 1:
        windows = clip.hop_windows(processor.hop_samples, processor.window_samples)
        frame_audio = clip.hops_of_frames(processor.hop_samples, len(windows))
    else:
        windows = clip.audio_windows(processor.window_samples)
        frame_audio = np.arange(len(windows))
    features = processor.window_input_features(np.stack(windows))
    return torch.from_numpy(features)[None], torch.from_numpy(frame_audio)


def frame_size(frame) -> tuple[int, int]:
    """(height, width) of a PIL image, a numpy [H, W, C] / [H, W] array or a torch [C, H, W] tensor."""
    if isinstance(frame, PIL.Image.Image):
        return frame.height, frame.width
    return tuple(frame.shape[-2:]) if hasattr(frame, "detach") else tuple(np.asarray(frame).shape[:2])


def label_name(id2label: dict, index: int) -> str:
    return id2label.get(index, id2label.get(str(index), f"LABEL_{index}"))


def segments_of_frame(label_map: torch.Tensor, scores: torch.Tensor, id2label: dict) -> list[dict]:
    """Image-segmentation-style items: binary models one item (possibly empty mask), AVSS one per class present
    except background (class 0). `scores[k]` is the label's highest probability in the frame."""
    if label_map.dtype == torch.bool:
        mask = PIL.Image.fromarray(label_map.numpy().astype(np.uint8) * 255)
        return [{"score": float(scores[0]), "label": label_name(id2label, 0), "mask": mask}]
    return [
        {"score": float(scores[index]), "label": label_name(id2label, index),
         "mask": PIL.Image.fromarray((label_map == index).numpy().astype(np.uint8) * 255)}
        for index in label_map.unique().tolist() if index != 0
    ]


class AudioVisualSegmentationPipeline(Pipeline):
    """Segment the sounding objects of a video with its sound.

    Inputs: a video file path; a dict `{"frames": [PIL images], "audio": waveform, "sampling_rate": int}` (frames at
    `fps`, audio of the same span); or a list of these. Parameters: `fps` (frames per second read from a file, or the
    rate of the given frames; default 1), `start` and `duration` (seconds, files only), `threshold` (binary models,
    default 0.5), `chunk_seconds` (frames per model call, default 5 s), `show_progress`.

    Returns, per clip, one entry per frame: `{"frame": t, "time": seconds, "segments": [{"score", "label", "mask"}]}`
    with masks as PIL images at the frame's size ("L", 0/255). `return_label_maps=True` adds `"label_map"`: the
    frame's mask as a numpy array (bool for binary models, int64 class ids for AVSS).
    """

    _load_processor = True
    _load_image_processor = False
    _load_feature_extractor = False
    _load_tokenizer = False

    def _sanitize_parameters(self, fps=None, start=None, duration=None, threshold=None, chunk_seconds=None,
                             show_progress=None, return_label_maps=None):
        check_options(fps=fps, start=start, duration=duration, threshold=threshold, chunk_seconds=chunk_seconds)
        given = lambda **values: {key: value for key, value in values.items() if value is not None}  # noqa: E731
        return (
            given(fps=fps, start=start, duration=duration, show_progress=show_progress),
            given(chunk_seconds=chunk_seconds, show_progress=show_progress),
            given(threshold=threshold, return_label_maps=return_label_maps),
        )

    def preprocess(self, inputs, fps: float = 1.0, start: float = 0.0, duration=None, show_progress=None):
        rate = self.processor.audio_sampling_rate
        if isinstance(inputs, Clip):
            clip = inputs
        elif isinstance(inputs, (str, Path)):
            clip = read_clip(inputs, fps=fps, start=start, duration=duration, show_progress=show_progress, sampling_rate=rate)
        elif isinstance(inputs, dict):
            clip = clip_from_dict(inputs, rate, fps, start, self.processor.window_samples)
        else:
            raise ValueError(
                "inputs must be a video file path, a dict with frames, audio and sampling_rate, or a list of these; "
                f"got {type(inputs).__name__}"
            )
        pixel_values = self.processor(images=clip.frames, return_tensors="pt")["pixel_values"]
        input_features, frame_audio = frame_audio_inputs(self.processor, clip)
        return {"pixel_values": pixel_values, "input_features": input_features, "frame_audio": frame_audio, "clip": clip}

    def _forward(self, model_inputs, chunk_seconds: float = 5.0, show_progress=None):
        clip = model_inputs["clip"]
        dtype = next(self.model.parameters()).dtype
        audio_embeds = self.model.embed_audio(model_inputs["input_features"].to(dtype))[0][model_inputs["frame_audio"]]
        pixel_values = model_inputs["pixel_values"][0]
        chunk = max(1, round(chunk_seconds * clip.fps))
        show = clip.duration > PROGRESS_AFTER_SECONDS if show_progress is None else show_progress
        logits = []
        for begin in tqdm(range(0, len(pixel_values), chunk), desc="segmenting", unit="chunk", disable=not show):
            outputs = self.model(pixel_values=pixel_values[None, begin : begin + chunk].to(dtype),
                                 audio_embeds=audio_embeds[None, begin : begin + chunk])
            logits.append(outputs.logits[0].float())
        return {"logits": torch.cat(logits), "clip": clip}

    def postprocess(self, model_outputs, threshold: float = 0.5, return_label_maps: bool = False) -> list[dict]:
        logits, clip = model_outputs["logits"], model_outputs["clip"]
        size = frame_size(clip.frames[0])
        binary = logits.shape[1] == 1
        scores = (logits.sigmoid() if binary else logits.softmax(dim=1)).amax(dim=(2, 3))  # [T, K]
        id2label = self.model.config.id2label
        entries = []
        for begin in range(0, len(logits), POST_PROCESS_FRAMES):
            label_maps = self.processor.post_process_segmentation(
                logits[None, begin : begin + POST_PROCESS_FRAMES], [size], threshold=threshold
            )[0]
            for offset, label_map in enumerate(label_maps):
                index = begin + offset
                entry = {"frame": index, "time": clip.start + index / clip.fps,
                         "segments": segments_of_frame(label_map, scores[index], id2label)}
                if return_label_maps:
                    entry["label_map"] = label_map.numpy()
                entries.append(entry)
        return entries


def custom_pipelines() -> dict:
    """The `custom_pipelines` entry of a pushed config.json: what `pipeline(trust_remote_code=True)` reads."""
    impl = f"{Path(__file__).stem}.{AudioVisualSegmentationPipeline.__name__}"
    return {TASK: {"impl": impl, "pt": ["AutoModel"], "type": "multimodal"}}


def register_pipeline():
    """Make `pipeline("audio-visual-segmentation", model=...)` resolve to this pipeline (idempotent)."""
    from transformers import AutoModel

    registered = PIPELINE_REGISTRY.supported_tasks.get(TASK, {}).get("impl")
    if registered is not AudioVisualSegmentationPipeline:
        PIPELINE_REGISTRY.register_pipeline(
            TASK, pipeline_class=AudioVisualSegmentationPipeline, pt_model=AutoModel, type="multimodal"
        )


__all__ = ["AudioVisualSegmentationPipeline", "Clip", "read_clip", "register_pipeline"]
