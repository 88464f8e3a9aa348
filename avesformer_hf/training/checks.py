"""Configuration checks that run before any model is built or step taken, each naming what is wrong."""

from pathlib import Path

from .arguments import RECIPES, SUBSETS, TrainingArguments
from .checkpointing import CHECKPOINTS_DIR

# Files that mark a folder as holding a training run.
RUN_MARKERS = ("training_args.json", "log.jsonl", "metrics.json", CHECKPOINTS_DIR)


class TrainingConfigurationError(ValueError):
    """Raised before training when the arguments, data or model do not fit together."""


def check_arguments(args: TrainingArguments) -> None:
    if args.subset not in SUBSETS:
        raise TrainingConfigurationError(f"--subset: unknown subset {args.subset!r}; choose one of {', '.join(SUBSETS)}")
    if (args.model_config is None) == (args.init_from is None):
        raise TrainingConfigurationError(
            "pass exactly one of --model-config (a new model) and --init-from (fine-tune a saved model)"
        )
    if args.model_config is not None and not Path(args.model_config).exists():
        raise TrainingConfigurationError(f"--model-config: {args.model_config} does not exist")
    check_data_source(args)
    for name in ("batch_size", "eval_batch_size", "gradient_accumulation_steps", "logging_steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise TrainingConfigurationError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    for name in ("num_epochs", "max_steps", "eval_steps"):
        value = getattr(args, name)
        if value is not None and value < (0 if name == "num_epochs" else 1):
            raise TrainingConfigurationError(f"--{name.replace('_', '-')} must be positive, got {value}")
    if args.num_epochs == 0 and not args.max_steps:
        raise TrainingConfigurationError("--num-epochs 0 trains nothing: give at least 1 epoch or --max-steps")
    if args.max_grad_norm < 0 or args.learning_rate <= 0 or args.weight_decay < 0:
        raise TrainingConfigurationError(
            "--max-grad-norm and --weight-decay must be >= 0 and --learning-rate > 0, got "
            f"{args.max_grad_norm}, {args.weight_decay}, {args.learning_rate}"
        )
    if args.push_to_hub and not args.hub_model_id:
        raise TrainingConfigurationError("--push-to-hub needs --hub-model-id OWNER/NAME")
    check_output_dir(args)


def check_data_source(args: TrainingArguments) -> None:
    """Exactly one of --data-root, --dataset-name and --synthetic, and the data's flags in range."""
    given = [args.data_root is not None, args.dataset_name is not None, args.synthetic > 0]
    if sum(given) != 1:
        raise TrainingConfigurationError("pass exactly one of --data-root PATH, --dataset-name NAME and --synthetic N (N > 0)")
    if args.dataset_config is not None and args.dataset_name is None:
        raise TrainingConfigurationError("--dataset-config needs --dataset-name")
    if args.mask_threshold is not None and not 1 <= args.mask_threshold <= 255:
        raise TrainingConfigurationError(f"--mask-threshold must lie in 1..255, got {args.mask_threshold}")
    if args.fps <= 0:
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


def check_output_dir(args: TrainingArguments) -> None:
    markers = existing_run_markers(args.output_dir)
    if args.resume_from_checkpoint:
        return
    if markers and not args.overwrite_output_dir:
        raise TrainingConfigurationError(
            f"--output-dir {args.output_dir} already holds a run ({', '.join(markers)}): pass "
            "--overwrite-output-dir to replace it or --resume-from-checkpoint latest to continue it"
        )


def check_model_matches_subset(config, subset: str) -> None:
    expected = RECIPES[subset].num_labels
    if config.num_labels != expected:
        kind = "binary masks (num_labels=1)" if expected == 1 else f"{expected} classes including background"
        raise TrainingConfigurationError(
            f"the model has num_labels={config.num_labels} but subset {subset!r} needs {kind}; "
            "pick a config for this subset (e.g. hub_configs/*-" + subset + ") or override num_labels"
        )
