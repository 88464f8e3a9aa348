"""Small mp4 files for tests, written with PyAV: one solid colour and one tone per second."""

import av
import numpy as np
import PIL.Image

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255)]


def tone_frequency(second: int) -> float:
    return 300.0 + 200.0 * second


def write_test_video(
    path, seconds: int = 5, fps: int = 10, size=(64, 48), audio_rate: int = 44100, audio_seconds: float | None = None,
    channels: int = 2, with_audio: bool = True,
):
    """Second s shows COLOURS[s] and sounds a tone of tone_frequency(s) Hz (`channels` identical channels)."""
    width, height = size
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = None
        if with_audio:
            audio = container.add_stream("aac", rate=audio_rate)
            audio.layout = "stereo" if channels == 2 else "mono"
        for index in range(seconds * fps):
            picture = PIL.Image.new("RGB", (width, height), COLOURS[index // fps % len(COLOURS)])
            container.mux(video.encode(av.VideoFrame.from_image(picture)))
        container.mux(video.encode())
        if audio is not None:
            times = np.arange(int((seconds if audio_seconds is None else audio_seconds) * audio_rate)) / audio_rate
            phase = 2 * np.pi * np.cumsum(tone_frequency(np.floor(times))) / audio_rate
            samples = np.repeat((0.5 * np.sin(phase)).astype(np.float32)[None], channels, axis=0)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=audio.layout.name)
            frame.sample_rate = audio_rate
            container.mux(audio.encode(frame))
            container.mux(audio.encode())
    return path


def dominant_frequency(waveform: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(waveform * np.hanning(len(waveform))))
    return spectrum.argmax() * rate / len(waveform)
