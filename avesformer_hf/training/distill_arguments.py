"""The options of `avesformer distill-audio` (no torch here: the command builds its flags from them)."""

from dataclasses import dataclass


@dataclass
class DistillArguments:
    audio_dir: str
    output_dir: str
    teacher: str
    student_config: str | None = None  # LightAudioConfig folder / json; default LightAudioConfig()
    num_epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    heldout_fraction: float = 0.1
    seed: int = 0
    logging_steps: int = 50
    checkpointing_steps: int = 500
    keep_checkpoints: int = 2
    resume_from_checkpoint: str | None = None  # "latest" or a checkpoint folder


__all__ = ["DistillArguments"]
