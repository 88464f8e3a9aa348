"""Is a checkpoint folder complete, undamaged and safe to load? Checked before anything of a run is written.

Files are read, never executed: safetensors headers, the zip directories of accelerate's `torch.save` files,
the RNG states through `torch.load(weights_only=True)` (accelerate would silently skip a bad one) and JSON.
"""

import json
import pickle
import zipfile
from pathlib import Path

from safetensors import safe_open

from .errors import CheckpointError

STATE_FILE = "trainer_state.json"
MODEL_FILE = "model.safetensors"
TORCH_FILES = ("optimizer.bin", "scheduler.bin")
RNG_FILE = "random_states_0.pkl"


def check_checkpoint(folder: Path, label: str) -> None:
    """Raises `CheckpointError` (one line: `label`, the file and what is wrong) unless `folder` can be resumed."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{label}: {folder} is not a folder")
    planted = sorted(p.name for p in folder.glob("custom_checkpoint_*.pkl"))
    if planted:
        raise CheckpointError(
            f"{label}: {folder / planted[0]} is a pickle this trainer never writes and will not load; "
            "remove it (checkpoints of older versions cannot be resumed)"
        )
    for name in (STATE_FILE, MODEL_FILE, *TORCH_FILES, RNG_FILE):
        if not (folder / name).is_file():
            raise CheckpointError(f"{label}: {folder / name} is missing (incomplete checkpoint)")
    check_state_file(folder / STATE_FILE, label)
    try:
        with safe_open(str(folder / MODEL_FILE), framework="pt"):
            pass
    except Exception as error:  # safetensors raises its own error type for damaged headers
        raise CheckpointError(f"{label}: {folder / MODEL_FILE} is damaged ({error})") from error
    for name in TORCH_FILES:
        check_zip(folder / name, label)
    check_rng_states(folder / RNG_FILE, label)


def check_state_file(path: Path, label: str) -> None:
    try:
        values = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{label}: {path} is not valid JSON ({error})") from error
    if not isinstance(values, dict) or not isinstance(values.get("global_step"), int):
        raise CheckpointError(f"{label}: {path} holds no integer global_step")


def check_zip(path: Path, label: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (OSError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"{label}: {path} is damaged ({error})") from error
    if damaged is not None:
        raise CheckpointError(f"{label}: {path} is damaged (bad CRC in {damaged})")


def check_rng_states(path: Path, label: str) -> None:
    from accelerate.utils import load

    check_zip(path, label)
    try:
        states = load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, pickle.UnpicklingError) as error:
        raise CheckpointError(f"{label}: {path} is not a plain RNG state ({str(error).splitlines()[0]})") from error
    if not isinstance(states, dict) or "torch_manual_seed" not in states:
        raise CheckpointError(f"{label}: {path} holds no RNG states")
