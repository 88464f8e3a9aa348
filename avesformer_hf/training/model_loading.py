"""The model and processor a run starts from: a new model from a config, or a saved one to fine-tune."""

from pathlib import Path

from ..configuration_avesformer import AVESFormerConfig
from ..modeling_avesformer import AVESFormerModel
from ..processing_avesformer import AudioVisualProcessor
from .arguments import TrainingArguments, parse_config_overrides

PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json")


def load_config(args: TrainingArguments) -> AVESFormerConfig:
    """The run's config (overrides applied) without building the model, so it can be checked first."""
    overrides = parse_config_overrides(args.config_overrides)
    source = args.init_from or args.model_config
    config = AVESFormerConfig.from_pretrained(source)
    unknown = [key for key in overrides if not hasattr(config, key)]
    if unknown:
        raise ValueError(f"--config-overrides: {', '.join(unknown)} not in AVESFormerConfig")
    for key, value in overrides.items():
        setattr(config, key, value)
    if overrides:
        config = AVESFormerConfig.from_dict(config.to_dict())  # re-validates the changed values
    return config


def load_model(args: TrainingArguments, config: AVESFormerConfig) -> AVESFormerModel:
    if args.init_from:
        return AVESFormerModel.from_pretrained(args.init_from, config=config)
    return AVESFormerModel(config)


def load_processor(args: TrainingArguments, image_size: int | None) -> AudioVisualProcessor:
    """The saved processor of --init-from / --model-config when there is one, else the subset's default."""
    from ..data.collate import default_processor

    source = args.init_from or args.model_config
    folder = Path(source) if source and Path(source).is_dir() else None
    if args.init_from and folder is None or folder is not None and any((folder / f).exists() for f in PROCESSOR_FILES):
        processor = AudioVisualProcessor.from_pretrained(source)
    else:
        processor = default_processor(args.subset)
    if image_size:
        processor.image_processor.size = {"height": image_size, "width": image_size}
    return processor
