"""`avesformer push MODEL_DIR --repo-id ORG/NAME`: model, processor, remote code and card in one commit
(`--local-dir DIR`: write exactly those files into DIR instead, without the network)."""

import sys
from pathlib import Path

from avesformer_hf.avsbench import SUBSETS

HELP = "push a saved model folder (model + processor + remote code + model card) to the Hub"


def register(subparsers):
    parser = subparsers.add_parser("push", help=HELP, description=HELP)
    parser.add_argument("model_dir", type=Path, help="folder written by save_pretrained (model and processor)")
    parser.add_argument("--repo-id", required=True, help="Hub model repository, ORG/NAME")
    parser.add_argument("--local-dir", type=Path, default=None,
                        help="write the files the push would upload (card included) into this new or empty folder "
                             "instead of pushing; no network")
    parser.add_argument("--metrics", type=Path, default=None,
                        help="metrics.json for the card's model-index (default: in MODEL_DIR or its parent)")
    parser.add_argument("--subset", choices=SUBSETS, default=None,
                        help="AVSBench subset the metrics refer to (default: from metrics.json)")
    parser.add_argument("--license", default="apache-2.0")
    parser.add_argument("--dataset", action="append", dest="datasets", default=None,
                        help="dataset named in the card metadata (repeatable; default AVSBench)")
    parser.add_argument("--weights-note", default=None, help="how the weights were produced, for the card")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--token", default=None, help="Hub token (default: the logged-in one)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.hub import push_model_folder, write_model_repo

    card_options = dict(metrics_file=args.metrics, subset=args.subset, license=args.license, datasets=args.datasets,
                        weights_note=args.weights_note)
    try:
        if args.local_dir is not None:
            written = write_model_repo(args.model_dir, args.repo_id, args.local_dir, **card_options)
            print(f"wrote {len(written)} files to {args.local_dir}, as a push to {args.repo_id} would upload them:")
            print("  " + " ".join(sorted(path.name for path in written)))
            return 0
        commit = push_model_folder(
            args.model_dir, args.repo_id, private=args.private or None, token=args.token, **card_options
        )
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"pushed {args.model_dir} to {getattr(commit, 'commit_url', args.repo_id)}")
    return 0
