"""The datasets of a run: an AVSBench tree or own-videos folder (--data-root), a Hub dataset or Parquet folder
(--dataset-name), or freshly generated SynthAVS, read by `avesformer_hf.data.load_clips`."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .arguments import AVESFormerTrainingArguments

SYNTHETIC_DIR = "synthavs"


@dataclass
class RunData:
    """Map-style datasets of rows and the collators turning a list of rows into model inputs."""

    train: Any
    val: Any
    collate_fn: Callable
    test: Any = None
    eval_collate_fn: Callable | None = None

    def __post_init__(self):
        self.eval_collate_fn = self.eval_collate_fn or self.collate_fn


def synthetic_root(args: AVESFormerTrainingArguments) -> Path:
    return Path(args.output_dir) / SYNTHETIC_DIR


def build_run_data(args: AVESFormerTrainingArguments, processor, accelerator) -> RunData:
    """Generates SynthAVS (main process, unless resuming a run that has it) and loads the subset's splits."""
    from ..data import generate_synthavs
    from ..data.collate import AVSBenchCollator

    root = args.data_root
    if args.synthetic:
        root = synthetic_root(args)
        if accelerator.is_main_process and not (args.resume_from_checkpoint and root.exists()):
            generate_synthavs(
                root, layout=args.subset, num_clips=args.synthetic, image_size=args.synthetic_image_size,
                num_classes=args.synthetic_num_classes, seed=args.seed, overwrite=True,
            )
        accelerator.wait_for_everyone()
    with accelerator.main_process_first():  # the first load writes the `datasets` cache
        splits = load_run_splits(args, root)
    return RunData(
        train=splits["train"],
        val=splits["val"],
        test=splits.get("test"),
        collate_fn=AVSBenchCollator(args.subset, processor=processor, train=True),
        eval_collate_fn=AVSBenchCollator(args.subset, processor=processor, train=False),
    )


def load_run_splits(args: AVESFormerTrainingArguments, data_root):
    """train, val (and test when the data has it); a data error is a TrainingConfigurationError naming it."""
    from ..data.sources import load_clips
    from .checks import TrainingConfigurationError

    try:
        splits = load_clips(
            args.subset, data_root=data_root, dataset_name=args.dataset_name, dataset_config=args.dataset_config,
            fps=args.fps, mask_threshold=args.mask_threshold,
        )
    except ValueError as error:  # AVSBenchLayoutError, MaskValueError, a dataset without the needed columns
        raise TrainingConfigurationError(str(error)) from None
    missing = [split for split in ("train", "val") if split not in splits]
    if missing:
        raise TrainingConfigurationError(f"the data has no {' or '.join(missing)} split (splits: {list(splits)})")
    return splits
