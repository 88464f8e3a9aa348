"""VGGishFeatureExtractor: waveforms -> VGGish log-mel examples, `input_features` [B, T, 1, 96, 64].

The maths is the reference VGGish front end (and so AVSBench's): 16 kHz mono, periodic Hann window of
400 samples, hop 160, 512-point FFT magnitude, no centring; 64 HTK-mel bands over 125-7500 Hz with
filters triangular in mel space and the DC bin weighted 0; log(mel + 0.01); non-overlapping 96-frame
(0.96 s) examples. It is kept here in plain numpy so the file has no dependency beyond numpy and
transformers (it is part of the remote-code set).
"""

import numpy as np
from transformers.feature_extraction_sequence_utils import SequenceFeatureExtractor
from transformers.feature_extraction_utils import BatchFeature

PAD_MODES = ("repeat", "zeros")


def hertz_to_mel_htk(frequency):
    return 1127.0 * np.log1p(np.asarray(frequency, dtype=np.float64) / 700.0)


def vggish_mel_matrix(
    num_spectrogram_bins: int, sampling_rate: int, num_mel_bins: int, min_frequency: float, max_frequency: float
) -> np.ndarray:
    """[num_spectrogram_bins, num_mel_bins] weights, triangular in HTK-mel space, DC row zero."""
    bin_mels = hertz_to_mel_htk(np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins))
    edges = np.linspace(hertz_to_mel_htk(min_frequency), hertz_to_mel_htk(max_frequency), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bin_mels[:, None] - lower) / (center - lower)
    falling = (upper - bin_mels[:, None]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


def periodic_hann(length: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)


def to_float_waveform(waveform: np.ndarray, what: str) -> np.ndarray:
    """Integer PCM -> float in [-1, 1) (int16 / 32768, as VGGish does); float input is taken as is."""
    if np.issubdtype(waveform.dtype, np.signedinteger):
        return waveform.astype(np.float64) / float(-np.iinfo(waveform.dtype).min)
    if np.issubdtype(waveform.dtype, np.floating):
        if not np.isfinite(waveform).all():
            raise ValueError(f"{what}: samples must be finite, got NaN or inf")
        return waveform.astype(np.float64)
    raise ValueError(f"{what}: audio must be signed integer PCM or float, got dtype {waveform.dtype}")


def to_mono(waveform: np.ndarray, what: str) -> np.ndarray:
    """1-D mono stays; 2-D [samples, channels] or [channels, samples] (the shorter axis is channels) is averaged."""
    if waveform.ndim == 1:
        return waveform
    if waveform.ndim == 2:
        channel_axis = int(np.argmin(waveform.shape))
        return waveform.mean(axis=channel_axis)
    raise ValueError(
        f"{what}: expected a waveform of shape [samples] or [samples, channels], got shape {tuple(waveform.shape)}; "
        "pass a batch as a list of waveforms"
    )


def resample(waveform: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Band-limited resampling with soxr (imported here so the file loads without it)."""
    try:
        import soxr
    except ImportError as error:
        raise ImportError(
            f"resampling audio from {orig_rate} Hz to {target_rate} Hz needs the `soxr` package (pip install soxr)"
        ) from error
    return soxr.resample(waveform, orig_rate, target_rate, quality="VHQ")


def load_waveform(raw: object, sampling_rate: int, target_rate: int, what: str) -> np.ndarray:
    """Any accepted clip (numpy, torch, list; int or float; mono or multi-channel) -> mono float at `target_rate`."""
    if hasattr(raw, "detach"):
        raw = raw.detach().cpu().numpy()
    elif isinstance(raw, (list, tuple)):
        raw = np.asarray(raw, dtype=np.float64)  # plain lists are float samples, never PCM integers
    waveform = to_mono(to_float_waveform(np.asarray(raw), what), what)
    if sampling_rate != target_rate:
        waveform = resample(waveform, sampling_rate, target_rate)
    return waveform


def fit_to_num_frames(examples: np.ndarray, num_frames: int, pad_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Cut or fill [n, ...] to [num_frames, ...] (repeating the last item or adding zeros); also return the
    [num_frames] mask of real items."""
    available = min(len(examples), num_frames)
    mask = np.zeros(num_frames, dtype=np.int64)
    mask[:available] = 1
    missing = num_frames - available
    if missing == 0:
        return examples[:num_frames], mask
    filler = examples[-1:] if pad_mode == "repeat" else np.zeros_like(examples[:1])
    return np.concatenate([examples, np.repeat(filler, missing, axis=0)]), mask


class VGGishFeatureExtractor(SequenceFeatureExtractor):
    r"""
    Turns waveforms into VGGish log-mel examples, one 0.96-s example per video frame.

    Args:
        feature_size (`int`, defaults to 64): number of mel bands.
        sampling_rate (`int`, defaults to 16000): rate the features are computed at; other input rates are
            resampled to it.
        win_length (`int`, defaults to 400), hop_length (`int`, defaults to 160), n_fft (`int`, defaults to 512):
            STFT window, hop and FFT size in samples.
        min_frequency, max_frequency (`float`, defaults to 125 and 7500): edges of the mel filter bank in Hz.
        log_offset (`float`, defaults to 0.01): added to the mel energies before the log.
        example_length (`int`, defaults to 96): STFT frames per example (0.96 s).
        num_frames (`int`, *optional*): examples per clip T. Fewer are filled according to `pad_mode`, more
            are cut. `None` keeps every example.
        pad_mode (`str`, defaults to `"repeat"`): `"repeat"` repeats the last example (S4/MS3 convention);
            `"zeros"` appends zero examples and returns `audio_mask` (AVSS convention).
    """

    model_input_names = ["input_features"]

    def __init__(
        self,
        feature_size: int = 64,
        sampling_rate: int = 16000,
        padding_value: float = 0.0,
        win_length: int = 400,
        hop_length: int = 160,
        n_fft: int = 512,
        min_frequency: float = 125.0,
        max_frequency: float = 7500.0,
        log_offset: float = 0.01,
        example_length: int = 96,
        num_frames: int | None = None,
        pad_mode: str = "repeat",
        **kwargs,
    ):
        super().__init__(feature_size=feature_size, sampling_rate=sampling_rate, padding_value=padding_value, **kwargs)
        check_pad_mode(pad_mode)
        self.win_length = win_length
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.min_frequency = min_frequency
        self.max_frequency = max_frequency
        self.log_offset = log_offset
        self.example_length = example_length
        self.num_frames = num_frames
        self.pad_mode = pad_mode

    @property
    def samples_per_example(self) -> int:
        """Fewest samples that give one example: 15,600 at the defaults (0.975 s)."""
        return (self.example_length - 1) * self.hop_length + self.win_length

    def log_mel(self, waveform: np.ndarray) -> np.ndarray:
        """Mono float waveform at `sampling_rate` -> log-mel frames [num_stft_frames, feature_size] float64."""
        frames = np.lib.stride_tricks.sliding_window_view(waveform, self.win_length)[:: self.hop_length]
        magnitude = np.abs(np.fft.rfft(frames * periodic_hann(self.win_length), n=self.n_fft))
        mel_matrix = vggish_mel_matrix(
            self.n_fft // 2 + 1, self.sampling_rate, self.feature_size, self.min_frequency, self.max_frequency
        )
        return np.log(magnitude @ mel_matrix + self.log_offset)

    def examples(self, waveform: np.ndarray, max_examples: int | None = None) -> np.ndarray:
        """Mono float waveform at `sampling_rate` -> [n, 1, example_length, feature_size] float32 (n >= 1)."""
        num_examples = 1 + (len(waveform) - self.samples_per_example) // (self.example_length * self.hop_length)
        if max_examples is not None:
            num_examples = min(num_examples, max_examples)
        # Only the samples that feed the kept examples are transformed.
        used = (num_examples * self.example_length - 1) * self.hop_length + self.win_length
        log_mel = self.log_mel(waveform[:used])
        # [num_examples * 96, 64] -> [num_examples, 1, 96, 64]
        return log_mel.reshape(num_examples, 1, self.example_length, self.feature_size).astype(np.float32)

    def prepare_waveform(self, raw: object, sampling_rate: int, what: str) -> np.ndarray:
        """Any accepted clip (numpy, torch, list; int or float; mono or multi-channel) -> mono float at our rate."""
        waveform = load_waveform(raw, sampling_rate, self.sampling_rate, what)
        if len(waveform) < self.samples_per_example:
            raise ValueError(
                f"{what}: audio is {len(waveform) / self.sampling_rate:.3f} s long ({len(waveform)} samples at "
                f"{self.sampling_rate} Hz); one VGGish example needs at least {self.samples_per_example} samples "
                f"({self.samples_per_example / self.sampling_rate:.3f} s)"
            )
        return waveform

    def fit_to_num_frames(self, examples: np.ndarray, num_frames: int, pad_mode: str) -> tuple[np.ndarray, np.ndarray]:
        """Cut or fill [n, 1, 96, 64] to [num_frames, 1, 96, 64]; also return the [num_frames] mask of real examples."""
        return fit_to_num_frames(examples, num_frames, pad_mode)

    def __call__(
        self,
        raw_audio,
        sampling_rate: int | None = None,
        num_frames: int | None = None,
        pad_mode: str | None = None,
        return_tensors=None,
        **kwargs,
    ) -> BatchFeature:
        r"""
        Args:
            raw_audio: one clip (1-D [samples], 2-D [samples, channels] or [channels, samples], as numpy, torch
                or a list of numbers; int16 PCM or float) or a list of clips.
            sampling_rate (`int`): the rate of `raw_audio`. Required, so that audio at another rate is never
                silently misread.
            num_frames (`int`, *optional*): examples per clip; defaults to `self.num_frames`.
            pad_mode (`str`, *optional*): `"repeat"` or `"zeros"`; defaults to `self.pad_mode`.
            return_tensors (`str`, *optional*): `"pt"` or `"np"`.

        Returns:
            `BatchFeature` with `input_features` [B, T, 1, 96, 64] float32, and `audio_mask` [B, T] (1 = real
            audio) when `pad_mode` is `"zeros"`.
        """
        if sampling_rate is None:
            raise ValueError(
                f"sampling_rate is required: pass the rate of `raw_audio` in Hz (the features are computed at "
                f"{self.sampling_rate} Hz and other rates are resampled)"
            )
        num_frames = self.num_frames if num_frames is None else num_frames
        pad_mode = self.pad_mode if pad_mode is None else pad_mode
        check_pad_mode(pad_mode)
        if num_frames is not None and num_frames < 1:
            raise ValueError(f"num_frames must be a positive number of examples, got {num_frames}")

        clips = raw_audio if is_batch_of_clips(raw_audio) else [raw_audio]
        features, masks = [], []
        for index, clip in enumerate(clips):
            what = f"audio clip {index} of {len(clips)}" if len(clips) > 1 else "audio"
            examples = self.examples(self.prepare_waveform(clip, sampling_rate, what), max_examples=num_frames)
            if num_frames is not None:
                examples, mask = self.fit_to_num_frames(examples, num_frames, pad_mode)
                masks.append(mask)
            features.append(examples)

        check_same_length(features, "0.96-s examples")
        data = {"input_features": np.stack(features)}
        if num_frames is not None and pad_mode == "zeros":
            data["audio_mask"] = np.stack(masks)
        return BatchFeature(data=data, tensor_type=return_tensors)


def check_same_length(clips: list, what: str) -> int:
    """All clips must give the same number of windows (the common length is returned)."""
    lengths = sorted({len(clip) for clip in clips})
    if len(lengths) > 1:
        raise ValueError(
            f"the audio clips give different numbers of {what} ({', '.join(map(str, lengths))}); "
            "pass num_frames=T to cut or fill them to a common length"
        )
    return lengths[0]


def check_pad_mode(pad_mode: str):
    if pad_mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {PAD_MODES}, got {pad_mode!r}")


def is_batch_of_clips(raw_audio) -> bool:
    """A list/tuple whose items are themselves sequences or arrays is a batch; a list of numbers is one clip."""
    return isinstance(raw_audio, (list, tuple)) and len(raw_audio) > 0 and not np.isscalar(raw_audio[0])


VGGishFeatureExtractor.register_for_auto_class()

__all__ = ["VGGishFeatureExtractor"]
