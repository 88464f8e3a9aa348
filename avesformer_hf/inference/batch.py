"""Many videos, many machines: one output set per video under an output folder.

Under `accelerate launch` each process takes its share of the videos (`split_between_processes`). A video's outputs
are written into a hidden `.NAME.partial` folder, its manifest last, and the folder is renamed into place: a folder
with a manifest is complete, so a rerun of a killed job skips it and redoes only the rest.
"""

import glob
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .predict import load_model, predict_clip, save_prediction

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
MANIFEST = "prediction.json"
OVERLAY = "overlay.mp4"
MASKS = "masks"


@dataclass
class PredictOptions:
    fps: float = 1.0
    start: float = 0.0
    duration: float | None = None
    threshold: float = 0.5
    chunk_seconds: float = 5.0


def collect_videos(sources) -> list[Path]:
    """Files, folders (their video files) and glob patterns -> video paths in a stable order, each once."""
    videos = []
    for source in map(str, sources):
        if Path(source).is_dir():
            found = sorted(path for path in Path(source).iterdir() if path.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                raise FileNotFoundError(f"{source}: a folder without video files ({', '.join(VIDEO_SUFFIXES)})")
        elif glob.has_magic(source):
            found = sorted(Path(path) for path in glob.glob(source, recursive=True) if Path(path).is_file())
            if not found:
                raise FileNotFoundError(f"{source}: the pattern matches no file")
        elif Path(source).is_file():
            found = [Path(source)]
        else:
            raise FileNotFoundError(f"{source}: no such file or folder")
        videos += [path for path in found if path not in videos]
    return videos


def output_names(videos: list[Path]) -> list[str]:
    """One folder name per video: its stem, or parent__stem where two videos share a stem."""
    stems = [video.stem for video in videos]
    names = [stem if stems.count(stem) == 1 else f"{video.parent.name}__{stem}" for video, stem in zip(videos, stems)]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise ValueError(f"several videos would write to the same output folder ({', '.join(clashes)}): rename them")
    return names


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a complete output folder (every file it lists present), else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if all((folder / name).is_file() for name in manifest.get("files", [])) else None


def predict_one(model, processor, video: Path, folder: Path, options: PredictOptions) -> dict:
    """Write `folder` (overlay, masks, manifest) for one video, atomically; return its manifest."""
    partial = folder.with_name(f".{folder.name}.partial")
    if partial.exists():  # left by a killed run of this command
        shutil.rmtree(partial)
    prediction = predict_clip(model, processor, video, **asdict(options))
    written = save_prediction(prediction, video_path=partial / OVERLAY, masks_dir=partial / MASKS)
    coverage = sum(float((mask > 0).mean()) for mask in prediction.masks) / len(prediction.masks)
    manifest = {"video": str(video), "options": asdict(options), "frames": len(prediction.masks),
                "coverage": coverage, "files": [str(path.relative_to(partial)) for path in written]}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(partial, folder)
    return manifest


def check_finished(folder: Path, options: PredictOptions) -> bool:
    """True when `folder` holds a complete set made with the same options; a folder left otherwise is an error."""
    if not folder.exists():
        return False
    manifest = read_manifest(folder)
    if manifest is None:
        raise FileExistsError(f"{folder} exists but is not a complete output of `avesformer predict`: move it away")
    if manifest.get("options") != asdict(options):
        raise FileExistsError(f"{folder} was made with other options ({manifest.get('options')}): use another --output-dir")
    return True


def predict_videos(model_source, sources, output_dir, options: PredictOptions | None = None, device="cpu",
                   report=print) -> dict:
    """Predict every video of `sources` into `output_dir/NAME/`; under `accelerate launch` each process does its
    share. A video that fails is reported and the others go on. Returns this process's counts and failures."""
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    options = options or PredictOptions()
    videos = collect_videos(sources)
    jobs = list(zip(videos, output_names(videos)))
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    state = PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU"))  # the flag AcceleratorState reads
    model = processor = None
    summary = {"done": 0, "skipped": 0, "failed": []}
    with state.split_between_processes(jobs) as mine:
        for video, name in mine:
            try:
                if check_finished(output_dir / name, options):
                    summary["skipped"] += 1
                    continue
                if model is None:  # a model that cannot be loaded stops the job (not counted per video)
                    model, processor = load_model(model_source, state.device if state.num_processes > 1 else device)
                manifest = predict_one(model, processor, video, output_dir / name, options)
            except (ValueError, OSError) as error:
                if model is None and not isinstance(error, FileExistsError):
                    raise
                summary["failed"].append(f"{video}: {error}")
                print(f"error: {error}", file=sys.stderr)
                continue
            summary["done"] += 1
            report(f"{video} -> {output_dir / name} ({manifest['frames']} frames)")
    state.wait_for_everyone()
    return summary


__all__ = ["PredictOptions", "collect_videos", "predict_videos"]
