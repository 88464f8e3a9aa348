"""Checkpoints: `Accelerator.save_state` plus the loop's position in JSON, written atomically and rotated.

A checkpoint is `OUTPUT/checkpoints/checkpoint-<step>`: model (safetensors), optimizer, scheduler and RNG states
(accelerate; read back with `torch.load(weights_only=True)`) and `trainer_state.json` (epoch, batches consumed in
it, step, best metric). Nothing in a checkpoint is unpickled with code execution: the loop registers no custom
object with accelerate, and a folder holding a `custom_checkpoint_*.pkl` is refused. A checkpoint is written to a
`.partial` folder and renamed when complete, so a run killed while saving leaves the previous one as the latest.
"""

import json
import pickle
import re
import shutil
import signal
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .checkpoint_files import STATE_FILE, check_checkpoint
from .errors import CheckpointError

CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


@dataclass
class TrainerState:
    """Where the loop is; saved as `trainer_state.json` inside every checkpoint."""

    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_metric: float | None = None
    best_step: int | None = None
    last_eval_step: int | None = None

    def save(self, folder: Path) -> None:
        (Path(folder) / STATE_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    def load(self, folder: Path) -> None:
        values = json.loads((Path(folder) / STATE_FILE).read_text())
        for field in fields(self):
            setattr(self, field.name, values.get(field.name, field.default))


def checkpoint_dirs(output_dir) -> list[Path]:
    """Checkpoint folders of a run (renamed into place, so complete when written), oldest first."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if p.is_dir() and (m := CHECKPOINT_PATTERN.match(p.name))]
    return [path for _, path in sorted(found)]


def resolve_checkpoint(resume_from: str, output_dir) -> tuple[Path, list[str]]:
    """`latest` -> the newest intact checkpoint of `output_dir`, plus a note per damaged newer one it passed over;
    otherwise the given folder, which must be intact. Reads files, writes nothing."""
    if resume_from != "latest":
        path = Path(resume_from)
        check_checkpoint(path, f"--resume-from-checkpoint {resume_from}")
        return path, []
    notes = []
    for path in reversed(checkpoint_dirs(output_dir)):
        try:
            check_checkpoint(path, str(path))
        except CheckpointError as error:
            notes.append(f"skipped a damaged checkpoint: {error}")
            continue
        return path, notes
    where = Path(output_dir) / CHECKPOINTS_DIR
    found = f"; {len(notes)} damaged ones: " + " | ".join(notes) if notes else ""
    raise CheckpointError(f"--resume-from-checkpoint latest: no intact checkpoint in {where}{found}")


def save_checkpoint(accelerator, output_dir, state: TrainerState, keep_last: int) -> Path:
    """save_state + trainer_state.json into checkpoint-<step> (atomically), then drop all but the `keep_last` newest."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    final = root / f"checkpoint-{state.global_step}"
    partial = root / f"checkpoint-{state.global_step}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(partial))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        state.save(partial)
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
        for stale in checkpoint_dirs(output_dir)[:-keep_last] if keep_last > 0 else []:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(accelerator, folder: Path, state: TrainerState) -> None:
    """load_state (model, optimizer, scheduler, RNG) and the loop's position; errors name the folder."""
    try:
        accelerator.load_state(str(folder))
    except (OSError, RuntimeError, ValueError, KeyError, pickle.UnpicklingError) as error:
        raise CheckpointError(f"checkpoint {folder} does not fit this run: {str(error).splitlines()[0]}") from error
    state.load(folder)


class StopRequest:
    """SIGTERM / SIGINT set a flag instead of killing the process, so the loop can checkpoint and exit.

    The flag goes through `accelerator.set_trigger()` so every process sees it at the same step.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, accelerator):
        self.accelerator = accelerator
        self.received: int | None = None
        self._previous = {}

    def __enter__(self):
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        return False

    def _handle(self, signum, frame):
        self.received = signum
        self.accelerator.set_trigger()

    def requested(self) -> bool:
        """Collective: call on every process at the same point."""
        return self.accelerator.check_trigger()
