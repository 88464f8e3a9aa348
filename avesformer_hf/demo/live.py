"""The demo's "Live" tab: the webcam and the microphone stream to the server, overlays come back as they are computed.

Transport: Gradio's own streaming events (FastRTC is not a dependency). The webcam `gr.Image(streaming=True)` sends a
frame every `FRAME_EVERY` s and the microphone `gr.Audio(streaming=True)` a chunk every `AUDIO_EVERY` s; each is one
long-running event per browser tab that Gradio feeds with the newest input only (a new chunk replaces the one
waiting, it is not queued). So when segmenting a frame takes longer than the frame interval, the frames in between
are dropped: no backlog, the overlay is at most one frame's compute behind. Each browser session gets its own
`live.LiveSegmenter` (causal audio pairing, bounded state); the page shows the frames/s the server reaches and the
per-frame latency from the frame's arrival to its overlay.
"""

import functools
import html
import os
import threading
import time
from collections import OrderedDict

import gradio as gr

from ..inference.live import LiveSegmenter, png_data_url
from ..inference.precision import DTYPE_CHOICES, prepare_for_inference

FRAME_EVERY = float(os.environ.get("AVESFORMER_LIVE_FRAME_EVERY", 0.1))  # the camera is asked for 10 frames/s
AUDIO_EVERY = 0.25
LIVE_SECONDS = int(os.environ.get("AVESFORMER_LIVE_SECONDS", 300))  # one stream's time limit
LIVE_STREAMS = int(os.environ.get("AVESFORMER_LIVE_STREAMS", 2))  # browser tabs streaming at once
LIVE_DTYPE = os.environ.get("AVESFORMER_LIVE_DTYPE", "auto")
# The model sees 224x224: a larger camera picture only costs transfer, JPEG decoding and overlay drawing.
CAMERA = {"video": {"width": {"ideal": 320}, "height": {"ideal": 240}}}
MAX_SESSIONS = 8  # segmenters kept (least recently used dropped)
RECORD = False  # tests set it: each session keeps what it received and computed (`LiveSegmenter.recorded`)

_sessions: OrderedDict = OrderedDict()
_sessions_lock = threading.Lock()


def load_live_model(model_ref: str, dtype: str, load_model):
    """(model, processor, dtype name): the demo's model in the live dtype (a copy when that is not fp32, so that the
    upload path keeps its fp32 weights). One at a time, like `app.load_model`: a session's first frame and first
    microphone chunk arrive together, and two models would give the session two segmenters, one replacing the other."""
    with _loading:
        return _load_live_model_once(model_ref, dtype, load_model)


_loading = threading.Lock()


@functools.lru_cache(maxsize=2)
def _load_live_model_once(model_ref: str, dtype: str, load_model):
    import copy

    if dtype not in DTYPE_CHOICES:
        raise ValueError(f"AVESFORMER_LIVE_DTYPE must be one of {list(DTYPE_CHOICES)}, got {dtype!r}")
    model, processor = load_model(model_ref)
    live_model, name = prepare_for_inference(model if dtype == "fp32" else copy.deepcopy(model), dtype)
    if name == "fp32" and live_model is not model:
        live_model = model
    return live_model, processor, name


def session_segmenter(key: str, model_ref: str, load_model, reset: bool = False) -> tuple[LiveSegmenter, str]:
    model, processor, dtype = load_live_model(model_ref, LIVE_DTYPE, load_model)
    with _sessions_lock:
        segmenter = _sessions.get(key)
        if segmenter is None or segmenter.model is not model:
            segmenter = LiveSegmenter(model, processor, record=RECORD)
            _sessions[key] = segmenter
        _sessions.move_to_end(key)
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)
    if reset:
        segmenter.reset()
    return segmenter, dtype


def render(result, stats: dict, dtype: str) -> str:
    """The overlay and the figures, as one HTML block (no file per frame on the server's disk)."""
    # Both are None until frames are timed, also right after a restart of the microphone resets the session.
    fps = "…" if stats["fps"] is None else f"{stats['fps']:.1f}"
    latency = "…" if stats["latency_ms"] is None else f"{stats['latency_ms']:.0f}"
    sound = f"{stats['audio_chunks']} microphone chunks" if stats["audio_chunks"] else "no microphone audio yet (silence)"
    figures = (f"<b>{fps} frames/s</b> · latency {latency} ms per frame (arrival → overlay) · "
               f"frame {result.index + 1} · {html.escape(dtype)} weights · {sound}")
    return (f'<img id="live-overlay" data-frame="{result.index}" src="{png_data_url(result.overlay)}" '
            f'style="width:100%;max-width:640px"/><p id="live-stats">{figures}</p>')


def build_live_tab(model_ref: str, load_model) -> None:
    """Adds the "Live" tab to the Blocks being built; `load_model(model_ref) -> (model, processor)` (cached)."""

    def segmenter_for(request: gr.Request, reset: bool = False) -> tuple[LiveSegmenter, str]:
        try:
            return session_segmenter(request.session_hash, model_ref, load_model, reset=reset)
        except Exception as error:  # a missing or broken model, a bad setting: one line on the page
            raise gr.Error(str(error).splitlines()[0], print_exception=False) from error

    def on_audio(chunk, request: gr.Request):
        if chunk is not None:
            segmenter_for(request)[0].add_audio(*chunk)

    def on_start(request: gr.Request):
        segmenter_for(request, reset=True)

    def on_frame(frame, request: gr.Request):
        received = time.perf_counter()
        if frame is None:
            return gr.skip()
        segmenter, dtype = segmenter_for(request)
        result = segmenter.segment(frame, received=received)
        return render(result, segmenter.stats(), dtype)

    with gr.Tab("Live"):
        gr.Markdown(
            "Start the microphone, then the webcam. Each frame is segmented with the second of sound that ends at it; "
            "when the server is slower than the camera it skips frames instead of falling behind."
        )
        with gr.Row():
            with gr.Column():
                camera = gr.Image(label="Webcam", sources=["webcam"], streaming=True, type="numpy",
                                  webcam_options=gr.WebcamOptions(mirror=False, constraints=CAMERA))
                microphone = gr.Audio(label="Microphone", sources=["microphone"], streaming=True, type="numpy",
                                      elem_id="live-microphone")
            with gr.Column():
                overlay = gr.HTML(label="Sounding objects, live", elem_id="live-output")
        microphone.start_recording(on_start, inputs=None, outputs=None, queue=False)
        microphone.stream(on_audio, inputs=[microphone], outputs=None, stream_every=AUDIO_EVERY,
                          time_limit=LIVE_SECONDS, concurrency_limit=LIVE_STREAMS, concurrency_id="live-audio",
                          show_progress="hidden")
        camera.stream(on_frame, inputs=[camera], outputs=[overlay], stream_every=FRAME_EVERY,
                      time_limit=LIVE_SECONDS, concurrency_limit=LIVE_STREAMS, concurrency_id="live-frames",
                      show_progress="hidden")


__all__ = ["build_live_tab"]
