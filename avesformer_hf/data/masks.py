"""Masks checked on the way in: what a binary or semantic mask file may hold, and its canonical form.

Binary masks are accepted as {0, 255}, {0, 1}, boolean or mode "1" images (greyscale, or RGB with equal
channels). Any other values are an error naming the file and the values found, unless a `threshold` is
given (pixels >= threshold are foreground). A mask that the image processor would read differently
(thresholded, colour, palette) is handed on as a canonical 0/255 greyscale PNG, so every later reader sees
the labels that were checked here.
"""

import io

import numpy as np
import PIL.Image

from ..image_processing_avesformer import avss_palette, binary_mask_to_bool, label_to_color, palette_mask_to_ids

MAX_VALUES_SHOWN = 8


class MaskValueError(ValueError):
    """A mask's values are not what its kind of mask allows; the message names the file and the values."""


def shown(values) -> str:
    values = [tuple(int(c) for c in v) if np.ndim(v) else int(v) for v in values]
    more = f", ... ({len(values)} in all)" if len(values) > MAX_VALUES_SHOWN else ""
    return ", ".join(map(str, values[:MAX_VALUES_SHOWN])) + more


def grey_values(image: PIL.Image.Image, source: str, threshold: int | None) -> np.ndarray:
    """The mask's single channel; colour masks are an error unless a threshold is given."""
    if image.mode not in ("RGB", "RGBA", "LA", "P", "PA"):
        return np.asarray(image)
    rgb = np.asarray(image.convert("RGB"))
    if (rgb == rgb[..., :1]).all():
        return rgb[..., 0]
    if threshold is None:
        colours = np.unique(rgb.reshape(-1, 3), axis=0)
        raise MaskValueError(
            f"{source}: a binary mask must be black and white, found colours {shown(colours)}; "
            "save it as a 0/255 greyscale PNG or pass --mask-threshold T (grey level >= T is foreground)"
        )
    return np.asarray(image.convert("L"))


def binary_mask_values(image: PIL.Image.Image, source: str, threshold: int | None = None) -> np.ndarray:
    """A binary mask image -> bool [H, W], or a MaskValueError naming `source` and the values found."""
    if image.mode == "1":
        return np.asarray(image, dtype=bool)
    values = grey_values(image, source, threshold)
    found = set(np.unique(values).tolist())
    if found <= {0, 255}:
        return values == 255
    if found <= {0, 1}:
        return values == 1
    if threshold is not None:
        return values >= threshold
    raise MaskValueError(
        f"{source}: binary mask values {shown(sorted(found))} are not 0/255, 0/1 or boolean; "
        "pass --mask-threshold T to count values >= T as foreground"
    )


def png_entry(path, array: np.ndarray) -> dict:
    """An `Image` entry holding `array` as PNG bytes. Its path names the source file but is not that file:
    `datasets` would read an existing file instead of the bytes."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(array).save(buffer, format="PNG")
    return {"path": f"{path}#checked", "bytes": buffer.getvalue()}


def checked_binary_mask(path, image: PIL.Image.Image, threshold: int | None = None):
    """The `masks` entry for a checked binary mask: its path, or canonical PNG bytes when the image processor
    would read the file differently from the check."""
    labels = binary_mask_values(image, str(path), threshold)
    if np.array_equal(binary_mask_to_bool(image, str(path)), labels):
        return str(path)
    return png_entry(path, labels.astype(np.uint8) * 255)


def semantic_mask_ids(image: PIL.Image.Image, source: str, num_classes: int) -> np.ndarray:
    """A semantic mask -> class ids [H, W]: palette PNG (index = class id), greyscale ids, or AVSS colours."""
    if image.mode in ("P", "L", "I", "I;16"):
        ids = np.asarray(image).astype(np.int64)
        outside = sorted(set(np.unique(ids[(ids < 0) | (ids >= num_classes)]).tolist()))
        if outside:
            raise MaskValueError(f"{source}: class ids {shown(outside)} are not in 0..{num_classes - 1} (labels.json)")
        return ids
    try:
        return palette_mask_to_ids(image, source=source, palette=avss_palette(num_classes))
    except ValueError as error:
        raise MaskValueError(str(error)) from None


def checked_semantic_mask(path, image: PIL.Image.Image, num_classes: int):
    """The `masks` entry for a semantic mask: AVSS colour PNG bytes of its class ids (what the collator reads)."""
    ids = semantic_mask_ids(image, str(path), num_classes)
    return png_entry(path, label_to_color(ids))


__all__ = ["MaskValueError", "binary_mask_values", "checked_binary_mask", "checked_semantic_mask", "semantic_mask_ids"]
