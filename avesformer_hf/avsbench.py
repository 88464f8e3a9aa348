"""AVSBench's facts, in one place: subsets, their folders and metadata files, category and class names, and the
per-subset conventions (frames per clip, mask encoding, audio padding, label count) that loaders, writers, the
collator (its `default_processor`) and the recipes follow.

Plain constants, importing nothing of the package: every layer above the remote-code set may import it.
"""

from dataclasses import dataclass

SUBSETS = ("s4", "ms3", "avss")
SPLITS = ("train", "val", "test")
SUBSET_FOLDERS = {"s4": "Single-source", "ms3": "Multi-sources", "avss": "AVSS"}
METADATA_FILES = {"s4": "s4_meta_data.csv", "ms3": "ms3_meta_data.csv", "avss": "metadata.csv"}
# AVSS clip sources: v1s (single source, 5 s), v1m (multi source, 5 s), v2 (10 s)
AVSS_SUBSET_LABELS = ("v1s", "v1m", "v2")

SAMPLING_RATE = 16000  # AVSBench wavs and VGGish's input rate
WINDOW_SAMPLES = 15600  # one VGGish example: 0.96 s of frames, 0.975 s of samples


@dataclass(frozen=True)
class SubsetConventions:
    num_frames: int  # frames of a 5-s clip (AVSS v2 clips have twice as many)
    mask_type: str  # "binary" PNGs or "palette" (AVSS colours)
    pad_mode: str  # audio of short clips: "repeat" the last example, or "zeros" (flagged)
    num_labels: int  # 1 (sigmoid) or the AVSS classes (softmax)


# The 23 categories of AVSBench single-source (S4), in the benchmark's (alphabetical) order.
S4_CATEGORIES = (
    "ambulance_siren", "baby_laughter", "cap_gun_shooting", "cat_meowing", "chainsawing_trees",
    "coyote_howling", "dog_barking", "driving_buses", "female_singing", "helicopter", "horse_clip-clop",
    "lawn_mowing", "lions_roaring", "male_speech", "mynah_bird_singing", "playing_acoustic_guitar",
    "playing_glockenspiel", "playing_piano", "playing_tabla", "playing_ukulele", "playing_violin",
    "race_car", "typing_on_computer_keyboard",
)

# AVSS classes: index 0 is background, then 70 sounding-object classes, in the order of the benchmark's
# `label2idx.json`; the AVSS colour masks encode the same indices through the PASCAL-VOC palette.
AVSS_CLASS_NAMES = (
    "background", "accordion", "airplane", "axe", "baby", "bassoon", "bell", "bird", "boat", "boy",
    "bus", "car", "cat", "cello", "clarinet", "clipper", "clock", "dog", "donkey", "drum", "duck",
    "elephant", "emergency-car", "erhu", "flute", "frying-food", "girl", "goose", "guitar", "gun",
    "guzheng", "hair-dryer", "handpan", "harmonica", "harp", "helicopter", "hen", "horse", "keyboard",
    "leopard", "lion", "man", "marimba", "missile-rocket", "motorcycle", "mower", "parrot", "piano",
    "pig", "pipa", "saw", "saxophone", "sheep", "sitar", "sorna", "squirrel", "tabla", "tank", "tiger",
    "tractor", "train", "trombone", "truck", "trumpet", "tuba", "ukulele", "utv", "vacuum-cleaner",
    "violin", "wolf", "woman",
)
AVSS_NUM_CLASSES = len(AVSS_CLASS_NAMES)

CONVENTIONS = {
    "s4": SubsetConventions(num_frames=5, mask_type="binary", pad_mode="repeat", num_labels=1),
    "ms3": SubsetConventions(num_frames=5, mask_type="binary", pad_mode="repeat", num_labels=1),
    "avss": SubsetConventions(num_frames=10, mask_type="palette", pad_mode="zeros", num_labels=AVSS_NUM_CLASSES),
}


def avss_id2label() -> dict[int, str]:
    return dict(enumerate(AVSS_CLASS_NAMES))


__all__ = [
    "AVSS_CLASS_NAMES", "AVSS_NUM_CLASSES", "AVSS_SUBSET_LABELS", "CONVENTIONS", "METADATA_FILES", "S4_CATEGORIES",
    "SAMPLING_RATE", "SPLITS", "SUBSETS", "SUBSET_FOLDERS", "SubsetConventions", "WINDOW_SAMPLES", "avss_id2label",
]
