"""The README's "Train on your own data" example runs as written: its metadata.csv with videos and masks the
test makes, then every command of its bash block (same arguments, through the same entry points, in this
process; the model config is swapped for a tiny one and the runs are cut to two steps), then its Python block."""

import json
import re
import shlex
from pathlib import Path

import datasets
from own_data import colour_mask, run_script
from synthetic_video import write_test_video

from avesformer_hf.cli import main as cli_main
from helpers import tiny_avesformer_config

README = Path(__file__).resolve().parents[1] / "README.md"
REAL_CONFIG = "hub_configs/avesformer-pvtv2-b2-s4"
SHORT_RUN = ["--image-size", "32", "--max-steps", "2", "--batch-size", "2", "--report-to", "jsonl"]


def section() -> str:
    text = README.read_text()
    start = text.index("## Train on your own data")
    return text[start : text.index("\n## ", start + 1)]


def block(language: str) -> str:
    (found,) = re.findall(rf"```{language}\n(.*?)```", section(), flags=re.S)
    return found


def commands() -> list[list[str]]:
    joined = block("bash").replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def write_example_folder(root: Path, metadata: str) -> None:
    """The videos named in the README's metadata.csv (mp4 and mkv, 44.1 kHz stereo), masks on frames 0, 2, 4."""
    (root / "videos").mkdir(parents=True)
    (root / "metadata.csv").write_text(metadata)
    names = [line.split(",")[0] for line in metadata.splitlines()[1:] if line.strip()]
    for index, name in enumerate(names):
        write_test_video(root / "videos" / f"{name}.{'mp4' if index % 2 else 'mkv'}", seconds=5, fps=4, size=(48, 32))
        (root / "masks" / name).mkdir(parents=True)
        for frame in (0, 2, 4):
            colour_mask(frame).save(root / "masks" / name / f"{frame}.png")


def run(command: list[str], config: Path) -> int:
    command = [str(config) if word == REAL_CONFIG else word for word in command]
    if command[:3] == ["accelerate", "launch", "scripts/train.py"]:
        return run_script("train.py", *command[3:], *SHORT_RUN)
    if command[:2] == ["python", "scripts/push_avsbench.py"]:
        return run_script("push_avsbench.py", *command[2:])
    assert command[0] == "avesformer", command
    return cli_main(command[1:])


def test_the_own_data_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "datasets-cache"))
    monkeypatch.chdir(tmp_path)
    write_example_folder(tmp_path / "my_clips", block("csv"))
    tiny_avesformer_config(num_frames=5).save_pretrained(tmp_path / "tiny-config")
    ran = []
    for command in commands():
        assert run(command, tmp_path / "tiny-config") == 0, command
        ran.append(command[:3])
    assert ["accelerate", "launch", "scripts/train.py"] in ran and ["python", "scripts/push_avsbench.py", "my_clips"] in ran
    assert sum(command[0] == "avesformer" for command in ran) == 2
    for run_dir in ("runs/my-clips", "runs/my-clips-parquet"):
        metrics = json.loads((tmp_path / run_dir / "metrics.json").read_text())
        assert metrics["global_step"] == 2 and "test" in metrics
    assert (tmp_path / "my-clips-parquet" / "s4" / "train-00000-of-00001.parquet").is_file()

    capsys.readouterr()
    exec(compile(block("python"), "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "[True, False, True, False, True]"


def test_the_layout_in_the_readme_names_the_files_the_loader_reads():
    from avesformer_hf.data import own_videos

    listing = section()
    for name in (own_videos.METADATA_FILE, own_videos.VIDEOS_DIR + "/", own_videos.MASKS_DIR + "/", own_videos.LABELS_FILE):
        assert name in listing
