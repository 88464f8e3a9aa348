"""`avesformer predict CLIP --model DIR_OR_REPO`: overlay video and mask PNGs for a video file with sound;
several files, a folder or a glob with `--output-dir` (one output set per video, shared between the processes of
`accelerate launch`, finished videos skipped on a rerun)."""

import glob
import os
import stat
import sys
from pathlib import Path

from avesformer_hf.inference.model_source import DEVICE_HELP

HELP = "segment the sounding objects of video files: overlay mp4 and/or mask PNGs"


def register(subparsers):
    parser = subparsers.add_parser("predict", help=HELP, description=HELP)
    parser.add_argument("clips", nargs="+", metavar="CLIP", help="video file(s) with an audio track, folders or glob patterns")
    parser.add_argument("--model", required=True, help="saved model folder or Hub id (model + processor files)")
    parser.add_argument("--out", type=Path, default=None, help="overlay video to write (default: CLIP_avesformer.mp4 here)")
    parser.add_argument("--masks-dir", type=Path, default=None, help="also write one mask PNG per frame here")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="for several videos: OUTPUT_DIR/NAME/{overlay.mp4,masks/,prediction.json} per video")
    parser.add_argument("--fps", type=float, default=1.0, help="output frames per second (each gets the 0.96 s of audio from it)")
    parser.add_argument("--start", type=float, default=0.0, help="start time in seconds")
    parser.add_argument("--duration", type=float, default=None, help="seconds to process (default: to the end)")
    parser.add_argument("--threshold", type=float, default=0.5, help="probability threshold of binary models")
    parser.add_argument("--chunk-seconds", type=float, default=5.0, help="seconds of frames per model call")
    parser.add_argument("--device", default="auto", help=f"{DEVICE_HELP} (accelerate launch: its own)")
    parser.set_defaults(func=run)


def check_single_outputs(clip: Path, out: Path | None, masks_dir: Path | None):
    """Refuse before any work what would destroy the input or mix old and new outputs."""
    from avesformer_hf.inference.predict import check_masks_dir

    if out is not None:
        same_file = out.exists() and clip.exists() and os.path.samefile(out, clip)
        if same_file or out.resolve() == clip.resolve():
            raise ValueError(f"--out {out} is the input video: choose another file name")
        if out.is_dir():
            raise ValueError(f"--out {out} is a folder: give a file name such as {out / 'overlay.mp4'}")
        if out.exists() and not (out.stat().st_mode & stat.S_IWUSR and os.access(out, os.W_OK)):
            raise PermissionError(f"--out {out} is read-only: choose another file or make it writable")
        folder = next((parent for parent in [out.parent, *out.parent.parents] if parent.exists()), Path("."))
        if not folder.is_dir():
            raise NotADirectoryError(f"--out {out}: {folder} is a file, not a folder")
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"--out {out}: the folder {folder} is not writable")
    if masks_dir is not None:
        check_masks_dir(masks_dir)


def run_single(args) -> int:
    from avesformer_hf.inference.predict import load_model, predict_clip, save_prediction

    clip = Path(args.clips[0])
    out = args.out
    if out is None and args.masks_dir is None:
        out = Path(f"{clip.stem}_avesformer.mp4")
    check_single_outputs(clip, out, args.masks_dir)
    model, processor = load_model(args.model, args.device)
    prediction = predict_clip(
        model, processor, clip, fps=args.fps, start=args.start, duration=args.duration,
        threshold=args.threshold, chunk_seconds=args.chunk_seconds,
    )
    written = save_prediction(prediction, video_path=out, masks_dir=args.masks_dir)
    coverage = sum(float((mask > 0).mean()) for mask in prediction.masks) / len(prediction.masks)
    print(f"{len(prediction.masks)} frames segmented, {coverage:.1%} of pixels marked on average")
    if out is not None:
        print(f"overlay video: {out}")
    if args.masks_dir is not None:
        print(f"mask PNGs: {args.masks_dir} ({len(written) - (out is not None)} files)")
    return 0


def run_many(args) -> int:
    from avesformer_hf.inference.batch import PredictOptions, predict_videos

    if args.output_dir is None:
        raise ValueError("several videos (or a folder / glob) need --output-dir: one output set per video goes there")
    if args.out is not None or args.masks_dir is not None:
        raise ValueError("--out and --masks-dir name the outputs of one video; with several use --output-dir")
    options = PredictOptions(fps=args.fps, start=args.start, duration=args.duration, threshold=args.threshold,
                             chunk_seconds=args.chunk_seconds)
    summary = predict_videos(args.model, args.clips, args.output_dir, options, device=args.device)
    print(f"{summary['done']} videos predicted, {summary['skipped']} already done, {len(summary['failed'])} failed"
          f" -> {args.output_dir}")
    return 1 if summary["failed"] else 0


def run(args) -> int:
    from avesformer_hf.inference.model_source import resolve_device
    from avesformer_hf.pipeline_avesformer import check_options

    source = args.clips[0]
    single = len(args.clips) == 1 and args.output_dir is None and not glob.has_magic(source) and not Path(source).is_dir()
    try:
        check_options("--", fps=args.fps, start=args.start, duration=args.duration, threshold=args.threshold,
                      chunk_seconds=args.chunk_seconds)
        resolve_device(args.device, "--device")
        return run_single(args) if single else run_many(args)
    except (ValueError, OSError) as error:
        if os.environ.get("AVESFORMER_DEBUG") == "1":
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
