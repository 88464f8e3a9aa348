"""`avesformer push-space --repo-id ORG/NAME --model ORG/MODEL`: create or update the Gradio Space."""

from pathlib import Path

HELP = "create or update the Gradio Space demo (spaces_demo/) wired to a Hub model"


def register(subparsers):
    parser = subparsers.add_parser("push-space", help=HELP, description=HELP)
    parser.add_argument("--repo-id", required=True, help="Hub Space repository, ORG/NAME")
    parser.add_argument("--model", required=True, help="Hub model id the Space serves, ORG/MODEL")
    parser.add_argument("--space-dir", type=Path, default=None, help="folder with app.py (default: spaces_demo/)")
    parser.add_argument("--package", default=None,
                        help='pip requirement for avesformer-hf (e.g. "avesformer-hf @ git+https://..."); '
                             "default: upload the package sources next to app.py")
    parser.add_argument("--no-examples", action="store_true", help="do not generate and upload example clips")
    parser.add_argument("--private", action="store_true", help="create the Space as private")
    parser.add_argument("--token", default=None, help="Hub token (default: the logged-in one)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.hub import push_space
    from avesformer_hf.hub.space import SPACE_DIR

    space_dir = args.space_dir or SPACE_DIR
    if not args.no_examples:
        from avesformer_hf.demo.examples import ensure_example_clips

        ensure_example_clips(space_dir / "examples")
    commit = push_space(
        args.repo_id, args.model, space_dir=space_dir, package=args.package, private=args.private or None,
        token=args.token,
    )
    print(f"pushed the Space {args.repo_id} (model {args.model}) to {getattr(commit, 'commit_url', args.repo_id)}")
    return 0
