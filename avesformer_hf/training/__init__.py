"""Fine-tuning AVESFormer with Accelerate: arguments, checks, the loop, checkpoints, evaluation, tracking.

    accelerate launch scripts/train.py --model-config hub_configs/avesformer-pvtv2-b2-s4 \
        --data-root AVSBench --subset s4 --output-dir runs/s4

Names load lazily, so building the `avesformer` parser (which uses `arguments`) stays fast.
"""

from ..lazy_exports import lazy_exports

_EXPORTS = {
    "RECIPES": "arguments",
    "AVESFormerTrainingArguments": "arguments",
    "TrainingArguments": "arguments",
    "build_parser": "arguments",
    "parse_args": "arguments",
    "TrainingConfigurationError": "errors",
    "CheckpointError": "errors",
    "TrainingDivergedError": "errors",
    "evaluate_model": "evaluation",
    "evaluate_saved_model": "evaluate_saved",
    "TrainingResult": "loop",
    "train": "loop",
    "main": "entry",
}


__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
