"""Video file -> per-frame masks: read_clip -> processor -> model -> post-processing (used by `predict` and the demo)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL.Image
import torch
from tqdm.auto import tqdm

from .image_processing_avesformer import label_to_color
from .video import Clip, read_clip, write_video

PROGRESS_AFTER_SECONDS = 5.0


@dataclass
class ClipPrediction:
    """The clip and one mask per frame at the frame's size: bool (binary models) or int64 class ids (AVSS)."""

    clip: Clip
    masks: list[np.ndarray]


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
    """Segment the sounding objects of a clip. Frame t is paired with the 0.96 s of audio that starts at it; frames
    go through the model `chunk_seconds` at a time (one batched call per chunk). The progress bar shows for
    clips longer than a few seconds unless `show_progress` says otherwise."""
    clip = path_or_clip if isinstance(path_or_clip, Clip) else read_clip(path_or_clip, fps=fps, start=start, duration=duration)
    windows = clip.audio_windows(processor.feature_extractor.samples_per_example)
    chunk = max(1, round(chunk_seconds * clip.fps))
    parameter = next(model.parameters())
    if show_progress is None:
        show_progress = clip.duration > PROGRESS_AFTER_SECONDS
    masks = []
    model.eval()
    for begin in tqdm(range(0, len(clip.frames), chunk), desc="segmenting", unit="chunk", disable=not show_progress):
        frames = clip.frames[begin : begin + chunk]
        inputs = processor(
            images=frames, audio=windows[begin : begin + chunk], sampling_rate=clip.sampling_rate,
            audio_per_frame=True, return_tensors="pt",
        )
        with torch.inference_mode():
            outputs = model(
                pixel_values=inputs["pixel_values"].to(parameter.device, parameter.dtype),
                input_features=inputs["input_features"].to(parameter.device, parameter.dtype),
            )
        frame_size = (frames[0].height, frames[0].width)
        chunk_masks = processor.post_process_segmentation(outputs.logits.float().cpu(), [frame_size], threshold=threshold)
        masks.extend(chunk_masks[0].numpy())
    return ClipPrediction(clip, masks)


def mask_image(mask: np.ndarray) -> PIL.Image.Image:
    """A binary mask as a 0/255 PNG image, class ids as AVSS palette colours (both read back by the processor)."""
    if mask.dtype == bool:
        return PIL.Image.fromarray(mask.astype(np.uint8) * 255)
    return PIL.Image.fromarray(label_to_color(mask))


def save_prediction(prediction: ClipPrediction, video_path=None, masks_dir=None, alpha: float = 0.5) -> list[Path]:
    """Write the overlay video (with the clip's sound) and/or one mask PNG per frame; return the paths written."""
    written = []
    if video_path is not None:
        clip = prediction.clip
        written.append(
            write_video(video_path, clip.frames, prediction.masks, audio=clip.waveform, fps=clip.fps,
                        sampling_rate=clip.sampling_rate, alpha=alpha)
        )
    if masks_dir is not None:
        masks_dir = Path(masks_dir)
        masks_dir.mkdir(parents=True, exist_ok=True)
        for index, mask in enumerate(prediction.masks):
            path = masks_dir / f"frame_{index:05d}.png"
            mask_image(mask).save(path)
            written.append(path)
    return written
