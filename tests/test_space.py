"""The Gradio demo launched in-process on 127.0.0.1 with a tiny model, called through gradio_client."""

import zipfile

import numpy as np
import PIL.Image
import pytest
import soundfile
from gradio_client import Client

from avesformer_hf.demo import app as demo_app
from avesformer_hf.demo.examples import EXAMPLE_IMAGE_SIZE
from avesformer_hf.inference.video import write_video
from helpers import save_tiny_model
from space_client import segment, tone, video_frames_and_audio


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    model = save_tiny_model(root / "model")
    demo = demo_app.build_demo(default_model=model, examples_dir=root / "examples")
    demo_app.launch(demo, port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield demo, Client(demo.local_url, verbose=False), root
    finally:
        demo.close()


def test_example_clip_gives_overlay_video_gallery_and_masks_zip(app):
    demo, client, root = app
    examples = sorted((root / "examples").glob("*.mp4"))
    assert len(examples) == 2 and video_frames_and_audio(examples[0]) == (5, True)

    overlay, gallery, masks_zip, legend = segment(client, video=examples[0])

    assert video_frames_and_audio(overlay) == (5, True)
    assert [item["caption"] for item in gallery] == [f"frame {i + 1} ({i} s)" for i in range(5)]
    with PIL.Image.open(gallery[0]["image"]) as mask:
        assert mask.size == (EXAMPLE_IMAGE_SIZE,) * 2
        assert set(np.unique(np.asarray(mask.convert("L")))) <= {0, 255}
    with zipfile.ZipFile(masks_zip) as archive:
        assert sorted(archive.namelist()) == [f"frame_{i:05d}.png" for i in range(5)]
    assert legend == ""  # binary model: no class legend
    assert demo._queue.default_concurrency_limit == demo_app.CONCURRENCY


def test_image_plus_audio(app, tmp_path):
    _, client, _ = app
    PIL.Image.new("RGB", (80, 60), (200, 40, 40)).save(tmp_path / "still.png")
    soundfile.write(tmp_path / "sound.wav", tone(3.5, rate=22050), 22050)

    overlay, gallery, _, _ = segment(client, image=tmp_path / "still.png", audio=tmp_path / "sound.wav")

    assert video_frames_and_audio(overlay) == (3, True)  # one frame per whole second of audio
    assert len(gallery) == 3


def test_bad_inputs_give_readable_errors_and_the_app_keeps_serving(app, tmp_path):
    _, client, root = app
    frames = [PIL.Image.new("RGB", (64, 64), (i * 10, 0, 0)) for i in range(25)]
    write_video(tmp_path / "silent.mp4", frames[:3], fps=1.0)
    write_video(tmp_path / "long.mp4", frames, audio=tone(25), fps=1.0)
    (tmp_path / "broken.mp4").write_bytes(b"this is not a video")

    cases = [
        (dict(video=tmp_path / "silent.mp4"), "silent.mp4 has no audio track"),
        (dict(video=tmp_path / "long.mp4"), f"long.mp4 is 25.0 s long; this demo takes clips up to {demo_app.MAX_SECONDS:g} s"),
        (dict(video=tmp_path / "broken.mp4"), "broken.mp4: not a readable video file"),
        (dict(), "Upload a video with sound, or an image and an audio file"),
        (dict(video=sorted((root / "examples").glob("*.mp4"))[0], model=str(tmp_path / "nowhere")), "not in the list of choices"),
    ]
    for inputs, message in cases:
        with pytest.raises(Exception, match=message):
            segment(client, **inputs)

    overlay, gallery, _, _ = segment(client, video=sorted((root / "examples").glob("*.mp4"))[1])
    assert video_frames_and_audio(overlay) == (5, True) and len(gallery) == 5


def test_class_legend_names_the_classes_found():
    masks = [np.array([[0, 3], [3, 0]]), np.array([[0, 0], [5, 0]])]
    legend = demo_app.class_legend(masks, {0: "background", 3: "dog", 5: "guitar"})
    assert "</span> dog</span>" in legend and "</span> guitar</span>" in legend
    assert "</span> background</span>" not in legend
    assert "rgb(128,128,0)" in legend  # class 3 in the PASCAL-VOC palette of the AVSS masks
    assert demo_app.class_legend([np.zeros((2, 2), dtype=np.int64)], {}) == "<p>No sounding object found.</p>"
    assert demo_app.class_legend([np.zeros((2, 2), dtype=bool)], {}) == ""


def test_default_model_comes_from_env_then_space_card(tmp_path, monkeypatch):
    card = tmp_path / "README.md"
    card.write_text("---\nsdk: gradio\nmodels:\n- someone/avesformer\n---\n# demo\n")
    monkeypatch.delenv(demo_app.MODEL_ENV, raising=False)
    assert demo_app.default_model_ref(card) == "someone/avesformer"
    assert demo_app.default_model_ref(tmp_path / "absent.md") == demo_app.QUICKSTART_MODEL
    monkeypatch.setenv(demo_app.MODEL_ENV, "other/model")
    assert demo_app.default_model_ref(card) == "other/model"


def test_demo_command_builds_and_launches_the_app(tmp_path, monkeypatch):
    from avesformer_hf.cli import main as cli_main

    calls = {}
    monkeypatch.setattr(demo_app, "build_demo", lambda default_model=None: calls.setdefault("model", default_model))
    monkeypatch.setattr(demo_app, "launch", lambda demo, **kwargs: calls.setdefault("launch", kwargs))
    assert cli_main(["demo", "--model", "someone/avesformer", "--port", "7999"]) == 0
    # host None: Gradio serves on $GRADIO_SERVER_NAME, else 127.0.0.1
    assert calls == {"model": "someone/avesformer", "launch": {"host": None, "port": 7999, "share": False}}
