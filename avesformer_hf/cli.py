"""The `avesformer` command. Each subcommand lives in `avesformer_hf/commands/<name>.py` and exposes
`register(subparsers)`; modules are imported only when needed so `avesformer --help` stays fast."""

import argparse
import importlib
import sys

# name -> module; each module defines `HELP` (one line) and `register(subparsers)`.
COMMANDS = {
    "info": "avesformer_hf.commands.info",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="avesformer", description="AVESFormer audio-visual segmentation")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((arg for arg in (argv or []) if not arg.startswith("-")), None)
    for name, module_name in COMMANDS.items():
        if wanted in COMMANDS and name != wanted:
            # Only the chosen command's module is imported; the others get a placeholder entry.
            subparsers.add_parser(name)
            continue
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
