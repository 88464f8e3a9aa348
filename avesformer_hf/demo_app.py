"""The Gradio demo: a video with sound (or an image and an audio file) -> overlay video, per-frame masks, a zip.

`build_demo()` returns the Blocks; `spaces_demo/app.py` and `avesformer demo` launch it. Prediction goes through
`avesformer_hf.inference` like `avesformer predict`.
"""

import functools
import html
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import soundfile

from .demo_live import build_live_tab
from .example_clips import ensure_example_clips
from .feature_extraction_vggish import resample
from .image_processing_avesformer import label_to_color
from .inference import mask_image, predict_clip, save_prediction
from .video import SAMPLING_RATE, WINDOW_SAMPLES, Clip, open_container, read_clip, stream_duration

MODEL_ENV = "AVESFORMER_MODEL"
QUICKSTART_MODEL = "runs/quickstart/model"
TITLE = "AVESFormer: which object is making the sound?"
MAX_SECONDS = float(os.environ.get("AVESFORMER_MAX_SECONDS", 20))
MAX_FILE_MB = float(os.environ.get("AVESFORMER_MAX_FILE_MB", 50))
CONCURRENCY = 2  # requests segmented at once; the others wait in the queue
QUEUE_SIZE = 16
RUN_MAX_AGE_S = 3600  # outputs of older requests are deleted
WORK_DIR = Path(tempfile.gettempdir()) / "avesformer-demo"


class DemoError(Exception):
    """A problem with the user's input or model choice, shown to them as is."""


def default_model_ref(card: Path | None = None) -> str:
    """$AVESFORMER_MODEL, else the first `models:` entry of the Space card, else the quickstart model folder."""
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    if card is not None and card.is_file():
        from huggingface_hub import SpaceCard

        models = SpaceCard.load(card).data.get("models") or []
        if models:
            return models[0]
    return QUICKSTART_MODEL


@functools.lru_cache(maxsize=2)
def load_model(model_ref: str):
    """(model, processor) from a local folder or a Hub id, kept for the next requests."""
    from transformers import AutoModel

    from .commands.predict import load_processor

    looks_local = Path(model_ref).exists() or model_ref.startswith((".", "/", "~")) or model_ref.count("/") != 1
    if looks_local and not (Path(model_ref).expanduser() / "config.json").is_file():
        raise DemoError(f"Model folder {model_ref!r} not found (or holds no config.json).")
    try:
        model = AutoModel.from_pretrained(str(Path(model_ref).expanduser()) if looks_local else model_ref).eval()
    except (OSError, ValueError) as error:
        raise DemoError(f"Could not load the model {model_ref!r}: {error}") from error
    return model, load_processor(model_ref)


def check_file_size(path: str, what: str) -> None:
    megabytes = os.path.getsize(path) / 2**20
    if megabytes > MAX_FILE_MB:
        raise DemoError(f"The {what} is {megabytes:.1f} MB; this demo takes files up to {MAX_FILE_MB:g} MB.")


def check_length(seconds: float) -> None:
    if seconds > MAX_SECONDS + 1e-3:
        raise DemoError(
            f"The clip is {seconds:.1f} s long; this demo takes clips up to {MAX_SECONDS:g} s. Trim it and try again."
        )


def video_seconds(path: str) -> float | None:
    with open_container(path) as container:
        if not container.streams.video:
            raise DemoError("The file holds no video stream.")
        if not container.streams.audio:
            raise DemoError("The video has no audio track: AVESFormer needs the sound to find the sounding objects.")
        return stream_duration(container, container.streams.video[0])


def clip_from_video(path: str) -> Clip:
    check_file_size(path, "video")
    seconds = video_seconds(path)
    if seconds is not None:
        check_length(seconds)
    return read_clip(path, fps=1.0, duration=MAX_SECONDS)


def clip_from_image_and_audio(image, audio_path: str) -> Clip:
    """The still image shown once per second of the audio."""
    check_file_size(audio_path, "audio file")
    try:
        waveform, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise DemoError(f"The audio file could not be read ({error}).") from error
    waveform = waveform.mean(axis=1)
    check_length(len(waveform) / rate)
    if rate != SAMPLING_RATE:
        waveform = resample(waveform, rate, SAMPLING_RATE).astype(np.float32)
    if len(waveform) < WINDOW_SAMPLES:
        raise DemoError(f"The audio is {len(waveform) / SAMPLING_RATE:.2f} s long; at least 1 s is needed.")
    seconds = len(waveform) / SAMPLING_RATE
    frames = [image.convert("RGB")] * max(1, math.floor(seconds))
    return Clip(frames, waveform, SAMPLING_RATE, fps=1.0, start=0.0, duration=seconds)


def input_clip(video, image, audio) -> Clip:
    if video:
        return clip_from_video(video)
    if image is not None and audio:
        return clip_from_image_and_audio(image, audio)
    if image is not None or audio:
        raise DemoError("An image needs an audio file with it (or upload a video with sound instead).")
    raise DemoError("Upload a video with sound, or an image and an audio file.")


def class_legend(masks: list[np.ndarray], id2label: dict) -> str:
    """HTML swatches of the classes found (semantic models); empty for binary ones."""
    if not masks or masks[0].dtype == bool:
        return ""
    found = sorted(int(index) for index in np.unique(np.stack(masks)) if index > 0)
    if not found:
        return "<p>No sounding object found.</p>"
    colours = label_to_color(np.asarray(found))
    items = [
        f'<span style="display:inline-block;margin:2px 8px"><span style="display:inline-block;width:14px;height:14px;'
        f'background:rgb({r},{g},{b});vertical-align:middle"></span> {html.escape(str(id2label.get(index, index)))}</span>'
        for index, (r, g, b) in zip(found, colours)
    ]
    return "<p><b>Classes found:</b> " + "".join(items) + "</p>"


def prune_old_runs(work_dir: Path = WORK_DIR, max_age_s: float = RUN_MAX_AGE_S) -> None:
    if not work_dir.is_dir():
        return
    for run in work_dir.iterdir():
        if run.is_dir() and time.time() - run.stat().st_mtime > max_age_s:
            shutil.rmtree(run, ignore_errors=True)


def segment(video, image, audio, model_ref):
    """Gradio handler -> (overlay video, gallery of (mask, caption), masks zip, class legend HTML)."""
    try:
        clip = input_clip(video, image, audio)
        model, processor = load_model(model_ref.strip())
        prediction = predict_clip(model, processor, clip, show_progress=False)
    except (DemoError, ValueError, FileNotFoundError) as error:
        raise gr.Error(str(error), print_exception=False) from error
    prune_old_runs()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(dir=WORK_DIR))
    save_prediction(prediction, video_path=run_dir / "overlay.mp4", masks_dir=run_dir / "masks")
    archive = shutil.make_archive(str(run_dir / "masks"), "zip", run_dir / "masks")
    gallery = [(mask_image(mask), f"frame {index + 1} ({index / clip.fps:.0f} s)") for index, mask in enumerate(prediction.masks)]
    legend = class_legend(prediction.masks, model.config.id2label)
    return str(run_dir / "overlay.mp4"), gallery, archive, legend


def build_demo(default_model: str | None = None, examples_dir: Path | str | None = None) -> gr.Blocks:
    """The demo's Blocks, queued; `default_model` defaults to `default_model_ref()`."""
    model_ref = default_model or default_model_ref()
    examples_dir = Path(examples_dir) if examples_dir is not None else WORK_DIR / "examples"
    examples = ensure_example_clips(examples_dir)
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(
            f"# {TITLE}\n"
            "Upload a video with sound, or an image and an audio file. AVESFormer "
            "([arXiv 2408.01708](https://arxiv.org/abs/2408.01708)) marks the objects making the sound, one frame per "
            f"second. Clips up to {MAX_SECONDS:g} s and {MAX_FILE_MB:g} MB."
        )
        with gr.Row():
            with gr.Column():
                with gr.Tab("Video with sound"):
                    video = gr.Video(label="Video with sound", sources=["upload"])
                with gr.Tab("Image + audio"):
                    image = gr.Image(label="Image", type="pil", sources=["upload"])
                    audio = gr.Audio(label="Audio", type="filepath", sources=["upload"])
                model = gr.Textbox(label="Model (Hub id or local folder)", value=model_ref)
                run = gr.Button("Segment", variant="primary")
            with gr.Column():
                overlay = gr.Video(label="Sounding objects (overlay, original sound)")
                legend = gr.HTML(label="Classes found")
                gallery = gr.Gallery(label="Per-frame masks", columns=5, height="auto", format="png")
                masks_zip = gr.File(label="Download the masks (PNG per frame)")
        outputs = [overlay, gallery, masks_zip, legend]

        def segment_with_default(video, image, audio, chosen_model):
            return segment(video, image, audio, chosen_model or model_ref)

        run.click(segment_with_default, inputs=[video, image, audio, model], outputs=outputs, api_name="segment")
        gr.Examples(
            examples=[[str(path)] for path in examples], inputs=[video], label="Examples (SynthAVS clips)",
            fn=lambda path: segment(path, None, None, model_ref), outputs=outputs, run_on_click=True,
            cache_examples=False,
        )
        build_live_tab(model_ref, load_model)
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, share: bool = False, **kwargs):
    """Launch with the demo's upload cap; host and port default to $GRADIO_SERVER_NAME / $GRADIO_SERVER_PORT (set on
    Spaces), else 127.0.0.1 and the first free port from 7860. Extra keyword arguments go to `Blocks.launch`."""
    return demo.launch(
        server_name=host, server_port=port, share=share, max_file_size=f"{MAX_FILE_MB:g}mb", show_error=True, **kwargs
    )
