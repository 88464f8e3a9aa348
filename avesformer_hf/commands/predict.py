"""`avesformer predict CLIP --model DIR_OR_REPO`: overlay video and mask PNGs for a video file with sound."""

import sys
from pathlib import Path

HELP = "segment the sounding objects of a video file: overlay mp4 and/or mask PNGs"


def register(subparsers):
    parser = subparsers.add_parser("predict", help=HELP, description=HELP)
    parser.add_argument("clip", type=Path, help="video file with an audio track")
    parser.add_argument("--model", required=True, help="saved model folder or Hub id (model + processor files)")
    parser.add_argument("--out", type=Path, default=None, help="overlay video to write (default: CLIP_avesformer.mp4 here)")
    parser.add_argument("--masks-dir", type=Path, default=None, help="also write one mask PNG per frame here")
    parser.add_argument("--fps", type=float, default=1.0, help="output frames per second (each gets the 0.96 s of audio from it)")
    parser.add_argument("--start", type=float, default=0.0, help="start time in seconds")
    parser.add_argument("--duration", type=float, default=None, help="seconds to process (default: to the end)")
    parser.add_argument("--threshold", type=float, default=0.5, help="probability threshold of binary models")
    parser.add_argument("--chunk-seconds", type=float, default=5.0, help="seconds of frames per model call")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    parser.set_defaults(func=run)


def load_processor(model_source):
    from transformers import AutoProcessor

    from avesformer_hf import AudioVisualProcessor

    try:
        return AutoProcessor.from_pretrained(model_source)
    except (OSError, ValueError):
        print(f"note: no processor saved with {model_source}; using the AVSBench defaults (224x224)", file=sys.stderr)
        return AudioVisualProcessor()


def run(args) -> int:
    from avesformer_hf import AVESFormerModel
    from avesformer_hf.inference import predict_clip, save_prediction

    out = args.out
    if out is None and args.masks_dir is None:
        out = Path(f"{args.clip.stem}_avesformer.mp4")
    try:
        model = AVESFormerModel.from_pretrained(args.model).to(args.device)
        processor = load_processor(args.model)
        if args.fps > 1:  # several frames per 0.96 s audio hop: the streaming path runs VGGish once per hop
            from avesformer_hf.streaming import predict_clip_streaming

            prediction = predict_clip_streaming(
                model, processor, args.clip, fps=args.fps, start=args.start, duration=args.duration,
                threshold=args.threshold,
            )
        else:
            prediction = predict_clip(
                model, processor, args.clip, fps=args.fps, start=args.start, duration=args.duration,
                threshold=args.threshold, chunk_seconds=args.chunk_seconds,
            )
        written = save_prediction(prediction, video_path=out, masks_dir=args.masks_dir)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    coverage = sum(float((mask > 0).mean()) for mask in prediction.masks) / len(prediction.masks)
    print(f"{len(prediction.masks)} frames segmented, {coverage:.1%} of pixels marked on average")
    if out is not None:
        print(f"overlay video: {out}")
    if args.masks_dir is not None:
        print(f"mask PNGs: {args.masks_dir} ({len(written) - (out is not None)} files)")
    return 0
