"""AVSBench on `datasets` (S4, MS3, AVSS), your own videos, Hub / Parquet datasets, the SynthAVS generator
and the model-input collator.

Names load lazily, so `python -m avesformer_hf.data.synthetic` does not import `datasets`.
"""

from ..lazy_exports import lazy_exports

_EXPORTS = {
    "load_avsbench": "avsbench",
    "AVSBenchLayoutError": "avsbench",
    "decode_mask": "avsbench",
    "read_audio": "avsbench",
    "load_own_videos": "own_videos",
    "load_hub_dataset": "hub",
    "load_clips": "sources",
    "data_root_layout": "sources",
    "AVSBenchCollator": "collate",
    "default_processor": "collate",
    "save_parquet": "publish",
    "push_avsbench": "publish",
    "generate_synthavs": "synthetic",
    "S4_CATEGORIES": "categories",
    "AVSS_SUBSET_LABELS": "categories",
}


__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
