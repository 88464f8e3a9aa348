"""AVSBench on `datasets` (S4, MS3, AVSS), the SynthAVS generator and the model-input collator.

Names load lazily, so `python -m avesformer_hf.data.synthetic` does not import `datasets`.
"""

import importlib

_EXPORTS = {
    "load_avsbench": "avsbench",
    "AVSBenchLayoutError": "avsbench",
    "decode_mask": "avsbench",
    "read_audio": "avsbench",
    "AVSBenchCollator": "collate",
    "default_processor": "collate",
    "save_parquet": "publish",
    "push_avsbench": "publish",
    "generate_synthavs": "synthetic",
    "S4_CATEGORIES": "categories",
    "AVSS_SUBSET_LABELS": "categories",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
