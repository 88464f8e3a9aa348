"""The ways in: an S4-layout tree of the user's own categories, own videos in two containers, a Parquet folder
(Hub layout) - each loads with the right rows and trains; the same data trains identically from
--data-root and from --dataset-name; evaluate reads a Parquet folder, with and without --swap-audio."""

import json
import logging
from pathlib import Path

import datasets
import numpy as np
import pytest
from own_data import OWN_VIDEOS, category_names, run_script, write_own_videos, write_s4_tree
from safetensors.numpy import load_file
from synthetic_video import COLOURS, dominant_frequency, tone_frequency

from avesformer_hf.cli import main as cli_main
from avesformer_hf.data import decode_mask, load_clips, read_audio
from avesformer_hf.data.avsbench import avsbench_features
from helpers import tiny_avesformer_config

@pytest.fixture(autouse=True)
def private_datasets_cache(tmp_path_factory, monkeypatch):
    """The scripts load with the default cache: keep it inside the tests' folders."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path_factory.getbasetemp() / "datasets-cache"))


def train_args(model_dir: Path, output_dir: Path, *source: str) -> list[str]:
    return [*source, "--subset", "s4", "--model-config", str(model_dir), "--output-dir", str(output_dir),
            "--image-size", "32", "--max-steps", "2", "--batch-size", "2", "--learning-rate", "1e-3", "--report-to", "jsonl"]


# ---- loading ----------------------------------------------------------------------------------------


def test_own_s4_categories_load_whole_with_every_mask_as_a_label(tmp_path, caplog):
    root = write_s4_tree(tmp_path / "tree", num_categories=35)
    with caplog.at_level(logging.WARNING, logger="avesformer_hf.data"):
        dataset = load_clips("s4", data_root=root, cache_dir=str(tmp_path / "cache"))
    assert {split: part.num_rows for split, part in dataset.items()} == {"train": 29, "val": 3, "test": 3}
    names = dataset["train"].features["category"].names
    assert names == sorted(category_names(35)) and len(names) == 35
    assert [record.getMessage().count("35 categories of your own") for record in caplog.records] == [1]
    for part in dataset.values():
        for row in part:
            assert row["labels_mask"] == [True] * 5 and None not in row["masks"]
    row = dataset["train"][1]
    assert names[row["category"]] == "instrument_01"
    mask = decode_mask(row["masks"][2], "s4")
    assert int(mask.sum()) == 12 * 12 and mask[4 + 3 + 1, 8]
    waveform, rate = read_audio(row["audio"])
    assert rate == 44100 and waveform.shape == (5 * 44100,)
    assert dataset["train"].features == avsbench_features("s4", names)


def test_own_videos_in_two_containers_give_clips_of_frames_masks_and_audio(tmp_path):
    root = write_own_videos(tmp_path / "videos")
    dataset = load_clips("s4", data_root=root, cache_dir=str(tmp_path / "cache"))
    assert dataset["train"].features == avsbench_features("s4", ["bird", "dog"])
    # street (7 s mp4, 48 kHz mono): clips of frames 0-4 and 2-6 (the last moved back to end with the video)
    assert dataset["train"]["video_id"] == ["street_0", "street_2", "garden"]
    assert dataset["val"]["video_id"] == ["kitchen"] and dataset["test"]["video_id"] == ["park"]
    street_0, street_2, garden = dataset["train"]
    assert street_0["labels_mask"] == [True, False, True, False, False]
    assert street_2["labels_mask"] == [True, False, False, True, True]
    assert garden["labels_mask"] == [True] * 5
    assert dataset["train"].features["category"].int2str(garden["category"]) == "bird"
    for second, frame in enumerate(street_2["frames"], start=2):  # frame t at 1 fps shows COLOURS[t]
        assert np.abs(np.asarray(frame, dtype=int)[16, 24] - COLOURS[second % len(COLOURS)]).max() < 40
    mask = decode_mask(street_2["masks"][3], "s4")
    assert mask.shape == (32, 48) and int(mask.sum()) == 10 * 16 and mask[2 + 2 * 5, 4]
    for row, first_second in ((street_2, 2), (garden, 0)):  # 44.1 / 48 kHz stereo or mono -> mono 16 kHz
        waveform, rate = read_audio(row["audio"])
        assert rate == 16000 and waveform.shape == (5 * 16000,)
        second = waveform[16000 + 2000 : 32000 - 2000]
        assert dominant_frequency(second, rate) == pytest.approx(tone_frequency(first_second + 1), abs=10)


def test_own_videos_at_two_frames_per_second(tmp_path):
    root = write_own_videos(tmp_path / "videos", videos=[OWN_VIDEOS[1]], with_category=False)
    dataset = load_clips("ms3", data_root=root, fps=2.0, cache_dir=str(tmp_path / "cache"))
    assert dataset["train"]["video_id"] == ["garden_0", "garden_5"]  # 10 frames at 2 fps
    assert dataset["train"][0]["labels_mask"] == [True] * 5 and dataset["train"][1]["labels_mask"] == [False] * 5
    assert "category" not in dataset["train"].column_names


def test_own_videos_with_palette_masks_for_a_semantic_model(tmp_path):
    import PIL.Image

    from avesformer_hf.image_processing_avesformer import avss_palette

    ten_seconds = [("garden", "mkv", "train", "", 10, 44100, 2, [])]  # one 10-frame AVSS clip at 1 fps
    root = write_own_videos(tmp_path / "videos", videos=ten_seconds, with_category=False)
    (root / "labels.json").write_text(json.dumps({"background": 0, "bird": 1, "dog": 2}))
    (root / "masks" / "garden").mkdir(parents=True)
    masks = {}
    for frame in range(5):
        ids = np.zeros((32, 48), dtype=np.uint8)
        ids[:8, : 4 + frame] = 1
        ids[-4:, -6:] = 2
        image = PIL.Image.fromarray(ids, mode="P")
        image.putpalette([0, 0, 0, 255, 255, 0, 0, 255, 255])  # the user's own colours: indices are the ids
        image.save(root / "masks" / "garden" / f"{frame}.png")
        masks[frame] = ids
    dataset = load_clips("avss", ["train"], data_root=root, cache_dir=str(tmp_path / "cache"))
    (row,) = dataset["train"]
    assert dataset["train"].features == avsbench_features("avss")
    assert row["frame_mask"] == [True] * 10 and row["labels_mask"] == [True] * 5 + [False] * 5
    for frame in range(5):
        np.testing.assert_array_equal(decode_mask(row["masks"][frame], "avss"), masks[frame])
    assert tuple(np.asarray(row["masks"][0].convert("RGB"))[0, 0]) == tuple(avss_palette()[1])


def test_parquet_folder_gives_the_rows_of_the_tree(tmp_path):
    root = write_s4_tree(tmp_path / "tree", num_categories=6)
    out_dir = tmp_path / "parquet"
    assert run_script("push_avsbench.py", str(root), "--subset", "s4", "--local-dir", str(out_dir)) == 0
    original = load_clips("s4", data_root=root, cache_dir=str(tmp_path / "cache"))
    loaded = load_clips("s4", dataset_name=str(out_dir), dataset_config="s4", cache_dir=str(tmp_path / "cache2"))
    assert list(loaded) == list(original)
    for split in original:
        assert loaded[split].features == original[split].features
        for mine, theirs in zip(loaded[split], original[split]):
            assert (mine["video_id"], mine["category"], mine["labels_mask"]) == (theirs["video_id"], theirs["category"], theirs["labels_mask"])
            assert [np.asarray(f).tolist() for f in mine["frames"]] == [np.asarray(f).tolist() for f in theirs["frames"]]
            assert [decode_mask(m, "s4").tolist() for m in mine["masks"]] == [decode_mask(m, "s4").tolist() for m in theirs["masks"]]
            assert read_audio(mine["audio"])[0].tolist() == read_audio(theirs["audio"])[0].tolist()


# ---- training and evaluation ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A 35-category S4 tree trained from --data-root, pushed with push_avsbench --local-dir, trained again from
    --dataset-name, with the same seed."""
    base = tmp_path_factory.mktemp("ways_in")
    datasets.config.HF_DATASETS_CACHE = str(base / "datasets-cache")
    tree = write_s4_tree(base / "tree", num_categories=35)
    tiny_avesformer_config(num_frames=5).save_pretrained(base / "config")
    assert run_script("train.py", *train_args(base / "config", base / "from_root", "--data-root", str(tree))) == 0
    parquet = base / "parquet"
    assert run_script("push_avsbench.py", str(tree), "--subset", "s4", "--local-dir", str(parquet)) == 0
    assert run_script("train.py", *train_args(base / "config", base / "from_hub", "--dataset-name", str(parquet),
                                              "--dataset-config", "s4")) == 0
    return base


def test_training_from_data_root_and_from_dataset_name_is_identical(runs):
    from_root = load_file(runs / "from_root" / "model" / "model.safetensors")
    from_hub = load_file(runs / "from_hub" / "model" / "model.safetensors")
    assert from_root.keys() == from_hub.keys()
    for name in from_root:
        np.testing.assert_array_equal(from_root[name], from_hub[name], err_msg=name)
    metrics = [json.loads((runs / run / "metrics.json").read_text()) for run in ("from_root", "from_hub")]
    assert metrics[0]["global_step"] == 2 and metrics[0] == metrics[1]
    assert set(metrics[0]["test"]) >= {"M_J", "M_F"}


@pytest.mark.parametrize("swap", [False, True])
def test_evaluate_reads_the_parquet_folder(runs, tmp_path, swap):
    output = tmp_path / "scores.json"
    argv = ["evaluate", "--model", str(runs / "from_hub" / "model"), "--dataset-name", str(runs / "parquet"),
            "--dataset-config", "s4", "--split", "test", "--output", str(output)] + (["--swap-audio"] if swap else [])
    assert cli_main(argv) == 0
    results = json.loads(output.read_text())
    assert results["num_clips"] == 3 and results["swap_audio"] is swap and results["data"] == str(runs / "parquet")
    assert 0.0 <= results["metrics"]["M_J"] <= 1.0
    if not swap:
        from_root = json.loads((runs / "from_hub" / "metrics.json").read_text())["test"]
        assert results["metrics"]["M_J"] == pytest.approx(from_root["M_J"], abs=1e-6)


def test_own_videos_train_two_steps(tmp_path):
    root = write_own_videos(tmp_path / "videos")
    tiny_avesformer_config(num_frames=5).save_pretrained(tmp_path / "config")
    assert cli_main(["train", *train_args(tmp_path / "config", tmp_path / "run", "--data-root", str(root))]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["global_step"] == 2 and "test" in metrics
