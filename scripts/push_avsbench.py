"""Publish an AVSBench subset read from its distributed layout as a Parquet dataset with a card.

    python scripts/push_avsbench.py AVSBench --subset s4 --repo-id you/avsbench           # to the Hub
    python scripts/push_avsbench.py AVSBench --subset s4 --local-dir avsbench-parquet     # a local folder

Then `datasets.load_dataset("you/avsbench", "s4")` (or the folder) gives the rows back.
"""

import argparse
import sys

from avesformer_hf.data.avsbench import load_avsbench
from avesformer_hf.data.publish import push_avsbench, save_parquet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", help="folder holding Single-source/, Multi-sources/ and AVSS/ (or one of them)")
    parser.add_argument("--subset", choices=["s4", "ms3", "avss"], required=True)
    destination = parser.add_mutually_exclusive_group(required=True)
    destination.add_argument("--repo-id", help="Hub dataset repo to push to (the subset becomes its config)")
    destination.add_argument("--local-dir", help="write the Parquet files and README.md here instead")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--num-frames", type=int, default=5, help="frames per 5-s clip (AVSBench: 5)")
    args = parser.parse_args(argv)
    if args.local_dir:
        dataset = load_avsbench(args.root, args.subset, num_frames=args.num_frames)
        print(f"wrote {save_parquet(dataset, args.local_dir, args.subset)}")
    else:
        print(f"pushed {push_avsbench(args.root, args.subset, args.repo_id, private=args.private, num_frames=args.num_frames)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
