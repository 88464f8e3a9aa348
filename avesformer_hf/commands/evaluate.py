"""`avesformer evaluate`: AVSBench metrics of a saved model on one split (M_J / M_F, AVSS: mIoU / F)."""

import json
import sys
from pathlib import Path

from avesformer_hf.avsbench import SUBSETS

HELP = "evaluate a saved model on an AVSBench split (M_J / M_F; AVSS: mIoU / F) and write them as JSON"


def register(subparsers):
    parser = subparsers.add_parser("evaluate", help=HELP, description=HELP)
    parser.add_argument("--model", required=True, help="saved model folder (model + processor) or Hub repo id")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-root", help="AVSBench root, SynthAVS root or a folder of your own videos")
    source.add_argument("--dataset-name", help="a Hub dataset id or a folder written by scripts/push_avsbench.py --local-dir")
    parser.add_argument("--dataset-config", help="config of --dataset-name (default: --subset)")
    parser.add_argument("--subset", default="s4", choices=SUBSETS)
    parser.add_argument("--mask-threshold", type=int, metavar="T", help="binarise masks as values >= T (default: only 0/255, 0/1)")
    parser.add_argument("--fps", type=float, default=1.0, help="frames sampled per second of your own videos")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--batch-size", type=int, default=1, help="clips per batch (the benchmark's test uses 1)")
    parser.add_argument(
        "--f-score-mode", choices=("dataset", "per_batch"), default="dataset",
        help="per_batch: average per batch of --batch-size clips, as the benchmark code does",
    )
    parser.add_argument(
        "--swap-audio", action="store_true",
        help="give every clip the audio of another clip with a different category (S4): a listening check",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --swap-audio's choice of clips")
    parser.add_argument("--output", type=Path, help="JSON file for the results (default: print only)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.training.evaluate_saved import evaluate_saved_model

    try:
        results = evaluate_saved_model(
            args.model, args.data_root, subset=args.subset, split=args.split, batch_size=args.batch_size,
            f_score_mode=args.f_score_mode, swap_audio=args.swap_audio, seed=args.seed,
            dataset_name=args.dataset_name, dataset_config=args.dataset_config, fps=args.fps,
            mask_threshold=args.mask_threshold,
        )
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(" ".join(f"{key} {value:.4f}" for key, value in results["metrics"].items()))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")
        print(f"written to {args.output}")
    return 0
