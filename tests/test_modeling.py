import pytest
import torch
from transformers import AutoModel

import avesformer_hf  # noqa: F401  (registers the Auto classes)
from avesformer_hf import AVESFormerModel

from helpers import random_inputs, random_labels, tiny_avesformer_config


def build(seed: int = 0, **config_overrides) -> AVESFormerModel:
    torch.manual_seed(seed)
    return AVESFormerModel(tiny_avesformer_config(**config_overrides))


@pytest.mark.parametrize("backbone", ["pvt_v2", "resnet"])
@pytest.mark.parametrize("num_labels", [1, 71])
def test_forward_backward_shapes(backbone, num_labels):
    model = build(num_labels=num_labels, backbone=backbone)
    inputs = random_inputs(model.config, batch=2, frames=2, size=64)
    labels = random_labels(model.config, 2, 2, 64)
    output = model(**inputs, labels=labels)
    assert output.logits.shape == (2, 2, num_labels, 16, 16)
    assert output.audio_embeds.shape == (2, 2, 128)
    assert output.loss.ndim == 0 and torch.isfinite(output.loss)
    output.loss.backward()


def test_frozen_vggish_gets_no_gradient_and_everything_else_does():
    model = build()
    inputs = random_inputs(model.config, batch=2, frames=2, size=64)
    model(**inputs, labels=random_labels(model.config, 2, 2, 64)).loss.backward()
    assert all(p.grad is None and not p.requires_grad for p in model.audio_backbone.parameters())
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(not n.startswith("audio_backbone.") for n in trainable)
    missing = [n for n, p in trainable.items() if p.grad is None]
    assert not missing, missing
    # Key biases of attention receive an exactly-zero gradient (softmax is shift invariant); all else moves.
    dead = [n for n, p in trainable.items() if p.grad.abs().sum() == 0 and not n.endswith("k_proj.bias")]
    assert not dead, dead


def test_unfrozen_vggish_is_trained():
    model = build(freeze_audio_backbone=False)
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    model(**inputs, labels=random_labels(model.config, 1, 2, 64)).loss.backward()
    assert all(p.grad is not None for p in model.audio_backbone.parameters())


@pytest.mark.parametrize("num_labels", [1, 71])
def test_loss_ignores_frames_without_a_label(num_labels):
    model = build(num_labels=num_labels).eval()
    inputs = random_inputs(model.config, batch=2, frames=2, size=64)
    labels = random_labels(model.config, 2, 2, 64)
    labels_mask = torch.tensor([[1, 0], [1, 0]])
    changed = labels.clone()
    changed[:, 1] = random_labels(model.config, 2, 1, 64, seed=7)[:, 0]
    with torch.no_grad():
        loss = model(**inputs, labels=labels, labels_mask=labels_mask).loss
        same = model(**inputs, labels=changed, labels_mask=labels_mask).loss
        everything = model(**inputs, labels=changed).loss
    assert torch.equal(loss, same)
    assert not torch.equal(loss, everything)


def test_no_labelled_frame_gives_a_zero_loss_that_backpropagates():
    model = build()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    output = model(**inputs, labels=random_labels(model.config, 1, 2, 64), labels_mask=torch.zeros(1, 2))
    assert output.loss.item() == 0.0
    output.loss.backward()


def test_save_and_reload_gives_bit_identical_logits(tmp_path):
    model = build(num_labels=71).eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    for loader in (AVESFormerModel, AutoModel):
        reloaded = loader.from_pretrained(tmp_path).eval()
        assert type(reloaded) is AVESFormerModel
        with torch.no_grad():
            assert torch.equal(model(**inputs).logits, reloaded(**inputs).logits)


def test_config_that_contradicts_the_weights_is_an_error(tmp_path):
    build().save_pretrained(tmp_path)
    # transformers refuses (and logs a report naming every mismatched tensor) rather than re-initialising.
    with pytest.raises(RuntimeError, match="ignore_mismatched_sizes"):
        AVESFormerModel.from_pretrained(tmp_path, d_model=32, num_norm_groups=4, num_attention_heads=2)


def test_one_prompt_added_to_audio_dissipates_attention():
    model = build(num_prompt_queries=1, prompt_fusion="add").eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with torch.no_grad():
        attentions = model(**inputs, output_attentions=True).attentions
    assert len(attentions) == model.config.decoder_stage_types.count("attn")
    for weights in attentions:
        assert weights.shape[-1] == 1
        assert torch.equal(weights, torch.ones_like(weights))


def test_sixteen_prompts_attend_differently_across_tokens():
    model = build(num_prompt_queries=16).eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with torch.no_grad():
        attentions = model(**inputs, output_attentions=True).attentions
    for weights in attentions:  # [B, T, heads, tokens, prompts]
        assert weights.shape[-1] == 16
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))
        # Every visual token gets its own distribution over the prompts (with one prompt the range is exactly 0).
        range_across_tokens = weights.amax(dim=3) - weights.amin(dim=3)
        assert (range_across_tokens > 1e-6).all()


def test_concat_fusion_adds_the_audio_token():
    model = build(num_prompt_queries=4, prompt_fusion="concat").eval()
    with torch.no_grad():
        attentions = model(**random_inputs(model.config, 1, 2, 64), output_attentions=True).attentions
    assert attentions[0].shape[-1] == 5


def test_all_attention_and_elf_decoders_both_run():
    elf = build(decoder_stage_types=["conv", "conv", "attn"]).eval()
    all_attn = build(decoder_stage_types=["attn", "attn", "attn"]).eval()
    interleaved = build(decoder_stage_types=["attn", "conv", "attn"]).eval()
    inputs = random_inputs(elf.config, batch=1, frames=2, size=64)
    with torch.no_grad():
        for model in (elf, all_attn, interleaved):
            assert model(**inputs).logits.shape == (1, 2, 1, 16, 16)
    conv_params = sum(p.numel() for n, p in elf.named_parameters() if n.startswith("decoder."))
    attn_params = sum(p.numel() for n, p in all_attn.named_parameters() if n.startswith("decoder."))
    assert conv_params != attn_params


@pytest.mark.parametrize("mask_head_conv", ["separable", "dense"])
def test_both_mask_head_convs_train(mask_head_conv):
    model = build(mask_head_conv=mask_head_conv)
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    output = model(**inputs, labels=random_labels(model.config, 1, 2, 64))
    output.loss.backward()
    assert output.logits.shape == (1, 2, 1, 16, 16)
    assert all(p.grad is not None for p in model.mask_head.fuse.parameters())


def test_any_size_divisible_by_32():
    model = build().eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    inputs["pixel_values"] = torch.randn(1, 2, 3, 64, 96)
    with torch.no_grad():
        assert model(**inputs).logits.shape == (1, 2, 1, 16, 24)


def test_audio_embeds_skip_vggish_with_the_same_result():
    model = build().eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with torch.no_grad():
        from_features = model(**inputs)
        from_embeds = model(pixel_values=inputs["pixel_values"], audio_embeds=model.embed_audio(inputs["input_features"]))
    torch.testing.assert_close(from_features.logits, from_embeds.logits)


def test_audio_mask_silences_padded_frames():
    model = build().eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with torch.no_grad():
        masked = model(**inputs, audio_mask=torch.tensor([[1, 0]])).logits
        silent = model(pixel_values=inputs["pixel_values"], audio_embeds=torch.zeros(1, 2, 128)).logits
        plain = model(**inputs).logits
    torch.testing.assert_close(masked[:, 1], silent[:, 1])
    torch.testing.assert_close(masked[:, 0], plain[:, 0])


def test_the_audio_changes_the_prediction():
    model = build().eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    other = dict(inputs, input_features=torch.randn_like(inputs["input_features"]) * 3)
    with torch.no_grad():
        assert not torch.allclose(model(**inputs).logits, model(**other).logits)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda x: dict(x, pixel_values=x["pixel_values"][0]), r"pixel_values.*\[B, T, 3, H, W\]"),
        (lambda x: dict(x, pixel_values=x["pixel_values"][..., :48, :]), "divisible by 32"),
        (lambda x: dict(x, pixel_values=x["pixel_values"][:, :, :1]), "3 channels"),
        (lambda x: dict(x, input_features=x["input_features"][:, :1]), r"input_features.*T=2"),
        (lambda x: dict(x, input_features=x["input_features"][0]), "input_features"),
        (lambda x: dict(x, audio_embeds=torch.zeros(1, 2, 128)), "exactly one"),
        (lambda x: {"pixel_values": x["pixel_values"], "audio_embeds": torch.zeros(1, 3, 128)}, "audio_embeds"),
        (lambda x: dict(x, labels_mask=torch.ones(1, 3)), "labels_mask"),
        (lambda x: dict(x, labels=torch.ones(1, 2, 64, 64, dtype=torch.long)), "float 0/1"),
        (lambda x: dict(x, labels=torch.ones(1, 3, 64, 64)), "labels"),
    ],
)
def test_bad_inputs_name_the_argument(change, message):
    model = build().eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with pytest.raises(ValueError, match=message):
        model(**change(inputs))


def test_semantic_labels_must_be_class_ids():
    model = build(num_labels=71).eval()
    inputs = random_inputs(model.config, batch=1, frames=2, size=64)
    with pytest.raises(ValueError, match="class ids"):
        model(**inputs, labels=torch.zeros(1, 2, 64, 64))
