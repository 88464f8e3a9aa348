"""Writes hub_configs/<variant>/{config.json, processor files} for every published variant (run again after a config change).

The folders are the variant table: the package reads them, never this script.
"""

import argparse
from pathlib import Path

from transformers import ResNetConfig

from avesformer_hf import AVESFormerConfig, AVESFormerImageProcessor, AudioVisualProcessor, VGGishFeatureExtractor
from avesformer_hf.configuration_avesformer import BACKBONE_STAGES, default_backbone_config
from avesformer_hf.avsbench import avss_id2label

BACKBONES = {
    "pvtv2-b2": default_backbone_config,
    "r50": lambda: ResNetConfig(out_features=list(BACKBONE_STAGES)),  # ResNetConfig defaults are ResNet-50
}
SUBSETS = {
    "s4": dict(num_frames=5),
    "ms3": dict(num_frames=5),
    "avss": dict(num_frames=10, id2label=avss_id2label()),
}
# AVSBench conventions: binary PNG masks and repeated audio for S4 / MS3; palette masks and zero-padded,
# flagged audio for AVSS.
PROCESSORS = {
    "s4": dict(mask_type="binary", pad_mode="repeat"),
    "ms3": dict(mask_type="binary", pad_mode="repeat"),
    "avss": dict(mask_type="palette", pad_mode="zeros"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "hub_configs")
    args = parser.parse_args()
    for backbone, make_backbone in BACKBONES.items():
        for subset, values in SUBSETS.items():
            config = AVESFormerConfig(backbone_config=make_backbone(), **values)
            config.architectures = ["AVESFormerModel"]
            folder = args.out / f"avesformer-{backbone}-{subset}"
            config.save_pretrained(folder)
            options = PROCESSORS[subset]
            AudioVisualProcessor(
                image_processor=AVESFormerImageProcessor(mask_type=options["mask_type"]),
                feature_extractor=VGGishFeatureExtractor(pad_mode=options["pad_mode"]),
            ).save_pretrained(folder)
            # save_pretrained copies the remote-code files next to the configs; the table keeps configs only.
            for code_file in folder.glob("*.py"):
                code_file.unlink()
            print(folder)


if __name__ == "__main__":
    main()
