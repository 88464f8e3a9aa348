"""`avesformer benchmark`'s live setting: both dtypes measured, the machine and the `auto` choice reported."""

import json

import pytest

from avesformer_hf.inference import precision
from avesformer_hf.benchmark.live import live_benchmark, live_markdown
from avesformer_hf.cli import main

from helpers import tiny_avesformer_config


@pytest.fixture(scope="module")
def live_result():
    return live_benchmark(tiny_avesformer_config(), size=32, frames=3, warmup=1, threads=1)


def test_live_setting_measures_fp32_and_auto(live_result):
    fp32, auto = live_result["runs"]
    assert (fp32["choice"], fp32["dtype"], auto["choice"]) == ("fp32", "fp32", "auto")
    assert auto["dtype"] == live_result["machine"]["auto_dtype_cpu"]
    for run in (fp32, auto):
        assert run["frames"] == 3 and run["fps"] > 0 and run["latency_median_ms"] > 0 and run["vggish_runs"] == 1
    assert live_result["machine"]["cpu"] and isinstance(live_result["machine"]["amx_bf16"], bool)


def test_live_section_names_the_cpu_amx_and_the_targets(live_result):
    text = "\n".join(live_markdown(live_result))
    assert "## Live path" in text and live_result["machine"]["cpu"] in text and "AMX bf16: " in text
    assert "| fp32 | fp32 |" in text and ">= 10" in text and ">= 25" in text


def test_auto_runs_bf16_where_the_cpu_has_amx(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_amx_bf16", lambda: True)
    result = live_benchmark(tiny_avesformer_config(), size=32, frames=1, warmup=0, threads=1)
    assert [run["dtype"] for run in result["runs"]] == ["fp32", "bf16"]


def test_live_only_prints_the_section_and_writes_nothing(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.json"
    tiny_avesformer_config().to_json_file(str(config))
    monkeypatch.chdir(tmp_path)
    assert main(["benchmark", "--config", str(config), "--live-only", "--live-frames", "1", "--warmup", "0",
                 "--size", "32", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "## Live path" in out and json.loads(out.strip().splitlines()[-1])["runs"][0]["frames"] == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json"]
    assert main(["benchmark", "--config", str(config), "--live-only", "--live-frames", "0"]) == 1
    assert "--live-only needs --live-frames >= 1, got 0" in capsys.readouterr().err
