"""Every audio encoder type works from a pushed repo without the package (remote code), with the package's logits."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import PIL.Image
import torch

from avesformer_hf import AVESFormerModel, AudioVisualProcessor
from avesformer_hf.hub import push_model_folder
from helpers import ENCODERS, tiny_model_config, tiny_processor
from remote_code import WITHOUT_PACKAGE

AUDIO_CODE = {"modeling_avesformer_audio.py", "modeling_light_audio.py", "configuration_light_audio.py"}

# WITHOUT_PACKAGE runs one repo; this runs it for every encoder's repo in one interpreter.
EVERY_REPO = textwrap.dedent(
    """
    import runpy, sys
    names, root, work = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
    for name in names:
        sys.argv = ["-", f"{root}/{name}", f"{work}/{name}"]
        exec(compile(open(f"{work}/without_package.py").read(), "without_package", "exec"), {"__name__": "__main__"})
    """
)


def test_every_encoder_type_loads_with_remote_code_and_matches_the_package(hub, tmp_path):  # noqa: F811
    generator = np.random.default_rng(0)
    frames = [PIL.Image.fromarray(generator.integers(0, 256, (48, 72, 3), dtype=np.uint8)) for _ in range(2)]
    audio = (0.1 * generator.standard_normal(2 * 16000)).astype(np.float32)
    expected = {}
    for name in ENCODERS:
        folder, work = tmp_path / "saved" / name, tmp_path / "work" / name
        work.mkdir(parents=True)
        torch.manual_seed(0)
        AVESFormerModel(tiny_model_config(name)).save_pretrained(folder)
        tiny_processor(tiny_model_config(name).audio_config).save_pretrained(folder)
        hub.commits.clear()
        push_model_folder(folder, f"someone/avesformer-{name}")
        repo = tmp_path / "hub" / name
        repo.mkdir(parents=True)
        for file_name, content in hub.files.items():
            (repo / file_name).write_bytes(content)
        assert AUDIO_CODE <= set(hub.files), name
        for index, frame in enumerate(frames):
            frame.save(work / f"frame_{index}.png")
        np.save(work / "audio.npy", audio)
        model = AVESFormerModel.from_pretrained(folder).eval()
        inputs = AudioVisualProcessor.from_pretrained(folder)(images=frames, audio=audio, sampling_rate=16000)
        with torch.inference_mode():
            expected[name] = model(pixel_values=inputs["pixel_values"], input_features=inputs["input_features"]).logits
    (tmp_path / "work" / "without_package.py").write_text(WITHOUT_PACKAGE)

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"))
    result = subprocess.run(
        [sys.executable, "-I", "-c", EVERY_REPO, ",".join(ENCODERS), str(tmp_path / "hub"), str(tmp_path / "work")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ENCODERS:
        work = tmp_path / "work" / name
        classes = json.loads((work / "remote_classes.json").read_text())
        assert classes["loaded"] == [] and classes["model"].startswith("transformers_modules."), name
        remote = torch.from_numpy(np.load(work / "remote_logits.npy"))
        torch.testing.assert_close(remote, expected[name], rtol=1e-5, atol=1e-5, msg=name)
