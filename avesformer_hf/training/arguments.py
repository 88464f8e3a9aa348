"""Training arguments: the spec's recipe per subset, every value overridable from the command line.

The dataclass is the only source of the flags, their defaults and help (`HfArgumentParser`).
"""

import argparse
import dataclasses
import importlib.util
import json
import sys
import typing
from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Literal

from ..avsbench import SUBSETS



@dataclass(frozen=True)
class Recipe:
    """Defaults of the predecessor's published recipe (spec section 3.8)."""

    batch_size: int
    num_epochs: int
    freeze_backbone_epochs: int


RECIPES = {
    "s4": Recipe(batch_size=2, num_epochs=30, freeze_backbone_epochs=5),
    "ms3": Recipe(batch_size=2, num_epochs=60, freeze_backbone_epochs=10),
    "avss": Recipe(batch_size=4, num_epochs=30, freeze_backbone_epochs=0),
}


def arg(default=MISSING, help: str = "", **argparse_options):
    """A dataclass field whose `metadata` is what `HfArgumentParser` gives `add_argument` (help, metavar, ...)."""
    return field(default=default, metadata={"help": help, **argparse_options})


@dataclass
class AVESFormerTrainingArguments:
    """Everything a run needs, and the only definition of the trainer's command-line flags (each field is
    `--field-name`, also `--field_name`). `None` means "the subset's recipe value" (see `RECIPES`)."""

    output_dir: str = arg(help="folder of the run: model, checkpoints, metrics, logs")
    # model
    model_config: str | None = arg(None, "folder or config.json of a new model (e.g. hub_configs/avesformer-pvtv2-b2-s4)")
    init_from: str | None = arg(None, "folder or Hub repo of a saved model (+ processor) to fine-tune")
    config_overrides: str | None = arg(None, 'comma-separated config changes, e.g. "dropout=0.0,freeze_audio_backbone=false"')
    # data
    subset: str = arg("s4", f"AVSBench subset, one of {', '.join(SUBSETS)}")
    data_root: str | None = arg(None, "AVSBench root holding the subset's metadata, or a folder of your own videos")
    dataset_name: str | None = arg(None, "a Hub dataset id or a folder written by scripts/push_avsbench.py --local-dir")
    dataset_config: str | None = arg(None, "config of --dataset-name (default: --subset)")
    mask_threshold: int | None = arg(None, "binarise masks as values >= T (default: only 0/255, 0/1)", metavar="T")
    fps: float = arg(1.0, "frames sampled per second of your own videos")
    synthetic: int = arg(0, "generate N SynthAVS clips and train on them", metavar="N")
    synthetic_image_size: int = arg(64, "frame size of generated SynthAVS clips")
    synthetic_num_classes: int = arg(6, "sound classes of generated SynthAVS clips")
    image_size: int | None = arg(None, "resize frames to this square size (default: the processor's)")
    num_workers: int = arg(0, "DataLoader worker processes")
    # run
    overwrite_output_dir: bool = arg(False, "replace the run already in --output-dir (after every set-up check passed)")
    resume_from_checkpoint: str | None = arg(None, "continue a run from a checkpoint", metavar="latest|PATH")
    seed: int = arg(42, "seed of weights, dropout and data order")
    mixed_precision: Literal["no", "fp16", "bf16"] | None = arg(None, "default: accelerate's config")
    # optimisation (None: the subset's recipe)
    num_epochs: int | None = arg(None, "epochs (default: the subset's recipe)")
    max_steps: int | None = arg(None, "stop after this many optimizer steps (overrides epochs)")
    batch_size: int | None = arg(None, "clips per device and step (default: the subset's recipe)")
    eval_batch_size: int | None = arg(None, "clips per device in evaluation (default: --batch-size)")
    learning_rate: float = arg(2e-5, "AdamW learning rate")
    weight_decay: float = arg(0.01, "AdamW weight decay")
    lr_scheduler: str = arg("constant", "a transformers scheduler name (constant, linear, cosine...)")
    warmup_steps: int = arg(0, "scheduler warm-up steps")
    freeze_backbone_epochs: int | None = arg(None, "epochs with the visual backbone frozen (default: the subset's recipe)")
    gradient_accumulation_steps: int = arg(1, "batches per optimizer step")
    max_grad_norm: float = arg(0.0, "clip gradients to this norm (0: off)")
    # evaluation, checkpoints, logging
    eval_steps: int | None = arg(None, "evaluate every N optimizer steps (default: every epoch)")
    checkpointing_steps: int | None = arg(500, "save_state every N steps (0: epoch ends only)")
    checkpoints_total_limit: int = arg(3, "keep the last K checkpoints")
    logging_steps: int = arg(10, "log the training loss every N steps")
    report_to: Literal["all", "jsonl"] = arg("all", '"all" (TensorBoard when installed + JSON lines) or "jsonl"')
    f_score_mode: Literal["dataset", "per_batch"] = arg("dataset", "M_F over the whole split or averaged per batch")
    # Hub
    push_to_hub: bool = arg(False, "push the best model + processor with its card")
    hub_model_id: str | None = arg(None, "repo id to push to (needed with --push-to-hub)")
    hub_private: bool = arg(False, "make the pushed repo private")

    @property
    def recipe(self) -> Recipe:
        return RECIPES[self.subset]

    def resolved(self) -> "AVESFormerTrainingArguments":
        """A copy with recipe values filled in for the fields left at `None`."""
        recipe = self.recipe
        return dataclasses.replace(
            self,
            batch_size=self.batch_size or recipe.batch_size,
            eval_batch_size=self.eval_batch_size or self.batch_size or recipe.batch_size,
            num_epochs=self.num_epochs if self.num_epochs is not None else recipe.num_epochs,
            freeze_backbone_epochs=(
                self.freeze_backbone_epochs if self.freeze_backbone_epochs is not None else recipe.freeze_backbone_epochs
            ),
        )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)


# The name of earlier versions (and of the README); `transformers.TrainingArguments` is another class.
TrainingArguments = AVESFormerTrainingArguments


def flag_choices() -> dict[str, tuple]:
    """field -> its valid values, for the fields typed `Literal[...]` (or `Literal[...] | None`)."""
    choices = {}
    for name, hint in typing.get_type_hints(AVESFormerTrainingArguments).items():
        options = [h for h in (hint, *typing.get_args(hint)) if typing.get_origin(h) is Literal]
        if options:
            allows_none = type(None) in typing.get_args(hint)
            choices[name] = typing.get_args(options[0]) + ((None,) if allows_none else ())
    return choices


def build_parser(**parser_options):
    """The trainer's parser, made by `HfArgumentParser` from `AVESFormerTrainingArguments`."""
    parser_options.setdefault("description", "Fine-tune AVESFormer with Accelerate (run it with `accelerate launch`).")
    return hf_argument_parser_class()(AVESFormerTrainingArguments, **parser_options)


def hf_argument_parser_class() -> type:
    """transformers' `HfArgumentParser`. Its module imports only the standard library and PyYAML, so it is run from
    the installed transformers' file without importing the transformers package (a second of start-up that
    `avesformer train --help` does not need). Where the file does not stand alone (another transformers layout), or
    transformers is imported already, it is the package's class."""
    if "transformers" not in sys.modules:
        package = importlib.util.find_spec("transformers")
        path = Path(package.submodule_search_locations[0]) / "hf_argparser.py" if package else None
        if path is not None and path.is_file():
            name = "avesformer_hf._transformers_hf_argparser"
            if name in sys.modules:
                return sys.modules[name].HfArgumentParser
            spec = importlib.util.spec_from_file_location(name, path)
            module = sys.modules[name] = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                return module.HfArgumentParser
            except (ImportError, AttributeError):
                del sys.modules[name]
    from transformers import HfArgumentParser

    return HfArgumentParser


def arguments_from_namespace(namespace: argparse.Namespace) -> AVESFormerTrainingArguments:
    names = {f.name for f in dataclasses.fields(AVESFormerTrainingArguments)}
    return AVESFormerTrainingArguments(**{k: v for k, v in vars(namespace).items() if k in names})


def parse_args(argv: list[str] | None = None) -> AVESFormerTrainingArguments:
    return arguments_from_namespace(build_parser().parse_args(argv))


def parse_config_overrides(text: str | None) -> dict:
    """'a=1,b=false,c=[1,2]' -> {"a": 1, "b": False, "c": [1, 2]}; values parsed as JSON when they can be."""
    overrides = {}
    if not text:
        return overrides
    for item in _split_top_level(text):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--config-overrides: expected key=value, got {item!r}")
        value = value.strip()
        lowered = value.lower()
        if lowered in ("true", "false"):
            overrides[key.strip()] = lowered == "true"
            continue
        try:
            overrides[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.strip()] = value
    return overrides


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets, so list values like [1,2] stay whole."""
    items, depth, current = [], 0, []
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        items.append("".join(current))
    return [item for item in (i.strip() for i in items) if item]

