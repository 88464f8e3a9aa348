"""Every audio encoder AVESFormer takes (VGGish, the light CNN, AST, CLAP audio, Whisper encoder, wav2vec2, HuBERT),
each at a tiny size: config round trip, forward / backward, save / load, pretrained encoder weights, processor."""

import numpy as np
import PIL.Image
import pytest
import torch
from transformers import WhisperConfig, WhisperModel

from avesformer_hf import AVESFormerConfig, AVESFormerModel, AudioVisualProcessor
from avesformer_hf.modeling_avesformer_audio import build_audio_encoder
from helpers import ENCODERS, tiny_audio_configs, tiny_avesformer_config, tiny_model_config, tiny_processor


def clip_inputs(processor, seconds: float = 2.0, rate: int = 16000, clips: int = 2, seed: int = 0):
    generator = np.random.default_rng(seed)
    frames = [[PIL.Image.fromarray(generator.integers(0, 256, (30, 40, 3), dtype=np.uint8)) for _ in range(2)]] * clips
    audio = [(0.1 * generator.standard_normal(int(seconds * rate))).astype(np.float32) for _ in range(clips)]
    return processor(images=frames, audio=audio, sampling_rate=rate, num_frames=2)


@pytest.mark.parametrize("name", ENCODERS)
def test_config_round_trip_restores_the_encoder_type(name):
    config = tiny_model_config(name)
    restored = AVESFormerConfig.from_dict(config.to_dict())
    assert type(restored.audio_config) is type(config.audio_config)
    assert restored.audio_config.to_dict() == config.audio_config.to_dict()
    assert restored.audio_embedding_size == config.audio_embedding_size


def test_an_audio_config_without_model_type_is_vggish_and_an_unknown_type_is_refused():
    assert AVESFormerConfig(audio_config={"embedding_size": 64}).audio_config.model_type == "vggish"
    with pytest.raises(ValueError, match="audio_config.model_type` must be one of .*'whisper'.*got 'bert'"):
        AVESFormerConfig(audio_config={"model_type": "bert"})


@pytest.mark.parametrize("name", ENCODERS)
def test_forward_backward_with_the_encoders_own_features(name):
    config = tiny_model_config(name, freeze_audio_backbone=False)
    model = AVESFormerModel(config).train()
    inputs = clip_inputs(tiny_processor(config.audio_config))
    output = model(**inputs, labels=torch.ones(2, 2, 64, 64))
    assert output.logits.shape == (2, 2, 1, 16, 16)
    assert output.audio_embeds.shape == (2, 2, config.audio_embedding_size)
    output.loss.backward()
    gradients = [p.grad for p in model.audio_backbone.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in gradients)
    assert model.audio_projection.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["wav2vec2", "light_audio"])
def test_a_frozen_encoder_stays_in_eval_mode_and_gets_no_gradient(name):
    model = AVESFormerModel(tiny_model_config(name, freeze_audio_backbone=True)).train()
    assert model.training and not model.audio_backbone.training
    assert not any(module.training for module in model.audio_backbone.modules())
    inputs = clip_inputs(tiny_processor(model.config.audio_config))
    model(**inputs, labels=torch.ones(2, 2, 64, 64)).loss.backward()
    assert all(p.grad is None for p in model.audio_backbone.parameters())


@pytest.mark.parametrize("name", ENCODERS)
def test_save_and_load_give_the_same_logits(name, tmp_path):
    torch.manual_seed(0)
    model = AVESFormerModel(tiny_model_config(name)).eval()
    inputs = clip_inputs(tiny_processor(model.config.audio_config))
    model.save_pretrained(tmp_path)
    loaded = AVESFormerModel.from_pretrained(tmp_path).eval()
    assert type(loaded.audio_backbone) is type(model.audio_backbone)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(**inputs).logits, model(**inputs).logits)


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_weights_load_from_a_pretrained_encoder_folder(name, tmp_path):
    config = tiny_model_config(name)
    torch.manual_seed(1)
    encoder = build_audio_encoder(config.audio_config)
    encoder.save_pretrained(tmp_path / "encoder")
    model = AVESFormerModel.from_backbone_pretrained(config, audio=tmp_path / "encoder")
    for key, value in encoder.state_dict().items():
        torch.testing.assert_close(model.audio_backbone.state_dict()[key], value)


def test_a_checkpoint_of_another_encoder_type_is_refused(tmp_path):
    build_audio_encoder(tiny_audio_configs()["hubert"]).save_pretrained(tmp_path / "hubert")
    with pytest.raises(ValueError, match="holds a 'hubert' checkpoint, but the config expects 'wav2vec2'"):
        AVESFormerModel.from_backbone_pretrained(tiny_model_config("wav2vec2"), audio=tmp_path / "hubert")


def test_a_whole_whisper_checkpoint_gives_its_encoder_cut_to_a_shorter_window(tmp_path):
    short = tiny_audio_configs()["whisper"]  # 50 positions: a 1-s window
    full = WhisperModel(WhisperConfig(**{**short.to_dict(), "max_source_positions": 150}))
    full.save_pretrained(tmp_path / "whisper")
    model = AVESFormerModel.from_backbone_pretrained(tiny_avesformer_config(audio_config=short), audio=tmp_path / "whisper")
    loaded = model.audio_backbone.state_dict()
    torch.testing.assert_close(loaded["embed_positions.weight"], full.encoder.embed_positions.weight[:50])
    torch.testing.assert_close(loaded["layers.0.fc1.weight"], full.encoder.layers[0].fc1.weight)


@pytest.mark.parametrize("name", ENCODERS)
def test_processor_round_trip_keeps_the_encoders_feature_extractor(name, tmp_path):
    processor = tiny_processor(tiny_audio_configs()[name], audio_window_seconds=0.5, audio_pad_mode="zeros")
    processor.save_pretrained(tmp_path)
    loaded = AudioVisualProcessor.from_pretrained(tmp_path)
    assert type(loaded.feature_extractor) is type(processor.feature_extractor)
    assert loaded.feature_extractor.to_dict() == processor.feature_extractor.to_dict()
    first, second = clip_inputs(processor), clip_inputs(loaded)
    assert first.keys() == second.keys()
    for key in first:
        torch.testing.assert_close(first[key], second[key])


@pytest.mark.parametrize("name", ["ast", "wav2vec2"])
def test_windows_follow_the_processor_window_and_the_extractor_rate(name):
    processor = tiny_processor(tiny_audio_configs()[name], audio_window_seconds=0.5)
    assert processor.feature_extractor.sampling_rate == 16000
    five_windows = clip_inputs(processor, seconds=2.6, clips=1)  # num_frames=2 cuts the five 0.5-s windows to 2
    assert five_windows["input_features"].shape[:2] == (1, 2)
    every_window = processor(audio=[np.zeros(41600, dtype=np.float32)], sampling_rate=16000)
    assert every_window["input_features"].shape[:2] == (1, 5)
    # the same 2.6 s at 8 kHz is resampled to the extractor's 16 kHz: the same number of windows
    assert processor(audio=[np.zeros(20800, dtype=np.float32)], sampling_rate=8000)["input_features"].shape[:2] == (1, 5)
    if name == "wav2vec2":
        assert every_window["input_features"].shape[2] == 8000  # raw samples: 0.5 s at 16 kHz


def test_missing_windows_are_zero_padded_and_flagged_or_repeated():
    processor = tiny_processor(tiny_audio_configs()["ast"])
    generator = np.random.default_rng(0)
    audio = [(0.1 * generator.standard_normal(16000)).astype(np.float32)]  # one 0.96-s window for three frames
    zeros = processor(audio=audio, sampling_rate=16000, num_frames=3, pad_mode="zeros")
    assert zeros["audio_mask"].tolist() == [[1, 0, 0]]
    repeated = processor(audio=audio, sampling_rate=16000, num_frames=3)
    assert "audio_mask" not in repeated
    torch.testing.assert_close(repeated["input_features"][0, 2], repeated["input_features"][0, 0])


def test_too_short_audio_names_the_window_it_needs():
    processor = tiny_processor(tiny_audio_configs()["whisper"])
    with pytest.raises(ValueError, match=r"audio is 8000 samples at 16000 Hz; one window needs 15360 samples \(0.96 s\)"):
        processor(audio=np.zeros(8000, dtype=np.float32), sampling_rate=16000)
    with pytest.raises(ValueError, match="sampling_rate is required"):
        processor(audio=np.zeros(16000, dtype=np.float32))


def test_input_features_of_a_transformers_encoder_must_match_the_frames():
    model = AVESFormerModel(tiny_model_config("ast")).eval()
    with pytest.raises(ValueError, match=r"`input_features` must have shape \[B, T, \.\.\.\] with B=1, T=2"):
        model(pixel_values=torch.zeros(1, 2, 3, 64, 64), input_features=torch.zeros(1, 3, 100, 32))
    with pytest.raises(ValueError, match=r"`audio_embeds` must have shape \[1, 2, 16\]"):
        model(pixel_values=torch.zeros(1, 2, 3, 64, 64), audio_embeds=torch.zeros(1, 2, 128))


def test_the_light_encoders_audio_signal_starts_on_vggishs_scale():
    """How much AVESFormer's projected audio varies from one sound to the next at initialisation (training mode).
    The first light encoder started about 20x below the tiny VGGish and, trained from scratch, never began to listen
    (docs/benchmarks.md, "Light encoder from scratch")."""
    from avesformer_hf import LightAudioConfig, VGGishConfig
    from avesformer_hf.data.synthetic import object_sound, synth_classes
    from avesformer_hf.feature_extraction_vggish import VGGishFeatureExtractor

    generator, extractor = np.random.default_rng(0), VGGishFeatureExtractor()
    sounds = [object_sound(object_class, 0.975, generator) for object_class in synth_classes("s4", 23)]
    examples = torch.from_numpy(np.stack([extractor.examples(sound, 1) for sound in sounds]))  # [23, 1, 1, 96, 64]
    spread = {}
    for name, audio_config in [("vggish", VGGishConfig(conv_stages=[[8], [16], [32], [32]], hidden_sizes=[128])),
                               ("light", LightAudioConfig())]:
        torch.manual_seed(0)
        model = AVESFormerModel(tiny_avesformer_config(audio_config=audio_config, freeze_audio_backbone=False)).train()
        with torch.no_grad():
            spread[name] = model.audio_projection(model.embed_audio(examples)[:, 0]).std(dim=0).mean().item()
    assert spread["light"] > 0.5 * spread["vggish"], spread
