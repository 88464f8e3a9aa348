"""Build a ready-to-fine-tune AVESFormer folder: pretrained visual backbone + pretrained audio encoder + fresh decoder.

    python scripts/init_checkpoint.py runs/init-pvtv2-b2-s4 --config hub_configs/avesformer-pvtv2-b2-s4 \\
        --backbone OpenGVLab/pvt_v2_b2 --audio pretrained_backbones/vggish-10086976.pth
    accelerate launch scripts/train.py --init-from runs/init-pvtv2-b2-s4 --subset s4 --data-root ... --output-dir ...

--backbone / --audio take a Hub id, a transformers folder, or the original .pth (converted on the fly). --audio may
hold another encoder than the config's (a `avesformer distill-audio` output, AST, CLAP, Whisper, wav2vec2, HuBERT):
the model then takes that encoder, with the checkpoint's config.
"""

import argparse
import sys
from pathlib import Path

from avesformer_hf import AVESFormerConfig
from avesformer_hf.convert import PVT_V2_VARIANTS, pvt_v2_config, with_audio_config_of, write_init_checkpoint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="folder to write (model + processor)")
    parser.add_argument("--config", required=True, help="AVESFormer config folder or config.json (e.g. hub_configs/...)")
    parser.add_argument("--backbone", help="visual backbone: Hub id, transformers folder, pvt_v2_b*.pth or resnet*.pth")
    parser.add_argument(
        "--audio", help="audio encoder: folder / Hub id (VGGish, distill-audio output, AST, CLAP, Whisper, wav2vec2, "
        "HuBERT), or vggish-10086976.pth",
    )
    parser.add_argument(
        "--pvt-variant", choices=sorted(PVT_V2_VARIANTS),
        help="replace the config's backbone by this PVT-v2 variant (e.g. b5 for AVSBench's pvt_v2_b5.pth)",
    )
    parser.add_argument("--no-processor", action="store_true", help="write the model only")
    parser.add_argument("--revision", help="Hub revision for --backbone / --audio ids")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = AVESFormerConfig.from_pretrained(args.config)
        if args.pvt_variant:
            config = AVESFormerConfig.from_dict(
                {**config.to_dict(), "backbone_config": pvt_v2_config(args.pvt_variant).to_dict()}
            )
        hub_kwargs = {"revision": args.revision} if args.revision else {}
        config = with_audio_config_of(config, args.audio, **hub_kwargs)
        model = write_init_checkpoint(
            config, args.out_dir, backbone=args.backbone, audio=args.audio,
            with_processor=not args.no_processor, **hub_kwargs,
        )
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    audio_part = f"audio encoder ({config.audio_config.model_type})"
    for part, flag, source in (("visual backbone", "backbone", args.backbone), (audio_part, "audio", args.audio)):
        if source is None:
            print(f"warning: {part} left randomly initialised (pass --{flag})")
    parameters = sum(p.numel() for p in model.parameters())
    print(
        f"wrote {args.out_dir}: {parameters:,} parameters; backbone from {args.backbone or 'random init'}, "
        f"{audio_part} from {args.audio or 'random init'}, decoder fresh"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
