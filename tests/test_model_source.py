"""`--model` and `--device` as every command reads them: a missing local folder is named as such."""

import pytest
import torch

from avesformer_hf.cli import main
from avesformer_hf.inference.model_source import resolve_device, resolve_model_source


def test_a_hub_id_is_passed_on_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_model_source("org/avesformer-tiny") == "org/avesformer-tiny"
    assert resolve_model_source("avesformer-tiny") == "avesformer-tiny"


@pytest.mark.parametrize("typo", ["runs/quickstart/modle", "runs/modle", "./modle", "modle/"])
def test_a_missing_local_folder_is_reported_as_a_folder(tmp_path, monkeypatch, typo):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(ValueError, match=rf"^--model {typo}: no such folder"):
        resolve_model_source(typo)


def test_a_folder_without_config_is_not_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match=r"MODEL .*: not a saved model folder \(it holds no config.json\)"):
        resolve_model_source(str(tmp_path), flag="MODEL")
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model_source(str(tmp_path)) == str(tmp_path)


def test_auto_device_is_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="--device cuda: CUDA is not available on this machine"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    with pytest.raises(ValueError, match="--device gpu0: not a torch device"):
        resolve_device("gpu0")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["export-onnx", "runs/quickstart/modle", "out.onnx"], "error: MODEL runs/quickstart/modle: no such folder"),
        (["demo", "--model", "runs/quickstart/modle"], "error: --model runs/quickstart/modle: no such folder"),
        (["benchmark", "--device", "gpu0"], "error: --device gpu0: not a torch device"),
    ],
)
def test_commands_report_a_bad_model_or_device_in_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1
    assert not (tmp_path / "out.onnx").exists()


def test_the_demo_reads_a_model_reference_by_the_same_rule(tmp_path, monkeypatch):
    from avesformer_hf.demo import app as demo_app
    from avesformer_hf.demo.uploads import DemoError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(DemoError, match=r"model runs/modle: no such folder"):
        demo_app.load_model("runs/modle")
    with pytest.raises(DemoError, match=r"model runs: not a saved model folder"):
        demo_app.load_model("runs")
    # visitors see a local folder by its name, a Hub id (with or without an organisation) as it is
    assert demo_app.model_choices(["runs/quickstart/model", "org/avesformer", "avesformer-tiny"]) == {
        "model": "runs/quickstart/model", "org/avesformer": "org/avesformer", "avesformer-tiny": "avesformer-tiny",
    }
