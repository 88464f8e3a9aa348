import json

import pytest

from avesformer_hf.benchmark.options import BenchmarkOptions
from avesformer_hf.benchmark.run import Setting, default_settings, run_benchmark
from avesformer_hf.benchmark.report import MANUAL_END, MANUAL_START, to_markdown
from avesformer_hf.cli import main

from helpers import tiny_avesformer_config

TINY = BenchmarkOptions(frames=2, size=32, runs=2, warmup=1, batch_sizes=(1, 2), threads=1, matmul_size=128,
                        profile_rows=5, streaming_frames=1, live_frames=2)


@pytest.fixture(scope="module")
def tiny_result():
    base = tiny_avesformer_config(decoder_stage_types=["conv", "conv", "attn"])
    settings = [s for s in default_settings(base) if s.name in {"default", "all-attention decoder", "Nq = 1",
                                                               "without VGGish (audio_embeds given)", "bf16 weights"}]
    settings.append(Setting("broken", "test", {"num_prompt_queries": 0}))
    return run_benchmark(base, settings, TINY, progress=lambda line: None)


def test_default_settings_cover_the_comparisons():
    names = [s.name for s in default_settings(tiny_avesformer_config(num_prompt_queries=16))]
    assert names[:2] == ["default", "all-attention decoder"]
    assert [n for n in names if n.startswith("Nq =")] == ["Nq = 1", "Nq = 4", "Nq = 64", "Nq = 300"]
    for expected in ("ResNet-50 backbone", "without VGGish (audio_embeds given)", "bf16 autocast", "torch.compile"):
        assert expected in names


def test_benchmark_measures_every_setting(tiny_result):
    entries = {e["setting"]["name"]: e for e in tiny_result["settings"]}
    assert tiny_result["matmul_gflops"] > 0
    default = entries["default"]
    assert default["latency"]["runs"] == 2 and default["latency"]["median_ms"] > 0
    assert default["flops_per_frame"] > 0 and default["parameters"]["total"] > 0
    assert set(default["throughput_fps"]) == {"1", "2"}
    assert set(default["parts"]) == {"visual_backbone", "audio_backbone", "decoder_and_head"}
    parts_flops = sum(part["flops_per_frame"] for part in default["parts"].values())
    assert parts_flops == pytest.approx(default["flops_per_frame"], rel=0.02)
    # (At this toy width a conv stage costs about what an attention stage does, so no FLOP ordering is asserted.)
    assert entries["all-attention decoder"]["setting"]["overrides"] == {"decoder_stage_types": ["attn"] * 3}
    assert entries["all-attention decoder"]["flops_per_frame"] != default["flops_per_frame"]
    assert entries["without VGGish (audio_embeds given)"]["flops_per_frame"] < default["flops_per_frame"]
    assert entries["Nq = 1"]["flops_per_frame"] < default["flops_per_frame"]
    assert "num_prompt_queries" in entries["broken"]["error"]
    fp32, bf16 = tiny_result["streaming"]
    assert (fp32["dtype"], bf16["dtype"]) == ("float32", "bfloat16")
    assert fp32["frames"] >= 11 and fp32["vggish_runs"] >= 1 and fp32["fps"] > 0
    assert len(tiny_result["profile"]) == 5


def test_report_has_the_tables_and_keeps_the_hand_written_part(tiny_result):
    previous = f"old\n{MANUAL_START}\n### Optimisation log\nkept text\n{MANUAL_END}\n"
    text = to_markdown(tiny_result, "avesformer benchmark --size 32", previous)
    for heading in ("## Targets (default variant)", "## All settings", "## Where the time goes", "## Nq sweep",
                    "## Reading", "## Profile of the default forward"):
        assert heading in text
    assert "`avesformer benchmark --size 32`" in text
    assert "ELF vs all-attention" in text and "x slower" in text
    assert "| broken | test | failed: ValueError" in text
    assert "### Optimisation log\nkept text" in text and "old" not in text.split(MANUAL_START)[0]
    assert "load average" in text


def test_cli_writes_markdown_and_json(tmp_path, capsys):
    config_dir = tmp_path / "tiny"
    tiny_avesformer_config().save_pretrained(config_dir)
    output, json_path = tmp_path / "bench.md", tmp_path / "bench.json"
    code = main(["benchmark", "--config", str(config_dir), "--settings", "default", "--frames", "1", "--size", "32",
                 "--runs", "1", "--warmup", "0", "--batch-sizes", "1", "--threads", "1", "--matmul-size", "64",
                 "--streaming-frames", "0", "--profile-rows", "0", "--audio-encoders", "none",
                 "--output", str(output), "--json", str(json_path)])
    assert code == 0
    result = json.loads(json_path.read_text())
    assert [e["setting"]["name"] for e in result["settings"]] == ["default"]
    assert "--settings default" in output.read_text()
    assert main(["benchmark", "--settings", "nonsense", "--list"]) == 1
    assert "unknown ['nonsense']" in capsys.readouterr().err
