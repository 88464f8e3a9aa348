"""The model and processor a run starts from: a new model from a config, or a saved one to fine-tune."""

from pathlib import Path

from ..configuration_avesformer import AVESFormerConfig
from ..modeling_avesformer import AVESFormerModel
from ..processing_avesformer import AudioVisualProcessor
from .arguments import AVESFormerTrainingArguments, parse_config_overrides
from .errors import TrainingConfigurationError

PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json")


def source_flag(args: AVESFormerTrainingArguments) -> str:
    return f"--init-from {args.init_from}" if args.init_from else f"--model-config {args.model_config}"


def load_config(args: AVESFormerTrainingArguments) -> AVESFormerConfig:
    """The run's config (overrides applied) without building the model, so it can be checked first."""
    try:
        overrides = parse_config_overrides(args.config_overrides)
    except ValueError as error:
        raise TrainingConfigurationError(str(error)) from error
    try:
        config = AVESFormerConfig.from_pretrained(args.init_from or args.model_config)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise TrainingConfigurationError(f"{source_flag(args)}: no readable AVESFormer config ({first_line(error)})") from error
    unknown = [key for key in overrides if not hasattr(config, key)]
    if unknown:
        raise TrainingConfigurationError(f"--config-overrides: {', '.join(unknown)} not in AVESFormerConfig")
    for key, value in overrides.items():
        setattr(config, key, value)
    if overrides:
        try:
            config = AVESFormerConfig.from_dict(config.to_dict())  # re-validates the changed values
        except (ValueError, TypeError) as error:
            raise TrainingConfigurationError(f"--config-overrides: {first_line(error)}") from error
    return config


def load_model(args: AVESFormerTrainingArguments, config: AVESFormerConfig) -> AVESFormerModel:
    """A new model, or the saved one whose every weight must exist and fit `config`."""
    if not args.init_from:
        return AVESFormerModel(config)
    try:
        model, info = AVESFormerModel.from_pretrained(
            args.init_from, config=config, output_loading_info=True, ignore_mismatched_sizes=True
        )
    except Exception as error:  # safetensors, torch and transformers each raise their own types here
        raise TrainingConfigurationError(f"{source_flag(args)}: the weights do not load ({first_line(error)})") from error
    problems = {kind: info.get(kind) for kind in ("missing_keys", "unexpected_keys", "mismatched_keys") if info.get(kind)}
    if problems:
        kind, keys = next(iter(problems.items()))
        raise TrainingConfigurationError(
            f"{source_flag(args)}: the weights contradict the config ({kind.replace('_', ' ')}: "
            f"{', '.join(str(k) for k in list(keys)[:3])}{' ...' if len(keys) > 3 else ''})"
        )
    return model


def load_processor(args: AVESFormerTrainingArguments, image_size: int | None) -> AudioVisualProcessor:
    """The saved processor of --init-from / --model-config when there is one, else the subset's default."""
    from ..data.collate import default_processor

    source = args.init_from or args.model_config
    folder = Path(source) if source and Path(source).is_dir() else None
    if args.init_from and folder is None or folder is not None and any((folder / f).exists() for f in PROCESSOR_FILES):
        try:
            processor = AudioVisualProcessor.from_pretrained(source)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise TrainingConfigurationError(f"{source_flag(args)}: no readable processor ({first_line(error)})") from error
    else:
        processor = default_processor(args.subset)
    if image_size:
        processor.image_processor.size = {"height": image_size, "width": image_size}
    return processor


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
