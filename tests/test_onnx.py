import numpy as np
import pytest
import torch

from avesformer_hf import AVESFormerModel
from avesformer_hf.cli import main
from avesformer_hf.inference.export import check_parity, export_onnx, onnx_logits

from helpers import tiny_avesformer_config

pytest.importorskip("onnxruntime", reason="the `export` extra (onnxruntime) is not installed")

TOLERANCE = 1e-4  # fp32 logits; observed differences are ~1e-7


@pytest.mark.parametrize("num_labels", [1, 71])
def test_onnx_logits_match_pytorch_at_another_batch_size(tmp_path, num_labels):
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_avesformer_config(num_labels=num_labels)).eval()
    path = export_onnx(model, tmp_path / "model.onnx", frames=2, size=64)
    difference = check_parity(model, path, batch=3, frames=2, size=64, atol=TOLERANCE)
    assert difference <= TOLERANCE
    # The exported graph needs no VGGish: audio embeddings are an input.
    pixel_values = np.zeros((1, 2, 3, 64, 64), np.float32)
    logits = onnx_logits(path, pixel_values, np.zeros((1, 2, 128), np.float32))
    assert logits.shape == (1, 2, num_labels, 16, 16)


def test_parity_check_catches_a_different_model(tmp_path):
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_avesformer_config()).eval()
    path = export_onnx(model, tmp_path / "model.onnx", frames=1, size=32)
    with torch.no_grad():
        model.mask_head.classifier.bias += 1.0
    with pytest.raises(ValueError, match="differ from PyTorch"):
        check_parity(model, path, frames=1, size=32)


def test_export_command(tmp_path, capsys):
    torch.manual_seed(0)
    AVESFormerModel(tiny_avesformer_config()).save_pretrained(tmp_path / "model")
    out = tmp_path / "out" / "model.onnx"
    assert main(["export-onnx", str(tmp_path / "model"), str(out), "--size", "32"]) == 0
    assert out.is_file() and "onnxruntime matches PyTorch" in capsys.readouterr().out
    assert main(["export-onnx", str(tmp_path / "missing"), str(out)]) == 1
