"""notebooks/quickstart.ipynb runs top to bottom (offline) against a tiny saved model and shows the masks; it is
committed with its outputs (the plot), so a GitHub or Hub preview shows them."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from avesformer_hf.demo.examples import ensure_example_clips
from helpers import save_tiny_model

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"


def images(notebook) -> list:
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    return [output for output in outputs if output.output_type == "display_data" and "image/png" in output.data]


def test_the_committed_notebook_holds_its_plot():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert len(images(notebook)) == 1, "commit the notebook executed (with its outputs)"
    assert not any(output.output_type == "error" for cell in notebook.cells for output in cell.get("outputs", []))


def test_quickstart_notebook_executes_and_plots_the_masks(tmp_path, monkeypatch):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # the committed outputs must not count
    monkeypatch.setenv("AVESFORMER_MODEL", save_tiny_model(tmp_path / "model"))
    monkeypatch.setenv("AVESFORMER_CLIP", str(ensure_example_clips(tmp_path / "clips", num_clips=1)[0]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert "predicted masks: 5 frames of 128x128 px" in text
    assert len(images(notebook)) == 1
