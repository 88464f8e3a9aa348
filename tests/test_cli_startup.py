"""The CLI starts without torch or transformers; the Auto classes still resolve the package's models."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import avesformer_hf
from avesformer_hf.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers")


def run_python(code: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


CLI_RUN = """
import json, sys
from avesformer_hf.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps([name for name in ("torch", "transformers") if name in sys.modules]))
"""


@pytest.mark.parametrize("argv", [["--help"], ["--version"], *[[name, "--help"] for name in COMMANDS]])
def test_help_and_version_import_neither_torch_nor_transformers(argv):
    assert json.loads(run_python(CLI_RUN, *argv)) == []


def test_train_help_lists_the_training_dataclass_flags_through_transformers_argument_parser():
    code = ("import sys; from avesformer_hf.training.arguments import build_parser; parser = build_parser(); "
            "import transformers.hf_argparser as module; "
            "print(type(parser).__mro__[0].__name__, type(parser).__module__, sys.modules[type(parser).__module__].__file__ == module.__file__)")
    assert run_python(code).split() == ["HfArgumentParser", "avesformer_hf._transformers_hf_argparser", "True"]
    help_text = subprocess.run([sys.executable, "-m", "avesformer_hf.cli", "train", "--help"], capture_output=True,
                               text=True, cwd=REPO, timeout=300).stdout
    assert "--learning-rate" in help_text.replace("_", "-") and "--output-dir" in help_text.replace("_", "-")


def test_importing_the_cli_module_imports_neither_torch_nor_transformers():
    code = "import sys, avesformer_hf.cli; print([m for m in ('torch', 'transformers') if m in sys.modules])"
    assert run_python(code) == "[]"


def test_public_names_load_on_use_and_are_all_listed():
    assert set(avesformer_hf.__all__) <= set(dir(avesformer_hf))
    for name in avesformer_hf.__all__:
        assert getattr(avesformer_hf, name).__name__ == name
    with pytest.raises(AttributeError, match="AVESFormerModle"):
        avesformer_hf.AVESFormerModle


REGISTERED_ONCE = """
import sys
import avesformer_hf
from avesformer_hf import registration

calls = []
original = registration.register_with_transformers
registration.register_with_transformers = lambda: (calls.append(1), original())[1]
assert "transformers" not in sys.modules
from transformers import AutoModel, AutoProcessor  # imported after the package, in the same process

model = AutoModel.from_pretrained(sys.argv[1])
processor = AutoProcessor.from_pretrained(sys.argv[1])
from avesformer_hf import AVESFormerModel, VGGishModel  # more of the package's modules, loaded later
import avesformer_hf.inference.video
print(type(model).__name__, type(processor).__name__, len(calls),
      any(type(finder).__name__ == "_TransformersImportHook" for finder in sys.meta_path))
"""


def test_auto_classes_resolve_after_a_plain_import_and_register_once(tmp_path):
    from helpers import save_tiny_model

    folder = save_tiny_model(tmp_path / "model")
    assert run_python(REGISTERED_ONCE, folder) == "AVESFormerModel AudioVisualProcessor 1 False"


@pytest.mark.parametrize(
    "first_import",
    ["import transformers, avesformer_hf", "import avesformer_hf.modeling_avesformer", "import avesformer_hf.hub"],
)
def test_registration_whatever_is_imported_first(first_import):
    code = f"{first_import}\nfrom transformers import AutoConfig\nprint(type(AutoConfig.for_model('avesformer')).__name__)"
    assert run_python(code) == "AVESFormerConfig"
