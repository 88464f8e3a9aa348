"""Overlays people can read: every mask outlined and filled in a colour that stands out from the frame; class-id
masks (AVSS) in their class colours, with a legend naming the classes shown."""

import numpy as np
import PIL.Image
import PIL.ImageDraw

from ..image_processing_avesformer import avss_palette
from ..avsbench import avss_id2label

# Saturated candidates for binary masks: the one farthest from the pixels under and around the mask is used.
CANDIDATE_COLOURS = np.array(
    [(255, 48, 48), (48, 255, 48), (48, 128, 255), (255, 224, 0), (0, 255, 255), (255, 0, 255)],
    dtype=np.float32,
)
FILL_ALPHA = 0.35
MAX_SAMPLES = 4096


def frame_array(frame) -> np.ndarray:
    image = np.asarray(frame.convert("RGB") if isinstance(frame, PIL.Image.Image) else frame)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"overlay: expected an RGB frame [H, W, 3], got shape {tuple(image.shape)}")
    return image


def mask_array(mask, size: tuple[int, int]) -> np.ndarray:
    mask = mask.detach().cpu().numpy() if hasattr(mask, "detach") else np.asarray(mask)
    if mask.shape != size:
        raise ValueError(f"overlay: mask shape {tuple(mask.shape)} does not match the frame's {size} (height, width)")
    return mask


def border(region: np.ndarray, width: int) -> np.ndarray:
    """Pixels of `region` (bool [H, W]) less than `width` pixels from its edge, by repeated 4-neighbour erosion."""
    inner = region.copy()
    for _ in range(width):
        shrunk = inner.copy()
        shrunk[1:] &= inner[:-1]
        shrunk[:-1] &= inner[1:]
        shrunk[:, 1:] &= inner[:, :-1]
        shrunk[:, :-1] &= inner[:, 1:]
        inner = shrunk
    return region & ~inner


def contrast_colour(image: np.ndarray, region: np.ndarray, width: int) -> np.ndarray:
    """The candidate colour whose 10th-percentile distance to the pixels of the region and of a band around it is
    largest: it differs from nearly every pixel the fill and the outline are seen against."""
    seen = region | border(~region, 3 * width)
    pixels = image[seen].astype(np.float32)
    if len(pixels) > MAX_SAMPLES:
        pixels = pixels[np.linspace(0, len(pixels) - 1, MAX_SAMPLES).astype(int)]
    if not len(pixels):
        return CANDIDATE_COLOURS[0]
    distances = np.linalg.norm(pixels[None] - CANDIDATE_COLOURS[:, None], axis=-1)  # [candidates, pixels]
    return CANDIDATE_COLOURS[np.argmax(np.percentile(distances, 10, axis=1))]


def paint(canvas: np.ndarray, region: np.ndarray, colour, alpha: float, width: int) -> None:
    """Fill `region` of the float canvas at `alpha` and draw its outline opaque, both in `colour`."""
    colour = np.asarray(colour, dtype=np.float32)
    canvas[region] = (1 - alpha) * canvas[region] + alpha * colour
    canvas[border(region, width)] = colour


def draw_legend(picture: PIL.Image.Image, entries: list[tuple[str, tuple[int, int, int]]]) -> None:
    """A swatch and a name per entry, on a dark box in the top-left corner."""
    draw = PIL.ImageDraw.Draw(picture)
    line = 12
    box_width = 14 + 7 * max(len(name) for name, _ in entries)
    draw.rectangle([0, 0, box_width, 4 + line * len(entries)], fill=(0, 0, 0))
    for row, (name, colour) in enumerate(entries):
        top = 3 + row * line
        draw.rectangle([3, top, 11, top + 8], fill=tuple(int(c) for c in colour), outline=(255, 255, 255))
        draw.text((15, top - 1), name, fill=(255, 255, 255))


def render_overlay(frame, mask, id2label: dict | None = None, alpha: float = FILL_ALPHA) -> PIL.Image.Image:
    """`frame` with `mask` drawn over it: a bool mask outlined and filled in a colour chosen against the frame;
    a class-id mask (0 = background) per class in the AVSS palette colours, with a legend of `id2label` names
    (default: the AVSS classes)."""
    image = frame_array(frame)
    mask = mask_array(mask, image.shape[:2])
    width = max(1, round(min(image.shape[:2]) / 100))
    canvas = image.astype(np.float32)
    if mask.dtype == bool:
        paint(canvas, mask, contrast_colour(image, mask, width), alpha, width)
        return PIL.Image.fromarray(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))
    classes = [int(index) for index in np.unique(mask) if index != 0]
    palette = avss_palette(max(classes, default=0) + 1)
    names = id2label or avss_id2label()
    for index in classes:
        paint(canvas, mask == index, palette[index], alpha, width)
    picture = PIL.Image.fromarray(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))
    if classes:
        draw_legend(picture, [(str(names.get(index, f"class {index}")), tuple(palette[index])) for index in classes])
    return picture
