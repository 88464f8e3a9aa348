"""`avesformer train`: the Accelerate fine-tuning loop in this process (for several processes or GPUs use
`accelerate launch scripts/train.py` with the same options). Its flags are the fields of
`AVESFormerTrainingArguments`, parsed by `HfArgumentParser` only when the command runs, so `avesformer --help`
does not import transformers."""

HELP = "fine-tune AVESFormer on AVSBench, your own videos, a Hub dataset or SynthAVS (see scripts/train.py for accelerate launch)"


def register(subparsers):
    parser = subparsers.add_parser("train", help=HELP, description=HELP, add_help=False)
    parser.set_defaults(func=run, forwards_arguments=True)


def run(args, arguments: list[str]) -> int:
    from avesformer_hf.training.entry import main

    return main(arguments, prog="avesformer train")
