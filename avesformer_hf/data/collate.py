"""Rows of `load_avsbench` -> model inputs through the `AudioVisualProcessor`.

    collator = AVSBenchCollator(subset="s4", image_size=224, train=True)
    loader = DataLoader(dataset["train"], batch_size=2, collate_fn=collator)
    model(**next(iter(loader)))            # pixel_values, input_features, labels, labels_mask (+ audio_mask)

or per row with `dataset.with_transform(collator.transform)` and the default collate function.

The subset fixes the clip length T (S4/MS3: 5; AVSS: 10, 5-s clips padded), the audio padding (S4/MS3
repeat the last 0.96-s example; AVSS zero-pads and flags it in `audio_mask`) and the mask decoding
(binary vs AVSS palette). Unlabelled frames (mask None) get zero labels and `labels_mask` False.
With `train=True` AVSS frames and masks get the AVSS training transform: the short side is resized to
`image_size` (bilinear for frames, nearest for masks), then the centre is cropped to a square.
"""

import PIL.Image
from transformers.feature_extraction_utils import BatchFeature

from ..feature_extraction_vggish import VGGishFeatureExtractor
from ..image_processing_avesformer import AVESFormerImageProcessor
from ..processing_avesformer import AudioVisualProcessor
from ..avsbench import CONVENTIONS, SUBSETS
from .avsbench import read_audio


def default_processor(subset: str, image_size: int = 224) -> AudioVisualProcessor:
    """The processor AVSBench's recipe uses for a subset, at `image_size` x `image_size`."""
    pad_mode, mask_type = CONVENTIONS[subset].pad_mode, CONVENTIONS[subset].mask_type
    return AudioVisualProcessor(
        image_processor=AVESFormerImageProcessor(size={"height": image_size, "width": image_size}, mask_type=mask_type),
        feature_extractor=VGGishFeatureExtractor(pad_mode=pad_mode),
    )


def short_side_resize_center_crop(image: PIL.Image.Image, size: int, resample: int) -> PIL.Image.Image:
    """Resizes so that the shorter side is `size`, then crops the central `size` x `size` square."""
    width, height = image.size
    scale = size / min(width, height)
    new_width, new_height = max(size, round(width * scale)), max(size, round(height * scale))
    image = image.resize((new_width, new_height), resample=resample)
    left, top = (new_width - size) // 2, (new_height - size) // 2
    return image.crop((left, top, left + size, top + size))


class AVSBenchCollator:
    """Turns a list of AVSBench rows into one `BatchFeature` for `AVESFormerModel`.

    Args:
        subset: "s4", "ms3" or "avss": sets T, the audio padding and the mask decoding.
        processor: an `AudioVisualProcessor`; by default the subset's (`default_processor`). Its image
            processor's `mask_type` must match the subset ("binary" for S4/MS3, "palette" for AVSS).
        image_size: side of the default processor's frames (ignored when `processor` is given, except by
            the AVSS training transform, which then uses the processor's height).
        train: apply the AVSS training transform (no effect on S4/MS3).
        num_frames: frames per 5-s clip (AVSBench: 5); T is this, or twice this for AVSS.
    """

    def __init__(self, subset: str = "s4", processor=None, image_size: int = 224, train: bool = False, num_frames: int = 5):
        if subset not in SUBSETS:
            raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
        self.subset = subset
        self.processor = processor if processor is not None else default_processor(subset, image_size)
        self.pad_mode, mask_type = CONVENTIONS[subset].pad_mode, CONVENTIONS[subset].mask_type
        if self.processor.image_processor.mask_type != mask_type:
            raise ValueError(
                f"{subset} masks need an image processor with mask_type={mask_type!r}, "
                f"the processor has {self.processor.image_processor.mask_type!r}"
            )
        self.num_frames = 2 * num_frames if subset == "avss" else num_frames
        self.crop_size = self.processor.image_processor.size["height"]
        self.train = train

    def clip(self, row: dict) -> tuple[list, list, object, int]:
        """One row -> (frames, masks, waveform, sampling rate); AVSS padding frames are left to the processor."""
        frames, masks = list(row["frames"]), list(row["masks"])
        if "frame_mask" in row:
            length = sum(bool(flag) for flag in row["frame_mask"])
            frames, masks = frames[:length], masks[:length]
        if any(frame is None for frame in frames):
            raise ValueError(f"clip {row.get('video_id')!r}: a frame inside the clip is missing (None)")
        if self.subset == "avss" and self.train:
            frames = [short_side_resize_center_crop(frame.convert("RGB"), self.crop_size, PIL.Image.BILINEAR) for frame in frames]
            masks = [
                None if mask is None else short_side_resize_center_crop(mask.convert("RGB"), self.crop_size, PIL.Image.NEAREST)
                for mask in masks
            ]
        waveform, sampling_rate = read_audio(row["audio"])
        return frames, masks, waveform, sampling_rate

    def __call__(self, rows: list[dict]) -> BatchFeature:
        clips = [self.clip(row) for row in rows]
        rates = {rate for *_, rate in clips}
        if len(rates) > 1:
            raise ValueError(f"clips in one batch have different audio sampling rates {sorted(rates)}")
        return self.processor(
            images=[frames for frames, *_ in clips],
            audio=[waveform for _, _, waveform, _ in clips],
            sampling_rate=rates.pop(),
            masks=[masks for _, masks, *_ in clips],
            num_frames=self.num_frames,
            pad_mode=self.pad_mode,
            return_tensors="pt",
        )

    def transform(self, batch: dict[str, list]) -> dict:
        """For `Dataset.with_transform`: a batch of columns -> columns of model inputs (one entry per row)."""
        rows = [dict(zip(batch, values)) for values in zip(*batch.values())]
        return dict(self(rows))


__all__ = ["AVSBenchCollator", "default_processor", "short_side_resize_center_crop"]
