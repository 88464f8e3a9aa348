"""Thin entry point: `python scripts/benchmark.py [options]` is `avesformer benchmark [options]`."""

import sys

from avesformer_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", *sys.argv[1:]]))
