"""AudioVisualProcessor: frames + waveform of each clip -> model inputs; model logits -> masks."""

import numpy as np
from transformers.feature_extraction_utils import BatchFeature
from transformers.processing_utils import ProcessorMixin

from .feature_extraction_vggish import VGGishFeatureExtractor, is_batch_of_clips
from .image_processing_avesformer import AVESFormerImageProcessor


class AudioVisualProcessor(ProcessorMixin):
    r"""
    Wraps an [`AVESFormerImageProcessor`] (frames, masks, post-processing) and a [`VGGishFeatureExtractor`]
    (audio). One clip is a list of T frames with its waveform; T is taken from the frames and the audio gives
    one 0.96-s example per frame.
    """

    def __init__(self, image_processor=None, feature_extractor=None, **kwargs):
        image_processor = AVESFormerImageProcessor() if image_processor is None else image_processor
        feature_extractor = VGGishFeatureExtractor() if feature_extractor is None else feature_extractor
        super().__init__(image_processor, feature_extractor, **kwargs)

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
            `BatchFeature` with `pixel_values` [B, T, 3, H, W], `input_features` [B, T, 1, 96, 64], and when
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
        if audio is not None:
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
