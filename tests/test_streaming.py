import numpy as np
import pytest
import torch

from avesformer_hf import AVESFormerModel, VGGishFeatureExtractor
from avesformer_hf.inference.streaming import AVESFormerStreamer, hop_of_frame

from helpers import tiny_avesformer_config

RATE = 16000


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return AVESFormerModel(tiny_avesformer_config(num_frames=1)).eval()


def stream(streamer, frames, waveform, fps):
    """Deliver like a live source: frame i, then the samples up to frame i + 1 (the rest after the last frame)."""
    results = []
    for index, frame in enumerate(frames):
        begin = round(index / fps * RATE)
        end = len(waveform) if index == len(frames) - 1 else round((index + 1) / fps * RATE)
        results += streamer.push(frame, audio=waveform[begin:end])
    return results + streamer.flush()


def test_hop_of_frame_follows_the_096_second_grid():
    assert [hop_of_frame(i, 10.0, 0.96) for i in (0, 9, 10, 19, 20)] == [0, 0, 1, 1, 2]
    assert [hop_of_frame(i, 1.0, 0.96) for i in range(5)] == [0, 1, 2, 3, 4]  # AVSBench: frame t <-> example t
    assert hop_of_frame(24, 1 / 0.96, 0.96) == 24  # exactly on the boundary


@pytest.mark.parametrize("fps", [5.0, 1.0])
def test_streaming_gives_the_clip_path_masks(model, fps):
    extractor = VGGishFeatureExtractor()
    generator = torch.Generator().manual_seed(3)
    waveform = np.random.default_rng(0).uniform(-0.5, 0.5, int(3.1 * RATE))
    count = int(3.1 * fps) + 1
    frames = torch.randn(count, 3, 64, 64, generator=generator)

    streamer = AVESFormerStreamer(model, extractor, fps=fps)
    results = stream(streamer, frames, waveform, fps)

    # The clip path: the whole waveform's examples, frame i paired with its hop's (the last one repeated at the end).
    examples = torch.from_numpy(extractor(waveform, sampling_rate=RATE)["input_features"][0])
    hops = [min(hop_of_frame(i, fps, 0.96), len(examples) - 1) for i in range(count)]
    with torch.inference_mode():
        clip_logits = model(pixel_values=frames[None], input_features=examples[hops][None]).logits[0]

    assert [r.index for r in results] == list(range(count))
    assert [r.hop for r in results] == hops
    streamed_logits = torch.stack([r.logits for r in results])
    torch.testing.assert_close(streamed_logits, clip_logits, atol=1e-5, rtol=1e-4)
    assert torch.equal(streamed_logits.sigmoid() > 0.5, clip_logits.sigmoid() > 0.5)
    # VGGish ran once per complete hop, not once per frame.
    assert streamer.embeddings_computed == len(examples) == 3


def test_state_stays_bounded_over_a_long_stream(model):
    extractor = VGGishFeatureExtractor()
    streamer = AVESFormerStreamer(model, extractor, fps=2.0)
    frame = torch.zeros(3, 32, 32)
    chunk = np.zeros(RATE // 2)
    largest_buffer = largest_queue = finished = 0
    for _ in range(40):  # 20 s
        finished += len(streamer.push(frame, audio=chunk))
        largest_buffer = max(largest_buffer, streamer.buffered_samples)
        largest_queue = max(largest_queue, streamer.pending_frames)
    assert largest_buffer < extractor.samples_per_example
    assert largest_queue <= 3
    assert finished + len(streamer.flush()) == 40
    assert streamer.embeddings_computed == 20  # 1 + (320000 - 15600) // 15360


def test_one_large_audio_chunk_finishes_every_waiting_hop(model):
    streamer = AVESFormerStreamer(model, VGGishFeatureExtractor(), fps=1.0)
    frames = [streamer.push(torch.zeros(3, 32, 32)) for _ in range(3)]
    assert frames == [[], [], []]
    finished = streamer.push(audio=np.zeros(int(3.2 * RATE)))
    assert [(r.index, r.hop) for r in finished] == [(0, 0), (1, 1), (2, 2)]


def test_bad_use_is_reported(model):
    extractor = VGGishFeatureExtractor()
    with pytest.raises(ValueError, match="fps"):
        AVESFormerStreamer(model, extractor, fps=0)
    with pytest.raises(ValueError, match="44100 Hz"):
        AVESFormerStreamer(model, extractor, fps=1, sampling_rate=44100)
    streamer = AVESFormerStreamer(model, extractor, fps=1)
    with pytest.raises(ValueError, match=r"one frame \[3, H, W\]"):
        streamer.push(torch.zeros(2, 3, 32, 32))
    streamer.push(torch.zeros(3, 32, 32), audio=np.zeros(RATE // 2))
    with pytest.raises(ValueError, match="before one VGGish window"):
        streamer.flush()
    late = AVESFormerStreamer(model, extractor, fps=1)
    late.push(audio=np.zeros(3 * RATE))
    with pytest.raises(RuntimeError, match="frame 0 belongs to hop 0"):
        late.push(torch.zeros(3, 32, 32))


def stream_live(streamer, frames, waveform, fps):
    """Deliver like a webcam and microphone: the samples captured up to frame i, then frame i."""
    results, previous = [], 0
    for index, frame in enumerate(frames):
        now = round(index / fps * RATE)
        finished = streamer.push(frame, audio=waveform[previous:now])
        assert [r.index for r in finished] == [index]  # no frame waits for sound
        results += finished
        previous = now
    return results


@pytest.mark.parametrize(
    "stride_seconds, expected_ends",
    [
        # One VGGish run per 0.96 s hop: a new window once 15,360 new samples arrived (every 5th frame at 5 fps).
        (None, [0] * 5 + [16000] * 5 + [32000] * 5 + [48000]),
        # Stride 0: every frame gets the window that ends at its own capture time.
        (0.0, [3200 * i for i in range(16)]),
    ],
)
def test_live_alignment_gives_the_clip_path_masks_for_the_causal_windows(model, stride_seconds, expected_ends):
    extractor = VGGishFeatureExtractor()
    fps, window = 5.0, extractor.samples_per_example
    waveform = np.random.default_rng(1).uniform(-0.5, 0.5, int(3.1 * RATE))
    frames = torch.randn(16, 3, 64, 64, generator=torch.Generator().manual_seed(4))

    streamer = AVESFormerStreamer(model, extractor, alignment="live", stride_seconds=stride_seconds)
    results = stream_live(streamer, frames, waveform, fps)

    # The clip path given the same causal windows: the 15,600 samples ending at each frame's window end, zeros
    # before the stream's first sample.
    padded = np.concatenate([np.zeros(window), waveform])
    examples = torch.from_numpy(np.stack([extractor.examples(padded[end : end + window])[0] for end in expected_ends]))
    with torch.inference_mode():
        clip_logits = model(pixel_values=frames[None], input_features=examples[None]).logits[0]

    assert [r.audio_end for r in results] == expected_ends
    streamed_logits = torch.stack([r.logits for r in results])
    torch.testing.assert_close(streamed_logits, clip_logits, atol=1e-5, rtol=1e-4)
    assert torch.equal(streamed_logits.sigmoid() > 0.5, clip_logits.sigmoid() > 0.5)
    assert streamer.embeddings_computed == len(set(expected_ends))
    assert streamer.flush() == []


def test_live_alignment_keeps_bounded_state_over_a_long_stream(model):
    extractor = VGGishFeatureExtractor()
    streamer = AVESFormerStreamer(model, extractor, alignment="live")
    frame, chunk = torch.zeros(3, 32, 32), np.zeros(RATE // 5)
    largest_buffer = largest_queue = 0
    for _ in range(200):  # 40 s at 5 frames/s
        assert len(streamer.push(frame, audio=chunk)) == 1
        largest_buffer = max(largest_buffer, streamer.buffered_samples)
        largest_queue = max(largest_queue, streamer.pending_frames)
    assert largest_buffer == extractor.samples_per_example
    assert largest_queue == 0
    assert streamer.embeddings_computed == 40  # frame 0, then every 5th frame (16,000 >= 15,360 new samples)


def test_live_alignment_settings_are_checked(model):
    extractor = VGGishFeatureExtractor()
    with pytest.raises(ValueError, match=r"alignment must be one of \['file', 'live'\], got 'causal'"):
        AVESFormerStreamer(model, extractor, fps=1, alignment="causal")
    with pytest.raises(ValueError, match="stride_seconds must be >= 0"):
        AVESFormerStreamer(model, extractor, alignment="live", stride_seconds=-1)
    with pytest.raises(ValueError, match="only used with alignment='live'"):
        AVESFormerStreamer(model, extractor, fps=1, stride_seconds=0.5)
    with pytest.raises(ValueError, match=r"one frame \[3, H, W\]"):
        AVESFormerStreamer(model, extractor, alignment="live").push(torch.zeros(2, 3, 32, 32))
