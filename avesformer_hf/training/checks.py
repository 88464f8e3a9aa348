"""Configuration checks that run before any model is built, step taken or file written, each naming what is wrong."""

import math
from pathlib import Path

from ..avsbench import CONVENTIONS, SUBSETS
from .arguments import RECIPES, AVESFormerTrainingArguments, flag_choices
from .checkpointing import CHECKPOINTS_DIR
from .errors import TrainingConfigurationError

# Files that mark a folder as holding a training run.
RUN_MARKERS = ("training_args.json", "log.jsonl", "metrics.json", CHECKPOINTS_DIR)

# field -> (lowest valid value, whether it may equal that value); `None` values mean "recipe default".
NUMERIC_BOUNDS = {
    "learning_rate": (0, False),
    "weight_decay": (0, True),
    "max_grad_norm": (0, True),
    "batch_size": (1, True),
    "eval_batch_size": (1, True),
    "gradient_accumulation_steps": (1, True),
    "logging_steps": (1, True),
    "max_steps": (1, True),
    "eval_steps": (1, True),
    "num_epochs": (0, True),
    "warmup_steps": (0, True),
    "freeze_backbone_epochs": (0, True),
    "checkpointing_steps": (0, True),
    "checkpoints_total_limit": (0, True),
    "synthetic": (0, True),
    "synthetic_image_size": (1, True),
    "synthetic_num_classes": (1, True),
    "image_size": (1, True),
    "num_workers": (0, True),
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_arguments(args: AVESFormerTrainingArguments) -> None:
    if args.subset not in SUBSETS:
        raise TrainingConfigurationError(f"--subset: unknown subset {args.subset!r}; choose one of {', '.join(SUBSETS)}")
    if (args.model_config is None) == (args.init_from is None):
        raise TrainingConfigurationError(
            "pass exactly one of --model-config (a new model) and --init-from (fine-tune a saved model)"
        )
    if args.model_config is not None and not Path(args.model_config).exists():
        raise TrainingConfigurationError(f"--model-config: {args.model_config} does not exist")
    check_data_source(args)
    check_numbers(args)
    if args.num_epochs == 0 and not args.max_steps:
        raise TrainingConfigurationError("--num-epochs 0 trains nothing: give at least 1 epoch or --max-steps")
    check_scheduler(args.lr_scheduler)
    if args.push_to_hub and not args.hub_model_id:
        raise TrainingConfigurationError("--push-to-hub needs --hub-model-id OWNER/NAME")


def check_numbers(args: AVESFormerTrainingArguments) -> None:
    """Every numeric flag is a finite number in its range, every choice one of its values."""
    for name, (lowest, inclusive) in NUMERIC_BOUNDS.items():
        value = getattr(args, name)
        if value is None:
            continue
        valid = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not valid or value < lowest or (value == lowest and not inclusive):
            bound = f">= {lowest}" if inclusive else f"> {lowest}"
            raise TrainingConfigurationError(f"{flag(name)} must be a finite number {bound}, got {value!r}")
    for name, choices in flag_choices().items():
        if getattr(args, name) not in choices:
            valid = ", ".join(str(c) for c in choices if c is not None)
            raise TrainingConfigurationError(f"{flag(name)}: {getattr(args, name)!r} is not one of {valid}")


def check_scheduler(name: str) -> None:
    from transformers import SchedulerType

    names = [kind.value for kind in SchedulerType]
    if name not in names:
        raise TrainingConfigurationError(f"--lr-scheduler: unknown scheduler {name!r}; choose one of {', '.join(names)}")


def check_data_source(args: AVESFormerTrainingArguments) -> None:
    """Exactly one of --data-root, --dataset-name and --synthetic, and the data's flags in range."""
    given = [args.data_root is not None, args.dataset_name is not None, args.synthetic > 0]
    if sum(given) != 1:
        raise TrainingConfigurationError("pass exactly one of --data-root PATH, --dataset-name NAME and --synthetic N (N > 0)")
    if args.dataset_config is not None and args.dataset_name is None:
        raise TrainingConfigurationError("--dataset-config needs --dataset-name")
    if args.mask_threshold is not None and not 1 <= args.mask_threshold <= 255:
        raise TrainingConfigurationError(f"--mask-threshold must lie in 1..255, got {args.mask_threshold}")
    if not (math.isfinite(args.fps) and args.fps > 0):
        raise TrainingConfigurationError(f"--fps must be positive, got {args.fps}")
    if args.data_root is not None:
        check_data_root(args.data_root, args.subset)


def check_data_root(data_root, subset: str) -> None:
    """An AVSBench tree holding `subset`, or an own-videos folder."""
    from ..data.avsbench import AVSBenchLayoutError
    from ..data.sources import data_root_layout

    root = Path(data_root)
    if not root.is_dir():
        raise TrainingConfigurationError(f"--data-root: {root} is not a folder")
    try:
        data_root_layout(root, subset)
    except AVSBenchLayoutError as error:
        raise TrainingConfigurationError(f"--data-root {root} does not hold subset {subset!r}: {error}") from None


def existing_run_markers(output_dir) -> list[str]:
    path = Path(output_dir)
    return [name for name in RUN_MARKERS if (path / name).exists()] if path.is_dir() else []


def continues_run(output_dir, checkpoint: Path | None) -> bool:
    """Whether `checkpoint` is one of the checkpoints of the run in `output_dir`."""
    if checkpoint is None:
        return False
    return Path(checkpoint).resolve().parent == (Path(output_dir) / CHECKPOINTS_DIR).resolve()


def check_output_dir(args: AVESFormerTrainingArguments, checkpoint: Path | None) -> bool:
    """Whether the run already in --output-dir must be cleared (only with --overwrite-output-dir); raises when
    the folder holds a run that this one neither continues nor may replace."""
    if Path(args.output_dir).exists() and not Path(args.output_dir).is_dir():
        raise TrainingConfigurationError(f"--output-dir {args.output_dir} is a file, not a folder")
    markers = existing_run_markers(args.output_dir)
    if not markers or continues_run(args.output_dir, checkpoint):
        return False
    if args.overwrite_output_dir:
        return True
    resuming = f"; the checkpoint {checkpoint} is not one of its checkpoints" if checkpoint else ""
    raise TrainingConfigurationError(
        f"--output-dir {args.output_dir} already holds a run ({', '.join(markers)}){resuming}: pass "
        "--overwrite-output-dir to replace it or --resume-from-checkpoint latest to continue it"
    )


def check_model_matches_subset(config, subset: str) -> None:
    expected = CONVENTIONS[subset].num_labels
    if config.num_labels != expected:
        kind = "binary masks (num_labels=1)" if expected == 1 else f"{expected} classes including background"
        raise TrainingConfigurationError(
            f"the model has num_labels={config.num_labels} but subset {subset!r} needs {kind}; "
            "pick a config for this subset (e.g. hub_configs/*-" + subset + ") or override num_labels"
        )
