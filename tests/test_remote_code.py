"""A pushed repo works without the package: in a subprocess where `avesformer_hf` cannot be imported,
`AutoModel` / `AutoProcessor.from_pretrained(..., trust_remote_code=True)` give the package's own logits."""

import json
import os
import subprocess
import sys

import numpy as np
import PIL.Image
import torch

from avesformer_hf import AVESFormerModel, AudioVisualProcessor
from avesformer_hf.hub import push_model_folder
from helpers import save_tiny_model
from remote_code import WITHOUT_PACKAGE


def test_pushed_repo_loads_with_remote_code_and_matches_the_package(hub, tmp_path):  # noqa: F811
    folder = save_tiny_model(tmp_path / "model")
    push_model_folder(folder, "someone/avesformer-remote")
    repo = tmp_path / "hub" / "someone" / "avesformer-remote"  # what the Hub would hold after the commit
    repo.mkdir(parents=True)
    for name, content in hub.files.items():
        (repo / name).write_bytes(content)

    generator = np.random.default_rng(0)
    frames = [PIL.Image.fromarray(generator.integers(0, 256, (48, 72, 3), dtype=np.uint8)) for _ in range(2)]
    for index, frame in enumerate(frames):
        frame.save(tmp_path / f"frame_{index}.png")
    audio = (0.1 * generator.standard_normal(2 * 16000)).astype(np.float32)
    np.save(tmp_path / "audio.npy", audio)

    model = AVESFormerModel.from_pretrained(folder).eval()
    processor = AudioVisualProcessor.from_pretrained(folder)
    inputs = processor(images=frames, audio=audio, sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        expected = model(pixel_values=inputs["pixel_values"], input_features=inputs["input_features"]).logits

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"))
    result = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_PACKAGE, str(repo), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    classes = json.loads((tmp_path / "remote_classes.json").read_text())
    assert classes["loaded"] == []
    assert classes["model"].startswith("transformers_modules.") and classes["processor"].startswith("transformers_modules.")
    remote = torch.from_numpy(np.load(tmp_path / "remote_logits.npy"))
    assert remote.shape == expected.shape == (1, 2, 1, 16, 16)
    torch.testing.assert_close(remote, expected, rtol=1e-5, atol=1e-5)
