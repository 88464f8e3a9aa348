"""`avesformer info`: library versions and the parameter table of the variants in hub_configs/."""

from pathlib import Path

from avesformer_hf.environment import library_versions

HELP = "show versions and the parameter counts of the published variants"


def register(subparsers):
    parser = subparsers.add_parser("info", help=HELP, description=HELP)
    parser.add_argument("--hub-configs", type=Path, default=None, help="folder of variant configs (default: the repo's)")
    parser.add_argument("--table-only", action="store_true", help="print only the Markdown parameter table")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.model_summary import DEFAULT_HUB_CONFIGS, variant_table_markdown

    if not args.table_only:
        for name, version in library_versions().items():
            print(f"{name:16s} {version}")
        print()
    print(variant_table_markdown(args.hub_configs or DEFAULT_HUB_CONFIGS))
    return 0
