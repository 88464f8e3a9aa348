import os

import pytest
from huggingface_hub import HfApi

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


class HubRecorder:
    """Stands in for the Hub: records create_repo / create_commit and the bytes of every file sent."""

    def __init__(self):
        self.repos, self.commits = [], []

    def create_repo(self, api, repo_id, **kwargs):
        self.repos.append((repo_id, kwargs))
        return f"https://huggingface.co/{repo_id}"

    def create_commit(self, api, repo_id, operations, **kwargs):
        sent = {}
        for operation in operations:
            source = operation.path_or_fileobj
            sent[operation.path_in_repo] = source if isinstance(source, bytes) else open(source, "rb").read()
        self.commits.append((repo_id, sent, kwargs))
        return None

    @property
    def files(self) -> dict[str, bytes]:
        assert len(self.commits) == 1, f"expected one commit, got {len(self.commits)}"
        return self.commits[0][1]


@pytest.fixture
def hub(monkeypatch):
    recorder = HubRecorder()
    monkeypatch.setattr(HfApi, "create_repo", lambda api, repo_id, **kw: recorder.create_repo(api, repo_id, **kw))
    monkeypatch.setattr(HfApi, "create_commit",
                        lambda api, repo_id, operations, **kw: recorder.create_commit(api, repo_id, operations, **kw))
    return recorder


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory):
    """A 3-s test video (4 fps, colour and tone per second)."""
    from synthetic_video import write_test_video

    return write_test_video(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=3, fps=4)


@pytest.fixture(scope="module")
def binary_model(tmp_path_factory):
    """A saved tiny binary model + processor."""
    from helpers import save_tiny_model

    return save_tiny_model(tmp_path_factory.mktemp("binary"), num_labels=1)
