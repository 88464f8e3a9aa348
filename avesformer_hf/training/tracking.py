"""What a user watches: a JSON-lines tracker for accelerate (always on) and the end-of-run plot."""

import json
import time
from pathlib import Path

from accelerate.tracking import GeneralTracker, on_main_process

LOG_FILE = "log.jsonl"
PLOT_FILE = "training_curves.png"


class JSONLinesTracker(GeneralTracker):
    """Appends one JSON object per `accelerator.log` call to `OUTPUT/log.jsonl`.

    When a run resumes at step S, records after S (the steps its previous life lost) are dropped, so the
    file always describes one consistent history.
    """

    name = "jsonl"
    requires_logging_directory = False
    main_process_only = True

    def __init__(self, output_dir, resume_step: int | None = None):
        super().__init__()
        self.path = Path(output_dir) / LOG_FILE
        self.resume_step = resume_step

    @on_main_process
    def start(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.resume_step is None:
            self.path.write_text("")
        elif self.path.exists():
            kept = [r for r in read_log(self.path) if r.get("step", 0) <= self.resume_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept))

    @property
    def tracker(self):
        return self.path

    @on_main_process
    def store_init_configuration(self, values: dict):
        (self.path.parent / "hparams.json").write_text(json.dumps(values, indent=2, sort_keys=True, default=str))

    @on_main_process
    def log(self, values: dict, step: int | None = None, **kwargs):
        record = {"step": step, "time": round(time.time(), 3), **values}
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")


def read_log(path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_history(log_path, plot_path) -> Path:
    """Training loss (left) and validation metrics (right) against the optimizer step, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_log(log_path)
    figure, (loss_axes, metric_axes) = plt.subplots(1, 2, figsize=(10, 4))
    train = [(r["step"], r["train/loss"]) for r in records if "train/loss" in r]
    if train:
        loss_axes.plot(*zip(*train), label="train loss")
    loss_axes.set(xlabel="optimizer step", ylabel="loss", title="training loss")
    metric_names = sorted({k for r in records for k in r if k.startswith("val/") and k != "val/loss"})
    for name in metric_names:
        points = [(r["step"], r[name]) for r in records if name in r]
        metric_axes.plot(*zip(*points), marker="o", label=name)
    metric_axes.set(xlabel="optimizer step", title="validation", ylim=(0, 1))
    for axes in (loss_axes, metric_axes):
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend()
    figure.tight_layout()
    plot_path = Path(plot_path)
    figure.savefig(plot_path, dpi=100)
    plt.close(figure)
    return plot_path
