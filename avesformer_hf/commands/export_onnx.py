"""`avesformer export-onnx MODEL OUT.onnx`: frames + audio embeddings -> logits, checked against PyTorch."""

import sys
from pathlib import Path

HELP = "export the inference graph (pixel_values + audio_embeds -> logits) to ONNX and check it against PyTorch"


def register(subparsers):
    parser = subparsers.add_parser("export-onnx", help=HELP, description=HELP)
    parser.add_argument("model", help="saved model folder or Hub id")
    parser.add_argument("output", type=Path, help="the .onnx file to write")
    parser.add_argument("--frames", type=int, default=1, help="frames per clip T fixed in the graph (1 for streaming)")
    parser.add_argument("--size", type=int, default=224, help="frame height and width fixed in the graph")
    parser.add_argument("--atol", type=float, default=1e-4, help="largest accepted |ONNX - PyTorch| logit difference")
    parser.add_argument("--no-check", action="store_true", help="skip the onnxruntime parity check")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf import AVESFormerModel
    from avesformer_hf.inference.export import check_parity, export_onnx
    from avesformer_hf.inference.model_source import resolve_model_source

    try:
        model = AVESFormerModel.from_pretrained(resolve_model_source(args.model, flag="MODEL"))
        path = export_onnx(model, args.output, frames=args.frames, size=args.size)
        print(f"wrote {path}")
        if not args.no_check:
            difference = check_parity(model, path, frames=args.frames, size=args.size, atol=args.atol)
            print(f"onnxruntime matches PyTorch: max |difference| {difference:.2e} <= {args.atol:.0e}")
    except (OSError, ValueError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
