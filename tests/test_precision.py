"""The inference dtype: `auto` picks bf16 only with AMX (CPU) or on CUDA, and bf16 masks agree with fp32."""

import copy

import pytest
import torch
import torch.nn.functional as F

from avesformer_hf import AVESFormerModel
from avesformer_hf.inference import precision
from avesformer_hf.data.avsbench import load_avsbench
from avesformer_hf.data.collate import AVSBenchCollator
from avesformer_hf.data.synthetic import generate_synthavs

from helpers import tiny_avesformer_config


def test_auto_follows_the_cpu_amx_flag_and_explicit_choices_win(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_amx_bf16", lambda: True)
    assert precision.resolve_dtype("auto", "cpu") == torch.bfloat16
    monkeypatch.setattr(precision, "cpu_has_amx_bf16", lambda: False)
    assert precision.resolve_dtype("auto", "cpu") == torch.float32
    assert precision.resolve_dtype("bf16", "cpu") == torch.bfloat16
    assert precision.resolve_dtype("fp16", "cpu") == torch.float16
    assert precision.resolve_dtype("fp32", "cuda") == torch.float32


@pytest.mark.parametrize("bf16_supported, expected", [(True, torch.bfloat16), (False, torch.float16)])
def test_auto_on_cuda_is_half_precision(monkeypatch, bf16_supported, expected):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16_supported)
    assert precision.resolve_dtype("auto", "cuda") == expected


def test_amx_needs_the_cpu_flag(monkeypatch, tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name\t: Some CPU\nflags\t\t: fpu sse avx2 amx_tile amx_bf16 amx_int8\n")
    assert {"amx_bf16", "avx2"} <= precision.cpu_flags(str(cpuinfo))
    cpuinfo.write_text("model name\t: Some CPU\nflags\t\t: fpu sse avx2\n")
    assert "amx_bf16" not in precision.cpu_flags(str(cpuinfo))
    assert precision.cpu_flags(str(tmp_path / "missing")) == set()


def test_bad_choice_names_the_setting():
    with pytest.raises(ValueError, match=r"dtype must be one of \['auto', 'fp32', 'bf16', 'fp16'\], got 'int8'"):
        precision.resolve_dtype("int8")


def fit_mask_classifier(model: AVESFormerModel, batch) -> AVESFormerModel:
    """Train the tiny model's last layer (the 1x1 mask classifier) on the labelled frames of `batch`, on top of its
    frozen random features: a small trained model whose masks are decisions, where a random model's logits all sit
    near 0 and any rounding flips them. Training the whole model is too slow for a test on two shared cores."""
    features = {}
    hook = model.mask_head.register_forward_hook(lambda module, args, output: features.update(maps=output[1]))
    with torch.no_grad():
        model(pixel_values=batch["pixel_values"], input_features=batch["input_features"])
    hook.remove()
    maps = features["maps"][batch["labels_mask"].flatten()]  # [M, D, h, w], labelled frames only
    labels = batch["labels"].flatten(0, 1)[batch["labels_mask"].flatten()][:, None]  # [M, 1, H, W]
    targets = F.interpolate(labels, size=maps.shape[-2:], mode="area").flatten() > 0.5
    pixels = maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1])  # [M * h * w, D]
    classifier = torch.nn.Linear(pixels.shape[1], 1)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=0.1)
    for _ in range(300):
        loss = F.binary_cross_entropy_with_logits(classifier(pixels)[:, 0], targets.float(), pos_weight=torch.tensor(3.0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        model.mask_head.classifier.weight.copy_(classifier.weight[:, :, None, None])
        model.mask_head.classifier.bias.copy_(classifier.bias)
    return model


def test_bf16_masks_agree_with_fp32_on_a_synthavs_test_split(tmp_path):
    """Runs on any CPU: without AMX bf16 is emulated (slow), the numbers are the same."""
    root = generate_synthavs(tmp_path, layout="s4", num_clips=14, image_size=64, num_classes=4, seed=11)
    splits = load_avsbench(root, "s4", splits=["train", "test"], cache_dir=str(tmp_path / "cache"))
    collator = AVSBenchCollator("s4", image_size=64)
    torch.manual_seed(0)
    model = fit_mask_classifier(AVESFormerModel(tiny_avesformer_config(num_frames=5)).eval(), collator(list(splits["train"])))
    test_split = splits["test"]
    batch = collator(list(test_split))
    bf16_model, name = precision.prepare_for_inference(copy.deepcopy(model), "bf16")
    assert name == "bf16" and next(bf16_model.parameters()).dtype == torch.bfloat16
    inputs = {key: batch[key] for key in ("pixel_values", "input_features")}
    with torch.inference_mode():
        fp32_masks = model(**inputs).logits > 0
        bf16_masks = bf16_model(**{key: value.bfloat16() for key, value in inputs.items()}).logits.float() > 0
    assert len(test_split) >= 2 and fp32_masks.any() and not fp32_masks.all()
    intersection = (fp32_masks & bf16_masks).sum().item()
    union = (fp32_masks | bf16_masks).sum().item()
    assert intersection / union >= 0.99
