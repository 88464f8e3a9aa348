"""notebooks/quickstart.ipynb runs top to bottom (offline) against a tiny saved model and shows the masks."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from avesformer_hf.example_clips import ensure_example_clips
from test_space import save_tiny_model

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_executes_and_plots_the_masks(tmp_path, monkeypatch):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "commit it without outputs"
    monkeypatch.setenv("AVESFORMER_MODEL", save_tiny_model(tmp_path / "model"))
    monkeypatch.setenv("AVESFORMER_CLIP", str(ensure_example_clips(tmp_path / "clips", num_clips=1)[0]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert "predicted masks: 5 frames of 128x128 px" in text
    images = [output for output in outputs if output.output_type == "display_data" and "image/png" in output.data]
    assert len(images) == 1
