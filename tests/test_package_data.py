"""What an installed (non-editable) package carries: the commands that read the variant table and the Space
template must work without a source checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

from avesformer_hf.hub.space import SPACE_FILES, package_sources
from avesformer_hf.model_summary import DEFAULT_HUB_CONFIGS, hub_variants

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_variant_configs_and_the_space_template(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("avesformer_hf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for variant in hub_variants(REPO / "hub_configs"):
        assert f"avesformer_hf/hub_configs/{variant}/config.json" in names
        assert f"avesformer_hf/hub_configs/{variant}/processor_config.json" in names
    for name in SPACE_FILES:
        assert f"avesformer_hf/spaces_demo/{name}" in names


def test_the_package_reads_its_data_from_inside_itself():
    package = REPO / "avesformer_hf"
    assert DEFAULT_HUB_CONFIGS.parent == package
    assert set(hub_variants(DEFAULT_HUB_CONFIGS)) == set(hub_variants(REPO / "hub_configs"))


def test_the_space_upload_sends_package_sources_once_and_no_linked_data():
    paths = [path_in_repo for path_in_repo, _ in package_sources()]
    assert len(paths) == len(set(paths))
    assert "avesformer_hf/modeling_avesformer.py" in paths
    assert not any(path.startswith(("avesformer_hf/spaces_demo/", "avesformer_hf/hub_configs/")) for path in paths)
