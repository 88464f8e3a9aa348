"""Training arguments: the spec's recipe per subset, every value overridable from the command line."""

import argparse
import dataclasses
import json
from dataclasses import dataclass

SUBSETS = ("s4", "ms3", "avss")
AVSS_NUM_LABELS = 71


@dataclass(frozen=True)
class Recipe:
    """Defaults of the predecessor's published recipe (spec section 3.8)."""

    batch_size: int
    num_epochs: int
    freeze_backbone_epochs: int
    num_labels: int


RECIPES = {
    "s4": Recipe(batch_size=2, num_epochs=30, freeze_backbone_epochs=5, num_labels=1),
    "ms3": Recipe(batch_size=2, num_epochs=60, freeze_backbone_epochs=10, num_labels=1),
    "avss": Recipe(batch_size=4, num_epochs=30, freeze_backbone_epochs=0, num_labels=AVSS_NUM_LABELS),
}


@dataclass
class TrainingArguments:
    """Everything a run needs. `None` means "the subset's recipe value" (see `RECIPES`)."""

    output_dir: str
    subset: str = "s4"
    model_config: str | None = None
    init_from: str | None = None
    config_overrides: str | None = None
    data_root: str | None = None
    dataset_name: str | None = None
    dataset_config: str | None = None
    mask_threshold: int | None = None
    fps: float = 1.0
    synthetic: int = 0
    synthetic_image_size: int = 64
    synthetic_num_classes: int = 6
    image_size: int | None = None
    overwrite_output_dir: bool = False
    num_epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    eval_batch_size: int | None = None
    learning_rate: float = 2e-5
    weight_decay: float = 0.01
    lr_scheduler: str = "constant"
    warmup_steps: int = 0
    freeze_backbone_epochs: int | None = None
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 0.0
    mixed_precision: str | None = None
    seed: int = 42
    eval_steps: int | None = None
    checkpointing_steps: int | None = 500
    checkpoints_total_limit: int = 3
    resume_from_checkpoint: str | None = None
    logging_steps: int = 10
    report_to: str = "all"
    f_score_mode: str = "dataset"
    num_workers: int = 0
    push_to_hub: bool = False
    hub_model_id: str | None = None
    hub_private: bool = False

    @property
    def recipe(self) -> Recipe:
        return RECIPES[self.subset]

    def resolved(self) -> "TrainingArguments":
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


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        description="Fine-tune AVESFormer with Accelerate (run it with `accelerate launch`)."
    )
    model = parser.add_argument_group("model")
    model.add_argument("--model-config", help="folder or config.json of a new model (e.g. hub_configs/avesformer-pvtv2-b2-s4)")
    model.add_argument("--init-from", help="folder or Hub repo of a saved model (+ processor) to fine-tune")
    model.add_argument("--config-overrides", help='comma-separated config changes, e.g. "dropout=0.0,freeze_audio_backbone=false"')

    data = parser.add_argument_group("data")
    data.add_argument("--subset", default="s4", help=f"AVSBench subset, one of {', '.join(SUBSETS)}")
    data.add_argument("--data-root", help="AVSBench root holding the subset's metadata, or a folder of your own videos")
    data.add_argument("--dataset-name", help="a Hub dataset id or a folder written by scripts/push_avsbench.py --local-dir")
    data.add_argument("--dataset-config", help="config of --dataset-name (default: --subset)")
    data.add_argument("--mask-threshold", type=int, metavar="T", help="binarise masks as values >= T (default: only 0/255, 0/1)")
    data.add_argument("--fps", type=float, default=1.0, help="frames sampled per second of your own videos")
    data.add_argument("--synthetic", type=int, default=0, metavar="N", help="generate N SynthAVS clips and train on them")
    data.add_argument("--synthetic-image-size", type=int, default=64, help="frame size of generated SynthAVS clips")
    data.add_argument("--synthetic-num-classes", type=int, default=6, help="sound classes of generated SynthAVS clips")
    data.add_argument("--image-size", type=int, help="resize frames to this square size (default: the processor's)")
    data.add_argument("--num-workers", type=int, default=0, help="DataLoader worker processes")

    run = parser.add_argument_group("run")
    run.add_argument("--output-dir", required=True)
    run.add_argument("--overwrite-output-dir", action="store_true", help="replace the run already in --output-dir")
    run.add_argument("--resume-from-checkpoint", metavar="latest|PATH", help="continue a run from a checkpoint")
    run.add_argument("--seed", type=int, default=42)
    run.add_argument("--mixed-precision", choices=("no", "fp16", "bf16"), help="default: accelerate's config")

    optim = parser.add_argument_group("optimisation (defaults: the subset's recipe)")
    optim.add_argument("--num-epochs", type=int)
    optim.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (overrides epochs)")
    optim.add_argument("--batch-size", type=int, help="clips per device and step")
    optim.add_argument("--eval-batch-size", type=int)
    optim.add_argument("--learning-rate", type=float, default=2e-5)
    optim.add_argument("--weight-decay", type=float, default=0.01)
    optim.add_argument("--lr-scheduler", default="constant", help="a transformers scheduler name (constant, linear, cosine...)")
    optim.add_argument("--warmup-steps", type=int, default=0)
    optim.add_argument("--freeze-backbone-epochs", type=int, help="epochs with the visual backbone frozen")
    optim.add_argument("--gradient-accumulation-steps", type=int, default=1)
    optim.add_argument("--max-grad-norm", type=float, default=0.0, help="clip gradients to this norm (0: off)")

    track = parser.add_argument_group("evaluation, checkpoints, logging")
    track.add_argument("--eval-steps", type=int, help="evaluate every N optimizer steps (default: every epoch)")
    track.add_argument("--checkpointing-steps", type=int, default=500, help="save_state every N steps (0: epoch ends only)")
    track.add_argument("--checkpoints-total-limit", type=int, default=3, help="keep the last K checkpoints")
    track.add_argument("--logging-steps", type=int, default=10)
    track.add_argument("--report-to", default="all", help='"all" (TensorBoard when installed + JSON lines) or "jsonl"')
    track.add_argument("--f-score-mode", choices=("dataset", "per_batch"), default="dataset")

    hub = parser.add_argument_group("Hub")
    hub.add_argument("--push-to-hub", action="store_true", help="push the best model + processor with its card")
    hub.add_argument("--hub-model-id", help="repo id to push to (needed with --push-to-hub)")
    hub.add_argument("--hub-private", action="store_true")
    return parser


def arguments_from_namespace(namespace: argparse.Namespace) -> TrainingArguments:
    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return TrainingArguments(**{k: v for k, v in vars(namespace).items() if k in names})


def parse_args(argv: list[str] | None = None) -> TrainingArguments:
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

