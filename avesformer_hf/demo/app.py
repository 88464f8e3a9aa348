"""The Gradio demo: a video with sound (or an image and an audio file) -> overlay video, per-frame masks, a zip.

`build_demo()` returns the Blocks; `spaces_demo/app.py` and `avesformer demo` launch it. Uploads are decoded in a
child process (`demo.uploads`), so no file can take the server down; prediction goes through `run_inference`.
Uploads and outputs live in Gradio's cache (`GRADIO_TEMP_DIR`, default /tmp/gradio) and are deleted there
`cache_max_age_s` after they were written. Visitors choose only among the models the deployer allowed.
"""

import contextlib
import functools
import html
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np

from .uploads import CHILD_PRELOAD, DemoError, UploadLimits, decode_upload, read_upload, without_paths
from .live import build_live_tab
from .examples import ensure_example_clips
from ..image_processing_avesformer import label_to_color
from ..inference.model_source import is_local_reference
from ..inference.predict import ClipPrediction, predict_clip, save_prediction
from .isolated import start_children_server

MODEL_ENV = "AVESFORMER_MODEL"
ALLOWED_MODELS_ENV = "AVESFORMER_ALLOWED_MODELS"
QUICKSTART_MODEL = "runs/quickstart/model"
TITLE = "AVESFormer: which object is making the sound?"
MAX_SECONDS = float(os.environ.get("AVESFORMER_MAX_SECONDS", 20))
MAX_FILE_MB = float(os.environ.get("AVESFORMER_MAX_FILE_MB", 50))
LIMITS = UploadLimits(max_seconds=MAX_SECONDS, max_file_mb=MAX_FILE_MB)
CONCURRENCY = 2  # requests segmented at once; the others wait in the queue
QUEUE_SIZE = 16  # requests beyond these get "queue is full"
CACHE_SWEEP_S = 60
CACHE_MAX_AGE_S = 600  # uploads and outputs are deleted this long after they were written
OUTPUT_FOLDER = "avesformer-demo"  # inside Gradio's cache
EMPTY_FOLDER_GRACE_S = 10
WORK_DIR = Path(tempfile.gettempdir()) / "avesformer-demo"

logger = logging.getLogger(__name__)


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


def allowed_model_refs(default_model: str, allowed: list[str] | None = None) -> list[str]:
    """The models a visitor may choose: the default first, then `allowed`, else $AVESFORMER_ALLOWED_MODELS
    (comma-separated Hub ids or folders). Without either, only the default."""
    if allowed is None:
        allowed = [ref.strip() for ref in os.environ.get(ALLOWED_MODELS_ENV, "").split(",") if ref.strip()]
    return list(dict.fromkeys([default_model, *allowed]))


def model_choices(allowed: list[str]) -> dict[str, str]:
    """Name shown to visitors -> model reference: Hub ids as they are, local folders by their own name (the
    server's paths stay on the server), unless two folders share a name."""
    choices = {(Path(ref).name if is_local_reference(ref) else ref): ref for ref in allowed}
    return choices if len(choices) == len(allowed) else {ref: ref for ref in allowed}


def check_model(name: str, choices: dict[str, str]) -> str:
    """The model reference of the visitor's choice `name`; any other name is an error."""
    if name not in choices:
        raise DemoError(f"The model {name!r} is not offered by this demo; choose one of: {', '.join(choices)}.")
    return choices[name]


def load_model(model_ref: str):
    """(model, processor) from a local folder or a Hub id, kept for the next requests. One load at a time: the Live
    tab's camera and microphone events reach a cold server together, and two loads at once would each build a model
    (and transformers' loading is not made to run in two threads at once)."""
    with _loading:
        return _load_model_once(model_ref)


_loading = threading.Lock()


@functools.lru_cache(maxsize=2)
def _load_model_once(model_ref: str):
    from ..inference.predict import load_model as load_model_and_processor

    try:  # a missing or unsaved local folder is named as such, not looked up on the Hub
        return load_model_and_processor(model_ref, flag="model")
    except (OSError, ValueError) as error:
        raise DemoError(f"Could not load the model {model_ref!r}: {error}") from error


def run_inference(model, processor, clip) -> ClipPrediction:
    """The demo's one call into inference (swap it here for another prediction function)."""
    return predict_clip(model, processor, clip, show_progress=False)


def prune_empty_folders(cache: Path, grace_s: float = EMPTY_FOLDER_GRACE_S) -> None:
    """Remove the empty folders Gradio's `delete_cache` leaves behind (one per upload or output it deleted);
    folders changed in the last `grace_s` seconds may be about to receive a file and stay."""
    now = time.time()
    folders = [folder for folder in cache.rglob("*") if folder.is_dir() and folder != cache / OUTPUT_FOLDER]
    for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty, or gone already
            if now - folder.stat().st_mtime > grace_s:
                folder.rmdir()


def write_outputs(prediction: ClipPrediction, output_root: Path) -> tuple[str, list[str], str]:
    """The overlay video, one mask PNG per frame and their zip, in a new folder of `output_root`. (The gallery
    gets these files rather than images: Gradio caches images under a hash of their bytes and rewrites that file
    in place, so equal masks of concurrent requests would be rewritten while being downloaded.)"""
    output_root.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(dir=output_root))
    try:
        overlay, *masks = save_prediction(prediction, video_path=run_dir / "overlay.mp4", masks_dir=run_dir / "masks")
        archive = shutil.make_archive(str(run_dir / "masks"), "zip", run_dir / "masks")
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)  # Gradio deletes only the files it was given
        raise
    return str(overlay), [str(mask) for mask in masks], archive


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


def segment(video, image, audio, model_name, *, models: dict[str, str], output_root: Path,
            decode=decode_upload):
    """Gradio handler -> (overlay video, gallery of (mask, caption), masks zip, class legend HTML). `models` maps
    the names visitors may choose to model references (the first is the default)."""
    try:
        model_ref = check_model(model_name or next(iter(models)), models)
        clip = read_upload(video, image, audio, LIMITS, decode)
        model, processor = load_model(model_ref)
        prediction = run_inference(model, processor, clip)
        overlay, masks, archive = write_outputs(prediction, output_root)
    except (DemoError, ValueError, FileNotFoundError) as error:
        raise gr.Error(without_paths(str(error), [video, image, audio]), print_exception=False) from error
    except Exception as error:  # a fault of the server, not of the upload: details go to the log only
        logger.exception("segmenting failed")
        raise gr.Error(f"Segmenting failed on the server ({type(error).__name__}); try again later.") from error
    gallery = [(mask, f"frame {index + 1} ({index / clip.fps:.0f} s)") for index, mask in enumerate(masks)]
    legend = class_legend(prediction.masks, model.config.id2label)
    return overlay, gallery, archive, legend


def upload_section(handler, model_names: list[str], examples: list[Path]) -> None:
    """The upload inputs, the outputs and the Segment button, wired to `handler(video, image, audio, model)`."""
    with gr.Row():
        with gr.Column():
            with gr.Tab("Video with sound"):
                video = gr.Video(label="Video with sound", sources=["upload"])
            with gr.Tab("Image + audio"):
                image = gr.Image(label="Image", type="filepath", image_mode=None, sources=["upload"])
                audio = gr.Audio(label="Audio", type="filepath", sources=["upload"])
            model = gr.Dropdown(
                choices=model_names, value=model_names[0], label="Model", interactive=len(model_names) > 1
            )
            run = gr.Button("Segment", variant="primary")
        with gr.Column():
            overlay = gr.Video(label="Sounding objects (overlay, original sound)")
            legend = gr.HTML(label="Classes found")
            gallery = gr.Gallery(label="Per-frame masks", columns=5, height="auto", format="png")
            masks_zip = gr.File(label="Download the masks (PNG per frame)")
    outputs = [overlay, gallery, masks_zip, legend]
    run.click(handler, inputs=[video, image, audio, model], outputs=outputs, api_name="segment")
    gr.Examples(
        examples=[[str(path)] for path in examples], inputs=[video], label="Examples (SynthAVS clips)",
        fn=lambda path: handler(path, None, None, model_names[0]), outputs=outputs, run_on_click=True,
        cache_examples=False,
    )


def build_demo(
    default_model: str | None = None,
    examples_dir: Path | str | None = None,
    *,
    allowed_models: list[str] | None = None,
    cache_max_age_s: int = CACHE_MAX_AGE_S,
    decode=decode_upload,
) -> gr.Blocks:
    """The demo's Blocks, queued. `default_model` defaults to `default_model_ref()`; visitors may choose only it
    and `allowed_models` (see `allowed_model_refs`). Uploads and outputs are deleted `cache_max_age_s` after they
    were written. `decode(video, image, audio, limits)` runs in a child process per upload."""
    models = model_choices(allowed_model_refs(default_model or default_model_ref(), allowed_models))
    examples = ensure_example_clips(Path(examples_dir) if examples_dir is not None else WORK_DIR / "examples")
    start_children_server(preload=[*CHILD_PRELOAD, decode.__module__])
    with gr.Blocks(title=TITLE, delete_cache=(min(CACHE_SWEEP_S, cache_max_age_s), cache_max_age_s)) as demo:
        gr.Markdown(
            f"# {TITLE}\n"
            "Upload a video with sound, or an image and an audio file. AVESFormer "
            "([arXiv 2408.01708](https://arxiv.org/abs/2408.01708)) marks the objects making the sound, one frame per "
            f"second. Clips up to {LIMITS.max_seconds:g} s and {LIMITS.max_file_mb:g} MB; files are deleted from the "
            f"server {cache_max_age_s // 60 or 1} min after use."
        )
        output_root = Path(demo.GRADIO_CACHE) / OUTPUT_FOLDER

        def segment_upload(video, image, audio, model_name):
            prune_empty_folders(Path(demo.GRADIO_CACHE))
            return segment(video, image, audio, model_name, models=models, output_root=output_root, decode=decode)

        with gr.Tab("Upload"):
            upload_section(segment_upload, list(models), examples)
        build_live_tab(next(iter(models.values())), load_model)
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, share: bool = False, **kwargs):
    """Launch with the demo's upload cap; host and port default to $GRADIO_SERVER_NAME / $GRADIO_SERVER_PORT (set on
    Spaces), else 127.0.0.1 and the first free port from 7860. Extra keyword arguments go to `Blocks.launch`.
    Only the demo's own messages (`gr.Error`) reach the page: other exceptions, whose text may hold server paths,
    show as a plain "Error" (`show_error=False`)."""
    return demo.launch(
        server_name=host, server_port=port, share=share, max_file_size=f"{MAX_FILE_MB:g}mb", show_error=False, **kwargs
    )
