"""What every command does with `--model` and `--device`: a local folder or a Hub id, and the device to run on.

Imports nothing heavy at module level, so commands can use it while building their parsers.
"""

import re
from pathlib import Path

HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
DEVICE_HELP = "torch device: auto (CUDA when present, else CPU), cpu, cuda, cuda:1, mps"


def is_local_reference(value: str) -> bool:
    """A path rather than a Hub id: it exists, starts like a path, is not of the form NAME or ORG/NAME, or its
    first part is a folder here (`runs/modle` next to `runs/`)."""
    path = Path(value).expanduser()
    if path.exists() or value.startswith((".", "/", "~")) or not HUB_ID.match(value):
        return True
    return "/" in value and path.parent.is_dir()


def resolve_model_source(value: str, flag: str = "--model") -> str:
    """`value` ready for `from_pretrained`: a saved model folder (with config.json) or a Hub id. A missing or
    unsaved local folder is a ValueError naming `flag`, not a Hub lookup."""
    if not is_local_reference(value):
        return value
    path = Path(value).expanduser()
    if not path.exists():
        raise ValueError(
            f"{flag} {value}: no such folder (give a folder written by save_pretrained, or a Hub id ORG/NAME)"
        )
    if not (path / "config.json").is_file():
        raise ValueError(f"{flag} {value}: not a saved model folder (it holds no config.json)")
    return str(path)


def resolve_device(name, flag: str = "--device") -> str:
    """'auto' -> 'cuda' when a CUDA device is present, else 'cpu'; any other name must be a device this machine has.
    Errors name `flag`."""
    import torch

    name = str(name)
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"{flag} {name}: not a torch device ({DEVICE_HELP})") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{flag} {name}: CUDA is not available on this machine (use --device cpu or auto)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"{flag} {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{flag} {name}: MPS is not available on this machine (use --device cpu or auto)")
    return name
