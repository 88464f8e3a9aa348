"""Data for `avesformer distill-audio`: a folder of audio files -> per-window student inputs and teacher embeddings.

Every file is cut into the student's 0.96-s log-mel examples; the teacher sees the same windows through its own
front end (the same log-mel for VGGish, its own feature extractor for a transformers encoder). Whole files go to the
held-out set (every k-th file in sorted order), so no held-out window shares a recording with a training window.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoFeatureExtractor, PretrainedConfig

from ..audio_encoders import feature_extractor_for
from ..configuration_avesformer import AVESFormerConfig
from ..convert.vggish import convert_vggish_checkpoint
from ..data.avsbench import read_audio
from ..modeling_avesformer_audio import build_audio_encoder, pooled_audio_embeddings, pretrained_audio_encoder
from ..processing_avesformer import AudioVisualProcessor

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@dataclass
class DistillationSet:
    """Student inputs [M, 1, 96, 64] and teacher embeddings [M, E] of one split, plus where they came from."""

    inputs: torch.Tensor
    targets: torch.Tensor
    files: list[str]


def find_audio_files(audio_dir) -> list[Path]:
    root = Path(audio_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"--audio-dir {audio_dir}: no such folder")
    files = sorted(path for path in root.rglob("*") if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file())
    if len(files) < 2:
        raise ValueError(
            f"--audio-dir {audio_dir}: found {len(files)} audio file(s) ({', '.join(AUDIO_SUFFIXES)}); "
            "distillation needs at least 2 (training and held-out)"
        )
    return files


def split_files(files: list[Path], heldout_fraction: float) -> tuple[list[Path], list[Path]]:
    """Every k-th file (k = 1 / heldout_fraction, at least one file) is held out; the rest trains."""
    if not 0 < heldout_fraction < 1:
        raise ValueError(f"--heldout-fraction must be in (0, 1), got {heldout_fraction}")
    step = max(2, round(1 / heldout_fraction))
    heldout = files[step - 1 :: step] or files[-1:]
    kept = set(heldout)
    return [path for path in files if path not in kept], heldout


def load_teacher(source) -> tuple[torch.nn.Module, object]:
    """(encoder in eval mode, its feature extractor) from a folder / Hub id of any encoder AVESFormer takes, or the
    VGGish port's `.pth`."""
    if Path(source).is_file():
        teacher = convert_vggish_checkpoint(source)
        return teacher.eval(), feature_extractor_for(teacher.config)
    values = PretrainedConfig.get_config_dict(source)[0]
    values = values.get("audio_config", values) if values.get("model_type") == "clap" else values
    audio_config = AVESFormerConfig(audio_config=dict(values)).audio_config
    teacher, _ = pretrained_audio_encoder(build_audio_encoder(audio_config), source)
    extractor = feature_extractor_for(teacher.config)
    if not hasattr(extractor, "samples_per_example"):
        try:
            extractor = AutoFeatureExtractor.from_pretrained(source)
        except (OSError, ValueError):
            pass  # no saved feature extractor: the one built to fit the config
    return teacher.eval(), extractor


def file_windows(path: Path, student_extractor, teacher_processor: AudioVisualProcessor) -> tuple[np.ndarray, np.ndarray]:
    """One file -> (student log-mel examples [n, 1, 96, 64], the teacher's inputs for the same n windows)."""
    waveform, rate = read_audio(path)
    student = student_extractor(waveform, sampling_rate=rate)["input_features"][0]
    if teacher_processor.reads_log_mel_examples:
        teacher = teacher_processor.feature_extractor(waveform, sampling_rate=rate)["input_features"][0]
    else:
        teacher = teacher_processor.encoder_audio_features(waveform, rate, None, None)["input_features"][0]
    count = min(len(student), len(teacher))
    return student[:count], teacher[:count]


@torch.inference_mode()
def build_distillation_set(files, student_extractor, teacher, teacher_extractor, batch_size: int = 64, progress=print):
    """Student inputs and teacher embeddings of every window of `files`; files too short for one window are skipped."""
    processor = AudioVisualProcessor(feature_extractor=teacher_extractor, audio_window_seconds=0.96)
    inputs, targets, used = [], [], []
    for path in files:
        try:
            student, teacher_inputs = file_windows(path, student_extractor, processor)
        except (ValueError, RuntimeError) as error:  # too short, or unreadable (soundfile): named, not fatal
            progress(f"skipped {path}: {error}")
            continue
        teacher_inputs = torch.from_numpy(teacher_inputs)
        targets += [pooled_audio_embeddings(teacher, chunk) for chunk in teacher_inputs.split(batch_size)]
        inputs.append(torch.from_numpy(student))
        used.append(str(path))
    if not inputs:
        raise ValueError(f"none of the {len(files)} files holds a full 0.975-s window")
    return DistillationSet(torch.cat(inputs), torch.cat(targets).float(), used)


__all__ = ["DistillationSet", "build_distillation_set", "find_audio_files", "load_teacher", "split_files"]
