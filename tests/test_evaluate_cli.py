"""`avesformer evaluate`: the benchmark metrics of a saved model on a split, printed and written as JSON."""

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from avesformer_hf import AVESFormerModel
from avesformer_hf.cli import main
from avesformer_hf.data import generate_synthavs, load_avsbench
from avesformer_hf.data.collate import AVSBenchCollator, default_processor
from avesformer_hf.metrics import avs_metric, frame_iou
from avesformer_hf.training.evaluate_saved import swapped_audio
from helpers import tiny_avesformer_config


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    generate_synthavs(root / "synthavs", layout="s4", num_clips=20, image_size=32, num_classes=3, seed=1)
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_avesformer_config(num_frames=5))
    model.save_pretrained(root / "model")
    default_processor("s4", image_size=32).save_pretrained(root / "model")
    return root


def expected_scores(setup, split: str) -> dict:
    """The metrics computed by hand: every frame through the model, logits upsampled, per-frame IoU averaged."""
    model = AVESFormerModel.from_pretrained(setup / "model").eval()
    rows = list(load_avsbench(setup / "synthavs", subset="s4", splits=[split])[split])
    batch = AVSBenchCollator("s4", processor=default_processor("s4", image_size=32))(rows)
    with torch.no_grad():
        logits = model(pixel_values=batch["pixel_values"], input_features=batch["input_features"]).logits
    logits = F.interpolate(logits.flatten(0, 1), size=(32, 32), mode="bilinear", align_corners=False)[:, 0]
    labels = batch["labels"].flatten(0, 1)
    metric = avs_metric(1)
    metric.update(logits, labels)
    return {"M_J": float(frame_iou(logits, labels).mean()), "M_F": metric.compute()["F-score"]}


def test_evaluate_prints_and_writes_the_benchmark_metrics(setup, tmp_path, capsys):
    output = tmp_path / "scores.json"
    code = main(["evaluate", "--model", str(setup / "model"), "--data-root", str(setup / "synthavs"),
                 "--subset", "s4", "--split", "test", "--batch-size", "2", "--output", str(output)])
    assert code == 0
    results = json.loads(output.read_text())
    assert (results["split"], results["subset"], results["num_clips"]) == ("test", "s4", 3)
    expected = expected_scores(setup, "test")
    assert results["metrics"]["M_J"] == pytest.approx(expected["M_J"], abs=1e-6)
    assert results["metrics"]["M_F"] == pytest.approx(expected["M_F"], abs=1e-6)
    printed = capsys.readouterr().out
    assert f"M_J {results['metrics']['M_J']:.4f} M_F {results['metrics']['M_F']:.4f}" in printed


def test_per_batch_f_score_mode(setup, tmp_path):
    output = tmp_path / "scores.json"
    main(["evaluate", "--model", str(setup / "model"), "--data-root", str(setup / "synthavs"), "--split", "val",
          "--f-score-mode", "per_batch", "--batch-size", "2", "--output", str(output)])
    results = json.loads(output.read_text())
    assert results["f_score_mode"] == "per_batch" and results["batch_size"] == 2
    assert 0.0 <= results["metrics"]["M_F"] <= 1.0


def test_swapped_audio_comes_from_a_clip_of_another_category(setup):
    dataset = load_avsbench(setup / "synthavs", subset="s4", splits=["train"])["train"]
    swapped = swapped_audio(dataset, seed=0)
    category_of_audio = {row["audio"]["path"]: row["category"] for row in dataset}
    for original, changed in zip(dataset, swapped):
        assert changed["video_id"] == original["video_id"]
        assert category_of_audio[changed["audio"]["path"]] != original["category"]


def test_model_or_data_that_do_not_fit_are_refused(setup, tmp_path, capsys):
    folder = tmp_path / "semantic"
    AVESFormerModel(tiny_avesformer_config(num_labels=3, num_frames=5)).save_pretrained(folder)
    assert main(["evaluate", "--model", str(folder), "--data-root", str(setup / "synthavs"), "--split", "test"]) == 2
    assert "num_labels=3 but subset 's4'" in capsys.readouterr().err
    model = str(setup / "model")
    assert main(["evaluate", "--model", model, "--data-root", str(setup / "synthavs"), "--subset", "ms3"]) == 2
    assert "ms3_meta_data.csv" in capsys.readouterr().err
    assert main(["evaluate", "--model", model, "--data-root", str(setup / "synthavs"), "--split", "test", "--swap-audio",
                 "--subset", "s4", "--batch-size", "0"]) == 2
    assert "--batch-size must be at least 1" in capsys.readouterr().err
