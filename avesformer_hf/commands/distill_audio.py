"""`avesformer distill-audio --audio-dir WAVS --teacher VGGISH --output-dir OUT`: train the light audio encoder to
reproduce a teacher's embeddings; OUT/model then goes to `scripts/init_checkpoint.py --audio OUT/model`."""

import sys
from pathlib import Path

HELP = "distil the light audio encoder from VGGish (or another audio encoder) on a folder of audio files"


def register(subparsers):
    from avesformer_hf.training.distill_arguments import DistillArguments

    defaults = DistillArguments(audio_dir="", output_dir="", teacher="")
    parser = subparsers.add_parser("distill-audio", help=HELP, description=HELP)
    parser.add_argument("--audio-dir", required=True, help="folder searched recursively for .wav / .flac / .ogg / .mp3")
    parser.add_argument(
        "--teacher", required=True,
        help="teacher encoder: VGGishModel folder / Hub id, vggish-10086976.pth, or an AST / CLAP / Whisper / "
        "wav2vec2 / HuBERT checkpoint",
    )
    parser.add_argument("--output-dir", required=True, help="writes model/ (best student), checkpoints/, log.jsonl, metrics.json")
    parser.add_argument("--student-config", help="LightAudioConfig folder or json (default: LightAudioConfig())")
    for name in ("num_epochs", "batch_size", "learning_rate", "weight_decay", "heldout_fraction", "seed",
                 "logging_steps", "checkpointing_steps", "keep_checkpoints"):
        default = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(default), default=default, help=f"default {default}")
    parser.add_argument("--resume-from-checkpoint", help="'latest' or a checkpoint folder of OUTPUT/checkpoints")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.training.distill_arguments import DistillArguments
    from avesformer_hf.training.distill_audio import distill_audio

    values = {name: getattr(args, name) for name in DistillArguments.__dataclass_fields__}
    try:
        metrics = distill_audio(DistillArguments(**values), progress=lambda line: print(line, flush=True))
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    model = Path(args.output_dir) / "model"
    print(
        f"wrote {model}: {metrics['student_parameters']:,} parameters, held-out cosine to the teacher "
        f"{metrics['best_heldout_cosine']:.4f} (epoch {metrics['best_epoch']}); next: "
        f"scripts/init_checkpoint.py OUT --config CONFIG --audio {model}"
    )
    return 0
