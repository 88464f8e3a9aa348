"""AVESFormerImageProcessor: AVSBench frame preprocessing, masks to labels, logits back to masks, overlays."""

import numpy as np
import PIL.Image
import pytest
import torch
import torch.nn.functional as F

from avesformer_hf.image_processing_avesformer import AVESFormerImageProcessor, avss_palette

MEAN = np.array([0.485, 0.456, 0.406]).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225]).reshape(3, 1, 1)


def avsbench_reference(image: PIL.Image.Image, size: int = 224) -> np.ndarray:
    """What AVSBench's transforms do: PIL bilinear Resize, ToTensor (/255, CHW), Normalize."""
    resized = np.asarray(image.convert("RGB").resize((size, size), PIL.Image.Resampling.BILINEAR), dtype=np.float64)
    return (resized.transpose(2, 0, 1) / 255.0 - MEAN) / STD


def random_frame(height: int, width: int, seed: int) -> PIL.Image.Image:
    return PIL.Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def processor():
    return AVESFormerImageProcessor()


def test_frames_match_avsbench_preprocessing_for_pil_numpy_and_torch(processor):
    frames = [random_frame(90, 160, 0), random_frame(300, 200, 1), random_frame(224, 224, 2)]
    expected = np.stack([avsbench_reference(frame) for frame in frames])
    as_numpy = [np.asarray(frame) for frame in frames]
    as_torch = [torch.from_numpy(np.asarray(frame).copy()).permute(2, 0, 1) for frame in frames]
    for clip in (frames, as_numpy, as_torch):
        pixel_values = processor(clip, return_tensors="pt")["pixel_values"]
        assert pixel_values.shape == (1, 3, 3, 224, 224)
        assert pixel_values.dtype == torch.float32
        np.testing.assert_allclose(pixel_values[0].numpy(), expected, atol=1e-5)


def test_nesting_frame_clip_batch_and_configurable_size():
    processor = AVESFormerImageProcessor(size={"height": 64, "width": 96})
    frame = random_frame(40, 50, 0)
    assert processor(frame, return_tensors="pt")["pixel_values"].shape == (1, 1, 3, 64, 96)
    assert processor([frame] * 4, return_tensors="pt")["pixel_values"].shape == (1, 4, 3, 64, 96)
    assert processor([[frame] * 4] * 3, return_tensors="pt")["pixel_values"].shape == (3, 4, 3, 64, 96)
    video = np.stack([np.asarray(frame)] * 5)  # [T, H, W, C]
    assert processor(video, return_tensors="pt")["pixel_values"].shape == (1, 5, 3, 64, 96)


def test_clips_of_different_lengths_need_num_frames(processor):
    clips = [[random_frame(32, 32, 0)] * 3, [random_frame(32, 32, 1)] * 5]
    with pytest.raises(ValueError, match=r"different numbers of frames \(3, 5\).*num_frames"):
        processor(clips)
    padded = processor(clips, num_frames=4, return_tensors="pt")["pixel_values"]
    assert padded.shape == (2, 4, 3, 224, 224)
    assert torch.count_nonzero(padded[0, 3]) == 0  # padded frame
    assert torch.equal(padded[1, 3], padded[1, 0])  # cut clip keeps its first 4 frames


def test_binary_masks_become_float_labels_with_labels_mask():
    processor = AVESFormerImageProcessor(size={"height": 32, "width": 32})
    mask = np.zeros((64, 64), dtype=np.uint8)
    mask[:32, :32] = 255
    frames = [random_frame(64, 64, index) for index in range(3)]
    forms = [PIL.Image.fromarray(mask), mask > 0, (mask > 0).astype(np.uint8), np.stack([mask] * 3, axis=-1)]
    expected = np.zeros((32, 32), dtype=np.float32)
    expected[:16, :16] = 1.0
    for form in forms:
        out = processor(frames, masks=[form, None, form], return_tensors="pt")
        assert out["labels"].dtype == torch.float32 and out["labels"].shape == (1, 3, 32, 32)
        np.testing.assert_array_equal(out["labels"][0, 0].numpy(), expected)
        assert out["labels_mask"].tolist() == [[True, False, True]]
        assert torch.count_nonzero(out["labels"][0, 1]) == 0


def test_palette_masks_become_class_ids(tmp_path):
    processor = AVESFormerImageProcessor(size={"height": 16, "width": 16}, mask_type="palette")
    ids = np.zeros((16, 16), dtype=np.int64)
    ids[:8] = 12
    ids[8:, 8:] = 70
    path = tmp_path / "0.png"
    PIL.Image.fromarray(avss_palette()[ids]).save(path)
    with PIL.Image.open(path) as colour_mask:
        out = processor([random_frame(16, 16, 0)], masks=[colour_mask], return_tensors="pt")
    assert out["labels"].dtype == torch.int64
    np.testing.assert_array_equal(out["labels"][0, 0].numpy(), ids)
    from_ids = processor([random_frame(16, 16, 0)], masks=[ids], return_tensors="pt")["labels"]
    np.testing.assert_array_equal(from_ids[0, 0].numpy(), ids)


def test_unknown_mask_colour_names_the_colour_and_the_file(tmp_path):
    processor = AVESFormerImageProcessor(mask_type="palette")
    colours = np.zeros((8, 8, 3), dtype=np.uint8)
    colours[0, 0] = (255, 255, 255)
    path = tmp_path / "bad_mask.png"
    PIL.Image.fromarray(colours).save(path)
    with PIL.Image.open(path) as mask, pytest.raises(ValueError, match=r"bad_mask\.png: colour \(255, 255, 255\)"):
        processor([random_frame(8, 8, 0)], masks=[mask])


def test_post_process_binary_at_each_target_size(processor):
    logits = torch.randn(2, 3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    masks = processor.post_process_binary_segmentation(logits, target_sizes=[(40, 50), (30, 20)])
    assert [tuple(mask.shape) for mask in masks] == [(3, 40, 50), (3, 30, 20)]
    assert masks[0].dtype == torch.bool
    expected = F.interpolate(logits[1], size=(30, 20), mode="bilinear", align_corners=False).sigmoid()[:, 0] > 0.5
    assert torch.equal(masks[1], expected)
    assert processor.post_process_binary_segmentation(logits, threshold=1.0)[0].sum() == 0
    assert [tuple(mask.shape) for mask in processor.post_process_binary_segmentation(logits)] == [(3, 8, 8)] * 2


def test_post_process_semantic_at_each_target_size(processor):
    logits = torch.zeros(2, 2, 5, 4, 4)
    logits[0, :, 3] = 1.0  # clip 0: class 3 everywhere
    logits[1, :, 1, :2] = 1.0  # clip 1: class 1 in the top half, class 0 below
    masks = processor.post_process_semantic_segmentation(logits, target_sizes=[(12, 10), (8, 8)])
    assert [tuple(mask.shape) for mask in masks] == [(2, 12, 10), (2, 8, 8)]
    assert masks[0].dtype == torch.int64
    assert torch.all(masks[0] == 3)
    assert torch.all(masks[1][:, :3] == 1) and torch.all(masks[1][:, 5:] == 0)
    generic = processor.post_process_segmentation(logits, target_sizes=(12, 10))
    assert torch.equal(generic[0], masks[0])


def test_post_process_rejects_the_wrong_kind_of_logits(processor):
    with pytest.raises(ValueError, match="use post_process_semantic_segmentation"):
        processor.post_process_binary_segmentation(torch.zeros(1, 2, 71, 4, 4))
    with pytest.raises(ValueError, match="use post_process_binary_segmentation"):
        processor.post_process_semantic_segmentation(torch.zeros(1, 2, 1, 4, 4))
    with pytest.raises(ValueError, match="3 entries for a batch of 1 clips"):
        processor.post_process_binary_segmentation(torch.zeros(1, 2, 1, 4, 4), target_sizes=[(4, 4)] * 3)


def test_save_and_load_round_trip(tmp_path):
    processor = AVESFormerImageProcessor(size={"height": 64, "width": 64}, mask_type="palette")
    processor.save_pretrained(tmp_path)
    loaded = AVESFormerImageProcessor.from_pretrained(tmp_path)
    assert loaded.mask_type == "palette" and loaded.size.height == 64
    frame = random_frame(50, 70, 3)
    assert torch.equal(processor(frame, return_tensors="pt")["pixel_values"], loaded(frame, return_tensors="pt")["pixel_values"])
