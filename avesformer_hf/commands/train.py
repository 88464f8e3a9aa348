"""`avesformer train`: the Accelerate fine-tuning loop in this process (for several processes or GPUs use
`accelerate launch scripts/train.py` with the same options)."""

HELP = "fine-tune AVESFormer on AVSBench or SynthAVS (single process; see scripts/train.py for accelerate launch)"


def register(subparsers):
    from avesformer_hf.training.arguments import build_parser

    trainer = build_parser(add_help=False)
    parser = subparsers.add_parser(
        "train", help=HELP, description=HELP, parents=[trainer], formatter_class=trainer.formatter_class
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.training.entry import exit_distributed_run, run_from_namespace

    code = run_from_namespace(args)
    exit_distributed_run(code)
    return code
