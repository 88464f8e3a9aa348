"""The Live tab in a real headless browser: Debian chromium's fake camera and microphone play a SynthAVS clip, the
page streams them to the server, overlays come back with frames/s on the page, and the masks behind them are the
library's causal streaming masks for exactly the frames and audio the server received. Screenshots go to
test-artifacts/."""

import base64
import io
import re
import time
from collections import OrderedDict

import numpy as np
import PIL.Image
from playwright.sync_api import expect, sync_playwright
from transformers import AutoModel

from avesformer_hf.demo import app as demo_app
from avesformer_hf.demo import live as demo_live
from avesformer_hf.inference import load_processor
from avesformer_hf.inference.overlay import render_overlay
from avesformer_hf.inference.live import replay
from avesformer_hf.inference.precision import prepare_for_inference
from fake_media import write_fake_devices
from browser import ARTIFACTS, BROWSER_ARGS, chromium_path
from helpers import save_tiny_model


def fake_device_args(video, sound) -> list[str]:
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}", f"--use-file-for-fake-audio-capture={sound}"]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what() if callable(what) else what}"
        time.sleep(0.5)


def start_live_streaming(page):
    page.get_by_role("tab", name="Live").click()
    page.get_by_role("button", name="Record").click()  # the microphone
    page.get_by_text("Click to Access Webcam").click()
    page.get_by_role("button", name="capture photo").click()  # the webcam's start-streaming button


def ensure_microphone_chunks_arrive(page, segmenter, attempts: int = 3):
    """Gradio's streaming microphone sometimes sends no chunk at all although the page shows it recording (about one
    start in ten here, with no error in the page or on the server: the audio event is never called). A user stops
    and starts it again; the restart resets the session (`on_start`), so what is checked below is one clean stream."""
    microphone = page.locator("#live-microphone")
    for _ in range(attempts):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not segmenter.stats()["audio_chunks"]:
            time.sleep(0.5)
        if segmenter.stats()["audio_chunks"]:
            return
        microphone.get_by_role("button", name="Stop").click()
        microphone.get_by_role("button", name="Record").click()
    raise AssertionError(f"no microphone chunk reached the server after {attempts} starts")


def decode_data_url(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(PIL.Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def test_live_tab_streams_camera_and_microphone_and_shows_the_librarys_masks(tmp_path, monkeypatch):
    executable = chromium_path()
    video, sound, _ = write_fake_devices(tmp_path)
    monkeypatch.setattr(demo_live, "RECORD", True)
    monkeypatch.setattr(demo_live, "_sessions", OrderedDict())
    model_dir = save_tiny_model(tmp_path / "model")
    demo = demo_app.build_demo(default_model=model_dir, examples_dir=tmp_path / "examples")
    demo_app.launch(demo, port=None, prevent_thread_lock=True, quiet=True)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS + fake_device_args(video, sound))
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(demo.local_url, timeout=60_000)
            start_live_streaming(page)
            expect(page.locator("#live-stats")).to_contain_text(re.compile(r"\d+\.\d frames/s"), timeout=180_000)
            segmenter = next(iter(demo_live._sessions.values()))
            ensure_microphone_chunks_arrive(page, segmenter)
            # Two hops of sound (so VGGish ran on real audio) and a few frames segmented with it.
            wait_for(lambda: segmenter.stats()["audio_chunks"] >= 9 and segmenter.stats()["frames"] >= 4, 180,
                     lambda: f"audio and frames (have {segmenter.stats()})")
            # One read of the element: two reads could straddle the next overlay replacing it.
            shown_index, shown_src = page.locator("#live-overlay").evaluate("img => [Number(img.dataset.frame), img.src]")
            page.locator("#live-output").screenshot(path=str(ARTIFACTS / "live_overlay.png"))
            page.screenshot(path=str(ARTIFACTS / "live_page.png"), full_page=True)
            stats_text = page.locator("#live-stats").inner_text()
            browser.close()
    finally:
        demo.close()

    recorded = list(segmenter.recorded)
    audio = [event for event in recorded if event[0] == "audio"]
    frames = [event[1] for event in recorded if event[0] == "frame"]
    served_masks = [event[2] for event in recorded if event[0] == "frame"]
    assert len(audio) >= 9 and len(frames) >= 4 and "frames/s" in stats_text
    assert all(rate >= 8000 and samples.size for _, rate, samples in audio)

    model, _ = prepare_for_inference(AutoModel.from_pretrained(model_dir), demo_live.LIVE_DTYPE)
    expected = replay(model, load_processor(model_dir), recorded)
    assert len(expected) == len(served_masks)
    for served, library in zip(served_masks, expected):
        np.testing.assert_array_equal(served, library)
    # The overlay on the page is the received frame with the library's mask, pixel for pixel (PNG both ways).
    np.testing.assert_array_equal(decode_data_url(shown_src), np.asarray(render_overlay(frames[shown_index], expected[shown_index])))
    assert (ARTIFACTS / "live_page.png").stat().st_size > 10_000
