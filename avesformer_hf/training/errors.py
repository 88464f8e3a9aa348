"""The errors a run reports to its user in one line (the command-line entry prints them without a traceback)."""


class TrainingConfigurationError(ValueError):
    """Raised before training when the arguments, data, model or checkpoint do not fit together."""


class CheckpointError(TrainingConfigurationError):
    """A checkpoint folder that is missing, incomplete, damaged or unsafe to load."""


class TrainingDivergedError(RuntimeError):
    """The loss, gradients or weights stopped being finite; nothing more is saved."""
