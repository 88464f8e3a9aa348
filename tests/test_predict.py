"""`avesformer predict` and `predict_clip` end to end on a clip written by the test, with a tiny saved model."""

import av
import numpy as np
import PIL.Image
import torch
from helpers import save_tiny_model
from synthetic_video import write_test_video

from avesformer_hf import AudioVisualProcessor, AVESFormerImageProcessor, AVESFormerModel
from avesformer_hf.cli import main
from avesformer_hf.inference.predict import predict_clip
from avesformer_hf.inference.video import read_clip




def test_predict_writes_overlay_video_and_mask_pngs(clip_path, binary_model, tmp_path, capsys):
    out, masks_dir = tmp_path / "overlay.mp4", tmp_path / "masks"
    code = main(["predict", str(clip_path), "--model", str(binary_model), "--out", str(out), "--masks-dir", str(masks_dir)])
    assert code == 0, capsys.readouterr().err
    assert "3 frames segmented" in capsys.readouterr().out
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 1
        frames = list(container.decode(video=0))
    assert len(frames) == 3 and (frames[0].width, frames[0].height) == (64, 48)
    pngs = sorted(masks_dir.glob("*.png"))
    assert [png.name for png in pngs] == ["frame_00000.png", "frame_00001.png", "frame_00002.png"]
    for png in pngs:
        with PIL.Image.open(png) as mask:
            assert mask.size == (64, 48)
            assert set(np.unique(np.asarray(mask))) <= {0, 255}


def test_predict_denser_fps_with_a_semantic_model(clip_path, tmp_path, capsys):
    model = save_tiny_model(tmp_path / "avss", num_labels=71)
    masks_dir = tmp_path / "masks"
    code = main(["predict", str(clip_path), "--model", str(model), "--masks-dir", str(masks_dir), "--fps", "2"])
    assert code == 0, capsys.readouterr().err
    pngs = sorted(masks_dir.glob("*.png"))
    assert len(pngs) == 6
    palette_reader = AVESFormerImageProcessor(size={"height": 48, "width": 64}, mask_type="palette")
    with PIL.Image.open(pngs[0]) as mask:  # the colours are AVSS palette colours
        labels = palette_reader(PIL.Image.new("RGB", (64, 48)), masks=mask, return_tensors="pt")["labels"]
    assert labels.shape == (1, 1, 48, 64) and int(labels.max()) < 71


def test_chunking_does_not_change_the_masks(clip_path, binary_model):
    model = AVESFormerModel.from_pretrained(binary_model)
    processor = AudioVisualProcessor.from_pretrained(binary_model)
    clip = read_clip(clip_path, fps=4)
    whole = predict_clip(model, processor, clip, threshold=0.5, chunk_seconds=10)
    chunked = predict_clip(model, processor, clip, threshold=0.5, chunk_seconds=0.5)
    assert len(whole.masks) == 12 and whole.masks[0].shape == (48, 64) and whole.masks[0].dtype == bool
    # Same masks wherever the probability is not within float noise of the threshold.
    inputs = processor(images=clip.frames, audio=clip.audio_windows(), sampling_rate=16000, audio_per_frame=True)
    with torch.no_grad():
        logits = model(**inputs).logits
    probabilities = torch.nn.functional.interpolate(logits[0], size=(48, 64), mode="bilinear").sigmoid()[:, 0]
    decided = (probabilities - 0.5).abs() > 1e-5
    assert torch.equal(torch.from_numpy(np.stack(whole.masks))[decided], (probabilities > 0.5)[decided])
    assert torch.equal(torch.from_numpy(np.stack(chunked.masks))[decided], (probabilities > 0.5)[decided])


def test_predict_reports_a_clip_without_sound(binary_model, tmp_path, capsys):
    silent = write_test_video(tmp_path / "silent.mp4", seconds=2, with_audio=False)
    assert main(["predict", str(silent), "--model", str(binary_model)]) == 1
    assert "silent.mp4: no audio stream" in capsys.readouterr().err


def test_a_long_clip_shows_progress_for_decoding_segmenting_and_writing(binary_model, tmp_path, capsys):
    long_clip = write_test_video(tmp_path / "long.mp4", seconds=6, fps=2)
    code = main(["predict", str(long_clip), "--model", str(binary_model), "--out", str(tmp_path / "o.mp4"),
                 "--masks-dir", str(tmp_path / "masks"), "--chunk-seconds", "2"])
    err = capsys.readouterr().err
    assert code == 0, err
    for bar in ("decoding", "segmenting", "writing video", "writing masks"):
        assert f"{bar}: 100%" in err, bar
    short = main(["predict", str(long_clip), "--model", str(binary_model), "--masks-dir", str(tmp_path / "m2"),
                  "--duration", "3"])
    assert short == 0 and "decoding" not in capsys.readouterr().err
