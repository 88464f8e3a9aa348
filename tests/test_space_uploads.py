"""A sweep of bad uploads against the demo on 127.0.0.1 (through gradio_client): each ends in a one-line error that
names the upload by its own name (no server path), a decoder that dies ends one request only, the Model box
offers only the deployer's models, and the app serves the next request. The table is in docs/reliability.md."""

import os
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import av
import httpx
import numpy as np
import PIL.Image
import pytest
import soundfile
from gradio_client import Client

from avesformer_hf.demo import app as demo_app
from avesformer_hf.hub.space import SPACE_DIR
from child_functions import decode_or_die
from helpers import save_tiny_model
from space_client import segment, tone, video_frames_and_audio


def write_clip(path, size=(64, 64), seconds=3, layout="mono", video=True, sound_seconds=None):
    """An mp4 with `seconds` frames at 1 fps of `size` (any size: yuv444p) and/or `sound_seconds` (default:
    `seconds`) of a tone in channel `layout`."""
    with av.open(str(path), mode="w") as container:
        if video:
            stream = container.add_stream("libx264", rate=1)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv444p"
        sound = container.add_stream("aac", rate=16000) if layout else None
        if sound is not None:
            sound.layout = layout
        for index in range(seconds if video else 0):
            picture = PIL.Image.new("RGB", size, (40 * index % 256, 90, 200))
            container.mux(stream.encode(av.VideoFrame.from_image(picture).reformat(format="yuv444p")))
        if video:
            container.mux(stream.encode())
        if sound is not None:
            # from mono through the resampler: AudioFrame.from_ndarray does not take 8 channels in PyAV 18
            mono = av.AudioFrame.from_ndarray(tone(sound_seconds or seconds)[None], format="flt", layout="mono")
            mono.sample_rate = 16000
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=16000, frame_size=1024)
            for frame in resampler.resample(mono) + resampler.resample(None):
                container.mux(sound.encode(frame))
            container.mux(sound.encode())
    return path


def corrupt_header(folder):
    path = write_clip(folder / "corrupt.mp4")
    data = bytearray(path.read_bytes())
    data[:64] = os.urandom(64)
    path.write_bytes(bytes(data))
    return dict(video=path)


def still_and_sound(folder, image_size=(80, 60), seconds=3.0, audio_bytes=None, image_bytes=None):
    image, audio = folder / "still.png", folder / "sound.wav"
    if image_bytes is None:
        PIL.Image.new("RGB", image_size, (200, 40, 40)).save(image)
    else:
        image.write_bytes(image_bytes)
    if audio_bytes is None:
        soundfile.write(audio, tone(seconds), 16000)
    else:
        audio.write_bytes(audio_bytes)
    return dict(image=image, audio=audio)


def named(folder, name, data):
    (folder / name).write_bytes(data)
    return folder / name


CASES = {  # case: (inputs made in a folder, what the error says)
    "empty file": (lambda d: dict(video=named(d, "empty.mp4", b"")), "The video empty.mp4 is empty (0 bytes)"),
    "not a video": (lambda d: dict(video=named(d, "notes.mp4", b"these are my notes\n" * 50)),
                    "notes.mp4: not a readable video file"),
    "corrupt mp4 header": (corrupt_header, "corrupt.mp4: not a readable video file"),
    "video without audio": (lambda d: dict(video=write_clip(d / "silent.mp4", layout=None)),
                            "silent.mp4 has no audio track"),
    "audio-only file as the video": (lambda d: dict(video=write_clip(d / "sound_only.mp4", video=False)),
                                     "sound_only.mp4 holds no video stream"),
    "too long": (lambda d: dict(video=write_clip(d / "long.mp4", seconds=25)),
                 "long.mp4 is 25.0 s long; this demo takes clips up to 20 s"),
    "1x1 video": (lambda d: dict(video=write_clip(d / "dot.mp4", size=(1, 1))),
                  "dot.mp4 is 1x1 pixels; this demo needs at least 32x32"),
    "huge resolution video": (lambda d: dict(video=write_clip(d / "huge.mp4", size=(4000, 2400), seconds=2)),
                              "huge.mp4 is 4000x2400 pixels; this demo takes pictures of up to 8.3 megapixels"),
    # AAC codes whole 1024-sample frames (plus its priming frame): 0.5 s of sound comes back as 0.58 s
    "sound shorter than one audio window": (lambda d: dict(video=write_clip(d / "blink.mp4", seconds=1, sound_seconds=0.5)),
                                            "The sound of blink.mp4 is 0.58 s long; at least 0.97 s is needed"),
    "image without audio": (lambda d: {"image": still_and_sound(d)["image"]}, "An image needs an audio file with it"),
    "audio without image": (lambda d: {"audio": still_and_sound(d)["audio"]}, "An image needs an audio file with it"),
    "zero-byte audio": (lambda d: still_and_sound(d, audio_bytes=b""), "The audio file sound.wav is empty (0 bytes)"),
    "not an audio file": (lambda d: still_and_sound(d, audio_bytes=b"RIFF but not really" * 10),
                          "sound.wav is not an audio file this demo can read"),
    "audio shorter than one window": (lambda d: still_and_sound(d, seconds=0.5),
                                      "The sound of sound.wav is 0.50 s long; at least 0.97 s is needed"),
    "huge image": (lambda d: still_and_sound(d, image_size=(5000, 5000)),
                   "still.png is 5000x5000 pixels; this demo takes pictures of up to 8.3 megapixels"),
    "decoder aborts (SIGABRT)": (lambda d: dict(video=write_clip(d / "abort.mp4")),
                                 "Reading abort.mp4 crashed the decoder (killed by SIGABRT)"),
    "decoder exits": (lambda d: dict(video=write_clip(d / "exit.mp4")), "Reading exit.mp4 crashed the decoder (exit status 3)"),
    "unknown model name": (lambda d: dict(video=write_clip(d / "fine.mp4"), model="someone/another-model"),
                           "Value: someone/another-model is not in the list of choices: ['model']"),
    "local folder as the model": (lambda d: dict(video=write_clip(d / "fine.mp4"), model="/etc"),
                                  "Value: /etc is not in the list of choices: ['model']"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:  # Gradio reads it when it checks an upload, too
        patch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
        demo = demo_app.build_demo(save_tiny_model(root / "model"), root / "examples", decode=decode_or_die)
        demo_app.launch(demo, port=None, prevent_thread_lock=True, quiet=True)
        try:
            yield demo, Client(demo.local_url, verbose=False), root
        finally:
            demo.close()


@pytest.mark.parametrize("case", CASES)
def test_bad_upload_gives_a_one_line_error_without_server_paths(app, tmp_path, case):
    _, client, root = app
    make_inputs, message = CASES[case]
    with pytest.raises(Exception) as caught:
        segment(client, **make_inputs(tmp_path))
    text = str(caught.value)
    assert message in text and "\n" not in text.strip()
    for server_path in (tempfile.gettempdir(), str(root), "gradio/"):
        assert server_path not in text


def test_a_file_over_the_size_limit_is_refused_by_the_server(app, tmp_path):
    demo, _, _ = app
    big = os.urandom(int((demo_app.MAX_FILE_MB + 1) * 2**20))
    response = httpx.post(f"{demo.local_url}gradio_api/upload", files={"files": ("big.mp4", big)}, timeout=120)
    assert response.status_code == 413 and "exceeded maximum allowed size of 52428800 bytes" in response.text


def test_eight_channel_audio_crashes_no_more_than_its_own_request(app, tmp_path):
    """7.1 sound segfaulted PyAV in `AudioFrame.to_ndarray()`: either it is decoded now, or the child that crashed
    is reported and the server goes on."""
    _, client, root = app
    path = write_clip(tmp_path / "surround.mp4", layout="7.1")
    with av.open(str(path)) as container:
        assert container.streams.audio[0].channels == 8
    try:
        overlay, gallery, _, _ = segment(client, video=path)
    except Exception as error:
        assert "Reading surround.mp4 crashed the decoder (killed by SIGSEGV)" in str(error)
    else:
        assert video_frames_and_audio(overlay) == (3, True) and len(gallery) == 3
    overlay, gallery, _, _ = segment(client, video=sorted((root / "examples").glob("*.mp4"))[0])
    assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5


def test_after_the_sweep_the_app_serves_videos_and_stills(app, tmp_path):
    _, client, root = app
    overlay, gallery, _, _ = segment(client, video=sorted((root / "examples").glob("*.mp4"))[1])
    assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5
    _, gallery, _, _ = segment(client, **still_and_sound(tmp_path, image_size=(33, 40), seconds=2.5))
    assert len(gallery) == 2


def test_models_are_the_deployers_choice(tmp_path, monkeypatch):
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    monkeypatch.delenv(demo_app.ALLOWED_MODELS_ENV, raising=False)
    assert demo_app.allowed_model_refs(first) == [first]
    monkeypatch.setenv(demo_app.ALLOWED_MODELS_ENV, f"{second}, someone/avesformer")
    assert demo_app.allowed_model_refs(first) == [first, second, "someone/avesformer"]
    assert demo_app.allowed_model_refs(first, allowed=[first]) == [first]
    models = demo_app.model_choices([first, second, "someone/avesformer"])
    assert models == {"first": first, "second": second, "someone/avesformer": "someone/avesformer"}
    assert demo_app.model_choices([first, str(tmp_path / "x" / "first")]) == {first: first, str(tmp_path / "x" / "first"): str(tmp_path / "x" / "first")}

    loaded = []
    monkeypatch.setattr(demo_app, "load_model", loaded.append)
    for name in ("/etc", first, "someone/other"):
        with pytest.raises(Exception, match="is not offered by this demo; choose one of: first, second, someone/avesformer"):
            demo_app.segment(str(tmp_path / "any.mp4"), None, None, name, models=models, output_root=tmp_path)
    assert loaded == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_space_app_run_as_a_script_decodes_in_children_and_survives_eight_channel_audio(tmp_path):
    """`python app.py` as on a Space: each decoding child imports app.py again, where it must build nothing."""
    space = tmp_path / "space"
    shutil.copytree(SPACE_DIR, space)
    port = free_port()
    env = {**os.environ, demo_app.MODEL_ENV: save_tiny_model(tmp_path / "model"), "GRADIO_SERVER_PORT": str(port),
           "GRADIO_TEMP_DIR": str(tmp_path / "gradio"), "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen([sys.executable, str(space / "app.py")], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None, "the Space app exited"
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                break
            except Exception:
                assert time.monotonic() < deadline, "the Space app did not start"
                time.sleep(2)
        example = sorted((space / "examples").glob("*.mp4"))[0]
        assert len(segment(client, video=example)[1]) == 5
        try:
            assert len(segment(client, video=write_clip(tmp_path / "surround.mp4", layout="7.1"))[1]) == 3
        except Exception as error:
            assert "Reading surround.mp4 crashed the decoder (killed by SIGSEGV)" in str(error)
        assert len(segment(client, video=example)[1]) == 5
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_the_space_app_builds_nothing_when_imported_by_a_child(monkeypatch):
    monkeypatch.setattr(demo_app, "build_demo", lambda *args, **kwargs: pytest.fail("app.py built a demo on import"))
    namespace = runpy.run_path(str(SPACE_DIR / "app.py"), run_name="__mp_main__")
    assert callable(namespace["main"])
