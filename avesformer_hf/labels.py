"""Class names of AVSBench-semantic (AVSS): index 0 is background, then 70 sounding-object classes.

The order is that of the benchmark's ``label2idx.json``; the AVSS colour masks encode the same
indices through the PASCAL-VOC palette (see ``image_processing_avesformer.avss_palette``).
"""

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
assert len(AVSS_CLASS_NAMES) == 71

BINARY_ID2LABEL = {0: "sounding"}


def avss_id2label() -> dict[int, str]:
    return dict(enumerate(AVSS_CLASS_NAMES))
