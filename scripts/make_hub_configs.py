"""Writes hub_configs/<variant>/config.json for every published variant (run again after a config change).

The folders are the variant table: the package reads them, never this script.
"""

import argparse
from pathlib import Path

from transformers import ResNetConfig

from avesformer_hf import AVESFormerConfig
from avesformer_hf.configuration_avesformer import BACKBONE_STAGES, default_backbone_config
from avesformer_hf.labels import avss_id2label

BACKBONES = {
    "pvtv2-b2": default_backbone_config,
    "r50": lambda: ResNetConfig(out_features=list(BACKBONE_STAGES)),  # ResNetConfig defaults are ResNet-50
}
SUBSETS = {
    "s4": dict(num_frames=5),
    "ms3": dict(num_frames=5),
    "avss": dict(num_frames=10, id2label=avss_id2label()),
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
            print(folder)


if __name__ == "__main__":
    main()
