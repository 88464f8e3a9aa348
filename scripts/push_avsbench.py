"""Publish an AVSBench subset (or a folder of your own videos) as a Parquet dataset with a card.

    python scripts/push_avsbench.py AVSBench --subset s4 --repo-id you/avsbench           # to the Hub
    python scripts/push_avsbench.py AVSBench --subset s4 --local-dir avsbench-parquet     # a local folder

Then `datasets.load_dataset("you/avsbench", "s4")` (or the folder) gives the rows back, and
`scripts/train.py --dataset-name you/avsbench --dataset-config s4` trains on them.
"""

import argparse
import sys

from avesformer_hf.data.publish import push_avsbench, save_parquet
from avesformer_hf.data.sources import load_clips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", help="folder holding Single-source/, Multi-sources/ and AVSS/ (or one of them), or your own videos")
    parser.add_argument("--subset", choices=["s4", "ms3", "avss"], required=True)
    destination = parser.add_mutually_exclusive_group(required=True)
    destination.add_argument("--repo-id", help="Hub dataset repo to push to (the subset becomes its config)")
    destination.add_argument("--local-dir", help="write the Parquet files and README.md here instead")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--num-frames", type=int, default=5, help="frames per 5-s clip (AVSBench: 5)")
    parser.add_argument("--mask-threshold", type=int, metavar="T", help="binarise masks as values >= T (default: only 0/255, 0/1)")
    parser.add_argument("--fps", type=float, default=1.0, help="frames sampled per second of your own videos")
    args = parser.parse_args(argv)
    options = dict(num_frames=args.num_frames, mask_threshold=args.mask_threshold, fps=args.fps)
    try:
        if args.local_dir:
            dataset = load_clips(args.subset, data_root=args.root, **options)
            print(f"wrote {save_parquet(dataset, args.local_dir, args.subset)}")
        else:
            print(f"pushed {push_avsbench(args.root, args.subset, args.repo_id, private=args.private, **options)}")
    except ValueError as error:  # a layout or mask error names the file at fault
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
