"""Command-line entry of the trainer, shared by `scripts/train.py` and `avesformer train`."""

import os
import sys

from .arguments import arguments_from_namespace, build_parser
from .errors import TrainingConfigurationError, TrainingDivergedError

DEBUG_VARIABLE = "AVESFORMER_DEBUG"


def run_from_namespace(namespace) -> int:
    """Trains. A user error is one line on stderr (the traceback only with AVESFORMER_DEBUG=1): a configuration
    error exits with status 2 before anything is written, a diverged run with status 1."""
    from .loop import train

    try:
        result = train(arguments_from_namespace(namespace))
    except (TrainingConfigurationError, TrainingDivergedError) as error:
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, TrainingConfigurationError) else 1
    if result.stopped_by_signal:
        from accelerate import PartialState

        if PartialState().is_main_process:
            print(f"Interrupted at step {result.global_step}; continue with --resume-from-checkpoint latest")
        return result.exit_code
    print_summary(result)
    return 0


def print_summary(result) -> None:
    from accelerate import PartialState

    from .loop import METRICS_FILE, MODEL_DIR
    from .tracking import LOG_FILE, PLOT_FILE

    if not PartialState().is_main_process:
        return
    out = result.output_dir
    lines = [f"Finished at step {result.global_step} (best val at step {result.metrics.get('best_step')})"]
    for split in ("val", "test"):
        if split in result.metrics:
            scores = ", ".join(f"{k} {v:.4f}" for k, v in result.metrics[split].items() if k != "loss")
            lines.append(f"  {split}: {scores}")
    lines += [
        f"  model + processor: {out / MODEL_DIR}",
        f"  metrics:           {out / METRICS_FILE}",
        f"  log / plot:        {out / LOG_FILE}, {out / PLOT_FILE}",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    code = run_from_namespace(build_parser(prog=prog).parse_args(argv))
    exit_distributed_run(code)
    return code


def exit_distributed_run(code: int) -> None:
    """Ends a process of a multi-process run at once (see `loop.finish`): nothing is left to save."""
    from accelerate import PartialState

    if PartialState._shared_state and PartialState().num_processes > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
