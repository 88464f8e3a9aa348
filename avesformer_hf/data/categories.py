"""Category and split names of AVSBench's subsets."""

# The 23 categories of AVSBench single-source (S4), in the benchmark's (alphabetical) order.
S4_CATEGORIES = (
    "ambulance_siren", "baby_laughter", "cap_gun_shooting", "cat_meowing", "chainsawing_trees",
    "coyote_howling", "dog_barking", "driving_buses", "female_singing", "helicopter", "horse_clip-clop",
    "lawn_mowing", "lions_roaring", "male_speech", "mynah_bird_singing", "playing_acoustic_guitar",
    "playing_glockenspiel", "playing_piano", "playing_tabla", "playing_ukulele", "playing_violin",
    "race_car", "typing_on_computer_keyboard",
)
assert len(S4_CATEGORIES) == 23

SPLITS = ("train", "val", "test")
SUBSETS = ("s4", "ms3", "avss")
# AVSS clip sources: v1s (single source, 5 s), v1m (multi source, 5 s), v2 (10 s)
AVSS_SUBSET_LABELS = ("v1s", "v1m", "v2")
