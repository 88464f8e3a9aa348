"""Overlays: an opaque outline and a translucent fill in a colour that stands out from the object, class colours
with a legend for class masks, the frame untouched elsewhere."""

import numpy as np
import PIL.Image
import pytest

from avesformer_hf.image_processing_avesformer import avss_palette
from avesformer_hf.inference.overlay import border, render_overlay
from avesformer_hf.inference.video import read_clip, write_video


def scene(object_colour, size=64):
    """A grey frame with a square object of `object_colour`; the mask covers the object."""
    image = np.full((size, size, 3), 110, dtype=np.uint8)
    mask = np.zeros((size, size), dtype=bool)
    mask[20:44, 24:52] = True
    image[mask] = object_colour
    return PIL.Image.fromarray(image), mask


@pytest.mark.parametrize("object_colour", [(255, 0, 255), (255, 48, 48), (40, 250, 60), (250, 250, 250)])
def test_binary_mask_is_outlined_and_filled_in_a_colour_far_from_the_object(object_colour):
    frame, mask = scene(object_colour)
    before, after = np.asarray(frame).astype(int), np.asarray(render_overlay(frame, mask)).astype(int)

    edge = border(mask, 1)
    outline_colours = np.unique(after[edge], axis=0)
    assert len(outline_colours) == 1  # one opaque colour all round
    colour = outline_colours[0]
    assert np.linalg.norm(colour - np.array(object_colour)) > 150  # not the object's colour (magenta stays visible)
    assert np.linalg.norm(colour - 110) > 150  # nor the grey background's
    inside = mask & ~edge
    differs = lambda a, b: np.any(a != b, axis=-1).all()
    assert differs(after[inside], before[inside]) and differs(after[inside], colour)  # a blend: object still seen
    assert np.array_equal(after[~mask], before[~mask])


def test_the_colour_follows_the_frame():
    colours = {tuple(np.asarray(render_overlay(*scene(c)))[20, 30]) for c in [(255, 0, 255), (40, 250, 60)]}
    assert len(colours) == 2


def test_class_mask_uses_class_colours_and_draws_a_legend():
    image = np.full((96, 96, 3), 110, dtype=np.uint8)
    mask = np.zeros((96, 96), dtype=np.int64)
    mask[50:80, 10:40], mask[50:80, 55:90] = 7, 41  # bird, man
    picture = np.asarray(render_overlay(image, mask, id2label={7: "bird", 41: "man"}))

    palette = avss_palette(71)
    for index in (7, 41):
        assert np.all(picture[border(mask == index, 1)] == palette[index])
        legend = picture[:30, :60].reshape(-1, 3)  # top-left corner, away from both masks
        assert (legend == palette[index]).all(axis=1).sum() >= 20  # a swatch of the class colour
    assert np.array_equal(picture[40:48, 50:], image[40:48, 50:])
    assert np.array_equal(np.asarray(render_overlay(image, np.zeros_like(mask))), image)  # no class, no legend


def test_mask_of_the_wrong_size_is_named():
    frame, _ = scene((255, 0, 255))
    with pytest.raises(ValueError, match=r"mask shape \(32, 64\) does not match the frame's \(64, 64\)"):
        render_overlay(frame, np.zeros((32, 64), dtype=bool))


def test_the_video_writer_draws_these_overlays(tmp_path):
    frame, mask = scene((255, 0, 255))
    audio = np.zeros(16000 * 2, dtype=np.float32)
    path = write_video(tmp_path / "overlay.mp4", [frame, frame], [mask, mask], audio=audio, fps=1.0)
    written = np.asarray(read_clip(path).frames[0]).astype(int)
    expected = np.asarray(render_overlay(frame, mask, alpha=0.5)).astype(int)
    inside = mask & ~border(mask, 3)  # H.264 blurs colour across the outline (4:2:0)
    assert np.abs(written[inside] - expected[inside]).mean() < 12
    assert np.abs(written[inside] - np.asarray(frame).astype(int)[inside]).mean() > 40
