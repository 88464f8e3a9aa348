import os

import pytest

# Nothing in the suite may reach the Hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="module")
def training_setup(tmp_path_factory):
    """The training tests' data and model: 12 SynthAVS S4 clips at 32 px in `synthavs/` (8 for training, so an
    epoch of batch 2 is 4 steps) and a tiny binary 5-frame config in `config/`."""
    from avesformer_hf.data import generate_synthavs
    from helpers import tiny_avesformer_config

    root = tmp_path_factory.mktemp("training")
    generate_synthavs(root / "synthavs", layout="s4", num_clips=12, image_size=32, num_classes=3, seed=0)
    tiny_avesformer_config(num_frames=5).save_pretrained(root / "config")
    return root
