"""Stop a run whose numbers stopped being finite, before a bad step is applied or bad weights are saved."""

import math

import torch

from .errors import TrainingDivergedError

HINT = "lower --learning-rate, set --max-grad-norm, or check the data for NaN or inf"


def gradient_norm(model, max_grad_norm: float, accelerator) -> float:
    """The total gradient norm (clipped to `max_grad_norm` when > 0); gradients are synchronised, so every
    process gets the same number."""
    if max_grad_norm > 0:
        return float(accelerator.clip_grad_norm_(model.parameters(), max_grad_norm))
    gradients = [p.grad for p in model.parameters() if p.grad is not None]
    return float(torch.nn.utils.get_total_norm(gradients)) if gradients else 0.0


def check_step(loss: float, grad_norm: float, step: int) -> None:
    """Decides on the gradient norm, which is the same on every process (a local non-finite loss makes it
    non-finite everywhere), so all processes stop together."""
    if not math.isfinite(grad_norm):
        raise TrainingDivergedError(
            f"training diverged at step {step}: loss {loss}, gradient norm {grad_norm}; the step was not applied "
            f"and nothing more was saved ({HINT})"
        )


def check_weights(model, step: int, what: str) -> None:
    """Raises before `what` is saved when any weight is NaN or inf."""
    bad = [name for name, p in model.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad:
        raise TrainingDivergedError(
            f"training diverged by step {step}: {len(bad)} weight tensors are not finite (first: {bad[0]}); "
            f"{what} was not saved ({HINT})"
        )


def check_scores(scores: dict, step: int) -> None:
    bad = {k: v for k, v in scores.items() if not math.isfinite(v)}
    if bad:
        raise TrainingDivergedError(
            f"training diverged by step {step}: validation gave {bad}; nothing was saved as the best model ({HINT})"
        )


def check_logged_loss(mean_loss: float, step: int) -> None:
    """The mean loss over processes (the same on each), checked where it is logged."""
    if not math.isfinite(mean_loss):
        raise TrainingDivergedError(f"training diverged by step {step}: the mean training loss is {mean_loss} ({HINT})")
