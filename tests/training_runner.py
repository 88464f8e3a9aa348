"""Runs `avesformer_hf.training.train` in a subprocess for the training tests, optionally sending itself a
signal right after a given optimizer step (as a user's Ctrl-C, a scheduler's SIGTERM or an OOM kill would).

    python tests/training_runner.py '{"output_dir": ..., ...}' [STEP SIGNAL_NAME]
"""

import json
import os
import signal
import sys

from avesformer_hf.training import AVESFormerTrainingArguments, train


def main() -> int:
    args = AVESFormerTrainingArguments(**json.loads(sys.argv[1]))
    callbacks = []
    if len(sys.argv) > 2:
        step, signum = int(sys.argv[2]), getattr(signal, sys.argv[3])

        def send_signal(state):
            if state.global_step == step:
                os.kill(os.getpid(), signum)

        callbacks.append(send_signal)
    return train(args, step_callbacks=callbacks).exit_code


if __name__ == "__main__":
    sys.exit(main())
