"""ONNX export of the inference graph: frames + audio embeddings in, logits out (VGGish stays outside, as in the
streaming path where it runs once per 0.96 s hop), and a parity check against PyTorch with onnxruntime."""

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

INPUT_NAMES = ["pixel_values", "audio_embeds"]
OUTPUT_NAMES = ["logits"]
DEFAULT_OPSET = 18


class AVESFormerLogits(nn.Module):
    """pixel_values [B, T, 3, H, W], audio_embeds [B, T, 128] -> logits [B, T, K, H / 4, W / 4]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values, audio_embeds):
        return self.model(pixel_values=pixel_values, audio_embeds=audio_embeds, return_dict=True).logits


def example_inputs(config, batch: int = 1, frames: int = 1, size: int = 224, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return (
        torch.randn(batch, frames, 3, size, size, generator=generator),
        torch.randn(batch, frames, config.audio_embedding_size, generator=generator),
    )


def export_onnx(model, path, frames: int = 1, size: int = 224, opset: int = DEFAULT_OPSET) -> Path:
    """Write `path` (.onnx). The batch size is dynamic; T and the frame size are fixed at export (the backbone's
    reshapes are traced with them): export once per serving shape."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = AVESFormerLogits(model.eval().float().cpu())
    inputs = example_inputs(model.config, 1, frames, size)
    batch_axis = {0: "batch"}
    # The input checks' Python branches are traced as constants; that is intended (shapes are fixed per export).
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            wrapper, inputs, str(path), input_names=INPUT_NAMES, output_names=OUTPUT_NAMES, opset_version=opset,
            dynamic_axes={name: batch_axis for name in INPUT_NAMES + OUTPUT_NAMES}, dynamo=False,
        )
    return path


def onnx_logits(path, pixel_values: np.ndarray, audio_embeds: np.ndarray) -> np.ndarray:
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError("running the ONNX model needs onnxruntime: pip install 'avesformer-hf[export]'") from error
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"pixel_values": pixel_values.astype(np.float32), "audio_embeds": audio_embeds.astype(np.float32)}
    return session.run(OUTPUT_NAMES, feeds)[0]


def check_parity(model, path, batch: int = 2, frames: int = 1, size: int = 224, atol: float = 1e-4) -> float:
    """Max |ONNX - PyTorch| over the logits of random inputs; raises if it exceeds `atol`."""
    pixel_values, audio_embeds = example_inputs(model.config, batch, frames, size, seed=1)
    with torch.inference_mode():
        expected = AVESFormerLogits(model.eval())(pixel_values, audio_embeds).numpy()
    got = onnx_logits(path, pixel_values.numpy(), audio_embeds.numpy())
    if got.shape != expected.shape:
        raise ValueError(f"{path}: ONNX logits have shape {got.shape}, PyTorch {expected.shape}")
    difference = float(np.abs(got - expected).max())
    if difference > atol:
        raise ValueError(f"{path}: ONNX logits differ from PyTorch by up to {difference:.2e} (tolerance {atol:.0e})")
    return difference


__all__ = ["AVESFormerLogits", "export_onnx", "check_parity", "onnx_logits"]
