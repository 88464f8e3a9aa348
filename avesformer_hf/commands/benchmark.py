"""`avesformer benchmark`: latency, throughput, FLOPs and efficiency of AVESFormer settings -> Markdown + JSON."""

import json
import shlex
import sys
from pathlib import Path

from avesformer_hf.benchmark.options import add_option_flags, options_from_flags
from avesformer_hf.inference.model_source import DEVICE_HELP, resolve_device

HELP = "measure speed (latency, throughput, FLOPs, memory) of AVESFormer settings and write docs/benchmarks.md"


def register(subparsers):
    parser = subparsers.add_parser("benchmark", help=HELP, description=HELP)
    parser.add_argument("--config", type=Path, default=None,
                        help="folder or config.json of the base variant (default: AVESFormerConfig(), PVT-v2-b2)")
    parser.add_argument("--settings", default=None,
                        help="comma-separated setting names to run (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="print the setting names and exit")
    add_option_flags(parser, ["frames", "size", "runs", "warmup", "batch_sizes", "threads", "matmul_size",
                              "streaming_frames", "live_frames", "profile_rows"])
    parser.add_argument("--device", default="auto", help=DEVICE_HELP)
    parser.add_argument("--live-only", action="store_true",
                        help="measure only the live path (fp32 and auto dtype) and print its Markdown; writes no file")
    parser.add_argument("--audio-encoders", default="all",
                        help="audio encoders to measure alone, comma-separated names, 'all' or 'none' (see --list)")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"), help="Markdown file to write")
    parser.add_argument("--json", type=Path, default=Path("docs/benchmarks.json"), help="JSON file to write")
    parser.set_defaults(func=run, option_defaults=vars(parser.parse_args([])))


def load_base_config(path: Path | None):
    from avesformer_hf import AVESFormerConfig

    if path is None:
        return AVESFormerConfig()
    if not path.exists():
        raise FileNotFoundError(f"--config {path}: no such file or folder")
    if path.is_file():
        return AVESFormerConfig.from_json_file(str(path))
    return AVESFormerConfig.from_pretrained(path)


def select_settings(all_settings, names: str | None):
    if names is None:
        return all_settings
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    by_name = {setting.name: setting for setting in all_settings}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise ValueError(f"--settings: unknown {unknown}; known: {list(by_name)}")
    return [by_name[name] for name in wanted]


def command_line(args) -> str:
    """The `avesformer benchmark` call that reproduces this run (options that differ from the defaults)."""
    words = ["avesformer", "benchmark"]
    for name, default in args.option_defaults.items():
        value = getattr(args, name)
        if value == default or name == "list":
            continue
        values = value if isinstance(value, list) else [value]
        words += ["--" + name.replace("_", "-"), *map(str, values)]
    return shlex.join(words)


def run(args) -> int:
    from avesformer_hf.benchmark.audio import select_audio_encoders
    from avesformer_hf.benchmark.run import default_settings, run_benchmark
    from avesformer_hf.benchmark.report import to_markdown

    try:
        base = load_base_config(args.config)
        settings = select_settings(default_settings(base), args.settings)
        device = resolve_device(args.device)
        audio_encoders = tuple(select_audio_encoders(args.audio_encoders))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.list:
        for setting in settings:
            print(f"{setting.name}  ({setting.group})")
        for name in audio_encoders:
            print(f"{name}  (audio encoder)")
        return 0
    if args.live_only:
        return run_live_only(base, args)
    options = options_from_flags(args, device=device, audio_encoders=audio_encoders)
    result = run_benchmark(base, settings, options, progress=lambda line: print(line, flush=True))
    command = command_line(args)
    previous = args.output.read_text() if args.output.is_file() else None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(to_markdown(result, command, previous))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {args.output} and {args.json}")
    return 0


def run_live_only(base, args) -> int:
    from avesformer_hf.benchmark.live import live_benchmark, live_markdown

    if args.live_frames < 1:
        print(f"error: --live-only needs --live-frames >= 1, got {args.live_frames}", file=sys.stderr)
        return 1
    live = live_benchmark(base, args.size, args.live_frames, args.warmup, args.threads, resolve_device(args.device))
    print("\n".join(live_markdown(live)))
    print(json.dumps(live, default=str))
    return 0
