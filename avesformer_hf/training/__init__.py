"""Fine-tuning AVESFormer with Accelerate: arguments, checks, the loop, checkpoints, evaluation, tracking.

    accelerate launch scripts/train.py --model-config hub_configs/avesformer-pvtv2-b2-s4 \
        --data-root AVSBench --subset s4 --output-dir runs/s4

Names load lazily, so building the `avesformer` parser (which uses `arguments`) stays fast.
"""

import importlib

_EXPORTS = {
    "RECIPES": "arguments",
    "SUBSETS": "arguments",
    "TrainingArguments": "arguments",
    "build_parser": "arguments",
    "parse_args": "arguments",
    "TrainingConfigurationError": "checks",
    "evaluate_model": "evaluation",
    "evaluate_saved_model": "evaluate_saved",
    "TrainingResult": "loop",
    "train": "loop",
    "main": "entry",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
