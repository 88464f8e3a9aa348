"""Evaluation of a saved model on one AVSBench split, optionally with every clip given another clip's audio."""

import numpy as np
import torch
from accelerate import Accelerator
from torch.utils.data import DataLoader

from ..modeling_avesformer import AVESFormerModel
from ..processing_avesformer import AudioVisualProcessor
from .checks import check_data_root, check_model_matches_subset
from .evaluation import evaluate_model


def swapped_audio(dataset, seed: int = 0):
    """Each clip keeps its frames and masks but gets the audio of a random clip of another category.

    A model that listens should then miss the object its masks mark: the drop in M_J measures listening.
    """
    if "category" not in dataset.column_names:
        raise ValueError(
            "--swap-audio needs each clip's sounding category (the S4 `category` column); "
            f"this split has columns {dataset.column_names}"
        )
    categories = np.asarray(dataset["category"])
    if len(set(categories.tolist())) < 2:
        raise ValueError("--swap-audio needs clips of at least two categories")
    rng = np.random.default_rng(seed)
    donors = [int(rng.choice(np.flatnonzero(categories != category))) for category in categories]
    audio = dataset["audio"]
    feature = dataset.features["audio"]
    return dataset.remove_columns("audio").add_column("audio", [audio[j] for j in donors], feature=feature)


def evaluate_saved_model(
    model_path: str,
    data_root=None,
    subset: str = "s4",
    split: str = "test",
    batch_size: int = 1,
    f_score_mode: str = "dataset",
    swap_audio: bool = False,
    seed: int = 0,
    *,
    dataset_name: str | None = None,
    dataset_config: str | None = None,
    fps: float = 1.0,
    mask_threshold: int | None = None,
) -> dict:
    """{"metrics": {"M_J", "M_F", "loss"} (AVSS: mIoU / F), plus what was evaluated}, on the clips of
    `data_root` (AVSBench tree or own videos) or `dataset_name` (Hub id or Parquet folder; config
    `dataset_config`, default `subset`)."""
    from ..data.collate import AVSBenchCollator
    from ..data.sources import load_clips

    if batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size}")
    if (data_root is None) == (dataset_name is None):
        raise ValueError("pass exactly one of --data-root and --dataset-name")
    if data_root is not None:
        check_data_root(data_root, subset)
    torch.set_flush_denormal(True)  # see training.loop
    model = AVESFormerModel.from_pretrained(model_path).eval()
    check_model_matches_subset(model.config, subset)
    processor = AudioVisualProcessor.from_pretrained(model_path)
    accelerator = Accelerator()
    with accelerator.main_process_first():
        dataset = load_clips(
            subset, [split], data_root=data_root, dataset_name=dataset_name, dataset_config=dataset_config,
            fps=fps, mask_threshold=mask_threshold,
        )[split]
    if swap_audio:
        dataset = swapped_audio(dataset, seed)
    collator = AVSBenchCollator(subset, processor=processor, train=False)
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=collator, generator=torch.Generator().manual_seed(seed))
    num_labels = model.config.num_labels
    model, loader = accelerator.prepare(model, loader)
    metrics = evaluate_model(
        model, loader, accelerator, num_labels, f_score_mode=f_score_mode,
        frames_per_batch=batch_size * collator.num_frames, description=split,
    )
    return {
        "model": str(model_path), "data": str(data_root or dataset_name), "subset": subset, "split": split, "num_clips": len(dataset),
        "batch_size": batch_size, "f_score_mode": f_score_mode, "swap_audio": swap_audio, "metrics": metrics,
    }
