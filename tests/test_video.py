"""read_clip / write_video on mp4 files the tests write themselves."""

import av
import numpy as np
import pytest

from avesformer_hf import AudioVisualProcessor
from avesformer_hf.inference.video import read_clip, write_video
from synthetic_video import COLOURS, dominant_frequency, tone_frequency, write_test_video


@pytest.fixture(scope="module")
def video_path(tmp_path_factory):
    return write_test_video(tmp_path_factory.mktemp("video") / "clip.mp4")


def centre_colour(frame) -> np.ndarray:
    return np.asarray(frame)[frame.height // 2, frame.width // 2].astype(int)


def assert_colour(frame, colour):
    assert np.abs(centre_colour(frame) - np.array(colour)).max() <= 6  # H.264 rounding


def test_read_clip_one_frame_per_second(video_path):
    clip = read_clip(video_path)
    assert len(clip.frames) == 5 and clip.fps == 1.0 and clip.duration == pytest.approx(5.0)
    assert clip.sampling_rate == 16000 and clip.waveform.dtype == np.float32
    assert len(clip.waveform) == pytest.approx(5 * 16000, abs=2)
    for second, frame in enumerate(clip.frames):
        assert frame.size == (64, 48)
        assert_colour(frame, COLOURS[second])
    for second, window in enumerate(clip.audio_windows()):
        assert len(window) == 15600
        assert dominant_frequency(window, 16000) == pytest.approx(tone_frequency(second), abs=3)


def test_read_clip_denser_fps_with_start_and_duration(video_path):
    clip = read_clip(video_path, fps=4, start=1.0, duration=2.0)
    assert len(clip.frames) == 8
    for index, frame in enumerate(clip.frames):
        assert_colour(frame, COLOURS[1 + index // 4])
    windows = clip.audio_windows()
    assert dominant_frequency(windows[0], 16000) == pytest.approx(tone_frequency(1), abs=3)
    assert dominant_frequency(windows[4], 16000) == pytest.approx(tone_frequency(2), abs=3)


def test_read_clip_feeds_the_processor(video_path):
    clip = read_clip(video_path)
    inputs = AudioVisualProcessor()(images=clip.frames, audio=clip.waveform, sampling_rate=clip.sampling_rate)
    assert inputs["pixel_values"].shape == (1, 5, 3, 224, 224)
    assert inputs["input_features"].shape == (1, 5, 1, 96, 64)


def test_write_video_reopens_with_frames_size_and_sound(video_path, tmp_path):
    clip = read_clip(video_path)
    masks = [np.zeros((48, 64), dtype=bool) for _ in clip.frames]
    for mask in masks:
        mask[:, :32] = True
    out = write_video(tmp_path / "overlay.mp4", clip.frames, masks, audio=clip.waveform, fps=1.0)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert len(container.streams.audio) == 1
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert len(frames) == 5 and frames[0].size == (64, 48)
    overlaid, untouched = np.asarray(frames[2])[24, 10].astype(int), np.asarray(frames[2])[24, 50].astype(int)
    assert np.abs(untouched - np.array(COLOURS[2])).max() <= 6
    assert np.abs(overlaid - np.array(COLOURS[2])).max() > 60  # the mask colour is blended in
    reread = read_clip(out)
    assert len(reread.frames) == 5
    assert dominant_frequency(reread.audio_windows()[3], 16000) == pytest.approx(tone_frequency(3), abs=3)


def test_write_video_without_audio_and_odd_size(tmp_path):
    import PIL.Image

    frames = [PIL.Image.new("RGB", (33, 21), colour) for colour in COLOURS[:3]]
    out = write_video(tmp_path / "silent.mp4", frames, fps=2.0)
    with av.open(str(out)) as container:
        assert not container.streams.audio
        decoded = list(container.decode(video=0))
    assert len(decoded) == 3 and (decoded[0].width, decoded[0].height) == (32, 20)


def test_no_audio_stream_is_an_error(tmp_path):
    path = write_test_video(tmp_path / "silent.mp4", seconds=2, with_audio=False)
    with pytest.raises(ValueError, match=r"silent\.mp4: no audio stream"):
        read_clip(path)


def test_corrupt_and_missing_files_are_errors(tmp_path, video_path):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match=r"corrupt\.mp4: not a readable video file"):
        read_clip(corrupt)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(video_path.read_bytes()[:2000])
    with pytest.raises(ValueError, match=r"truncated\.mp4"):
        read_clip(truncated)
    with pytest.raises(FileNotFoundError, match=r"missing\.mp4: no such file"):
        read_clip(tmp_path / "missing.mp4")


def test_zero_length_clips_are_errors(video_path):
    with pytest.raises(ValueError, match=r"clip\.mp4: start 6\.000 s is at or past the end of the video \(5\.000 s\)"):
        read_clip(video_path, start=6.0)
    with pytest.raises(ValueError, match=r"duration must be a number of seconds > 0 .*got 0"):
        read_clip(video_path, duration=0)
    with pytest.raises(ValueError, match="shorter than one frame at 1.0 fps"):
        read_clip(video_path, duration=0.5)


def test_half_a_second_of_audio_is_an_error(tmp_path):
    path = write_test_video(tmp_path / "short_sound.mp4", seconds=2, audio_seconds=0.5)
    clip = read_clip(path)
    assert len(clip.waveform) == pytest.approx(8000, abs=1100)  # AAC pads the last packet
    with pytest.raises(ValueError, match=r"0\.5\d\d s of audio; one window needs 0\.975 s"):
        clip.audio_windows()
    with pytest.raises(ValueError, match=r"audio is 0\.5\d\d s long"):
        AudioVisualProcessor()(images=clip.frames, audio=clip.waveform, sampling_rate=clip.sampling_rate)
