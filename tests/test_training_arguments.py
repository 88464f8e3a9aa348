"""The trainer's flags come from one dataclass (`HfArgumentParser`): same names and defaults on both command
lines, the old class name still works."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import transformers

from avesformer_hf.cli import main as cli_main
from avesformer_hf.training import entry
from avesformer_hf.training import AVESFormerTrainingArguments, TrainingArguments
from avesformer_hf.training.arguments import arguments_from_namespace, parse_args

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--" + f.name.replace("_", "-") for f in dataclasses.fields(AVESFormerTrainingArguments)]


def test_parsed_defaults_are_the_dataclass_defaults(monkeypatch):
    assert parse_args(["--output-dir", "x"]) == AVESFormerTrainingArguments(output_dir="x")
    seen = []
    monkeypatch.setattr(entry, "run_from_namespace", lambda namespace: seen.append(arguments_from_namespace(namespace)) or 0)
    assert cli_main(["train", "--output-dir", "x"]) == 0
    assert seen == [AVESFormerTrainingArguments(output_dir="x")]


def test_every_field_is_a_flag_of_both_command_lines(capsys):
    script_help = subprocess.run(
        [sys.executable, "scripts/train.py", "--help"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["train", "--help"])
    assert exit_info.value.code == 0
    command_help = capsys.readouterr().out
    for text in (script_help, command_help):
        missing = [flag for flag in FLAGS if flag not in text]
        assert not missing, missing
        assert "AdamW learning rate (default: 2e-05)" in text


def test_flags_parse_as_before():
    args = parse_args([
        "--output-dir", "x", "--overwrite-output-dir", "--push-to-hub", "--mixed-precision", "bf16",
        "--learning-rate", "1e-3", "--max-steps", "7", "--resume-from-checkpoint", "latest", "--synthetic", "5",
    ])
    assert (args.overwrite_output_dir, args.push_to_hub, args.hub_private) == (True, True, False)
    assert (args.mixed_precision, args.learning_rate, args.max_steps, args.synthetic) == ("bf16", 1e-3, 7, 5)
    with pytest.raises(SystemExit):
        parse_args(["--output-dir", "x", "--mixed-precision", "fp8"])
    with pytest.raises(SystemExit):
        parse_args([])  # --output-dir is required


def test_old_name_is_an_alias_distinct_from_transformers():
    assert TrainingArguments is AVESFormerTrainingArguments
    assert TrainingArguments is not transformers.TrainingArguments
