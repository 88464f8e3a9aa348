"""What the demo (Space) tests share: a test tone, the app's /segment call through gradio_client, and the frame
count and audio check of a video it returns."""

import av
import numpy as np
from gradio_client import handle_file


def tone(seconds, rate=16000):
    return (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def segment(client, video=None, image=None, audio=None, model=None):
    files = [handle_file(str(item)) if item is not None else None for item in (video, image, audio)]
    return client.predict(*files, model, api_name="/segment")


def video_frames_and_audio(path):
    with av.open(str(path)) as container:
        has_audio = bool(container.streams.audio)
        frames = sum(1 for _ in container.decode(video=0))
    return frames, has_audio
