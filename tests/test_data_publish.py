"""Publishing: Parquet + card saved locally and loaded back with `datasets.load_dataset` gives the same rows."""

import importlib.util
from pathlib import Path

import datasets
import numpy as np
import pytest

from avesformer_hf.data.avsbench import decode_mask, load_avsbench, read_audio
from avesformer_hf.data.synthetic import generate_synthavs

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "push_avsbench.py"


@pytest.fixture(autouse=True)
def private_datasets_cache(tmp_path, monkeypatch):
    """The script loads with the default cache: keep it inside the test's folder."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "default-cache"))


def load_script():
    spec = importlib.util.spec_from_file_location("push_avsbench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(row: dict, subset: str) -> dict:
    """A row with its images and audio decoded, to compare rows whose files live in different places."""

    def pixels(image, decode):
        return None if image is None else decode(image).tolist()

    waveform, rate = read_audio(row["audio"])
    return {
        **{column: row[column] for column in ("video_id", "category", "subset_label", "labels_mask", "frame_mask") if column in row},
        "frames": [pixels(frame, np.asarray) for frame in row["frames"]],
        "masks": [pixels(mask, lambda image: decode_mask(image, subset)) for mask in row["masks"]],
        "audio": (rate, waveform.tolist(), Path(row["audio"]["path"]).name),
    }


@pytest.mark.parametrize("subset", ["s4", "avss"])
def test_local_parquet_round_trip_gives_the_same_rows(tmp_path, subset):
    root = generate_synthavs(tmp_path / "tree", layout=subset, num_clips=3, image_size=32, num_classes=3, seed=7)
    original = load_avsbench(root, subset, cache_dir=str(tmp_path / "cache"))
    out_dir = tmp_path / "parquet"
    assert load_script().main([str(root), "--subset", subset, "--local-dir", str(out_dir)]) == 0
    assert sorted(path.name for path in (out_dir / subset).iterdir()) == [
        "test-00000-of-00001.parquet", "train-00000-of-00001.parquet", "val-00000-of-00001.parquet"
    ]
    card = (out_dir / "README.md").read_text()
    assert f"config_name: {subset}" in card and "zhou2022avs" in card and "labels_mask" in card
    expected = {split: [snapshot(row, subset) for row in part] for split, part in original.items()}
    # the tree is gone: the rows must carry their own bytes
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    loaded = datasets.load_dataset(str(out_dir), subset, cache_dir=str(tmp_path / "cache2"))
    assert set(loaded) == set(original)
    for split in original:
        assert loaded[split].features.keys() == original[split].features.keys()
        assert [snapshot(row, subset) for row in loaded[split]] == expected[split]
    if subset == "s4":
        assert loaded["train"].features["category"] == original["train"].features["category"]


def test_push_sends_the_embedded_dataset_and_the_card(tmp_path, monkeypatch):
    from huggingface_hub import DatasetCard

    root = generate_synthavs(tmp_path / "tree", layout="ms3", num_clips=3, image_size=32, num_classes=3)
    pushed, cards = {}, []

    def fake_push(self, repo_id, config_name="default", private=False, token=None, **kwargs):
        pushed.update(repo_id=repo_id, config_name=config_name, private=private, dataset=self)

    monkeypatch.setattr(datasets.DatasetDict, "push_to_hub", fake_push)
    monkeypatch.setattr(DatasetCard, "load", classmethod(lambda cls, *args, **kwargs: cls("---\ndataset_info:\n  dataset_size: 1\n---\n")))
    monkeypatch.setattr(DatasetCard, "push_to_hub", lambda self, repo_id, **kwargs: cards.append((repo_id, self)))
    assert load_script().main([str(root), "--subset", "ms3", "--repo-id", "someone/avsbench", "--private"]) == 0
    assert pushed["repo_id"] == "someone/avsbench" and pushed["config_name"] == "ms3" and pushed["private"]
    first = pushed["dataset"]["train"].with_format("arrow")[:1]
    assert first.column("audio")[0]["bytes"].as_py()[:4] == b"RIFF"
    assert first.column("frames")[0][0]["bytes"].as_py()[:4] == b"\x89PNG"
    ((repo_id, card),) = cards
    assert repo_id == "someone/avsbench"
    assert card.data.to_dict()["dataset_info"] == {"dataset_size": 1}  # kept from the card push_to_hub wrote
    assert card.data.to_dict()["license"] == "other" and 'load_dataset("someone/avsbench", "ms3")' in card.text
