"""AVESFormerImageProcessor: frames -> pixel_values, masks -> labels, logits -> masks.

(Seed: the palette helpers. The processor class itself is added by the processor issue.)
"""

import numpy as np


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
