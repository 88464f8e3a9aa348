"""Functions the tests run in a child process (a child imports them by name, so they live in a module)."""

import os
import time
from pathlib import Path

import numpy as np


def arrays_and_meta(height, width):
    frames = np.arange(2 * height * width * 3, dtype=np.uint8).reshape(2, height, width, 3)
    return {"fps": 1.0, "names": ["a", "b"]}, {"frames": frames, "waveform": np.linspace(-1, 1, 7, dtype=np.float32)}


def raise_value_error(path):
    raise ValueError(f"{path}: not what was expected")


def abort():
    os.abort()


def exit_three():
    os._exit(3)


def sleep_long():
    time.sleep(600)


def decode_or_die(video, image, audio, limits):
    """The demo's decoder, except that an upload named abort*.mp4 aborts the child and exit*.mp4 exits it."""
    from avesformer_hf.demo.uploads import decode_upload

    name = Path(video or "").name
    if name.startswith("abort"):
        os.abort()
    if name.startswith("exit"):
        os._exit(3)
    return decode_upload(video, image, audio, limits)
