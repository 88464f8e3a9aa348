"""`avesformer benchmark`: speed of the model's settings, the live path and the audio encoders, and its report."""

from ..lazy_exports import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__, {"BenchmarkOptions": "options", "run_benchmark": "run", "to_markdown": "report"}
)
