import re
import subprocess
import sys
from pathlib import Path

from avesformer_hf.cli import main
from avesformer_hf.model_summary import variant_table_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_info_prints_versions_and_every_variant(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^torch\s+2\.", out, re.M) and re.search(r"^transformers\s+5\.", out, re.M)
    for subset in ("s4", "ms3", "avss"):
        assert f"avesformer-pvtv2-b2-{subset}" in out and f"avesformer-r50-{subset}" in out


def test_readme_parameter_table_is_the_generated_one():
    readme = README.read_text()
    table = readme.split("<!-- variants:start -->\n", 1)[1].split("\n<!-- variants:end -->", 1)[0]
    assert table == variant_table_markdown()


def test_console_script_without_a_command_prints_help():
    result = subprocess.run([sys.executable, "-m", "avesformer_hf.cli"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "info" in result.stdout
