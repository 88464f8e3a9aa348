"""`avesformer convert {vggish,pvt_v2,resnet} PATH.pth OUT_DIR`: original checkpoints -> `from_pretrained` folders."""

import sys
from pathlib import Path

HELP = "convert original VGGish / PVT-v2 / torchvision ResNet .pth files to transformers folders"
KINDS = {
    "vggish": "the PyTorch port of VGGish (vggish-10086976.pth) -> VGGishModel",
    "pvt_v2": "an official PVT-v2 checkpoint (pvt_v2_b2.pth, pvt_v2_b5.pth, ...) -> PvtV2Backbone",
    "resnet": "a torchvision ResNet checkpoint (resnet50-19c8e357.pth, ...) -> ResNetBackbone",
}


def register(subparsers):
    parser = subparsers.add_parser("convert", help=HELP, description=HELP)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, description in KINDS.items():
        sub = kinds.add_parser(kind, help=description, description=description)
        sub.add_argument("path", type=Path, help="the original .pth file (read with torch.load(weights_only=True))")
        sub.add_argument("out_dir", type=Path, help="folder to write (config.json + model.safetensors)")
        sub.add_argument(
            "--config", type=Path, help="config.json (or folder) of the target model (default: read from the checkpoint)"
        )
        if kind == "pvt_v2":
            sub.add_argument("--variant", help="b0, b1, b2, b2_li, b3, b4 or b5 (default: inferred)")
        sub.set_defaults(func=run)


def _load_config(kind: str, path: Path | None):
    if path is None:
        return None
    from transformers import PvtV2Config, ResNetConfig

    from avesformer_hf.configuration_vggish import VGGishConfig

    config_class = {"vggish": VGGishConfig, "pvt_v2": PvtV2Config, "resnet": ResNetConfig}[kind]
    return config_class.from_pretrained(path) if path.is_dir() else config_class.from_json_file(path)


def run(args) -> int:
    from avesformer_hf import convert

    try:
        config = _load_config(args.kind, args.config)
        if args.kind == "pvt_v2" and getattr(args, "variant", None):
            if config is not None:
                raise ValueError("pass either --variant or --config, not both")
            config = convert.pvt_v2_config(args.variant)
        converter = {
            "vggish": convert.convert_vggish_checkpoint,
            "pvt_v2": convert.convert_pvt_v2_checkpoint,
            "resnet": convert.convert_resnet_checkpoint,
        }[args.kind]
        model = converter(args.path, args.out_dir, config=config)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    parameters = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out_dir}: {type(model).__name__}, {parameters:,} parameters, from {args.path}")
    return 0
