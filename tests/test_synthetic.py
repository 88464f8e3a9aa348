"""SynthAVS: determinism, masks that match the drawn objects, sounds recoverable from the audio."""

import json

import numpy as np
import PIL.Image
import pytest

from avesformer_hf.data.avsbench import decode_mask, load_avsbench, read_audio
from avesformer_hf.data.synthetic import class_pitches, generate_synthavs, main, synth_classes


def manifest(root, folder):
    return json.loads((root / folder / "synthavs.json").read_text())


def tree_bytes(directory):
    return {str(path.relative_to(directory)): path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    first = generate_synthavs(tmp_path / "a", layout="avss", num_clips=4, image_size=32, num_classes=4, seed=3)
    second = generate_synthavs(tmp_path / "b", layout="avss", num_clips=4, image_size=32, num_classes=4, seed=3)
    other = generate_synthavs(tmp_path / "c", layout="avss", num_clips=4, image_size=32, num_classes=4, seed=4)
    assert tree_bytes(first) == tree_bytes(second)
    assert tree_bytes(first) != tree_bytes(other)
    assert (first / "AVSS/metadata.csv").is_file() and (first / "AVSS/label2idx.json").is_file()


def test_refuses_to_overwrite_unless_asked(tmp_path):
    generate_synthavs(tmp_path, num_clips=3, image_size=32)
    with pytest.raises(FileExistsError, match="Single-source"):
        generate_synthavs(tmp_path, num_clips=3, image_size=32)
    generate_synthavs(tmp_path, num_clips=3, image_size=32, seed=1, overwrite=True)
    assert manifest(tmp_path, "Single-source")["seed"] == 1


def test_s4_masks_cover_exactly_the_sounding_object(tmp_path):
    root = generate_synthavs(tmp_path, layout="s4", num_clips=6, image_size=48, num_classes=5, seed=0)
    info = manifest(root, "Single-source")
    colors = {item["name"]: tuple(item["color"]) for item in info["classes"]}
    dataset = load_avsbench(root, "s4", cache_dir=str(tmp_path / "cache"))
    rows = {row["video_id"]: row for split in dataset.values() for row in split}
    assert len(rows) == 6
    saw_distractor = False
    for clip in info["clips"]:
        row = rows[clip["video_id"]]
        sounding = [item for item in clip["objects"] if item["sounding"]]
        assert len(sounding) == 1 and 1 <= len(clip["objects"]) <= 3
        assert dataset["train"].features["category"].int2str(row["category"]) == sounding[0]["class"]
        for frame_index, (frame, mask) in enumerate(zip(row["frames"], row["masks"])):
            if mask is None:
                continue
            pixels = np.asarray(frame)
            mask = decode_mask(mask, "s4").astype(bool)
            sounding_color = np.all(pixels == colors[sounding[0]["class"]], axis=-1)
            # every mask pixel shows the sounding object's colour, and the object's colour shows nowhere else
            assert mask.any() and sounding_color[mask].all() and not sounding_color[~mask].any()
            x0, y0, x1, y1 = sounding[0]["boxes"][frame_index]
            rows_, columns = np.nonzero(mask)
            assert x0 - 1 <= columns.min() and columns.max() <= x1 + 1 and y0 - 1 <= rows_.min() and rows_.max() <= y1 + 1
            for distractor in clip["objects"]:
                if not distractor["sounding"]:
                    saw_distractor = True
                    drawn = np.all(pixels == colors[distractor["class"]], axis=-1)
                    assert drawn.any() and not (drawn & mask).any()
    assert saw_distractor


def test_avss_masks_hold_the_sounding_class_ids(tmp_path):
    root = generate_synthavs(tmp_path, layout="avss", num_clips=6, image_size=32, num_classes=6, seed=1)
    info = manifest(root, "AVSS")
    dataset = load_avsbench(root, "avss", cache_dir=str(tmp_path / "cache"))
    rows = {row["video_id"]: row for split in dataset.values() for row in split}
    for clip in info["clips"]:
        row = rows[clip["video_id"]]
        sounding_ids = {item["class_id"] for item in clip["objects"] if item["sounding"]}
        assert sum(row["frame_mask"]) == clip["num_frames"] == (10 if clip["subset_label"] == "v2" else 5)
        for mask in row["masks"]:
            if mask is not None:
                assert set(np.unique(decode_mask(mask, "avss"))) == sounding_ids | {0}


def sounding_from_spectrum(waveform, rate, classes):
    """Classes whose pitch stands far above the spectrum's median level."""
    spectrum = np.abs(np.fft.rfft(waveform))
    frequencies = np.fft.rfftfreq(len(waveform), 1 / rate)
    floor = np.median(spectrum)
    found = set()
    for item in classes:
        peak = np.argmin(np.abs(frequencies - item["pitch_hz"]))
        if spectrum[peak - 2 : peak + 3].max() > 50 * floor:
            found.add(item["name"])
    return found


def test_sounding_classes_are_recoverable_from_the_audio_alone(tmp_path):
    root = generate_synthavs(tmp_path, layout="ms3", num_clips=8, image_size=32, num_classes=8, seed=2)
    info = manifest(root, "Multi-sources")
    checked = 0
    for clip in info["clips"]:
        waveform, rate = read_audio(root / "Multi-sources/ms3_data/audio_wav" / clip["split"] / f"{clip['video_id']}.wav")
        assert rate == 16000 and len(waveform) == 5 * 16000
        expected = {item["class"] for item in clip["objects"] if item["sounding"]}
        assert sounding_from_spectrum(waveform, rate, info["classes"]) == expected
        checked += len(expected) > 1
    assert checked  # at least one clip mixes several sounding objects


def test_class_pitches_are_separated_and_avoid_octaves():
    for num_classes in (1, 5, 23, 70):
        pitches = class_pitches(num_classes)
        assert pitches[0] == 200 and pitches[-1] <= 3200
        ratios = pitches[1:] / pitches[:-1]
        assert np.all(ratios > 1.04)
        # no pitch within 1.5% of another class's second harmonic
        distance = np.abs(np.log(pitches[None, :] / (2 * pitches[:, None])))
        assert distance.min() > np.log(1.015)
    names = [item.name for item in synth_classes("s4", 4)]
    assert len(set(names)) == 4
    with pytest.raises(ValueError, match=r"num_classes must lie in \[1, 23\]"):
        synth_classes("s4", 24)


def test_cli_writes_the_layout(tmp_path, capsys):
    assert main([str(tmp_path), "--layout", "ms3", "--num-clips", "3", "--image-size", "32", "--seconds", "3"]) == 0
    assert "3 clips" in capsys.readouterr().out
    frame = tmp_path / "Multi-sources/ms3_data/visual_frames/synth00000/synth00000.mp4_3.png"
    assert PIL.Image.open(frame).size == (32, 32)
    dataset = load_avsbench(tmp_path, "ms3", num_frames=3, cache_dir=str(tmp_path / "cache"))
    assert dataset["train"][0]["labels_mask"] == [True] * 3


@pytest.mark.parametrize("num_classes", [1, 2])
def test_fewer_classes_than_objects_per_clip(tmp_path, num_classes):
    root = generate_synthavs(tmp_path / "synth", layout="ms3", num_clips=12, image_size=32, num_classes=num_classes, seconds=2)
    clips = manifest(root, "Multi-sources")["clips"]
    for clip in clips:
        names = [item["class"] for item in clip["objects"]]
        assert 1 <= len(names) <= num_classes and len(set(names)) == len(names)
