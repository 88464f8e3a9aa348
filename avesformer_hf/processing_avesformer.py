"""AudioVisualProcessor: frames + waveform of each clip -> model inputs; model logits -> masks."""

import numpy as np
from transformers.feature_extraction_utils import BatchFeature
from transformers.processing_utils import ProcessorMixin

from .feature_extraction_vggish import (
    VGGishFeatureExtractor,
    check_pad_mode,
    check_same_length,
    fit_to_num_frames,
    is_batch_of_clips,
    load_waveform,
)
from .image_processing_avesformer import AVESFormerImageProcessor

DEFAULT_WINDOW_SECONDS = 0.96  # VGGish's example: frame t's audio starts at t x 0.96 s for every encoder


class AudioVisualProcessor(ProcessorMixin):
    r"""
    Wraps an [`AVESFormerImageProcessor`] (frames, masks, post-processing) and the audio encoder's feature extractor.
    One clip is a list of T frames with its waveform; T is taken from the frames and the audio gives one window per
    frame.

    With a [`VGGishFeatureExtractor`] (VGGish and the light encoder) a window is a 0.96-s log-mel example. With a
    transformers audio model's own feature extractor (AST, CLAP, Whisper, wav2vec2 / HuBERT) the waveform is
    resampled to that extractor's `sampling_rate`, cut into windows of `audio_window_seconds` (frame t's window starts
    at t x `audio_window_seconds`), and each window goes through the extractor.

    Args:
        audio_window_seconds (`float`, *optional*, defaults to 0.96): window per frame for non-VGGish extractors.
        audio_pad_mode (`str`, *optional*, defaults to `"repeat"`): filling of missing windows for non-VGGish
            extractors (`"repeat"` or `"zeros"` with `audio_mask`; VGGish extractors have their own `pad_mode`).
    """

    def __init__(
        self, image_processor=None, feature_extractor=None, audio_window_seconds=None, audio_pad_mode=None, **kwargs
    ):
        image_processor = AVESFormerImageProcessor() if image_processor is None else image_processor
        feature_extractor = VGGishFeatureExtractor() if feature_extractor is None else feature_extractor
        super().__init__(image_processor, feature_extractor, **kwargs)
        self.audio_window_seconds = DEFAULT_WINDOW_SECONDS if audio_window_seconds is None else audio_window_seconds
        self.audio_pad_mode = "repeat" if audio_pad_mode is None else audio_pad_mode
        check_pad_mode(self.audio_pad_mode)
        if self.audio_window_seconds <= 0:
            raise ValueError(f"audio_window_seconds must be positive, got {self.audio_window_seconds}")

    def __call__(
        self,
        images=None,
        audio=None,
        sampling_rate: int | None = None,
        masks=None,
        num_frames: int | None = None,
        pad_mode: str | None = None,
        audio_per_frame: bool = False,
        return_tensors="pt",
    ) -> BatchFeature:
        r"""
        Args:
            images: one clip (list of T frames) or a list of clips. Clips of different lengths need `num_frames`.
            audio: one waveform per clip (see [`VGGishFeatureExtractor.__call__`] for accepted forms); with
                `audio_per_frame=True`, one list of T waveforms per clip, frame t's audio starting at frame t.
            sampling_rate (`int`): rate of `audio` in Hz (required with audio).
            masks (*optional*): one mask per frame, nested like `images` (`None` for an unlabelled frame).
            num_frames (`int`, *optional*): pad or cut every clip to T frames and T audio examples.
            pad_mode (`str`, *optional*): audio filling, `"repeat"` or `"zeros"` (default: the feature extractor's).
            audio_per_frame (`bool`): see `audio`.
            return_tensors (`str`, defaults to `"pt"`).

        Returns:
            `BatchFeature` with `pixel_values` [B, T, 3, H, W], `input_features` [B, T, ...] (VGGish: [B, T, 1, 96,
            64]), and when
            applicable `audio_mask` [B, T], `labels` [B, T, H, W], `labels_mask` [B, T].
        """
        if images is None and audio is None:
            raise ValueError("pass images, audio or both")
        data = {}
        if images is not None:
            visual = self.image_processor(images, masks=masks, num_frames=num_frames, return_tensors=None)
            data.update(visual)
            num_frames = visual["pixel_values"].shape[1]
        elif masks is not None:
            raise ValueError("masks need the frames they belong to (pass images)")
        if audio is not None and not self.reads_log_mel_examples:
            data.update(self.encoder_audio_features(audio, sampling_rate, num_frames, pad_mode, audio_per_frame))
        elif audio is not None:
            if audio_per_frame:
                data.update(self.per_frame_audio_features(audio, sampling_rate, num_frames))
            else:
                data.update(
                    self.feature_extractor(audio, sampling_rate=sampling_rate, num_frames=num_frames, pad_mode=pad_mode)
                )
        if "pixel_values" in data and "input_features" in data and len(data["pixel_values"]) != len(data["input_features"]):
            raise ValueError(
                f"got {len(data['pixel_values'])} clips of frames but {len(data['input_features'])} clips of audio"
            )
        return BatchFeature(data=data, tensor_type=return_tensors)

    @property
    def reads_log_mel_examples(self) -> bool:
        """True for the VGGish front end (VGGish, the light encoder); False for a transformers model's extractor."""
        # By attribute, not isinstance: remote code may load the extractor from another copy of its module.
        return hasattr(self.feature_extractor, "samples_per_example")

    def encoder_audio_features(self, audio, sampling_rate, num_frames, pad_mode, audio_per_frame=False) -> dict:
        """Clips (or, with `audio_per_frame`, lists of per-frame windows) -> `input_features` [B, T, ...] through the
        encoder's own feature extractor, one `audio_window_seconds` window per frame."""
        if sampling_rate is None:
            raise ValueError(
                f"sampling_rate is required: pass the rate of `audio` in Hz (the encoder reads "
                f"{self.feature_extractor.sampling_rate} Hz and other rates are resampled)"
            )
        pad_mode = self.audio_pad_mode if pad_mode is None else pad_mode
        check_pad_mode(pad_mode)
        batched = is_batch_of_clips(audio[0]) if audio_per_frame else is_batch_of_clips(audio)
        clips = audio if batched else [audio]
        windows, masks = [], []
        for index, clip in enumerate(clips):
            what = f"audio clip {index} of {len(clips)}" if len(clips) > 1 else "audio"
            split = self.per_frame_windows if audio_per_frame else self.clip_windows
            clip_windows = split(clip, sampling_rate, what)
            if audio_per_frame and num_frames is not None and len(clip_windows) != num_frames:
                raise ValueError(f"audio clip {index} has {len(clip_windows)} per-frame windows for {num_frames} frames")
            if num_frames is not None:
                clip_windows, mask = fit_to_num_frames(clip_windows, num_frames, pad_mode)
                masks.append(mask)
            windows.append(clip_windows)
        length = check_same_length(windows, f"{self.audio_window_seconds}-s windows")
        features = self.window_features(np.concatenate(windows))
        data = {"input_features": features.reshape(len(windows), length, *features.shape[1:])}
        if num_frames is not None and pad_mode == "zeros":
            data["audio_mask"] = np.stack(masks)
        return data

    @property
    def audio_sampling_rate(self) -> int:
        """The rate the audio encoder reads (other rates are resampled to it)."""
        return self.feature_extractor.sampling_rate

    @property
    def window_samples(self) -> int:
        """One frame's audio window at `audio_sampling_rate` (VGGish front end: one 0.975-s log-mel example)."""
        if self.reads_log_mel_examples:
            return self.feature_extractor.samples_per_example
        return round(self.audio_window_seconds * self.feature_extractor.sampling_rate)

    @property
    def hop_samples(self) -> int:
        """The step between consecutive windows of a clip (VGGish front end: 0.96 s; other encoders: one window)."""
        if self.reads_log_mel_examples:
            return self.feature_extractor.example_length * self.feature_extractor.hop_length
        return self.window_samples

    def window_input_features(self, windows) -> np.ndarray:
        """Audio windows [n, window_samples] at `audio_sampling_rate` -> the encoder's input [n, ...] (VGGish front
        end: [n, 1, 96, 64]); what streams and players hand the model one window at a time."""
        windows = np.asarray(windows, dtype=np.float64)
        if windows.ndim != 2 or windows.shape[1] != self.window_samples:
            raise ValueError(f"windows must have shape [n, {self.window_samples}], got {list(windows.shape)}")
        if self.reads_log_mel_examples:
            return np.concatenate([self.feature_extractor.examples(window, max_examples=1) for window in windows])
        return self.window_features(windows)

    def clip_windows(self, clip, sampling_rate: int, what: str) -> np.ndarray:
        """One waveform -> its non-overlapping windows [n, window_samples] at the extractor's rate."""
        waveform = load_waveform(clip, sampling_rate, self.feature_extractor.sampling_rate, what)
        window = self.window_samples
        if len(waveform) < window:
            raise ValueError(
                f"{what}: audio is {len(waveform)} samples at {self.feature_extractor.sampling_rate} Hz; one window "
                f"needs {window} samples ({self.audio_window_seconds} s)"
            )
        count = len(waveform) // window
        return waveform[: count * window].reshape(count, window)

    def per_frame_windows(self, windows, sampling_rate: int, what: str) -> np.ndarray:
        """T waveforms (frame t's audio from frame t on) -> [T, window_samples], each cut or zero-padded at its end."""
        rate, size = self.feature_extractor.sampling_rate, self.window_samples
        cut = [load_waveform(window, sampling_rate, rate, f"{what}, window {t}")[:size] for t, window in enumerate(windows)]
        return np.stack([np.pad(window, (0, size - len(window))) for window in cut])

    def window_features(self, windows: np.ndarray) -> np.ndarray:
        """Windows [n, samples] at the extractor's rate -> the encoder's input [n, ...] from its own extractor."""
        extractor = self.feature_extractor
        encoded = extractor(list(windows.astype(np.float32)), sampling_rate=extractor.sampling_rate, return_tensors="np")
        return np.asarray(encoded[extractor.model_input_names[0]], dtype=np.float32)

    def per_frame_audio_features(self, audio, sampling_rate, num_frames) -> dict:
        """One list of T windows per clip -> `input_features` [B, T, 1, 96, 64] from each window's first example."""
        clips = audio if audio and is_batch_of_clips(audio[0]) else [audio]
        features = []
        for index, windows in enumerate(clips):
            if num_frames is not None and len(windows) != num_frames:
                raise ValueError(f"audio clip {index} has {len(windows)} per-frame windows for {num_frames} frames")
            examples = self.feature_extractor(list(windows), sampling_rate=sampling_rate, num_frames=1)
            features.append(examples["input_features"][:, 0])  # [T, 1, 1, 96, 64] -> [T, 1, 96, 64]
        return {"input_features": np.stack(features)}

    def post_process_binary_segmentation(self, outputs, target_sizes=None, threshold: float = 0.5):
        return self.image_processor.post_process_binary_segmentation(outputs, target_sizes, threshold=threshold)

    def post_process_semantic_segmentation(self, outputs, target_sizes=None):
        return self.image_processor.post_process_semantic_segmentation(outputs, target_sizes)

    def post_process_segmentation(self, outputs, target_sizes=None, threshold: float = 0.5):
        return self.image_processor.post_process_segmentation(outputs, target_sizes, threshold=threshold)

    @property
    def model_input_names(self) -> list[str]:
        return ["pixel_values", "input_features", "audio_mask"]


AudioVisualProcessor.register_for_auto_class()

__all__ = ["AudioVisualProcessor"]
