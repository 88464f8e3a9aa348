"""The datasets of a run: an AVSBench root or freshly generated SynthAVS, read by `load_avsbench`."""

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
    from ..data import generate_synthavs, load_avsbench
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
        splits = load_avsbench(root, subset=args.subset)
    return RunData(
        train=splits["train"],
        val=splits["val"],
        test=splits.get("test"),
        collate_fn=AVSBenchCollator(args.subset, processor=processor, train=True),
        eval_collate_fn=AVSBenchCollator(args.subset, processor=processor, train=False),
    )
