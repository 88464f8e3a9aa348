"""What `avesformer benchmark` measures and how: the one definition of its options, their defaults and help (the
command's flags are made from these fields). Imports no torch, so `avesformer benchmark --help` stays fast."""

from dataclasses import dataclass, field, fields


def option(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class BenchmarkOptions:
    frames: int = option(5, "frames per clip T")
    size: int = option(224, "frame height and width")
    runs: int = option(8, "timed calls per setting")
    warmup: int = option(2, "untimed calls first")
    batch_sizes: tuple = option((1, 2), "clips per call for throughput")
    threads: int = option(2, "torch.set_num_threads")
    device: str = option("cpu", "torch device of the measurements")
    matmul_size: int = option(2048, "side of the reference fp32 matmul")
    profile_rows: int = option(12, "rows of the profiler table (0: skip)")
    streaming_frames: int = option(20, "frames for the streaming FPS (0: skip)")
    streaming_fps: float = option(10.0, "frame rate of the measured stream")
    audio_encoders: tuple = option((), "names of `benchmark.audio.default_audio_encoders()` to measure alone")
    live_frames: int = option(30, "frames per dtype for the live path (webcam + microphone, causal audio; 0: skip)")


def add_option_flags(parser, names: list[str]) -> None:
    """`--name` flags for the named fields, with the field's type, default and help."""
    by_name = {item.name: item for item in fields(BenchmarkOptions)}
    for name in names:
        item = by_name[name]
        default, help = item.default, item.metadata["help"]
        flag = "--" + name.replace("_", "-")
        if isinstance(default, tuple):
            parser.add_argument(flag, type=type(default[0]), nargs="+", default=list(default), help=help)
        else:
            parser.add_argument(flag, type=type(default), default=default, help=help)


def options_from_flags(args, **values) -> BenchmarkOptions:
    """The options of the parsed flags (the fields that are flags), updated with `values`."""
    given = {item.name: getattr(args, item.name) for item in fields(BenchmarkOptions) if hasattr(args, item.name)}
    given.update(values)
    if "batch_sizes" in given:
        given["batch_sizes"] = tuple(given["batch_sizes"])
    return BenchmarkOptions(**given)


__all__ = ["BenchmarkOptions", "add_option_flags", "options_from_flags"]
