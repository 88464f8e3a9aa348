"""AVSBench metrics against hand-computed cases, streaming, and the `evaluate` module."""

import math

import numpy as np
import pytest
import torch

from avesformer_hf.metrics import (
    EVALUATE_MODULE,
    BinarySegmentationMetric,
    SemanticSegmentationMetric,
    avs_metric,
    f_score_thresholds,
    frame_iou,
)


def logit(probability):
    probability = np.asarray(probability, dtype=np.float64)
    return np.log(probability / (1 - probability)).astype(np.float32)


def f_beta(precision, recall):
    return 1.3 * precision * recall / (0.3 * precision + recall)


def binary_scores(logits, labels, **kwargs):
    metric = BinarySegmentationMetric(**kwargs)
    metric.update(logits, labels)
    return metric.compute()


# 4x4 frame, object in the two left columns (8 pixels)
LEFT_HALF = np.zeros((4, 4), dtype=np.int64)
LEFT_HALF[:, :2] = 1
# single 1x4 frames [N=1, H=1, W=4] for threshold sweeps: ground truth on the first two pixels
SWEEP_LABELS = np.array([[[1, 1, 0, 0]]])
# best F 0.8125 (P = 1, R = 0.5) for thresholds in (0.7, 0.9]
SWEEP_B = logit([[[0.9, 0.45, 0.7, 0.1]]])
# F = 1 for thresholds in (0.05, 0.3], 0 above
SWEEP_C = logit([[[0.3, 0.3, 0.05, 0.05]]])


def test_perfect_prediction():
    scores = binary_scores(np.where(LEFT_HALF == 1, 10.0, -10.0), LEFT_HALF)
    assert scores["mIoU"] == pytest.approx(1.0)
    assert scores["F-score"] == pytest.approx(1.0)


def test_empty_prediction_scores_zero_iou_and_f_at_threshold_zero():
    scores = binary_scores(np.full((4, 4), -10.0), LEFT_HALF)
    assert scores["mIoU"] == pytest.approx(0.0)
    # threshold 0 predicts every pixel: P = 8/16, R = 1
    assert scores["F-score"] == pytest.approx(f_beta(0.5, 1.0))


def test_empty_ground_truth_scores_background_agreement_and_is_skipped_by_f():
    empty = np.zeros((4, 4), dtype=np.int64)
    assert binary_scores(np.full((4, 4), -10.0), empty)["mIoU"] == pytest.approx(1.0)
    four_false_positives = np.full((4, 4), -10.0)
    four_false_positives[0] = 10.0
    scores = binary_scores(four_false_positives, empty)
    assert scores["mIoU"] == pytest.approx(12 / 16)
    assert scores["F-score"] == 0.0
    # next to a frame with an object, the empty frame leaves the F of that frame unchanged
    both = binary_scores(np.stack([four_false_positives, np.where(LEFT_HALF == 1, 10.0, -10.0)]), np.stack([empty, LEFT_HALF]))
    assert both["F-score"] == pytest.approx(1.0)
    assert both["mIoU"] == pytest.approx((12 / 16 + 1) / 2)


def test_half_overlap():
    prediction = np.full((4, 4), -10.0)
    prediction[:, 1:3] = 10.0
    assert binary_scores(prediction, LEFT_HALF)["mIoU"] == pytest.approx(4 / 12)
    assert frame_iou(prediction, LEFT_HALF).tolist() == pytest.approx([4 / 12])


def test_threshold_sweep_finds_best_f_at_known_threshold():
    metric = BinarySegmentationMetric()
    metric.update(SWEEP_B, SWEEP_LABELS)
    curve = metric.f_curve()
    thresholds = f_score_thresholds().double()
    best = int(curve.argmax())
    assert 0.7 < thresholds[best] <= 0.9
    assert float(curve.max()) == pytest.approx(f_beta(1.0, 0.5)) == pytest.approx(0.8125)
    # the whole curve by hand
    expected = np.select(
        [thresholds <= 0.1, thresholds <= 0.45, thresholds <= 0.7, thresholds <= 0.9],
        [f_beta(0.5, 1.0), f_beta(2 / 3, 1.0), f_beta(0.5, 0.5), 0.8125],
        0.0,
    )
    np.testing.assert_allclose(curve.numpy(), expected, atol=1e-6)
    assert len(thresholds) == 255 and thresholds[0] == 0.0


def test_streaming_equals_one_batch_in_dataset_mode():
    generator = np.random.default_rng(0)
    logits = generator.normal(size=(11, 12, 12)).astype(np.float32)
    labels = (generator.random((11, 12, 12)) > 0.6).astype(np.int64)
    labels[3] = 0  # an empty frame among them
    whole = binary_scores(logits, labels)
    streamed = BinarySegmentationMetric()
    for start, stop in [(0, 1), (1, 5), (5, 6), (6, 11)]:
        streamed.update(torch.from_numpy(logits[start:stop]), torch.from_numpy(labels[start:stop]))
    assert streamed.compute() == pytest.approx(whole)
    assert 0 < whole["mIoU"] < 1 and 0 < whole["F-score"] < 1


def test_per_batch_mode_reproduces_batch_dependence():
    empty = np.zeros((1, 1, 4), dtype=np.int64)
    logits = np.concatenate([SWEEP_B, SWEEP_C, logit([[[0.2, 0.2, 0.2, 0.2]]])])
    labels = np.concatenate([SWEEP_LABELS, SWEEP_LABELS, empty])
    # one curve over B and C: best at (0.1, 0.3] with (F_B = 0.7222 + F_C = 1) / 2
    dataset = binary_scores(logits, labels)
    assert dataset["F-score"] == pytest.approx((f_beta(2 / 3, 1.0) + 1.0) / 2)
    # batches of one frame: each frame's own maximum, and the empty frame's batch scores 0
    per_frame = binary_scores(logits, labels, f_score_mode="per_batch", frames_per_batch=1)
    assert per_frame["F-score"] == pytest.approx((0.8125 + 1.0 + 0.0) / 3)
    # batches [B, C] and [empty]: the last batch scores 0
    pairs = binary_scores(logits, labels, f_score_mode="per_batch", frames_per_batch=2)
    assert pairs["F-score"] == pytest.approx(dataset["F-score"] / 2)
    ious = frame_iou(logits, labels).numpy()
    assert pairs["mIoU"] == pytest.approx((ious[:2].mean() + ious[2]) / 2)
    assert dataset["mIoU"] == pytest.approx(ious.mean())
    # streaming in odd chunks does not move the batch boundaries
    streamed = BinarySegmentationMetric(f_score_mode="per_batch", frames_per_batch=2)
    streamed.update(logits[:1], labels[:1])
    assert streamed.compute()["F-score"] == pytest.approx(0.8125)
    streamed.update(logits[1:], labels[1:])
    assert streamed.compute() == pytest.approx(pairs)


def semantic_case():
    """Two 4x4 frames, classes 0 (background), 1, 2: class 2 is absent from frame 1, class 1 from frame 2."""
    labels = np.zeros((2, 4, 4), dtype=np.int64)
    labels[0, :, :2] = 1
    labels[1, :2, :] = 2
    predicted = labels.copy()
    predicted[1] = 2  # frame 2: class 2 everywhere
    return predicted, labels


def one_hot_logits(class_ids, num_labels):
    return np.moveaxis(np.eye(num_labels, dtype=np.float32)[class_ids], -1, -3) * 5.0


def test_semantic_class_absent_from_a_frame():
    predicted, labels = semantic_case()
    metric = SemanticSegmentationMetric(num_labels=3)
    metric.update(one_hot_logits(predicted, 3), labels)
    # background: IoU 1 then 0 (predicted nowhere) over 2 frames; class 1: 1 over its 1 frame;
    # class 2: inter 8 / union 16 over its 1 frame
    per_class = metric.per_class()
    np.testing.assert_allclose(per_class["IoU"], [0.5, 1.0, 0.5])
    np.testing.assert_allclose(per_class["F-score"], [0.5, 1.0, f_beta(0.5, 1.0)])
    scores = metric.compute()
    assert scores["mIoU"] == pytest.approx(2 / 3)
    assert scores["F-score"] == pytest.approx((0.5 + 1.0 + f_beta(0.5, 1.0)) / 3)


def test_semantic_never_present_class_counts_zero_or_is_excluded():
    predicted, labels = semantic_case()
    logits = one_hot_logits(predicted, 4)  # class 3 never predicted nor labelled
    zero = avs_metric(num_labels=4)
    zero.update(logits, labels)
    assert zero.compute()["mIoU"] == pytest.approx(2 / 4)
    excluded = avs_metric(num_labels=4, absent_classes="exclude")
    excluded.update(logits, labels)
    assert excluded.compute()["mIoU"] == pytest.approx(2 / 3)
    assert math.isnan(zero.per_class()["IoU"][3])


def test_semantic_streaming_equals_one_batch():
    generator = np.random.default_rng(1)
    logits = generator.normal(size=(7, 71, 8, 8)).astype(np.float32)
    labels = generator.integers(0, 6, size=(7, 8, 8))
    whole = avs_metric(num_labels=71)
    whole.update(logits, labels)
    streamed = avs_metric(num_labels=71)
    for frame in range(7):
        streamed.update(logits[frame], labels[frame])
    assert streamed.compute() == pytest.approx(whole.compute())


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match=r"predictions shape \(1, 4, 4\) does not match references shape \(1, 4, 5\)"):
        binary_scores(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="binary 0/1"):
        binary_scores(np.zeros((4, 4)), np.full((4, 4), 255))
    with pytest.raises(ValueError, match="frames_per_batch"):
        BinarySegmentationMetric(f_score_mode="per_batch")
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        avs_metric(num_labels=3).update(np.zeros((3, 4, 4)), np.full((4, 4), 7))
    with pytest.raises(ValueError, match="no frames"):
        avs_metric().compute()


def test_evaluate_module_loads_offline_and_matches_functions(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import evaluate

    generator = np.random.default_rng(2)
    logits = generator.normal(size=(5, 8, 8)).astype(np.float32)
    labels = (generator.random((5, 8, 8)) > 0.5).astype(np.int64)
    binary = evaluate.load(EVALUATE_MODULE)
    result = binary.compute(predictions=list(logits), references=list(labels), num_labels=1)
    assert set(result) == {"mIoU", "F-score"}
    assert result == pytest.approx(binary_scores(logits, labels))
    per_batch = evaluate.load(EVALUATE_MODULE).compute(
        predictions=list(logits), references=list(labels), num_labels=1, f_score_mode="per_batch", frames_per_batch=2
    )
    assert per_batch == pytest.approx(binary_scores(logits, labels, f_score_mode="per_batch", frames_per_batch=2))

    predicted, class_labels = semantic_case()
    semantic = evaluate.load(EVALUATE_MODULE)
    result = semantic.compute(predictions=list(one_hot_logits(predicted, 3)), references=list(class_labels), num_labels=3)
    assert result["mIoU"] == pytest.approx(2 / 3)
    assert result["F-score"] == pytest.approx((0.5 + 1.0 + f_beta(0.5, 1.0)) / 3)


def test_vectorised_f_curve_equals_the_per_threshold_definition():
    generator = np.random.default_rng(3)
    logits = torch.from_numpy((generator.normal(size=(3, 9, 9)) * 3).astype(np.float32))
    labels = torch.from_numpy((generator.random((3, 9, 9)) > 0.5).astype(np.float32))
    probabilities = torch.sigmoid(logits)
    expected = torch.zeros(255, dtype=torch.float64)
    for frame in range(3):
        for index, threshold in enumerate(f_score_thresholds()):
            predicted = (probabilities[frame] >= threshold).double()
            true_positive = (predicted * labels[frame]).sum()
            precision = true_positive / (predicted.sum() + 1e-20)
            recall = true_positive / (labels[frame].sum() + 1e-20)
            expected[index] += torch.nan_to_num(f_beta(precision, recall), nan=0.0) / 3
    metric = BinarySegmentationMetric()
    metric.update(logits, labels)
    torch.testing.assert_close(metric.f_curve(), expected)
