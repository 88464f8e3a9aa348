"""Frames without labels (S4 train frames 2-5, AVSS padding) never contribute to the training loss."""

import torch

from avesformer_hf import AVESFormerModel
from avesformer_hf.training.frames import select_labelled_frames
from helpers import random_inputs, random_labels, tiny_avesformer_config


def clip_batch(config, labels_mask):
    batch, frames = labels_mask.shape
    inputs = random_inputs(config, batch=batch, frames=frames, size=32)
    inputs["labels"] = random_labels(config, batch, frames, 32)
    inputs["labels_mask"] = labels_mask
    inputs["names"] = ["a", "b"]  # collated extras the model does not take are dropped
    return inputs


def loss_and_gradients(model, inputs):
    model.zero_grad()
    loss = model(**inputs).loss
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_only_labelled_frames_are_selected():
    config = tiny_avesformer_config(num_frames=5)
    mask = torch.tensor([[True, False, False, False, False], [False, False, True, False, True]])
    inputs = clip_batch(config, mask)
    selected = select_labelled_frames(inputs)
    assert set(selected) == {"pixel_values", "input_features", "labels", "labels_mask"}
    assert selected["pixel_values"].shape == (3, 1, 3, 32, 32)
    assert torch.equal(selected["pixel_values"][:, 0], inputs["pixel_values"][[0, 1, 1], [0, 2, 4]])
    assert torch.equal(selected["labels"][:, 0], inputs["labels"][[0, 1, 1], [0, 2, 4]])
    assert selected["labels_mask"].all()


def test_selected_frames_give_the_full_batch_loss_and_gradients_and_ignore_the_others():
    torch.manual_seed(0)
    config = tiny_avesformer_config(num_frames=5, dropout=0.0)
    model = AVESFormerModel(config).train()
    mask = torch.tensor([[True, False, False, False, False], [True, False, False, True, False]])
    inputs = clip_batch(config, mask)
    full_loss, full_grads = loss_and_gradients(model, {k: v for k, v in inputs.items() if k != "names"})
    selected_loss, selected_grads = loss_and_gradients(model, select_labelled_frames(inputs))
    torch.testing.assert_close(selected_loss, full_loss)
    assert full_grads.keys() == selected_grads.keys()
    for name in full_grads:
        torch.testing.assert_close(selected_grads[name], full_grads[name], atol=1e-6, rtol=1e-4)

    # whatever the unlabelled frames hold, the training batch and its loss are the same
    changed = dict(inputs)
    unlabelled = ~mask
    changed["pixel_values"] = inputs["pixel_values"].clone()
    changed["pixel_values"][unlabelled] = 100.0
    changed["labels"] = inputs["labels"].clone()
    changed["labels"][unlabelled] = 1 - changed["labels"][unlabelled]
    changed_loss, _ = loss_and_gradients(model, select_labelled_frames(changed))
    torch.testing.assert_close(changed_loss, selected_loss)


def test_a_batch_without_labelled_frames_still_runs_backward_with_zero_loss():
    torch.manual_seed(0)
    config = tiny_avesformer_config(num_frames=5, dropout=0.0)
    model = AVESFormerModel(config).train()
    inputs = clip_batch(config, torch.zeros(2, 5, dtype=torch.bool))
    selected = select_labelled_frames(inputs)
    assert selected["pixel_values"].shape[:2] == (1, 1) and not selected["labels_mask"].any()
    loss, gradients = loss_and_gradients(model, selected)
    assert loss.item() == 0.0
    assert all(torch.count_nonzero(g) == 0 for g in gradients.values())
