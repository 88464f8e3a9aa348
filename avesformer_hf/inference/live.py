"""The live path without a UI: camera frames and microphone chunks in, overlays out, causal and measured.

`LiveSegmenter` owns an `AVESFormerStreamer` in the "live" alignment: microphone chunks (any rate, resampled to
the audio encoder's rate, 16 kHz for VGGish, with a streaming soxr resampler, so chunk edges add nothing) go into its audio window as they come, and each
camera frame is segmented at once with the audio received before it. The Gradio "Live" tab (`demo.live`) and the
live benchmark (`benchmark.live`) both run it. It keeps a fixed amount of state: the streamer's window, the
resampler's filter and the times of the last `window` frames for the frames/s and latency figures.
"""

import base64
import io
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import PIL.Image
import torch

from ..feature_extraction_vggish import to_float_waveform, to_mono
from .overlay import render_overlay
from .streaming import AVESFormerStreamer


@dataclass
class LiveResult:
    """One segmented frame: its overlay [H, W, 3] uint8, its mask at the frame's size and its latency."""

    index: int
    overlay: np.ndarray
    mask: np.ndarray
    latency_s: float


class LiveSegmenter:
    """Push `add_audio(rate, samples)` and `segment(frame)` from any threads; both are serialised.

    Args:
        model, processor: an `AVESFormerModel` (already in its inference dtype and device) and its processor.
        stride_seconds: least new audio between two audio-encoder runs (default one hop, VGGish: 0.96 s); see `AVESFormerStreamer`.
        threshold: mask threshold of the post-processing.
        record: keep every received chunk and frame with its mask in `recorded` (tests replay them; unbounded).
        window: frames over which frames/s and latency are measured.
    """

    def __init__(self, model, processor, stride_seconds: float | None = None, threshold: float = 0.5,
                 record: bool = False, window: int = 20):
        self.model, self.processor, self.threshold = model, processor, threshold
        self.sampling_rate = processor.audio_sampling_rate
        self.streamer = AVESFormerStreamer(model, processor, alignment="live", stride_seconds=stride_seconds)
        self.recorded: list | None = [] if record else None  # since the last reset
        self._done_at: deque = deque(maxlen=window)
        self._latencies: deque = deque(maxlen=window)
        self._lock = threading.Lock()  # the streamer and the figures
        self._audio_lock = threading.Lock()  # the resampler and the chunks not yet in the streamer
        self.reset()

    def reset(self) -> None:
        """A new stream: no audio, frame 0 next, no figures yet."""
        with self._lock, self._audio_lock:
            self.streamer.reset()
            self._resampler, self._input_rate, self._pending_audio = None, None, []
            self._done_at.clear()
            self._latencies.clear()
            self.frames, self.audio_chunks = 0, 0
            if self.recorded is not None:
                self.recorded.clear()

    def add_audio(self, rate: int, samples) -> None:
        """A microphone chunk: int or float PCM, mono or [samples, channels], at `rate` Hz. It never waits for a frame
        being segmented (a waiting microphone event would lose chunks): the chunk goes to the streamer before the next
        frame, or at once when no frame is being segmented and more than a window waits."""
        waveform = to_mono(to_float_waveform(np.asarray(samples), "microphone audio"), "microphone audio")
        with self._audio_lock:
            resampled = self._resample(int(rate), waveform)
            self._pending_audio.append((int(rate), np.array(samples), resampled))
            self.audio_chunks += 1
            backlog = sum(len(chunk[2]) for chunk in self._pending_audio) > self.streamer.window
        if backlog and self._lock.acquire(blocking=False):
            try:
                self._push_pending_audio()
            finally:
                self._lock.release()

    def _push_pending_audio(self) -> None:
        """Hand the waiting chunks to the streamer, in order (the caller holds `_lock`)."""
        with self._audio_lock:
            chunks, self._pending_audio = self._pending_audio, []
        for rate, raw, resampled in chunks:
            if self.recorded is not None:
                self.recorded.append(("audio", rate, raw))
            self.streamer.push(audio=resampled)

    def _resample(self, rate: int, waveform: np.ndarray) -> np.ndarray:
        if rate == self.sampling_rate:
            return waveform
        if rate != self._input_rate:  # a new stream (or a new device): a fresh filter
            import soxr

            self._resampler = soxr.ResampleStream(rate, self.sampling_rate, 1, dtype="float64", quality="HQ")
            self._input_rate = rate
        return self._resampler.resample_chunk(waveform.astype(np.float64))

    def segment(self, frame, received: float | None = None) -> LiveResult:
        """Segment one camera frame [H, W, 3] (uint8 array or PIL image) with the audio received so far. `received` is
        the `time.perf_counter()` at which the frame arrived (default: now); the latency runs from there."""
        received = time.perf_counter() if received is None else received
        image = frame if isinstance(frame, PIL.Image.Image) else PIL.Image.fromarray(np.asarray(frame, dtype=np.uint8))
        image = image.convert("RGB")
        pixel_values = self.processor.image_processor([image], return_tensors="pt")["pixel_values"][0, 0]
        with self._lock:
            self._push_pending_audio()
            (done,) = self.streamer.push(pixel_values)
            logits = done.logits[None, None].float().cpu()  # [1, 1, K, h, w]
            mask = self.processor.post_process_segmentation(
                logits, [(image.height, image.width)], threshold=self.threshold
            )[0][0].numpy()
            overlay = np.asarray(render_overlay(image, mask))
            finished = time.perf_counter()
            self._done_at.append(finished)
            self._latencies.append(finished - received)
            self.frames += 1
            if self.recorded is not None:
                self.recorded.append(("frame", np.asarray(image), mask))
        return LiveResult(done.index, overlay, mask, finished - received)

    def stats(self) -> dict:
        """Frames/s over the last frames (None before two) and their median latency in ms."""
        with self._lock:
            times, latencies = list(self._done_at), sorted(self._latencies)
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else None
        latency_ms = 1000 * latencies[len(latencies) // 2] if latencies else None
        return {"fps": fps, "latency_ms": latency_ms, "frames": self.frames, "audio_chunks": self.audio_chunks}


def png_data_url(image: np.ndarray) -> str:
    """An overlay as a lossless PNG data URL (what the Live tab sends back)."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(image).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def replay(model, processor, recorded: list, stride_seconds: float | None = None, threshold: float = 0.5):
    """The masks the library's causal streamer gives for a recorded sequence of ("audio", rate, samples) and
    ("frame", image, mask) events, computed without `LiveSegmenter` (for tests and debugging)."""
    import soxr

    streamer = AVESFormerStreamer(model, processor, alignment="live", stride_seconds=stride_seconds)
    encoder_rate = processor.audio_sampling_rate
    resamplers, masks = {}, []
    for event in recorded:
        if event[0] == "audio":
            _, rate, samples = event
            waveform = to_mono(to_float_waveform(np.asarray(samples), "audio"), "audio")
            if rate != encoder_rate:
                resampler = resamplers.setdefault(rate, soxr.ResampleStream(rate, encoder_rate, 1, dtype="float64", quality="HQ"))
                waveform = resampler.resample_chunk(waveform)
            streamer.push(audio=waveform)
            continue
        image = event[1]
        pixel_values = processor.image_processor([PIL.Image.fromarray(image)], return_tensors="pt")["pixel_values"][0, 0]
        with torch.inference_mode():
            (done,) = streamer.push(pixel_values)
        logits = done.logits[None, None].float().cpu()
        masks.append(processor.post_process_segmentation(logits, [image.shape[:2]], threshold=threshold)[0][0].numpy())
    return masks


__all__ = ["LiveResult", "LiveSegmenter", "png_data_url", "replay"]
