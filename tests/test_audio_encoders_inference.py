"""Every audio encoder through the inference paths, not only training: `avesformer predict` (the pipeline), the
streamer and the live segmenter take each encoder's windows through its own feature extractor, at its own rate."""

import numpy as np
import pytest
import torch
from avesformer_hf import AVESFormerImageProcessor, AVESFormerModel, AudioVisualProcessor
from avesformer_hf.audio_encoders import feature_extractor_for
from avesformer_hf.cli import main
from avesformer_hf.inference.live import LiveSegmenter, replay
from avesformer_hf.inference.predict import predict_clip, predict_clip_streaming, segmentation_pipeline
from avesformer_hf.inference.video import read_clip
from helpers import tiny_audio_configs, tiny_avesformer_config

ENCODERS = sorted(tiny_audio_configs())
TRANSFORMERS_ENCODERS = [name for name in ENCODERS if name not in ("vggish", "light_audio")]


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory) -> dict[str, str]:
    folders = {}
    for name, audio_config in tiny_audio_configs().items():
        folder = tmp_path_factory.mktemp(name)
        torch.manual_seed(0)
        AVESFormerModel(tiny_avesformer_config(audio_config=audio_config)).save_pretrained(folder)
        AudioVisualProcessor(image_processor=AVESFormerImageProcessor(size={"height": 64, "width": 64}),
                             feature_extractor=feature_extractor_for(audio_config)).save_pretrained(folder)
        folders[name] = str(folder)
    return folders


def load(folder):
    return AVESFormerModel.from_pretrained(folder).eval(), AudioVisualProcessor.from_pretrained(folder)


def decided_pixels(model, processor, inputs, size) -> tuple[np.ndarray, np.ndarray]:
    """The masks of a direct model call, and which pixels are not within float noise of the threshold."""
    with torch.no_grad():
        logits = model(**inputs).logits[0]
    probabilities = torch.nn.functional.interpolate(logits, size=size, mode="bilinear").sigmoid()[:, 0]
    return (probabilities > 0.5).numpy(), ((probabilities - 0.5).abs() > 1e-5).numpy()


@pytest.mark.parametrize("name", ENCODERS)
def test_predict_gives_the_models_masks_for_each_frames_window_through_the_encoders_extractor(name, saved_models, clip_path):
    model, processor = load(saved_models[name])
    rate = processor.audio_sampling_rate
    clip = read_clip(clip_path, fps=1, sampling_rate=rate)
    prediction = predict_clip(model, processor, clip)
    # By hand: frame t's window starts at t seconds; the processor turns each into the encoder's input.
    window = processor.window_samples
    starts = [min(t * rate, len(clip.waveform) - window) for t in range(len(clip.frames))]
    inputs = processor(images=clip.frames, audio=[[clip.waveform[s : s + window] for s in starts]],
                       sampling_rate=rate, audio_per_frame=True)
    expected, decided = decided_pixels(model, processor, inputs, (clip.frames[0].height, clip.frames[0].width))
    assert len(prediction.masks) == 3
    np.testing.assert_array_equal(np.stack(prediction.masks)[decided], expected[decided])


@pytest.mark.parametrize("name", TRANSFORMERS_ENCODERS)
def test_above_one_fps_the_encoder_runs_once_per_window_and_the_streamer_agrees(name, saved_models, clip_path, monkeypatch):
    model, processor = load(saved_models[name])
    clip = read_clip(clip_path, fps=4, sampling_rate=processor.audio_sampling_rate)
    embedded, original = [], AVESFormerModel.embed_audio

    def recording(self, input_features):
        embedded.append(input_features.shape[1])
        return original(self, input_features)

    monkeypatch.setattr(AVESFormerModel, "embed_audio", recording)
    masks = np.stack(predict_clip(model, processor, clip).masks)
    assert embedded == [3]  # 3 s of audio in 0.96-s windows: 3 windows for 12 frames
    monkeypatch.setattr(AVESFormerModel, "embed_audio", original)
    streamed = np.stack(predict_clip_streaming(model, processor, clip).masks)
    size = (clip.frames[0].height, clip.frames[0].width)
    assert streamed.shape == masks.shape == (12, *size)
    segmenter = segmentation_pipeline(model, processor)
    logits = segmenter._forward(segmenter.preprocess(clip))["logits"]
    decided = ((torch.nn.functional.interpolate(logits, size=size, mode="bilinear").sigmoid()[:, 0] - 0.5).abs() > 1e-5).numpy()
    np.testing.assert_array_equal(streamed[decided], masks[decided])


@pytest.mark.parametrize("name", ["ast", "clap_audio", "wav2vec2"])  # 16 kHz and 48 kHz extractors
def test_the_live_segmenter_runs_any_encoder_at_its_rate(name, saved_models):
    model, processor = load(saved_models[name])
    rng = np.random.default_rng(0)
    segmenter = LiveSegmenter(model, processor, record=True)
    results = []
    for _ in range(8):  # 0.25-s chunks of 44.1 kHz microphone audio, a frame after each
        segmenter.add_audio(44100, (rng.uniform(-0.3, 0.3, 11025) * 32767).astype(np.int16))
        results.append(segmenter.segment(rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)))
    replayed = replay(model, processor, segmenter.recorded)
    assert segmenter.sampling_rate == processor.audio_sampling_rate
    # 2 s of audio: a window at frame 0 (0.25 s received), the next once 0.96 s more arrived (1.25 s)
    assert segmenter.streamer.embeddings_computed == 2
    for result, mask in zip(results, replayed, strict=True):
        np.testing.assert_array_equal(result.mask, mask)


def test_the_cli_predicts_with_a_transformers_encoder(saved_models, clip_path, tmp_path):
    out = tmp_path / "overlay.mp4"
    assert main(["predict", str(clip_path), "--model", saved_models["clap_audio"], "--out", str(out),
                 "--masks-dir", str(tmp_path / "masks")]) == 0
    assert out.stat().st_size > 0 and len(list((tmp_path / "masks").glob("*.png"))) == 3
