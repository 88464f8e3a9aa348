"""Bad configurations fail before training starts, with a message naming what is wrong."""

from pathlib import Path

import pytest

from avesformer_hf.data import generate_synthavs
from avesformer_hf.training import TrainingArguments, TrainingConfigurationError, train
from avesformer_hf.training.arguments import parse_args, parse_config_overrides
from avesformer_hf.training.entry import main
from helpers import tiny_avesformer_config


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("checks")
    generate_synthavs(root / "synthavs", layout="s4", num_clips=3, image_size=32, num_classes=3, seed=0)
    tiny_avesformer_config(num_frames=5).save_pretrained(root / "binary")
    tiny_avesformer_config(num_labels=3, num_frames=5).save_pretrained(root / "three_classes")
    return root


def arguments(setup, output_dir, **overrides) -> TrainingArguments:
    values = dict(output_dir=str(output_dir), subset="s4", model_config=str(setup / "binary"),
                  data_root=str(setup / "synthavs"), image_size=32, max_steps=1)
    values.update(overrides)
    return TrainingArguments(**values)


def assert_fails_before_training(args: TrainingArguments, match: str):
    with pytest.raises(TrainingConfigurationError, match=match):
        train(args)
    output_dir = Path(args.output_dir)
    assert not (output_dir / "checkpoints").exists() and not (output_dir / "training_args.json").exists()


def test_unknown_subset(setup, tmp_path):
    assert_fails_before_training(arguments(setup, tmp_path / "run", subset="s5"), "unknown subset 's5'")


def test_data_root_without_the_subsets_metadata(setup, tmp_path):
    # an S4 tree asked for MS3: the message names the missing metadata file
    assert_fails_before_training(
        arguments(setup, tmp_path / "run", subset="ms3"), r"does not hold subset 'ms3'.*ms3_meta_data\.csv"
    )
    assert_fails_before_training(arguments(setup, tmp_path / "run", data_root=str(tmp_path / "nowhere")), "not a folder")


def test_num_labels_must_match_the_subset(setup, tmp_path):
    assert_fails_before_training(
        arguments(setup, tmp_path / "run", model_config=str(setup / "three_classes")),
        r"num_labels=3 but subset 's4' needs binary masks",
    )


def test_output_dir_holding_another_run(setup, tmp_path):
    previous = tmp_path / "run"
    previous.mkdir()
    (previous / "log.jsonl").write_text("{}\n")
    with pytest.raises(TrainingConfigurationError, match="already holds a run.*--overwrite-output-dir"):
        train(arguments(setup, previous))
    assert (previous / "log.jsonl").read_text() == "{}\n"


def test_exactly_one_model_source_and_one_data_source(setup, tmp_path):
    assert_fails_before_training(arguments(setup, tmp_path / "a", init_from=str(setup / "binary")), "exactly one of --model-config")
    assert_fails_before_training(arguments(setup, tmp_path / "b", synthetic=10), "exactly one of --data-root")


def test_command_line_error_is_one_line_and_exit_status_2(setup, tmp_path, capsys):
    code = main(["--model-config", str(setup / "binary"), "--data-root", str(setup / "synthavs"), "--subset", "avs",
                 "--output-dir", str(tmp_path / "run")])
    assert code == 2
    assert capsys.readouterr().err.strip() == "error: --subset: unknown subset 'avs'; choose one of s4, ms3, avss"


def test_recipe_defaults_per_subset_and_overrides():
    s4 = parse_args(["--output-dir", "x", "--subset", "s4"]).resolved()
    assert (s4.batch_size, s4.num_epochs, s4.freeze_backbone_epochs) == (2, 30, 5)
    assert (s4.learning_rate, s4.weight_decay, s4.lr_scheduler) == (2e-5, 0.01, "constant")
    ms3 = parse_args(["--output-dir", "x", "--subset", "ms3"]).resolved()
    assert (ms3.batch_size, ms3.num_epochs, ms3.freeze_backbone_epochs) == (2, 60, 10)
    avss = parse_args(["--output-dir", "x", "--subset", "avss", "--batch-size", "3", "--freeze-backbone-epochs", "2"]).resolved()
    assert (avss.batch_size, avss.num_epochs, avss.freeze_backbone_epochs) == (3, 30, 2)


def test_config_overrides_are_parsed_as_json_values():
    assert parse_config_overrides("dropout=0.0,freeze_audio_backbone=false,decoder_stage_types=[\"conv\",\"attn\"]") == {
        "dropout": 0.0, "freeze_audio_backbone": False, "decoder_stage_types": ["conv", "attn"],
    }
    with pytest.raises(ValueError, match="expected key=value"):
        parse_config_overrides("dropout")
