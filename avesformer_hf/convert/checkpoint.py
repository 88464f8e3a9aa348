"""Reading original `.pth` checkpoints safely and renaming their keys with a full account of every key.

Converters describe a checkpoint as a function `rename(key, tensor) -> [(target_key, tensor), ...]` (one source key
may feed several targets, e.g. PVT-v2's fused `kv`), `None` for a key it does not know. `remap_state_dict` applies
it and refuses to return anything unless every source key was consumed (or deliberately dropped), every target
weight was filled, and every shape agrees.
"""

import pickle
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

# Wrappers that training scripts put around a state dict.
CONTAINER_KEYS = ("state_dict", "model", "module")
MAX_LISTED_KEYS = 12

RenameFn = Callable[[str, torch.Tensor], list[tuple[str, torch.Tensor]] | None]


class CheckpointMismatchError(ValueError):
    """A checkpoint's keys or shapes do not fit the target model."""


def load_legacy_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A plain state dict (name -> tensor) from a `.pth` file, read with `torch.load(weights_only=True)` only.

    Unwraps the usual `{"state_dict": ...}` / `{"model": ...}` containers and a DataParallel `module.` prefix.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint file at {path}")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        reason = str(error).strip().splitlines()[0]
        raise ValueError(
            f"{path} is not a plain-weights checkpoint: torch.load(weights_only=True) refused it ({reason}). "
            "Only state dicts of tensors are read; re-save it with torch.save(model.state_dict(), ...) "
            "somewhere you trust its origin."
        ) from None
    except (RuntimeError, EOFError, OSError) as error:
        raise ValueError(f"{path} could not be read as a PyTorch checkpoint: {error}") from None
    return _plain_state_dict(loaded, path)


def convert_checkpoint_file(path: str | Path, convert_state_dict: Callable, out_dir=None, config=None):
    """Read a legacy `.pth` (weights only), convert it with `convert_state_dict(state_dict, config, source_name=...)`,
    and save a `from_pretrained` folder when `out_dir` is given."""
    model = convert_state_dict(load_legacy_state_dict(path), config, source_name=str(path))
    if out_dir is not None:
        model.save_pretrained(out_dir)
    return model


def _plain_state_dict(loaded, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(loaded, dict) and not _all_tensors(loaded):
        for key in CONTAINER_KEYS:
            if isinstance(loaded.get(key), dict) and _all_tensors(loaded[key]):
                loaded = loaded[key]
                break
    if not isinstance(loaded, dict) or not loaded:
        raise ValueError(f"{path} holds a {type(loaded).__name__}, not a state dict (a dict of name -> tensor)")
    not_tensors = sorted(str(key) for key, value in loaded.items() if not isinstance(value, torch.Tensor))
    if not_tensors:
        raise ValueError(
            f"{path} is not a plain state dict: entries that are not tensors: {_listed(not_tensors)} "
            f"(known containers looked into: {list(CONTAINER_KEYS)})"
        )
    if all(key.startswith("module.") for key in loaded):
        loaded = {key.removeprefix("module."): value for key, value in loaded.items()}
    return loaded


def _all_tensors(mapping: dict) -> bool:
    return bool(mapping) and all(isinstance(value, torch.Tensor) for value in mapping.values())


def _listed(keys: Iterable[str]) -> str:
    keys = list(keys)
    shown = ", ".join(keys[:MAX_LISTED_KEYS])
    return shown + (f", ... ({len(keys) - MAX_LISTED_KEYS} more)" if len(keys) > MAX_LISTED_KEYS else "")


def remap_state_dict(
    source: dict[str, torch.Tensor],
    rename: RenameFn,
    target: dict[str, torch.Tensor],
    *,
    source_name: str,
    target_name: str,
    dropped: str | None = None,
    optional: str | None = None,
) -> dict[str, torch.Tensor]:
    """Rename `source` into the keys of `target` (a model's state dict, used for names and shapes).

    `dropped`: regex of source keys that are consumed without a target (a classifier head).
    `optional`: regex of target keys that may stay unfilled; they keep the target's own value
    (BatchNorm's `num_batches_tracked`, absent from old torchvision files).
    Raises `CheckpointMismatchError` listing unknown source keys, unfilled targets and wrong shapes.
    """
    converted: dict[str, torch.Tensor] = {}
    unknown, unexpected, wrong_shapes = [], [], []
    for key, tensor in source.items():
        if dropped and re.fullmatch(dropped, key):
            continue
        renamed = rename(key, tensor)
        if renamed is None:
            unknown.append(key)
            continue
        for target_key, value in renamed:
            if target_key not in target:
                unexpected.append(f"{key} -> {target_key}")
            elif tuple(value.shape) != tuple(target[target_key].shape):
                wrong_shapes.append(
                    f"{key} -> {target_key}: checkpoint {list(value.shape)}, model {list(target[target_key].shape)}"
                )
            else:
                converted[target_key] = value.contiguous()
    missing = [key for key in target if key not in converted and not (optional and re.fullmatch(optional, key))]
    problems = []
    if unknown:
        problems.append(f"{len(unknown)} checkpoint keys with no place in {target_name}: {_listed(unknown)}")
    if unexpected:
        problems.append(f"{len(unexpected)} keys that {target_name} does not have: {_listed(unexpected)}")
    if wrong_shapes:
        problems.append(f"{len(wrong_shapes)} shape mismatches: {_listed(wrong_shapes)}")
    if missing:
        problems.append(f"{len(missing)} {target_name} weights not filled by the checkpoint: {_listed(missing)}")
    if problems:
        raise CheckpointMismatchError(f"{source_name} does not fit {target_name}:\n  - " + "\n  - ".join(problems))
    for key in target:
        if key not in converted:
            converted[key] = target[key].clone()
    return converted
