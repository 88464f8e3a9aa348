"""The one inference path under `avesformer predict`, the demo, the notebook and the README: load a saved model,
run the `audio-visual-segmentation` pipeline on a clip, write overlay video and mask PNGs."""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import PIL.Image
import torch
from tqdm.auto import tqdm

from ..image_processing_avesformer import label_to_color
from .model_source import resolve_device, resolve_model_source
from ..pipeline_avesformer import PROGRESS_AFTER_SECONDS, AudioVisualSegmentationPipeline, Clip, read_clip
from .video import write_video

MASK_PATTERN = "frame_*.png"


@dataclass
class ClipPrediction:
    """The clip and one mask per frame at the frame's size: bool (binary models) or int64 class ids (AVSS);
    `entries` is the pipeline's output (time and image-segmentation-style segments per frame)."""

    clip: Clip
    masks: list[np.ndarray]
    entries: list[dict] = field(default_factory=list)
    id2label: dict | None = None  # class names for the overlay's legend (AVSS models)


def load_processor(model_source):
    """The processor saved with the model, else the AVSBench defaults (224x224), saying so."""
    from transformers import AutoProcessor

    from ..processing_avesformer import AudioVisualProcessor

    try:
        return AutoProcessor.from_pretrained(model_source)
    except (OSError, ValueError):
        print(f"note: no processor saved with {model_source}; using the AVSBench defaults (224x224)", file=sys.stderr)
        return AudioVisualProcessor()


def load_model(model_source, device="auto", flag: str = "--model"):
    """(model, processor) from a saved folder or Hub id, on `device`, in eval mode. A folder whose weights are
    truncated or do not fit its config is a one-line error naming it."""
    from ..modeling_avesformer import AVESFormerModel

    model_source = resolve_model_source(str(model_source), flag)
    device = resolve_device(device)
    try:
        model, info = AVESFormerModel.from_pretrained(model_source, output_loading_info=True)
    except (OSError, ValueError):
        raise
    except Exception as error:  # safetensors / state-dict errors: a damaged or mismatched folder
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{model_source}: the weights could not be loaded ({first_line[:300]})") from error
    problems = {key: value for key, value in info.items() if key in ("missing_keys", "mismatched_keys") and value}
    if problems:
        summary = "; ".join(f"{len(value)} {key.replace('_', ' ')} (e.g. {sorted(map(str, value))[0]})" for key, value in problems.items())
        raise ValueError(f"{model_source}: the weights do not fit its config.json: {summary}")
    return model.to(device).eval(), load_processor(model_source)


def segmentation_pipeline(model, processor) -> AudioVisualSegmentationPipeline:
    """The `audio-visual-segmentation` pipeline over an already loaded model and processor (no remote code)."""
    return AudioVisualSegmentationPipeline(model=model, processor=processor, device=model.device)


def predict_clip(
    model,
    processor,
    path_or_clip,
    fps: float = 1.0,
    start: float = 0.0,
    duration: float | None = None,
    threshold: float = 0.5,
    chunk_seconds: float = 5.0,
    show_progress: bool | None = None,
) -> ClipPrediction:
    """Segment the sounding objects of a clip (a video file, decoded once, or a `Clip`) through the pipeline. Up to
    1 fps frame t gets the audio window from it; above, the audio encoder runs once per hop (see
    `pipeline_avesformer`). Progress bars show for clips longer than a few seconds unless `show_progress` says."""
    if isinstance(path_or_clip, Clip):
        clip = path_or_clip
    else:
        clip = read_clip(path_or_clip, fps=fps, start=start, duration=duration, show_progress=show_progress,
                         sampling_rate=processor.audio_sampling_rate)
    entries = segmentation_pipeline(model, processor)(
        clip, threshold=threshold, chunk_seconds=chunk_seconds, show_progress=show_progress, return_label_maps=True
    )
    masks = [entry.pop("label_map") for entry in entries]
    return ClipPrediction(clip, masks, entries, id2label=model.config.id2label)


def predict_clip_streaming(model, processor, path_or_clip, fps: float = 10.0, start: float = 0.0,
                           duration: float | None = None, threshold: float = 0.5) -> ClipPrediction:
    """`predict_clip` through the live streamer, frame by frame as a camera and microphone would deliver the clip
    (same masks as `predict_clip` above 1 fps; for checking the live path against the clip path)."""
    from .streaming import stream_clip

    if not isinstance(path_or_clip, Clip):
        path_or_clip = read_clip(path_or_clip, fps=fps, start=start, duration=duration,
                                 sampling_rate=processor.audio_sampling_rate)
    clip = path_or_clip.at_rate(processor.audio_sampling_rate)
    return ClipPrediction(clip, stream_clip(model, processor, clip, threshold=threshold))


def mask_image(mask: np.ndarray) -> PIL.Image.Image:
    """A binary mask as a 0/255 PNG image, class ids as AVSS palette colours (both read back by the processor)."""
    if mask.dtype == bool:
        return PIL.Image.fromarray(mask.astype(np.uint8) * 255)
    return PIL.Image.fromarray(label_to_color(mask))


def check_masks_dir(masks_dir) -> Path:
    """Mask PNGs go to a folder that holds none yet: old and new frames are never mixed."""
    masks_dir = Path(masks_dir)
    if masks_dir.exists() and not masks_dir.is_dir():
        raise ValueError(f"{masks_dir}: not a folder (the masks dir holds one PNG per frame)")
    if masks_dir.is_dir() and any(masks_dir.glob(MASK_PATTERN)):
        count = len(list(masks_dir.glob(MASK_PATTERN)))
        raise FileExistsError(
            f"{masks_dir} already holds {count} mask PNGs from an earlier run: choose an empty or new folder"
        )
    return masks_dir


def save_prediction(prediction: ClipPrediction, video_path=None, masks_dir=None, alpha: float = 0.5,
                    show_progress: bool | None = None) -> list[Path]:
    """Write the overlay video (with the clip's sound) and/or one mask PNG per frame; return the paths written.
    A masks folder that already holds mask PNGs is refused before anything is written."""
    clip = prediction.clip
    show = clip.duration > PROGRESS_AFTER_SECONDS if show_progress is None else show_progress
    masks_dir = None if masks_dir is None else check_masks_dir(masks_dir)
    written = []
    if video_path is not None:
        written.append(
            write_video(video_path, clip.frames, prediction.masks, audio=clip.waveform, fps=clip.fps,
                        sampling_rate=clip.sampling_rate, alpha=alpha, id2label=prediction.id2label,
                        show_progress=show)
        )
    if masks_dir is not None:
        masks_dir.mkdir(parents=True, exist_ok=True)
        for index, mask in enumerate(tqdm(prediction.masks, desc="writing masks", unit="frame", disable=not show)):
            path = masks_dir / f"frame_{index:05d}.png"
            mask_image(mask).save(path)
            written.append(path)
    return written


__all__ = [
    "ClipPrediction", "load_model", "load_processor", "mask_image", "predict_clip", "predict_clip_streaming",
    "save_prediction", "segmentation_pipeline",
]
