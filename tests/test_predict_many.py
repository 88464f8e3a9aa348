"""`avesformer predict` on many videos: one output set per video under --output-dir, a rerun skips finished
videos and redoes a killed one, and 2 gloo processes (`accelerate launch`) write what 1 process writes."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_video import write_test_video
from helpers import save_tiny_model

from avesformer_hf.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    for index, seconds in enumerate((2, 3, 2)):
        write_test_video(folder / f"clip_{index}.mp4", seconds=seconds, fps=4)
    (folder / "notes.txt").write_text("not a video")
    return folder


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("model"), num_labels=1)


def output_files(folder: Path) -> dict[str, bytes]:
    """Every mask PNG and manifest under an output folder (overlay videos hold encoder timestamps)."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix in (".png", ".json")}


def test_a_folder_gives_one_output_set_per_video_and_a_rerun_resumes(videos, model, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["predict", str(videos), "--model", str(model), "--output-dir", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["clip_0", "clip_1", "clip_2"]
    manifest = json.loads((out / "clip_1" / "prediction.json").read_text())
    assert manifest["frames"] == 3 and manifest["video"].endswith("clip_1.mp4")
    assert sorted(manifest["files"]) == ["masks/frame_00000.png", "masks/frame_00001.png", "masks/frame_00002.png",
                                         "overlay.mp4"]
    assert "3 videos predicted, 0 already done, 0 failed" in capsys.readouterr().out
    first = output_files(out)

    # a killed run: one video's folder never renamed into place, a partial folder left behind
    (out / "clip_2").rename(out / ".clip_2.partial")
    (out / ".clip_2.partial" / "prediction.json").unlink()
    assert main(["predict", str(videos / "clip_*.mp4"), "--model", str(model), "--output-dir", str(out)]) == 0
    assert "1 videos predicted, 2 already done, 0 failed" in capsys.readouterr().out
    assert output_files(out) == first and not (out / ".clip_2.partial").exists()

    assert main(["predict", str(videos), "--model", str(model), "--output-dir", str(out), "--fps", "2"]) == 1
    assert "clip_0 was made with other options" in capsys.readouterr().err


def test_many_videos_need_an_output_dir(videos, model, capsys):
    assert main(["predict", str(videos), "--model", str(model)]) == 1
    assert "need --output-dir" in capsys.readouterr().err
    assert main(["predict", str(videos / "nothing_*.mp4"), "--model", str(model), "--output-dir", "x"]) == 1
    assert "nothing_*.mp4: the pattern matches no file" in capsys.readouterr().err


def launch(videos, model, output_dir, launcher: list[str], env: dict) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "accelerate.commands.launch", *launcher, "--num_machines", "1", "--mixed_precision",
        "no", "--dynamo_backend", "no", "-m", "avesformer_hf.cli", "predict", str(videos), "--model", str(model),
        "--output-dir", str(output_dir), "--fps", "2",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO), **env}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_gloo_processes_write_what_one_process_writes(videos, model, tmp_path):
    two = launch(videos, model, tmp_path / "two", ["--multi_gpu", "--num_processes", "2"], {"ACCELERATE_USE_CPU": "1"})
    one = launch(videos, model, tmp_path / "one", ["--cpu", "--num_processes", "1"], {})
    logs = {}
    for name, process in (("two", two), ("one", one)):
        logs[name], _ = process.communicate(timeout=500)
        assert process.returncode == 0, logs[name][-3000:]
    # each process took its share: 2 + 1 videos, reported by the processes that did them
    assert sorted(map(int, re.findall(r"(\d+) videos predicted", logs["two"]))) == [1, 2]  # outputs may interleave
    one_files, two_files = output_files(tmp_path / "one"), output_files(tmp_path / "two")
    assert len(one_files) == 3 + 4 + 6 + 4  # 3 manifests, 4 + 6 + 4 masks at 2 fps
    assert {name: content for name, content in two_files.items() if not name.endswith(".json")} == {
        name: content for name, content in one_files.items() if not name.endswith(".json")
    }
    for name in (name for name in one_files if name.endswith(".json")):
        assert json.loads(two_files[name]) == json.loads(one_files[name])
