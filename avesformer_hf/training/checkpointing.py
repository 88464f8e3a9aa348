"""Checkpoints: `Accelerator.save_state` plus the loop's position, written atomically and rotated.

A checkpoint is `OUTPUT/checkpoints/checkpoint-<step>`: model, optimizer, scheduler, RNG states (accelerate)
and a `TrainerState` (epoch, batches consumed in it, step, best metric) registered for checkpointing. It
is written to a `.partial` folder and renamed when complete, so a run killed while saving leaves the
previous checkpoint as the latest one.
"""

import re
import shutil
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


@dataclass
class TrainerState:
    """Where the loop is; saved inside every checkpoint through `accelerator.register_for_checkpointing`."""

    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_metric: float | None = None
    best_step: int | None = None

    def state_dict(self) -> dict:
        return asdict(self)

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)


def checkpoint_dirs(output_dir) -> list[Path]:
    """Complete checkpoints of a run, oldest first."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if p.is_dir() and (m := CHECKPOINT_PATTERN.match(p.name))]
    return [path for _, path in sorted(found)]


def resolve_checkpoint(resume_from: str, output_dir) -> Path:
    """`latest` -> the newest complete checkpoint of `output_dir`; otherwise the given folder."""
    if resume_from == "latest":
        found = checkpoint_dirs(output_dir)
        if not found:
            raise FileNotFoundError(
                f"--resume-from-checkpoint latest: no checkpoint in {Path(output_dir) / CHECKPOINTS_DIR}"
            )
        return found[-1]
    path = Path(resume_from)
    if not (path / "custom_checkpoint_0.pkl").is_file():
        raise FileNotFoundError(f"--resume-from-checkpoint {resume_from}: not a checkpoint folder of this trainer")
    return path


def save_checkpoint(accelerator, output_dir, step: int, keep_last: int) -> Path:
    """save_state into checkpoint-<step> (atomically), then drop all but the `keep_last` newest."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    final = root / f"checkpoint-{step}"
    partial = root / f"checkpoint-{step}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(partial))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
        for stale in checkpoint_dirs(output_dir)[:-keep_last] if keep_last > 0 else []:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


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
