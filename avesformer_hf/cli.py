"""The `avesformer` command. Each subcommand lives in `avesformer_hf/commands/<name>.py` and exposes
`register(subparsers)`. Command modules import their heavy dependencies (torch models, gradio, datasets)
inside `run`, so building the parser stays fast."""

import argparse
import importlib
import sys

from . import __version__

# name -> module; each module defines `HELP` (one line) and `register(subparsers)`.
COMMANDS = {
    "info": "avesformer_hf.commands.info",
    "convert": "avesformer_hf.commands.convert",
    "predict": "avesformer_hf.commands.predict",
    "train": "avesformer_hf.commands.train",
    "evaluate": "avesformer_hf.commands.evaluate",
    "push": "avesformer_hf.commands.push",
    "push-space": "avesformer_hf.commands.push_space",
    "demo": "avesformer_hf.commands.demo",
    "benchmark": "avesformer_hf.commands.benchmark",
    "export-onnx": "avesformer_hf.commands.export_onnx",
    "distill-audio": "avesformer_hf.commands.distill_audio",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="avesformer", description="AVESFormer audio-visual segmentation")
    parser.add_argument("--version", action="version", version=f"avesformer-hf {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    # A command that forwards its arguments (train: to HfArgumentParser) gets the ones argparse left over.
    args, extra = parser.parse_known_args(argv)
    forwards = getattr(args, "forwards_arguments", False)
    if extra and not forwards:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if forwards:  # the trainer sets torch up itself, after parsing (so its --help stays light)
        return int(args.func(args, extra) or 0)
    import torch

    # Trained weights can produce denormal activations, which are 20-50x slower on CPUs.
    torch.set_flush_denormal(True)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
