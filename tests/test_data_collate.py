"""AVSBench rows -> model inputs: T, audio padding and mask decoding by subset; the AVSS training crop."""

import numpy as np
import PIL.Image
import pytest
import soundfile
import torch
from torch.utils.data import DataLoader

from avesformer_hf.data.avsbench import decode_mask, load_avsbench
from avesformer_hf.data.collate import AVSBenchCollator, default_processor, short_side_resize_center_crop
from avesformer_hf.data.synthetic import generate_synthavs
from avesformer_hf.image_processing_avesformer import label_to_color
from avesformer_hf.modeling_avesformer import AVESFormerModel

from helpers import tiny_avesformer_config


@pytest.fixture(scope="module")
def synthavs(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthavs")
    for layout in ("s4", "avss"):
        generate_synthavs(root, layout=layout, num_clips=4, image_size=32, num_classes=4, seed=5)
    cache = str(root / "cache")
    return {subset: load_avsbench(root, subset, cache_dir=cache) for subset in ("s4", "avss")}


def test_s4_batch_shapes_labels_and_labelled_frames(synthavs):
    rows = [synthavs["s4"]["train"][0], synthavs["s4"]["val"][0]]
    batch = AVSBenchCollator("s4", image_size=32)(rows)
    assert batch["pixel_values"].shape == (2, 5, 3, 32, 32)
    assert batch["input_features"].shape == (2, 5, 1, 96, 64)
    assert "audio_mask" not in batch  # S4 repeats audio, nothing to flag
    assert batch["labels_mask"].tolist() == [[True] + [False] * 4, [True] * 5]
    assert batch["labels"].dtype == torch.float32
    np.testing.assert_array_equal(batch["labels"][0, 0].numpy(), decode_mask(rows[0]["masks"][0], "s4"))
    assert not batch["labels"][0, 1:].any()  # unlabelled frames hold zeros
    np.testing.assert_array_equal(batch["labels"][1, 4].numpy(), decode_mask(rows[1]["masks"][4], "s4"))


def test_avss_pads_five_second_clips_to_ten_frames_with_flags(synthavs):
    dataset = synthavs["avss"]["train"]
    labels = dataset.features["subset_label"]
    rows = [row for row in dataset if labels.int2str(row["subset_label"]) in ("v1s", "v1m")][:1]
    rows.append(next(row for split in synthavs["avss"].values() for row in split if labels.int2str(row["subset_label"]) == "v2"))
    batch = AVSBenchCollator("avss", image_size=32)(rows)
    assert batch["pixel_values"].shape == (2, 10, 3, 32, 32)
    assert batch["audio_mask"].tolist() == [[1] * 5 + [0] * 5, [1] * 10]
    assert not batch["pixel_values"][0, 5:].any() and not batch["input_features"][0, 5:].any()
    assert batch["labels_mask"][0].tolist() == rows[0]["labels_mask"]
    assert batch["labels"].dtype == torch.int64
    np.testing.assert_array_equal(batch["labels"][1, 9].numpy(), decode_mask(rows[1]["masks"][9], "avss"))
    assert batch["labels"][1].max() > 0


def test_avss_training_crop_keeps_the_centre_of_frames_and_masks(tmp_path):
    # 48x32 frame: the short side is already 32, so the crop keeps columns 8..39
    class_ids = np.zeros((32, 48), dtype=np.int64)
    class_ids[:, :8] = 17  # cut away by the crop
    class_ids[10:20, 20:30] = 70
    frame = np.zeros((32, 48, 3), dtype=np.uint8)
    frame[:, 8:40] = 200
    wav = tmp_path / "audio.wav"
    soundfile.write(wav, np.zeros(5 * 16000, dtype=np.float32), 16000)
    row = {
        "video_id": "u",
        "frames": [PIL.Image.fromarray(frame)] * 5 + [None] * 5,
        "frame_mask": [True] * 5 + [False] * 5,
        "masks": [PIL.Image.fromarray(label_to_color(class_ids))] + [None] * 9,
        "labels_mask": [True] + [False] * 9,
        "audio": {"path": str(wav), "bytes": None},
    }
    batch = AVSBenchCollator("avss", image_size=32, train=True)([row])
    np.testing.assert_array_equal(batch["labels"][0, 0].numpy(), class_ids[:, 8:40])
    # every kept pixel is the bright centre: one value per channel after normalisation
    assert batch["pixel_values"][0, 0].flatten(1).std(dim=1).max() < 1e-5
    evaluation = AVSBenchCollator("avss", image_size=32, train=False)([row])
    assert (evaluation["labels"][0, 0] == 17).any()  # without the crop, the squeezed left strip remains
    resized = short_side_resize_center_crop(PIL.Image.new("RGB", (30, 60)), 20, PIL.Image.BILINEAR)
    assert resized.size == (20, 20)


def test_processor_with_the_wrong_mask_type_is_refused():
    with pytest.raises(ValueError, match="avss masks need an image processor with mask_type='palette'"):
        AVSBenchCollator("avss", processor=default_processor("s4"))


def test_dataloader_over_with_transform_feeds_the_model(synthavs):
    collator = AVSBenchCollator("s4", image_size=32, train=True)
    loader = DataLoader(synthavs["s4"]["train"].with_transform(collator.transform), batch_size=2)
    batch = next(iter(loader))
    assert batch["pixel_values"].shape == (2, 5, 3, 32, 32)
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_avesformer_config(num_labels=1, num_frames=5))
    outputs = model(**batch)
    assert outputs.logits.shape == (2, 5, 1, 8, 8)
    assert torch.isfinite(outputs.loss)
    outputs.loss.backward()
