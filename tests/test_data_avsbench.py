"""AVSBench loaders on small trees in the official layouts, quirks included (written by avsbench_trees.py)."""

import logging

import numpy as np
import PIL.Image
import pytest

from avesformer_hf.data.avsbench import AVSBenchLayoutError, decode_mask, load_avsbench, read_audio
from avesformer_hf.avsbench import S4_CATEGORIES
from avsbench_trees import SIZE, avss_labels, binary_mask, frame_image, save, write_avss, write_ms3, write_s4


def load(root, subset, **kwargs):
    return load_avsbench(root, subset, cache_dir=str(root / "cache"), **kwargs)


# ---- reading ----------------------------------------------------------------------------------------


def test_s4_splits_labelled_frames_masks_and_categories(tmp_path):
    dataset = load(write_s4(tmp_path), "s4")
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 2, "val": 1, "test": 1}
    assert dataset["train"].features["category"].names == list(S4_CATEGORIES)
    train = dataset["train"][1]
    assert train["video_id"] == "vidB_30"
    assert dataset["train"].features["category"].int2str(train["category"]) == "playing_piano"
    assert len(train["frames"]) == 5 and train["frames"][4].size == SIZE
    np.testing.assert_array_equal(np.asarray(train["frames"][2]), np.asarray(frame_image(13)))
    assert train["labels_mask"] == [True, False, False, False, False]
    assert train["masks"][1:] == [None] * 4
    first = decode_mask(train["masks"][0], "s4")
    assert first.dtype == np.uint8 and set(np.unique(first)) == {0, 1} and first[:1].all() and not first[1:].any()
    val = dataset["val"][0]
    assert val["labels_mask"] == [True] * 5
    assert [int(decode_mask(mask, "s4").sum()) for mask in val["masks"]] == [SIZE[0] * n for n in range(1, 6)]
    waveform, rate = read_audio(val["audio"])
    assert rate == 16000 and waveform.shape == (80000,)
    assert val["audio"]["path"].endswith("s4_data/audio_wav/val/dog_barking/vidC_10.wav")


def test_subset_folder_itself_is_a_valid_root(tmp_path):
    write_s4(tmp_path)
    dataset = load_avsbench(tmp_path / "Single-source", "s4", splits="val", cache_dir=str(tmp_path / "cache"))
    assert list(dataset) == ["val"] and dataset["val"][0]["video_id"] == "vidC_10"


def test_ms3_reads_mp4_frame_names_without_split_folder(tmp_path):
    dataset = load(write_ms3(tmp_path), "ms3")
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 1, "val": 1, "test": 1}
    row = dataset["train"][0]
    assert row["labels_mask"] == [True] * 5
    assert row["frames"][0].filename.endswith("visual_frames/m1/m1.mp4_1.png")
    assert [int(decode_mask(mask, "ms3").sum()) for mask in row["masks"]] == [2 * SIZE[0]] * 5
    waveform, _ = read_audio(row["audio"])
    assert waveform[0] == pytest.approx(-0.25)  # stereo averaged to mono


def test_avss_padding_labelled_frames_and_class_ids_from_colours(tmp_path):
    dataset = load(write_avss(tmp_path), "avss")
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 2, "val": 1, "test": 1}
    labels = dataset["train"].features["subset_label"]
    v1s = dataset["train"][0]
    assert labels.int2str(v1s["subset_label"]) == "v1s"
    assert len(v1s["frames"]) == 10 and v1s["frames"][5:] == [None] * 5
    assert v1s["frame_mask"] == [True] * 5 + [False] * 5
    assert v1s["labels_mask"] == [True] + [False] * 9
    np.testing.assert_array_equal(decode_mask(v1s["masks"][0], "avss"), avss_labels(0))
    v1m = dataset["val"][0]
    assert v1m["labels_mask"] == [True] * 5 + [False] * 5
    assert set(np.unique(decode_mask(v1m["masks"][3], "avss"))) == {0, 17, 70}
    v2 = dataset["test"][0]
    assert v2["frame_mask"] == [True] * 10 and v2["labels_mask"] == [True] * 10
    np.testing.assert_array_equal(decode_mask(v2["masks"][9], "avss"), avss_labels(9))
    assert read_audio(v2["audio"])[0].shape == (160000,)


def test_second_load_hits_the_cache_and_a_changed_tree_is_read_again(tmp_path):
    root = write_ms3(tmp_path)
    first = load(root, "ms3", splits=["val"])
    again = load(root, "ms3", splits=["val"])
    assert again["val"].cache_files == first["val"].cache_files
    save(binary_mask(slice(0, 16)), root / "Multi-sources/ms3_data/gt_masks/val/m2/m2_1.png")
    changed = load(root, "ms3", splits=["val"])
    assert changed["val"].cache_files != first["val"].cache_files
    assert decode_mask(changed["val"][0]["masks"][0], "ms3").all()


# ---- broken trees -----------------------------------------------------------------------------------


def test_missing_csv_column_names_file_and_column(tmp_path):
    root = write_ms3(tmp_path)
    (root / "Multi-sources/ms3_meta_data.csv").write_text("video_id,fold\nm1,train\n")
    with pytest.raises(AVSBenchLayoutError, match=r"ms3_meta_data.csv: missing column 'split'"):
        load(root, "ms3")


def test_unknown_split_value_is_not_silently_dropped(tmp_path):
    root = write_ms3(tmp_path)
    (root / "Multi-sources/ms3_meta_data.csv").write_text("video_id,split\nm1,train\nm2,tarin\n")
    with pytest.raises(AVSBenchLayoutError, match=r"line 3: split 'tarin'"):
        load(root, "ms3")


def test_missing_frame_names_the_file(tmp_path):
    root = write_s4(tmp_path)
    missing = root / "Single-source/s4_data/visual_frames/val/dog_barking/vidC_10/vidC_10_4.png"
    missing.unlink()
    with pytest.raises(AVSBenchLayoutError, match=f"missing frame: {missing}"):
        load(root, "s4")


def test_mask_of_another_size_names_the_mask(tmp_path):
    root = write_ms3(tmp_path)
    mask_path = root / "Multi-sources/ms3_data/gt_masks/test/m3/m3_2.png"
    PIL.Image.new("L", (8, 8)).save(mask_path)
    with pytest.raises(AVSBenchLayoutError, match=rf"mask {mask_path} is 8x8 but its frame is 24x16"):
        load(root, "ms3")


def test_unreadable_png_names_the_file(tmp_path):
    root = write_s4(tmp_path)
    broken = root / "Single-source/s4_data/gt_masks/train/dog_barking/vidA_0/vidA_0_1.png"
    broken.write_bytes(broken.read_bytes()[:40])
    with pytest.raises(AVSBenchLayoutError, match=f"unreadable mask: {broken}"):
        load(root, "s4")


def test_unknown_avss_colour_names_colour_and_file(tmp_path):
    root = write_avss(tmp_path)
    mask_path = root / "AVSS/v1m/u2_5/labels_rgb/2.png"
    colours = np.array(PIL.Image.open(mask_path).convert("RGB"))
    colours[0, 0] = (1, 2, 3)
    PIL.Image.fromarray(colours).save(mask_path)
    with pytest.raises(AVSBenchLayoutError, match=r"labels_rgb/2.png: colour \(1, 2, 3\) is not in the 71-class"):
        load(root, "avss")


def test_missing_avss_label_of_a_labelled_frame_is_an_error(tmp_path):
    root = write_avss(tmp_path)
    (root / "AVSS/v2/u3_0/labels_rgb/7.png").unlink()
    with pytest.raises(AVSBenchLayoutError, match=r"missing mask: .*AVSS/v2/u3_0/labels_rgb/7.png"):
        load(root, "avss", splits="test")


def test_skip_reports_each_skipped_clip(tmp_path, caplog):
    root = write_s4(tmp_path)
    (root / "Single-source/s4_data/audio_wav/train/dog_barking/vidA_0.wav").unlink()
    with caplog.at_level(logging.WARNING, logger="avesformer_hf.data.avsbench"):
        dataset = load(root, "s4", on_error="skip")
    assert dataset["train"]["video_id"] == ["vidB_30"]
    assert dataset["val"].num_rows == 1
    skipped = [record.getMessage() for record in caplog.records if "skipped" in record.getMessage()]
    assert len(skipped) == 1 and "vidA_0" in skipped[0] and "vidA_0.wav" in skipped[0]


def test_missing_metadata_and_bad_arguments(tmp_path):
    with pytest.raises(AVSBenchLayoutError, match="no ms3 metadata"):
        load_avsbench(tmp_path, "ms3")
    with pytest.raises(ValueError, match="subset must be one of"):
        load_avsbench(tmp_path, "s5")
    root = write_ms3(tmp_path / "tree")
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        load(root, "ms3", splits=["dev"])


def test_skipping_every_clip_of_a_split_gives_an_empty_split(tmp_path, caplog):
    root = write_ms3(tmp_path)
    (root / "Multi-sources/ms3_data/audio_wav/val/m2.wav").unlink()
    with caplog.at_level(logging.WARNING, logger="avesformer_hf.data.avsbench"):
        dataset = load(root, "ms3", on_error="skip")
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 1, "val": 0, "test": 1}
    assert dataset["val"].features == dataset["train"].features
    assert any("m2.wav" in record.getMessage() for record in caplog.records)
