"""Hub publishing with the Hub intercepted: the exact files sent, the card parsed back, push-space."""

import json

import gradio
import pytest
from huggingface_hub import ModelCard, SpaceCard

from avesformer_hf import AVESFormerModel
from avesformer_hf.cli import main as cli_main
from avesformer_hf.hub import build_model_card, push_model_folder, push_space
from avesformer_hf.hub.space import SPACE_DIR
from avesformer_hf.model_summary import parameter_counts
from avesformer_hf.processing_avesformer import AudioVisualProcessor
from helpers import tiny_avesformer_config

REMOTE_CODE = {
    "configuration_avesformer.py", "configuration_vggish.py", "modeling_avesformer.py", "modeling_vggish.py",
    "processing_avesformer.py", "image_processing_avesformer.py", "feature_extraction_vggish.py",
    "modeling_avesformer_audio.py", "modeling_light_audio.py", "configuration_light_audio.py",
}
# as the training script writes it (avesformer_hf/training/loop.py)
METRICS = {"subset": "s4", "best_step": 40, "global_step": 50,
           "val": {"M_J": 0.8125, "M_F": 0.875, "loss": 0.25}, "test": {"M_J": 0.75, "M_F": 0.8, "loss": 0.3}}


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A training output folder: run/model (model + processor + junk that must not be sent) and run/metrics.json."""
    run = tmp_path_factory.mktemp("run")
    model = AVESFormerModel(tiny_avesformer_config())
    model.save_pretrained(run / "model")
    AudioVisualProcessor().save_pretrained(run / "model")
    (run / "model" / "optimizer.pt").write_bytes(b"not for the hub")
    (run / "model" / "checkpoint-10").mkdir()
    (run / "metrics.json").write_text(json.dumps(METRICS))
    return run, parameter_counts(model)


def test_push_sends_model_processor_remote_code_and_card(hub, saved_run):
    run, counts = saved_run
    push_model_folder(run / "model", "someone/avesformer-tiny")

    assert hub.repos == [("someone/avesformer-tiny", {"private": None, "exist_ok": True, "repo_type": "model"})]
    expected = {"config.json", "model.safetensors", "processor_config.json", "metrics.json", "README.md",
                "pipeline_avesformer.py"} | REMOTE_CODE
    assert set(hub.files) == expected
    assert hub.files["model.safetensors"] == (run / "model" / "model.safetensors").read_bytes()
    assert json.loads(hub.files["metrics.json"]) == METRICS

    card = ModelCard(hub.files["README.md"].decode())
    assert card.data.library_name == "transformers"
    assert card.data.pipeline_tag is None  # no Hub task fits; the repo's own pipeline is named in config.json
    assert json.loads(hub.files["config.json"])["custom_pipelines"]["audio-visual-segmentation"]["pt"] == ["AutoModel"]
    assert 'pipeline(model="someone/avesformer-tiny", trust_remote_code=True)' in card.text
    assert {"audio-visual-segmentation", "avsbench"} <= set(card.data.tags)
    assert card.data.license == "apache-2.0" and card.data.datasets == ["AVSBench"]
    results = {(r.dataset_split, r.metric_type): r for r in card.data.eval_results}
    assert {split: {r.metric_type: r.metric_value for (s, _), r in results.items() if s == split}
            for split in ("validation", "test")} == {
        "validation": {"mean_iou": METRICS["val"]["M_J"], "f_score": METRICS["val"]["M_F"]},
        "test": {"mean_iou": METRICS["test"]["M_J"], "f_score": METRICS["test"]["M_F"]},
    }
    assert all(r.dataset_config == "s4" and r.dataset_type == "avsbench" for r in results.values())
    assert f"{counts['total']:,}" in card.text and f"{counts['audio_backbone']:,}" in card.text
    assert 'AutoModel.from_pretrained("someone/avesformer-tiny", trust_remote_code=True)' in card.text
    assert "arXiv:2408.01708" in card.text and "not the paper's weights" in card.text


def test_card_without_metrics_has_no_model_index(hub, tmp_path):
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(tmp_path / "model")
    push_model_folder(tmp_path / "model", "someone/untrained", weights_note="Random initialisation, untrained.")

    assert set(hub.files) == {"config.json", "model.safetensors", "README.md"} | {
        name for name in REMOTE_CODE if name.startswith(("configuration_", "modeling_"))
    }
    card = ModelCard(hub.files["README.md"].decode())
    assert card.data.eval_results is None and "model-index" not in card.content
    assert "No evaluation results" in card.text and "Random initialisation, untrained." in card.text
    assert "untested (possibly untrained)" in build_model_card(tiny_avesformer_config(), "someone/untrained").text


def test_semantic_card_reports_miou_and_f_on_avss():
    config = tiny_avesformer_config(num_labels=5)
    metrics = {"val": {"mIoU": 0.25, "F": 0.375, "loss": 1.5}, "test": {"mIoU": 0.125, "F-score": 0.25}}
    card = build_model_card(config, "someone/avss", metrics=metrics, synthetic=True)

    values = {(r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results}
    assert values == {
        ("validation", "mIoU (71 classes)"): 0.25, ("validation", "F-score (beta^2 = 0.3)"): 0.375,
        ("test", "mIoU (71 classes)"): 0.125, ("test", "F-score (beta^2 = 0.3)"): 0.25,
    }
    assert {r.dataset_config for r in card.data.eval_results} == {"avss"}
    assert {r.dataset_type for r in card.data.eval_results} == {"synthavs"}
    assert "semantic audio-visual segmentation (5 classes" in card.text and "SynthAVS" in card.text


def test_the_card_names_the_models_own_audio_encoder_and_counts_it():
    from helpers import tiny_audio_configs

    vggish = build_model_card(tiny_avesformer_config(), "someone/vggish").text
    light_config = tiny_avesformer_config(audio_config=tiny_audio_configs()["light_audio"])
    light = build_model_card(light_config, "someone/light").text
    ast = build_model_card(tiny_avesformer_config(audio_config=tiny_audio_configs()["ast"]), "someone/ast").text
    assert "| audio backbone | VGGish (frozen) |" in vggish
    assert "| audio backbone | light CNN (LightAudioModel) (frozen) |" in light and "VGGish" not in light
    assert "| audio backbone | AST (frozen) |" in ast and "VGGish" not in ast
    counts = parameter_counts(AVESFormerModel(light_config))
    assert f"| parameters: audio backbone | {counts['audio_backbone']:,} |" in light


def test_a_synthavs_training_run_is_labelled_as_such(hub, tmp_path):
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(tmp_path / "model")
    (tmp_path / "metrics.json").write_text(json.dumps({"subset": "ms3", "val": {"M_J": 0.5, "M_F": 0.625}}))
    (tmp_path / "training_args.json").write_text(json.dumps({"subset": "ms3", "synthetic": 60}))
    push_model_folder(tmp_path / "model", "someone/synth")

    card = ModelCard(hub.files["README.md"].decode())
    assert card.data.datasets == ["SynthAVS"]
    assert {(r.dataset_type, r.dataset_config, r.dataset_name) for r in card.data.eval_results} == {
        ("synthavs", "ms3", "SynthAVS (synthetic, ms3 layout)")
    }
    assert "trained on SynthAVS" in card.text and "(MS3)" in card.text


def test_push_errors_name_the_missing_piece(hub, tmp_path):
    folder = tmp_path / "model"
    with pytest.raises(FileNotFoundError, match="no config.json"):
        push_model_folder(folder, "someone/x")
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(folder)
    (folder / "modeling_vggish.py").unlink()
    with pytest.raises(FileNotFoundError, match="lacks modeling_vggish.py"):
        push_model_folder(folder, "someone/x")
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="no .safetensors weights"):
        push_model_folder(folder, "someone/x")
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(folder)
    (folder / "metrics.json").write_text("{not json")
    with pytest.raises(ValueError, match="metrics.json: not valid JSON"):
        push_model_folder(folder, "someone/x")
    assert hub.commits == []


def test_push_command(hub, saved_run, capsys):
    run, _ = saved_run
    assert cli_main(["push", str(run / "model"), "--repo-id", "someone/cli", "--dataset", "synthavs"]) == 0
    assert hub.commits[0][0] == "someone/cli" and "README.md" in hub.files
    assert ModelCard(hub.files["README.md"].decode()).data.datasets == ["synthavs"]
    assert "someone/cli" in capsys.readouterr().out


def test_push_space_sends_app_requirements_and_card_naming_the_model(hub):
    push_space("someone/avesformer-demo", "someone/avesformer-tiny")

    repo_id, kwargs = hub.repos[0]
    assert repo_id == "someone/avesformer-demo"
    assert kwargs["repo_type"] == "space" and kwargs["space_sdk"] == "gradio"
    files = hub.files
    assert {"app.py", "requirements.txt", "README.md", "avesformer_hf/__init__.py",
            "avesformer_hf/demo/app.py", "avesformer_hf/modeling_avesformer.py"} <= set(files)
    assert hub.commits[0][2]["repo_type"] == "space"
    assert files["app.py"] == (SPACE_DIR / "app.py").read_bytes()
    card = SpaceCard(files["README.md"].decode())
    assert card.data.sdk == "gradio" and card.data.app_file == "app.py"
    assert card.data.sdk_version == gradio.__version__
    assert tuple(map(int, str(card.data.python_version).split("."))) >= (3, 11)
    assert card.data.models == ["someone/avesformer-tiny"]
    assert b"torch" in files["requirements.txt"]


def test_push_space_with_a_package_requirement_sends_no_sources(hub):
    requirement = "avesformer-hf @ git+https://example.org/avesformer-hf"
    assert cli_main(["push-space", "--repo-id", "someone/demo", "--model", "someone/m", "--no-examples",
                     "--package", requirement]) == 0
    assert not any(name.startswith("avesformer_hf/") for name in hub.files)
    assert hub.files["requirements.txt"].decode().splitlines()[-1] == requirement


def test_push_space_needs_a_hub_model_id(hub, tmp_path):
    with pytest.raises(ValueError, match="Hub model id ORG/NAME"):
        push_space("someone/demo", str(tmp_path))
    assert hub.commits == []


def test_push_local_dir_writes_exactly_what_a_push_sends(hub, saved_run, tmp_path, capsys):
    run, _ = saved_run
    options = ["--repo-id", "someone/avesformer-tiny", "--dataset", "synthavs"]
    assert cli_main(["push", str(run / "model"), *options]) == 0
    local = tmp_path / "to-upload"
    assert cli_main(["push", str(run / "model"), *options, "--local-dir", str(local)]) == 0

    assert len(hub.commits) == 1 and len(hub.repos) == 1  # --local-dir reached neither create_repo nor create_commit
    assert {path.name: path.read_bytes() for path in local.iterdir()} == hub.files
    assert f"wrote {len(hub.files)} files to {local}" in capsys.readouterr().out


def test_push_local_dir_keeps_what_the_folder_holds(hub, saved_run, tmp_path, capsys):
    run, _ = saved_run
    (tmp_path / "notes.txt").write_text("mine")
    assert cli_main(["push", str(run / "model"), "--repo-id", "someone/x", "--local-dir", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: --local-dir {tmp_path}: exists and is not an empty folder") and error.count("\n") == 1
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"] and hub.commits == []
