"""Checks on the way in: each bad input of the three AVSBench loaders, own videos and Hub / Parquet datasets is a
one-line error naming the file, line, column or value at fault (or, with on_error="skip", a reported skip)."""

import json
import logging
import shutil
from pathlib import Path

import datasets
import numpy as np
import PIL.Image
import pytest
from avsbench_trees import write_ms3, write_s4
from own_data import OWN_VIDEOS, write_own_videos, write_s4_tree, write_wav

from avesformer_hf.cli import main as cli_main
from avesformer_hf.data import AVSBenchLayoutError, decode_mask, load_clips
from avesformer_hf.training import TrainingArguments, TrainingConfigurationError
from avesformer_hf.training.checks import check_arguments
from helpers import tiny_avesformer_config

S4_MASK = "Single-source/s4_data/gt_masks/val/dog_barking/vidC_10/vidC_10_2.png"
MS3_MASK = "Multi-sources/ms3_data/gt_masks/test/m3/m3_4.png"


def load(root, subset="s4", **kwargs):
    return load_clips(subset, data_root=root, cache_dir=str(Path(root) / "cache"), **kwargs)


def replace_mask(path: Path, values: np.ndarray) -> Path:
    PIL.Image.fromarray(values).save(path)
    return path


def two_values(low: int, high: int, shape=(16, 24)) -> np.ndarray:
    values = np.full(shape, low, dtype=np.uint8)
    values[:4] = high
    return values


# ---- binary mask values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, found",
    [
        (two_values(0, 127), "0, 127"),  # grey levels saved by an editor
        (np.where(np.arange(16 * 24).reshape(16, 24) == 0, 255, two_values(0, 1)).astype(np.uint8), "0, 1, 255"),
    ],
    ids=["0-127", "0-1-with-a-stray-255"],
)
def test_binary_mask_values_outside_the_accepted_sets_name_file_and_values(tmp_path, values, found):
    root = write_s4(tmp_path)
    mask = replace_mask(root / S4_MASK, values)
    with pytest.raises(AVSBenchLayoutError, match=rf"{mask}: binary mask values {found} are not 0/255, 0/1 or boolean; pass --mask-threshold"):
        load(root)


def test_colour_binary_mask_names_the_colours(tmp_path):
    root = write_ms3(tmp_path)
    rgb = np.zeros((16, 24, 3), dtype=np.uint8)
    rgb[:4] = (255, 0, 0)
    mask = replace_mask(root / MS3_MASK, rgb)
    with pytest.raises(AVSBenchLayoutError, match=rf"{mask}: a binary mask must be black and white, found colours \(0, 0, 0\), \(255, 0, 0\)"):
        load(root, "ms3")


def test_mask_threshold_binarises_and_the_rows_hold_the_checked_labels(tmp_path):
    root = write_s4(tmp_path)
    replace_mask(root / S4_MASK, two_values(0, 127))
    row = load(root, splits=["val"], mask_threshold=100)["val"][0]
    labels = decode_mask(row["masks"][1], "s4")
    assert int(labels.sum()) == 4 * 24 and labels[:4].all()  # the image processor alone would split at 128
    with pytest.raises(AVSBenchLayoutError, match="0, 127"):
        load(root, splits=["val"], mask_threshold=None)


@pytest.mark.parametrize("kind", ["0-1", "bool-mode-1", "grey-rgb", "all-background"])
def test_accepted_binary_masks(tmp_path, kind):
    root = write_s4(tmp_path)
    values = two_values(0, 1)
    if kind == "0-1":
        replace_mask(root / S4_MASK, values)
    elif kind == "bool-mode-1":
        PIL.Image.fromarray(values.astype(bool)).save(root / S4_MASK)
        assert PIL.Image.open(root / S4_MASK).mode == "1"
    elif kind == "grey-rgb":
        replace_mask(root / S4_MASK, np.repeat((values * 255)[..., None], 3, axis=2))
    else:
        replace_mask(root / S4_MASK, np.zeros((16, 24), dtype=np.uint8))
    labels = decode_mask(load(root, splits=["val"])["val"][0]["masks"][1], "s4")
    assert int(labels.sum()) == (0 if kind == "all-background" else 4 * 24)


# ---- CSV rows, audio, labelled frames --------------------------------------------------------------


def test_duplicate_video_id_names_both_lines_and_skip_keeps_the_first(tmp_path, caplog):
    root = write_s4(tmp_path)
    csv = root / "Single-source/s4_meta_data.csv"
    csv.write_text(csv.read_text() + "vidC_10,0,dog_barking,val\n")
    with pytest.raises(AVSBenchLayoutError, match=r"s4_meta_data.csv, line 6: video 'vidC_10' is already listed on line 4"):
        load(root)
    with caplog.at_level(logging.WARNING, logger="avesformer_hf.data"):
        dataset = load(root, on_error="skip")
    assert dataset["val"]["video_id"] == ["vidC_10"]
    assert sum("line 6" in record.getMessage() for record in caplog.records) == 1


def test_audio_shorter_than_one_window_fails_at_load_time(tmp_path):
    root = write_ms3(tmp_path)
    wav = root / "Multi-sources/ms3_data/audio_wav/val/m2.wav"
    write_wav(wav, seconds=0.5, rate=16000, channels=1)
    with pytest.raises(AVSBenchLayoutError, match=rf"audio {wav} is 0.500 s long; one VGGish window needs 0.975 s"):
        load(root, "ms3")


def test_s4_clip_without_any_mask_is_an_error(tmp_path):
    root = write_s4(tmp_path)
    mask_dir = root / "Single-source/s4_data/gt_masks/train/dog_barking/vidA_0"
    shutil.rmtree(mask_dir)
    with pytest.raises(AVSBenchLayoutError, match=rf"clip vidA_0: no mask file, expected at least {mask_dir}/vidA_0_1.png"):
        load(root)


def test_s4_val_clip_missing_one_mask_is_labelled_on_the_others(tmp_path):
    root = write_s4(tmp_path)
    (root / S4_MASK).unlink()
    assert load(root, splits=["val"])["val"][0]["labels_mask"] == [True, False, True, True, True]


# ---- own videos -------------------------------------------------------------------------------------


@pytest.fixture
def videos(tmp_path):
    return write_own_videos(tmp_path / "videos", videos=OWN_VIDEOS[1:])


def expect_video_error(root, match, subset="s4", **kwargs):
    with pytest.raises(AVSBenchLayoutError, match=match):
        load(root, subset, **kwargs)


def test_own_videos_missing_file_column_or_repeated_video(videos):
    (videos / "videos" / "kitchen.mkv").unlink()
    expect_video_error(videos, rf"missing video: no {videos}/videos/kitchen.<ext>")
    (videos / "metadata.csv").write_text("video,split\ngarden,train\n")
    expect_video_error(videos, r"metadata.csv: missing column 'category'")
    (videos / "metadata.csv").write_text("video,split,category\ngarden,train,a\npark,test,b\ngarden,val,a\n")
    expect_video_error(videos, r"metadata.csv, line 4: video 'garden' is already listed on line 2")
    (videos / "metadata.csv").write_text("video,split,category,start\ngarden,train,a,soon\n")
    expect_video_error(videos, r"metadata.csv, line 2: start 'soon' is not a number of seconds")


def test_own_videos_mask_names_and_indices(videos):
    beyond = videos / "masks" / "park" / "5.png"
    shutil.copy(videos / "masks" / "park" / "0.png", beyond)
    expect_video_error(videos, rf"{beyond}: the video gives 5 frames at 1 fps \(indices 0..4\)")
    beyond.rename(videos / "masks" / "park" / "first.png")
    expect_video_error(videos, r"park/first.png: mask files are named by frame index")
    (videos / "masks" / "park" / "first.png").unlink()
    shutil.rmtree(videos / "masks" / "kitchen")
    expect_video_error(videos, rf"no masks for this video: {videos}/masks/kitchen/")


def test_own_videos_mask_values_and_size(videos):
    mask = videos / "masks" / "garden" / "2.png"
    replace_mask(mask, two_values(0, 200, shape=(32, 48)))
    expect_video_error(videos, rf"{mask}: binary mask values 0, 200")
    replace_mask(mask, two_values(0, 255, shape=(16, 16)))
    expect_video_error(videos, rf"mask {mask} is 16x16 but its frame is 48x32")


def test_own_videos_too_short_or_without_enough_sound(tmp_path):
    short = [("blink", "mp4", "train", "a", 3, 44100, 2, [0])]
    expect_video_error(write_own_videos(tmp_path / "short", videos=short), r"blink.mp4: 3 frames, fewer than the 5 of one clip")
    from synthetic_video import write_test_video

    root = write_own_videos(tmp_path / "quiet", videos=[OWN_VIDEOS[1]])
    write_test_video(root / "videos" / "garden.mkv", seconds=5, fps=4, size=(48, 32), audio_seconds=0.5)
    expect_video_error(root, r"audio of .*garden.mkv from 0.000 s is 0.5\d\d s long; one VGGish window needs 0.975 s")
    write_test_video(root / "videos" / "garden.mkv", seconds=5, fps=4, size=(48, 32), with_audio=False)
    expect_video_error(root, r"garden.mkv: no audio stream")


def test_own_videos_skip_reports_the_broken_video(videos, caplog):
    (videos / "videos" / "park.mp4").write_bytes(b"not a video")
    with caplog.at_level(logging.WARNING, logger="avesformer_hf.data.own_videos"):
        dataset = load(videos, on_error="skip")
    assert dataset["test"].num_rows == 0 and dataset["train"]["video_id"] == ["garden"]
    assert any("park" in record.getMessage() and "not a readable video" in record.getMessage() for record in caplog.records)


def test_own_videos_semantic_masks_need_labels_json_and_known_ids(tmp_path):
    root = write_own_videos(tmp_path / "videos", videos=[("garden", "mkv", "train", "", 10, 44100, 2, [0])], with_category=False)
    expect_video_error(root, r"need .*labels.json", subset="avss")
    (root / "labels.json").write_text(json.dumps({"background": 0, "bird": 1}))
    ids = np.zeros((32, 48), dtype=np.uint8)
    ids[0, 0] = 5
    mask = root / "masks" / "garden" / "0.png"
    image = PIL.Image.fromarray(ids, mode="P")
    image.putpalette([channel for index in range(8) for channel in (30 * index, 0, 255 - 30 * index)])
    image.save(mask)
    expect_video_error(root, rf"{mask}: class ids 5 are not in 0..1 \(labels.json\)", subset="avss")


def test_a_folder_of_neither_layout_names_both(tmp_path):
    (tmp_path / "metadata.csv").write_text("video,split\n")
    expect_video_error(tmp_path, r"no s4 metadata.*nor is it an own-videos folder \(.*metadata.csv and .*videos/\)")


# ---- Hub / Parquet datasets -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    base = tmp_path_factory.mktemp("parquet")
    rows = load_clips("s4", data_root=write_s4_tree(base / "tree", num_categories=8), cache_dir=str(base / "cache"))
    from avesformer_hf.data.publish import save_parquet

    return save_parquet(rows, base / "good", "s4"), rows


def write_variant(rows, folder: Path, change) -> Path:
    from avesformer_hf.data.publish import save_parquet

    return save_parquet(datasets.DatasetDict({split: change(part) for split, part in rows.items()}), folder, "s4")


def test_dataset_without_a_column_or_with_the_wrong_feature_names_it(parquet, tmp_path):
    good, rows = parquet
    without_masks = write_variant(rows, tmp_path / "no-masks", lambda part: part.remove_columns("masks"))
    with pytest.raises(ValueError, match=rf"--dataset-name {without_masks} \(config s4\), split 'train': missing column 'masks' \(a list of images\)"):
        load_clips("s4", dataset_name=str(without_masks), cache_dir=str(tmp_path / "cache"))
    text_category = write_variant(rows, tmp_path / "text", lambda part: part.cast_column("category", datasets.Value("string")))
    with pytest.raises(ValueError, match=r"column 'category' is Value\('string'\), expected a ClassLabel"):
        load_clips("s4", dataset_name=str(text_category), cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"missing column 'subset_label'.*missing column 'frame_mask'"):
        load_clips("avss", dataset_name=str(good), dataset_config="s4", cache_dir=str(tmp_path / "cache"))


def test_dataset_name_that_cannot_be_read_or_lacks_the_split(parquet, tmp_path):
    good, _ = parquet
    with pytest.raises(ValueError, match=r"--dataset-name .*nowhere \(config s4\): cannot be read"):
        load_clips("s4", dataset_name=str(tmp_path / "nowhere"), cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"config ms3\): cannot be read"):
        load_clips("s4", dataset_name=str(good), dataset_config="ms3", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"no split 'dev' \(splits: \['train', 'val', 'test'\]\)"):
        load_clips("s4", ["dev"], dataset_name=str(good), cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"--dataset-name someone/my-clips \(config s4\): cannot be read \(Couldn't reach"):
        load_clips("s4", dataset_name="someone/my-clips", cache_dir=str(tmp_path / "cache"))  # offline in the tests


def test_a_tree_without_a_test_split_loads_and_asking_for_it_names_the_csv(tmp_path):
    root = write_s4_tree(tmp_path / "tree", num_categories=6)  # clips 0-5: train, and clip 3 val
    assert list(load(root)) == ["train", "val"]
    with pytest.raises(AVSBenchLayoutError, match=r"s4_meta_data.csv: no clips in split 'test'"):
        load(root, splits=["test"])


# ---- flags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(synthetic=0, data_root="tree", dataset_name="hub"), "exactly one of --data-root PATH, --dataset-name NAME and --synthetic"),
        (dict(dataset_config="s4"), "--dataset-config needs --dataset-name"),
        (dict(mask_threshold=0), r"--mask-threshold must lie in 1..255, got 0"),
        (dict(fps=0.0), r"--fps must be positive, got 0.0"),
    ],
)
def test_data_flags_are_checked_before_training(tmp_path, overrides, match):
    tiny_avesformer_config(num_frames=5).save_pretrained(tmp_path / "config")
    values = dict(output_dir=str(tmp_path / "run"), model_config=str(tmp_path / "config"), synthetic=3)
    values.update(overrides)
    with pytest.raises(TrainingConfigurationError, match=match):
        check_arguments(TrainingArguments(**values))


def test_cli_reports_a_data_error_in_one_line(parquet, tmp_path, capsys):
    good, _ = parquet
    tiny_avesformer_config(num_frames=5).save_pretrained(tmp_path / "config")
    code = cli_main(["train", "--model-config", str(tmp_path / "config"), "--dataset-name", str(good), "--dataset-config", "ms3",
                     "--output-dir", str(tmp_path / "run"), "--max-steps", "1"])
    error = capsys.readouterr().err.strip()
    assert code == 2 and error.startswith("error: --dataset-name") and "cannot be read" in error and "\n" not in error


def test_evaluate_and_push_report_a_data_error_in_one_line(parquet, tmp_path, capsys):
    from own_data import run_script

    from avesformer_hf import AVESFormerModel
    from avesformer_hf.data.collate import default_processor

    AVESFormerModel(tiny_avesformer_config(num_frames=5)).save_pretrained(tmp_path / "model")
    default_processor("s4", image_size=32).save_pretrained(tmp_path / "model")
    capsys.readouterr()
    code = cli_main(["evaluate", "--model", str(tmp_path / "model"), "--dataset-name", str(tmp_path / "nowhere")])
    stderr = capsys.readouterr().err
    error = stderr.strip().splitlines()[-1]  # after the weight-loading progress bar
    assert code == 2 and error.startswith("error: --dataset-name") and "cannot be read" in error and "Traceback" not in stderr
    root = write_s4(tmp_path / "tree")
    mask = replace_mask(root / S4_MASK, two_values(0, 127))
    assert run_script("push_avsbench.py", str(root), "--subset", "s4", "--local-dir", str(tmp_path / "out")) == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1] == f"error: {mask}: binary mask values 0, 127 are not 0/255, 0/1 or boolean; pass --mask-threshold T to count values >= T as foreground"
    assert not (tmp_path / "out").exists()
