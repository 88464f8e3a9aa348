"""The demo under load on 127.0.0.1: 20 requests at once, each answered with a result or "queue is full", and the
files of finished requests removed from Gradio's cache by the app's `delete_cache` timer."""

import contextlib
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import PIL.Image
import pytest
from gradio_client import Client

from avesformer_hf.demo import app as demo_app
from avesformer_hf.inference.video import write_video
from helpers import save_tiny_model
from space_client import segment, tone, video_frames_and_audio

CONCURRENT_REQUESTS = 20


@contextlib.contextmanager
def launched(root, **build_kwargs):
    with pytest.MonkeyPatch.context() as patch:  # Gradio reads it when it checks an upload, too
        patch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
        demo = demo_app.build_demo(save_tiny_model(root / "model"), root / "examples", **build_kwargs)
        demo_app.launch(demo, port=None, prevent_thread_lock=True, quiet=True)
        try:
            # httpx's default 5 s read timeout is shorter than an upload can wait on a busy 2-core machine
            yield Client(demo.local_url, verbose=False, httpx_kwargs={"timeout": 300})
        finally:
            demo.close()


def timed_segment(client, video):
    start = time.monotonic()
    try:
        return segment(client, video=video), time.monotonic() - start
    except Exception as error:  # the outcome is checked by the test
        return error, time.monotonic() - start


def test_twenty_concurrent_requests_get_a_result_or_queue_full_and_the_server_goes_on(tmp_path):
    with launched(tmp_path) as client:
        example = sorted((tmp_path / "examples").glob("*.mp4"))[0]
        with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
            futures = [pool.submit(timed_segment, client, example) for _ in range(CONCURRENT_REQUESTS)]
            outcomes = [future.result(timeout=900) for future in futures]

        answered = [seconds for outcome, seconds in outcomes if not isinstance(outcome, Exception)]
        refused = [outcome for outcome, _ in outcomes if isinstance(outcome, Exception)]
        for outcome, _ in outcomes:
            if isinstance(outcome, Exception):
                assert "Queue is full" in str(outcome), repr(outcome)
            else:
                overlay, gallery, _, _ = outcome
                assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5
        assert len(answered) >= demo_app.QUEUE_SIZE  # at most the requests beyond the queue are refused
        print(
            f"\n{CONCURRENT_REQUESTS} concurrent requests: {len(answered)} answered, {len(refused)} queue full; "
            f"latency of the answered min {min(answered):.2f} s, median {statistics.median(answered):.2f} s, "
            f"max {max(answered):.2f} s"
        )
        overlay, gallery, _, _ = segment(client, video=example)
        assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5


def cached_files(root: Path) -> set[Path]:
    return {path for path in (root / "gradio").rglob("*") if path.is_file()}


def empty_folders(root: Path) -> list[Path]:
    folders = [path for path in (root / "gradio").rglob("*") if path.is_dir() and path.name != demo_app.OUTPUT_FOLDER]
    return [folder for folder in folders if not any(folder.iterdir())]


def test_uploads_and_outputs_of_every_request_leave_the_cache_and_the_app_goes_on(tmp_path):
    with launched(tmp_path, cache_max_age_s=20) as client:
        kept = cached_files(tmp_path)  # the example clips: Gradio keeps them
        frames = [PIL.Image.new("RGB", (64, 64), (30 * index, 90, 0)) for index in range(3)]
        (tmp_path / "notes.mp4").write_text("not a video")
        good = [write_video(tmp_path / f"clip{index}.mp4", frames, audio=tone(3 + index)) for index in range(3)]
        bad = [write_video(tmp_path / "silent.mp4", frames), tmp_path / "notes.mp4"]
        seen = set()
        for video in good + bad:
            try:
                segment(client, video=video)
            except Exception as error:
                assert video in bad and ("has no audio track" in str(error) or "not a readable video" in str(error))
            seen |= cached_files(tmp_path) - kept
        assert len({path.name for path in seen} & {video.name for video in good + bad}) == 5  # every upload was there

        deadline = time.monotonic() + 120
        while cached_files(tmp_path) != kept and time.monotonic() < deadline:
            time.sleep(1)
        assert cached_files(tmp_path) == kept
        while empty_folders(tmp_path) and time.monotonic() < deadline:  # a request clears the older empty folders
            with pytest.raises(Exception, match="notes.mp4: not a readable video"):
                segment(client, video=tmp_path / "notes.mp4")
            time.sleep(2)
        assert not empty_folders(tmp_path)

        overlay, gallery, _, _ = segment(client, video=sorted((tmp_path / "examples").glob("*.mp4"))[0])
        assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5
