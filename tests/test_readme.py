"""The README's Python example runs as written (against a tiny model and a clip the test makes)."""

import os
import re
from pathlib import Path

import torch
from synthetic_video import write_test_video
from helpers import save_tiny_model

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def run_example(marker: str, tmp_path) -> dict:
    """Run the README's Python block holding `marker` in a folder with a tiny model and a 3-s clip."""
    (example,) = [block for block in python_blocks() if marker in block]
    save_tiny_model(tmp_path / "runs" / "quickstart" / "model", num_labels=1)
    write_test_video(tmp_path / "clip.mp4", seconds=3, fps=4, size=(80, 48))
    namespace = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(example, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def test_the_predict_example_runs_and_gives_one_mask_per_frame(tmp_path):
    masks = run_example("read_clip", tmp_path)["masks"]
    assert isinstance(masks, torch.Tensor) and masks.shape == (3, 48, 80)
    assert set(masks.unique().tolist()) <= {0, 1}


def test_the_pipeline_example_runs_and_gives_one_entry_per_frame(tmp_path):
    frames = run_example("pipeline(", tmp_path)["frames"]
    assert [entry["time"] for entry in frames] == [0.0, 1.0, 2.0]
    assert all(entry["segments"][0]["mask"].size == (80, 48) for entry in frames)
