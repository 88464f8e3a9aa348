"""The live path without a browser: microphone chunks and camera frames through `LiveSegmenter` give the library's
causal streaming masks, state stays bounded, and the figures are measured."""

import copy
import threading
import time
from collections import OrderedDict

import numpy as np
import pytest
import torch

from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor, AVESFormerModel
from avesformer_hf.inference.live import LiveSegmenter, replay

from helpers import tiny_avesformer_config


@pytest.fixture(scope="module")
def model_and_processor():
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_avesformer_config(num_frames=1)).eval()
    return model, AudioVisualProcessor(AVESFormerImageProcessor(size={"height": 64, "width": 64}))


def test_live_masks_are_the_replayed_streaming_masks(model_and_processor):
    model, processor = model_and_processor
    rng = np.random.default_rng(0)
    segmenter = LiveSegmenter(model, processor, record=True)
    results = []
    for step in range(12):  # 48 kHz int16 microphone chunks of 0.25 s, a 48x80 frame after each
        segmenter.add_audio(48000, (rng.uniform(-0.3, 0.3, 12000) * 32767).astype(np.int16))
        results.append(segmenter.segment(rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)))
    replayed = replay(model, processor, segmenter.recorded)
    assert len(replayed) == 12 and [result.index for result in results] == list(range(12))
    for result, mask in zip(results, replayed):
        assert result.mask.shape == (48, 80) and result.overlay.shape == (48, 80, 3)
        np.testing.assert_array_equal(result.mask, mask)
    # 3 s of audio: windows at frame 0 and after each 0.96 s of new audio
    assert segmenter.streamer.embeddings_computed == 3
    stats = segmenter.stats()
    assert stats["frames"] == 12 and stats["audio_chunks"] == 12 and stats["fps"] > 0 and stats["latency_ms"] > 0


def test_live_state_is_bounded_and_reset_starts_a_new_stream(model_and_processor):
    model, processor = model_and_processor
    segmenter = LiveSegmenter(model, processor, window=5)
    frame = np.zeros((32, 32, 3), dtype=np.uint8)
    for _ in range(60):  # 30 s at 2 frames/s
        segmenter.add_audio(16000, np.zeros(8000, dtype=np.int16))
        segmenter.segment(frame)
    assert segmenter.streamer.buffered_samples == processor.feature_extractor.samples_per_example
    assert segmenter.recorded is None and len(segmenter._latencies) == 5
    segmenter.reset()
    assert segmenter.stats() == {"fps": None, "latency_ms": None, "frames": 0, "audio_chunks": 0}
    assert segmenter.segment(frame).index == 0


def test_bad_microphone_audio_is_named(model_and_processor):
    segmenter = LiveSegmenter(*model_and_processor)
    with pytest.raises(ValueError, match="microphone audio: audio must be signed integer PCM or float"):
        segmenter.add_audio(16000, np.zeros(100, dtype=np.uint8))


def test_microphone_chunks_never_wait_for_a_frame_and_stay_bounded_without_frames(model_and_processor):
    import threading

    segmenter = LiveSegmenter(*model_and_processor)
    window = segmenter.streamer.window
    with segmenter._lock:  # as if a frame were being segmented
        worker = threading.Thread(target=lambda: [segmenter.add_audio(16000, np.zeros(4000, np.int16)) for _ in range(8)])
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive()  # the chunks were queued, not blocked
        assert len(segmenter._pending_audio) == 8
    # With no frame being segmented, a backlog longer than one window goes to the streamer's bounded window.
    for _ in range(8):
        segmenter.add_audio(16000, np.zeros(4000, np.int16))
    assert sum(len(chunk[2]) for chunk in segmenter._pending_audio) <= window
    assert segmenter.streamer.buffered_samples == window and segmenter.audio_chunks == 16


def test_a_bad_live_dtype_setting_is_named():
    from avesformer_hf.demo.live import load_live_model

    with pytest.raises(ValueError, match=r"AVESFORMER_LIVE_DTYPE must be one of \['auto', 'fp32', 'bf16', 'fp16'\], got 'fp8'"):
        load_live_model("unused", "fp8", lambda ref: None)


def test_a_cold_servers_simultaneous_first_events_load_one_model_and_share_one_segmenter(model_and_processor, monkeypatch, tmp_path):
    """The Live tab's first frame and first microphone chunk reach a cold server together."""
    from avesformer_hf.demo import app as demo_app
    from avesformer_hf.demo import live as demo_live
    from avesformer_hf.inference import predict

    model, processor = model_and_processor
    loads = []

    def slow_fresh_load(ref, **options):  # like from_pretrained: a new model object on every call
        loads.append(ref)
        time.sleep(0.3)
        return copy.deepcopy(model), processor

    monkeypatch.setattr(predict, "load_model", slow_fresh_load)
    monkeypatch.setattr(demo_live, "_sessions", OrderedDict())
    (tmp_path / "config.json").write_text("{}")
    start = threading.Barrier(4)
    results = [None] * 4

    def first_event(slot):
        start.wait()
        results[slot] = demo_live.session_segmenter("one-tab", str(tmp_path), demo_app.load_model, reset=slot == 0)[0]

    threads = [threading.Thread(target=first_event, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [str(tmp_path)]
    assert all(segmenter is results[0] for segmenter in results) and demo_live._sessions["one-tab"] is results[0]


def test_the_page_figures_render_when_the_session_was_reset_during_a_frame(model_and_processor):
    from avesformer_hf.demo.live import render

    model, processor = model_and_processor
    segmenter = LiveSegmenter(model, processor)
    result = segmenter.segment(np.zeros((32, 32, 3), dtype=np.uint8))
    segmenter.reset()  # the visitor restarted the microphone while this frame was being segmented
    page = render(result, segmenter.stats(), "fp32")
    assert "… frames/s" in page and "latency … ms" in page and "no microphone audio yet" in page
