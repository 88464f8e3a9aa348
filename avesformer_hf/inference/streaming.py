"""Real-time path: one frame at a time, a rolling audio buffer, one audio embedding per hop (VGGish: 0.96 s).

Any audio encoder the model has works: the processor turns each window into that encoder's input (VGGish and the
light encoder: a 0.975 s log-mel example every 0.96 s; a transformers encoder: windows of the processor's
`audio_window_seconds`, one after the other). VGGish's figures below stand for the window and hop of the encoder.

Two alignments of frames and sound:

- "file" (the default, for files and `avesformer predict`): frame i, shown at i / fps, belongs to hop
  k = floor(i / fps / 0.96) and is segmented with the embedding of VGGish example k, the 0.975 s of audio from
  k * 0.96 s: the example that the feature extractor makes for that hop from the whole waveform. So a frame waits
  until the audio of its hop is complete (at most 0.975 s behind real time), and the masks are those of the clip
  path given the same pairing (`hop_of_frame`). The streamer keeps a fixed amount of state whatever the length of
  the stream: at most one window of samples, the current embedding and the frames of one hop.
- "live" (webcam and microphone): causal. A frame is segmented as soon as it is pushed, with the 0.975 s window of
  audio that ends where the audio received so far ends (its capture time; zero-padded at the very start), so no
  frame waits for future sound. VGGish runs only when at least `stride_seconds` (default: one 0.96 s hop) of new
  audio has arrived since the last window; until then frames reuse the newest window. `stride_seconds=0` embeds a
  new window for every frame that has new audio. State: one window of samples and the current embedding.
"""

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from ..feature_extraction_vggish import to_float_waveform, to_mono
from ..processing_avesformer import AudioVisualProcessor


@dataclass
class StreamedFrame:
    """Logits [K, h, w] of frame `index`, the VGGish window its audio came from (the hop, or in the live alignment the
    count of windows embedded before it) and the sample at which that window ends."""

    index: int
    hop: int
    logits: torch.Tensor
    audio_end: int | None = None


ALIGNMENTS = ("file", "live")


def hop_of_frame(index: int, fps: float, hop_seconds: float) -> int:
    """The 0.96 s hop that frame `index` (shown at index / fps) falls in; exact for the usual rational rates."""
    return math.floor(index / (fps * hop_seconds) + 1e-9)


class AVESFormerStreamer:
    """Feed `push(pixel_values=..., audio=...)` as frames and samples arrive; it returns the frames it could finish.

    Args:
        model: an `AVESFormerModel` (its device and dtype are used).
        processor: the model's `AudioVisualProcessor` (its window and hop define the audio hops), or for VGGish
            and the light encoder their `VGGishFeatureExtractor` alone.
        fps: the frame rate of the pushed frames (the "file" alignment needs it; "live" times frames by the audio).
        sampling_rate: the rate of the pushed audio; it must be the audio encoder's (resample upstream).
        alignment: "file" (frame i waits for the audio of its 0.96 s hop) or "live" (causal: the window that ends at
            the frame); see the module docstring. In "live", the `audio` pushed with a frame is the audio captured up
            to that frame.
        stride_seconds: "live" only: the least new audio between two VGGish runs (default: one hop, 0.96 s).
    """

    def __init__(self, model, processor, fps: float | None = None, sampling_rate: int | None = None,
                 alignment: str = "file", stride_seconds: float | None = None):
        if alignment not in ALIGNMENTS:
            raise ValueError(f"alignment must be one of {list(ALIGNMENTS)}, got {alignment!r}")
        if alignment == "file" and (fps is None or fps <= 0):
            raise ValueError(f"fps must be positive, got {fps}")
        if stride_seconds is not None and (alignment != "live" or stride_seconds < 0):
            raise ValueError(f"stride_seconds must be >= 0 and is only used with alignment='live', got {stride_seconds}")
        if not hasattr(processor, "window_input_features"):
            processor = AudioVisualProcessor(feature_extractor=processor)
        rate = processor.audio_sampling_rate
        if sampling_rate is not None and sampling_rate != rate:
            raise ValueError(
                f"the stream's audio is at {sampling_rate} Hz but the audio encoder reads {rate} Hz: resample the "
                "audio before pushing it"
            )
        self.model = model.eval()
        self.processor = processor
        self.alignment = alignment
        self.fps = float(fps) if fps is not None else None
        self.window = processor.window_samples  # VGGish: 15,600 samples
        self.hop = processor.hop_samples  # VGGish: 15,360 samples
        self.hop_seconds = self.hop / rate
        self.stride = self.hop if stride_seconds is None else round(stride_seconds * rate)
        frames_per_hop = math.ceil(self.fps * self.window / rate) + 2 if alignment == "file" else 1
        self._pending: deque = deque(maxlen=frames_per_hop)
        self.reset()

    def reset(self):
        """Forget the stream: the next pushed frame is frame 0, the next sample is sample 0."""
        self._pending.clear()
        # "file": samples [next_hop * hop, received), never more than a window; "live": the last window received,
        # zeros before the first sample.
        self._audio = np.zeros(self.window if self.alignment == "live" else 0, dtype=np.float64)
        self._received = 0
        self._next_hop = 0  # the hop whose embedding comes next ("live": windows embedded so far)
        self._embedding = None  # (hop, end sample, [128] tensor) of the latest complete window
        self._next_frame = 0

    @property
    def embeddings_computed(self) -> int:
        """VGGish runs so far: one per complete 0.96 s hop, however many frames the hop holds."""
        return self._next_hop

    @property
    def buffered_samples(self) -> int:
        return len(self._audio)

    @property
    def pending_frames(self) -> int:
        return len(self._pending)

    def push(self, pixel_values: torch.Tensor | None = None, audio=None) -> list[StreamedFrame]:
        """Add one preprocessed frame [3, H, W] (or [1, 3, H, W]) and/or the mono samples that follow it; return the
        frames finished by this call (in order). In the "live" alignment the audio comes first: it is what was captured
        up to the frame, and the frame is finished at once."""
        if self.alignment == "live":
            return self._push_live(pixel_values, audio)
        if pixel_values is not None:
            self._add_frame(pixel_values)
        finished = []
        if audio is not None:
            samples = to_mono(to_float_waveform(np.asarray(audio), "streamed audio"), "streamed audio")
            while len(samples):
                samples = self._add_samples(samples)
                finished += self._segment_ready()
        return finished + self._segment_ready()

    def _push_live(self, pixel_values, audio) -> list[StreamedFrame]:
        if audio is not None:
            samples = to_mono(to_float_waveform(np.asarray(audio), "streamed audio"), "streamed audio")
            self._audio = np.concatenate([self._audio, samples])[-self.window :]
            self._received += len(samples)
        if pixel_values is None:
            return []
        frame = one_frame(pixel_values)
        last_end = None if self._embedding is None else self._embedding[1]
        if last_end is None or self._received - last_end >= max(self.stride, 1):
            self._embedding = (self._next_hop, self._received, self._embed(self._audio))
            self._next_hop += 1
        index = self._next_frame
        self._next_frame += 1
        return self._segment([(index, self._embedding[0], frame)], self._embedding)

    def _add_frame(self, pixel_values: torch.Tensor):
        pixel_values = one_frame(pixel_values)
        if len(self._pending) == self._pending.maxlen:
            raise RuntimeError(
                f"{len(self._pending)} frames wait for audio: push the audio along with the frames "
                f"({self.fps:g} frames per second of audio)"
            )
        index = self._next_frame
        hop = hop_of_frame(index, self.fps, self.hop_seconds)
        if self._embedding is not None and hop < self._embedding[0]:
            raise RuntimeError(
                f"frame {index} belongs to hop {hop}, but the audio has already reached hop {self._embedding[0]}: "
                "push each frame before (or with) the audio that follows it"
            )
        self._pending.append((index, hop, pixel_values))
        self._next_frame += 1

    def flush(self) -> list[StreamedFrame]:
        """End of stream: frames whose hop never completed use the last complete embedding (the S4/MS3 "repeat")."""
        if self._pending and self._embedding is None:
            raise ValueError(
                f"the stream ended before one VGGish window of audio ({self.window} samples) arrived; "
                f"{len(self._pending)} frames cannot be segmented"
            )
        finished = self._segment(list(self._pending), self._embedding) if self._pending else []
        self._pending.clear()
        return finished

    def _add_samples(self, samples: np.ndarray) -> np.ndarray:
        """Take samples up to the end of the next window (embedding it when complete); return the rest."""
        missing = self._next_hop * self.hop + self.window - self._received
        taken, rest = samples[:missing], samples[missing:]
        self._audio = np.concatenate([self._audio, taken])
        self._received += len(taken)
        if len(self._audio) == self.window:
            self._embedding = (self._next_hop, self._received, self._embed(self._audio))
            self._next_hop += 1
            self._audio = self._audio[self.hop :]  # the overlap with the next window
        return rest

    @torch.inference_mode()
    def _embed(self, window: np.ndarray) -> torch.Tensor:
        features = torch.from_numpy(self.processor.window_input_features(window[None]))  # VGGish: [1, 1, 96, 64]
        parameter = next(self.model.parameters())
        return self.model.embed_audio(features[None].to(parameter.device, parameter.dtype))[0, 0]

    def _segment_ready(self) -> list[StreamedFrame]:
        if self._embedding is None:
            return []
        ready = [entry for entry in self._pending if entry[1] == self._embedding[0]]
        for _ in ready:
            self._pending.popleft()
        return self._segment(ready, self._embedding) if ready else []

    @torch.inference_mode()
    def _segment(self, entries, embedding) -> list[StreamedFrame]:
        hop, audio_end, audio_embed = embedding
        parameter = next(self.model.parameters())
        pixel_values = torch.stack([frame for _, _, frame in entries])[None].to(parameter.device, parameter.dtype)
        audio_embeds = audio_embed.expand(1, len(entries), -1)
        logits = self.model(pixel_values=pixel_values, audio_embeds=audio_embeds).logits[0]
        return [StreamedFrame(index, hop, frame_logits, audio_end)
                for (index, _, _), frame_logits in zip(entries, logits)]


def one_frame(pixel_values: torch.Tensor) -> torch.Tensor:
    """[3, H, W] or [1, 3, H, W] -> [3, H, W]; anything else is an error naming the shape."""
    if pixel_values.ndim == 4 and pixel_values.shape[0] == 1:
        pixel_values = pixel_values[0]
    if pixel_values.ndim != 3 or pixel_values.shape[0] != 3:
        raise ValueError(f"`pixel_values` must be one frame [3, H, W], got {list(pixel_values.shape)}")
    return pixel_values


def stream_clip(model, processor, clip, threshold: float = 0.5) -> list[np.ndarray]:
    """Run a `video.Clip` through the streamer as a live source would deliver it (frame i, then the audio up to
    frame i + 1); return one mask per frame at the frame's size, as `inference.predict_clip` does."""
    streamer = AVESFormerStreamer(model, processor, fps=clip.fps, sampling_rate=clip.sampling_rate)
    waveform, rate = clip.waveform, clip.sampling_rate
    frame_size = [(clip.frames[0].height, clip.frames[0].width)]

    def to_masks(finished: list[StreamedFrame]) -> list[np.ndarray]:
        logits = torch.stack([done.logits for done in finished])[None].float().cpu()  # [1, n, K, h, w]
        return list(processor.post_process_segmentation(logits, frame_size, threshold=threshold)[0].numpy())

    masks, count = [], len(clip.frames)
    for index, frame in enumerate(clip.frames):
        pixel_values = processor.image_processor([frame], return_tensors="pt")["pixel_values"][0, 0]
        begin = round(index / clip.fps * rate)
        end = len(waveform) if index == count - 1 else round((index + 1) / clip.fps * rate)
        finished = streamer.push(pixel_values, audio=waveform[begin:end])
        if finished:
            masks += to_masks(finished)
    finished = streamer.flush()
    if finished:
        masks += to_masks(finished)
    return masks


__all__ = ["ALIGNMENTS", "AVESFormerStreamer", "StreamedFrame", "hop_of_frame", "stream_clip"]
