"""AVESFormerImageProcessor: frames -> pixel_values, masks -> labels, logits -> masks.

Frames follow AVSBench: RGB, PIL-bilinear resize to 224x224, /255, ImageNet mean/std. Binary masks
(S4/MS3) become float 0/1 labels, AVSS colour masks class ids through the PASCAL-VOC palette.
Input nesting: a frame (PIL, numpy HWC/HW, torch CHW), a clip (list of frames or a 4-D array) or a
batch (list of clips or a 5-D array).
"""

import numpy as np
import PIL.Image
import torch
import torch.nn.functional as F
from transformers.image_processing_backends import PilBackend
from transformers.image_processing_utils import BatchFeature
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, PILImageResampling
from transformers.processing_utils import ImagesKwargs

MASK_TYPES = ("binary", "palette")


def avss_palette(num_classes: int = 71) -> np.ndarray:
    """The PASCAL-VOC bit-interleaved colour map used by AVSS masks: [num_classes, 3] uint8, 0 = black."""
    ids = np.arange(num_classes)
    palette = np.zeros((num_classes, 3), dtype=np.uint8)
    for bit in range(8):
        for channel in range(3):
            palette[:, channel] |= (((ids >> (3 * bit + channel)) & 1) << (7 - bit)).astype(np.uint8)
    return palette


def label_to_color(labels: np.ndarray, palette: np.ndarray | None = None) -> np.ndarray:
    """Class-id map [H, W] -> RGB image [H, W, 3] uint8 through the AVSS palette."""
    palette = avss_palette() if palette is None else palette
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= len(palette)):
        raise ValueError(f"labels must lie in [0, {len(palette) - 1}], got range [{labels.min()}, {labels.max()}]")
    return palette[labels]


def color_to_label(rgb: np.ndarray, palette: np.ndarray | None = None, source: str = "mask") -> np.ndarray:
    """RGB colour mask [H, W, 3] -> class ids [H, W] int64; an unknown colour is an error naming it and `source`."""
    palette = avss_palette() if palette is None else palette
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[-1] < 3:
        raise ValueError(f"{source}: expected an RGB colour mask [H, W, 3], got shape {tuple(rgb.shape)}")
    rgb = rgb[..., :3].astype(np.int64)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    palette_codes = (palette[:, 0].astype(np.int64) << 16) | (palette[:, 1].astype(np.int64) << 8) | palette[:, 2]
    lookup = {int(code): index for index, code in enumerate(palette_codes)}
    unique_codes, inverse = np.unique(codes, return_inverse=True)
    ids = np.empty(len(unique_codes), dtype=np.int64)
    for position, code in enumerate(unique_codes):
        if int(code) not in lookup:
            colour = (int(code) >> 16, (int(code) >> 8) & 255, int(code) & 255)
            raise ValueError(f"{source}: colour {colour} is not in the {len(palette)}-class AVSS palette")
        ids[position] = lookup[int(code)]
    return ids[inverse].reshape(codes.shape)


def is_frame(item) -> bool:
    return isinstance(item, PIL.Image.Image) or (hasattr(item, "ndim") and item.ndim in (2, 3))


def as_clips(images) -> tuple[list[list], bool]:
    """Frame, clip or batch of clips -> (list of clips, each a list of frames; whether the input was a batch)."""
    if hasattr(images, "ndim") and images.ndim in (4, 5) and 0 in tuple(images.shape)[: images.ndim - 3]:
        raise ValueError(f"images of shape {tuple(images.shape)} hold no frame: B and T must be at least 1")
    if isinstance(images, (list, tuple)) and len(images) == 0:
        raise ValueError("images: got an empty list; a clip needs at least one frame")
    if is_frame(images):
        return [[images]], False
    if hasattr(images, "ndim") and images.ndim == 4:
        return [list(images)], False
    if hasattr(images, "ndim") and images.ndim == 5:
        return [list(clip) for clip in images], True
    if isinstance(images, (list, tuple)) and len(images) > 0:
        if all(is_frame(frame) for frame in images):
            return [list(images)], False
        clips = [as_clips(clip)[0] for clip in images]
        if all(len(clip) == 1 for clip in clips):
            return [clip[0] for clip in clips], True
    raise ValueError(
        "images must be a frame (PIL image, numpy [H, W, C] or torch [C, H, W]), a clip (a list of frames or a 4-D "
        f"array) or a batch of clips; got {type(images).__name__}"
        + (f" of shape {tuple(images.shape)}" if hasattr(images, "shape") else "")
    )


SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")


def checked_frame(frame, clip_index: int, frame_index: int):
    """16-bit frames scaled to 8 bits (not clipped at 255); NaN or inf pixels are an error naming the frame."""
    if isinstance(frame, PIL.Image.Image):
        if frame.mode in SIXTEEN_BIT_MODES or (frame.mode == "I" and np.asarray(frame).max(initial=0) > 255):
            return PIL.Image.fromarray((np.asarray(frame, dtype=np.float64) / 257).round().clip(0, 255).astype(np.uint8))
        return frame
    array = frame.detach().cpu().numpy() if hasattr(frame, "detach") else np.asarray(frame)
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise ValueError(f"frame {frame_index} of clip {clip_index}: pixels must be finite, got NaN or inf")
    if array.dtype == np.uint16:
        return (array / 257).round().astype(np.uint8)
    return frame


def mask_source(mask, clip_index: int, frame_index: int) -> str:
    """The mask's file name when PIL knows it, else its place in the batch (for error messages)."""
    return getattr(mask, "filename", None) or f"mask of frame {frame_index} in clip {clip_index}"


def mask_to_array(mask) -> np.ndarray:
    if isinstance(mask, PIL.Image.Image):
        return np.asarray(mask)
    if hasattr(mask, "detach"):
        mask = mask.detach().cpu().numpy()
        if mask.ndim == 3 and mask.shape[0] in (1, 3, 4) and mask.shape[-1] not in (1, 3, 4):
            mask = np.moveaxis(mask, 0, -1)  # torch [C, H, W] -> [H, W, C]
    return np.asarray(mask)


def binary_mask_to_bool(mask, source: str) -> np.ndarray:
    """0/255 (AVSBench), 0/1, bool or [0, 1] float masks -> bool [H, W]; grey levels split at 128."""
    if isinstance(mask, PIL.Image.Image):
        mask = mask.convert("L")
    array = mask_to_array(mask)
    if array.ndim == 3:
        if array.shape[-1] not in (1, 3, 4):
            raise ValueError(f"{source}: expected a binary mask [H, W] or [H, W, C], got shape {tuple(array.shape)}")
        array = array[..., :3].max(axis=-1)
    if array.ndim != 2:
        raise ValueError(f"{source}: expected a binary mask [H, W], got shape {tuple(array.shape)}")
    if array.dtype == bool:
        return array
    if np.issubdtype(array.dtype, np.floating) and array.max(initial=0) <= 1.0:
        return array > 0.5
    return array == 1 if array.max(initial=0) <= 1 else array >= 128


def palette_mask_to_ids(mask, source: str, palette: np.ndarray) -> np.ndarray:
    """AVSS colour mask (RGB or palette-mode PIL, numpy [H, W, 3]) or a class-id map [H, W] -> int64 ids."""
    if isinstance(mask, PIL.Image.Image):
        mask = mask.convert("RGB")
    array = mask_to_array(mask)
    if array.ndim == 3:
        return color_to_label(array, palette=palette, source=source)
    if array.ndim == 2 and (np.issubdtype(array.dtype, np.integer)):
        if array.size and (array.min() < 0 or array.max() >= len(palette)):
            raise ValueError(f"{source}: class ids must lie in [0, {len(palette) - 1}], got [{array.min()}, {array.max()}]")
        return array.astype(np.int64)
    raise ValueError(f"{source}: expected an RGB colour mask [H, W, 3] or integer class ids [H, W], got {array.dtype} {tuple(array.shape)}")


def resize_nearest(array: np.ndarray, height: int, width: int) -> np.ndarray:
    if array.shape == (height, width):
        return array
    image = PIL.Image.fromarray(array.astype(np.int32))
    return np.asarray(image.resize((width, height), PIL.Image.Resampling.NEAREST)).astype(array.dtype)


def logits_of(outputs) -> torch.Tensor:
    """Model output or raw logits -> [B, T, K, h, w] (a 4-D [T, K, h, w] tensor is one clip)."""
    logits = outputs.logits if hasattr(outputs, "logits") else outputs
    logits = torch.as_tensor(logits)
    if logits.ndim == 4:
        logits = logits[None]
    if logits.ndim != 5:
        raise ValueError(f"expected logits [B, T, K, h, w], got shape {tuple(logits.shape)}")
    return logits


def clip_target_sizes(target_sizes, batch_size: int) -> list:
    """None, one (height, width) for all clips, or one per clip -> a list of `batch_size` entries (or Nones)."""
    if target_sizes is None:
        return [None] * batch_size
    if isinstance(target_sizes, torch.Tensor):
        target_sizes = target_sizes.tolist()
    if len(target_sizes) == 2 and all(isinstance(side, (int, np.integer)) for side in target_sizes):
        target_sizes = [target_sizes] * batch_size
    if len(target_sizes) != batch_size:
        raise ValueError(f"target_sizes has {len(target_sizes)} entries for a batch of {batch_size} clips")
    return [tuple(int(side) for side in size) for size in target_sizes]


class AVESFormerImageProcessorKwargs(ImagesKwargs, total=False):
    r"""
    mask_type (`str`, defaults to `"binary"`):
        `"binary"` for S4/MS3 masks (float 0/1 labels) or `"palette"` for AVSS colour masks (class ids).
    num_frames (`int`, *optional*):
        Frames per clip T: longer clips are cut, shorter ones padded with zero frames that carry no label.
    """

    mask_type: str | None
    num_frames: int | None


class AVESFormerImageProcessor(PilBackend):
    r"""
    Frames -> `pixel_values` [B, T, 3, H, W]; masks -> `labels` [B, T, H, W] and `labels_mask` [B, T];
    model logits -> one mask per frame at the frame's size.
    """

    valid_kwargs = AVESFormerImageProcessorKwargs
    model_input_names = ["pixel_values"]
    resample = PILImageResampling.BILINEAR
    image_mean = IMAGENET_DEFAULT_MEAN
    image_std = IMAGENET_DEFAULT_STD
    size = {"height": 224, "width": 224}
    default_to_square = True
    do_resize = True
    do_rescale = True
    do_normalize = True
    do_convert_rgb = True
    mask_type = "binary"
    num_frames = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.mask_type not in MASK_TYPES:
            raise ValueError(f"mask_type must be one of {MASK_TYPES}, got {self.mask_type!r}")

    def preprocess(self, images, masks=None, **kwargs) -> BatchFeature:
        r"""
        Args:
            images: a frame, a clip (list of T frames) or a batch of clips.
            masks (*optional*): nested like `images`, one mask per frame; `None` for a frame without label.
            num_frames (`int`, *optional*): pad or cut every clip to T frames; needed when clips differ in length.
            return_tensors (`str`, *optional*): `"pt"` or `"np"`.
        """
        return super().preprocess(images, masks, **kwargs)

    def _preprocess_image_like_inputs(
        self, images, masks, do_convert_rgb, input_data_format, return_tensors, num_frames, mask_type, **kwargs
    ) -> BatchFeature:
        clips, batched = as_clips(images)
        clips = [[checked_frame(frame, b, t) for t, frame in enumerate(clip)] for b, clip in enumerate(clips)]
        lengths = [len(clip) for clip in clips]
        if num_frames is None and len(set(lengths)) > 1:
            raise ValueError(
                f"clips in one batch have different numbers of frames ({', '.join(map(str, lengths))}); "
                "pass num_frames=T to pad or cut them"
            )
        num_frames = num_frames or lengths[0]
        clips = [clip[:num_frames] for clip in clips]

        flat_frames = [frame for clip in clips for frame in clip]
        prepared = self._prepare_image_like_inputs(
            flat_frames, do_convert_rgb=do_convert_rgb, input_data_format=input_data_format
        )
        processed = self._preprocess(prepared, return_tensors=None, **kwargs)["pixel_values"]
        channels, height, width = processed[0].shape
        pixel_values = np.zeros((len(clips), num_frames, channels, height, width), dtype=np.float32)
        position = 0
        for clip_index, clip in enumerate(clips):
            pixel_values[clip_index, : len(clip)] = np.stack(processed[position : position + len(clip)])
            position += len(clip)
        data = {"pixel_values": pixel_values}
        if masks is not None:
            data.update(self.masks_to_labels(masks, batched, len(clips), num_frames, height, width, mask_type))
        return BatchFeature(data=data, tensor_type=return_tensors)

    def masks_to_labels(self, masks, batched, num_clips, num_frames, height, width, mask_type) -> dict:
        """Masks nested like the frames -> `labels` [B, T, height, width] and `labels_mask` [B, T] (bool)."""
        mask_clips = [list(clip) for clip in masks] if batched else [list(masks) if not is_frame(masks) else [masks]]
        if len(mask_clips) != num_clips:
            raise ValueError(f"masks hold {len(mask_clips)} clips for {num_clips} clips of frames")
        semantic = mask_type == "palette"
        labels = np.zeros((num_clips, num_frames, height, width), dtype=np.int64 if semantic else np.float32)
        labels_mask = np.zeros((num_clips, num_frames), dtype=bool)
        palette = avss_palette()
        for clip_index, clip in enumerate(mask_clips):
            for frame_index, mask in enumerate(clip[:num_frames]):
                if mask is None:
                    continue
                source = mask_source(mask, clip_index, frame_index)
                if semantic:
                    label = palette_mask_to_ids(mask, source, palette)
                else:
                    label = binary_mask_to_bool(mask, source).astype(np.uint8)
                labels[clip_index, frame_index] = resize_nearest(label, height, width)
                labels_mask[clip_index, frame_index] = True
        return {"labels": labels, "labels_mask": labels_mask}

    def _upsampled_frames(self, logits: torch.Tensor, size):
        """[T, K, h, w] -> one [K, H, W] logit map per frame (bilinear; frame by frame, since T full-size maps of
        71 class logits can take gigabytes)."""
        for frame_logits in logits:
            if size is None:
                yield frame_logits
            else:
                yield F.interpolate(frame_logits[None].float(), size=size, mode="bilinear", align_corners=False)[0]

    def post_process_binary_segmentation(self, outputs, target_sizes=None, threshold: float = 0.5) -> list[torch.Tensor]:
        """Binary logits [B, T, 1, h, w] -> per clip a bool tensor [T, H, W]: sigmoid(logit) > threshold after
        bilinear resizing to the clip's (H, W) in `target_sizes` (one per clip, or one for all)."""
        logits = logits_of(outputs)
        if logits.shape[2] != 1:
            raise ValueError(
                f"binary post-processing needs logits with 1 channel, got {logits.shape[2]}: "
                "use post_process_semantic_segmentation"
            )
        sizes = clip_target_sizes(target_sizes, len(logits))
        masks = []
        for clip, size in zip(logits, sizes):  # one clip at a time: clips may have different target sizes
            if size is not None:
                clip = F.interpolate(clip.float(), size=size, mode="bilinear", align_corners=False)
            masks.append(clip[:, 0].sigmoid() > threshold)
        return masks

    def post_process_semantic_segmentation(self, outputs, target_sizes=None) -> list[torch.Tensor]:
        """Semantic logits [B, T, K, h, w] (K > 1) -> per clip class ids [T, H, W] int64 (argmax after resizing)."""
        logits = logits_of(outputs)
        if logits.shape[2] < 2:
            raise ValueError(
                "semantic post-processing needs logits with one channel per class, got 1: "
                "use post_process_binary_segmentation"
            )
        sizes = clip_target_sizes(target_sizes, len(logits))
        return [
            torch.stack([frame.argmax(dim=0) for frame in self._upsampled_frames(clip, size)])
            for clip, size in zip(logits, sizes)
        ]

    def post_process_segmentation(self, outputs, target_sizes=None, threshold: float = 0.5) -> list[torch.Tensor]:
        """Binary or semantic post-processing, chosen by the number of logit channels."""
        if logits_of(outputs).shape[2] == 1:
            return self.post_process_binary_segmentation(outputs, target_sizes, threshold=threshold)
        return self.post_process_semantic_segmentation(outputs, target_sizes)


AVESFormerImageProcessor.register_for_auto_class()

__all__ = ["AVESFormerImageProcessor", "avss_palette", "color_to_label", "label_to_color"]
