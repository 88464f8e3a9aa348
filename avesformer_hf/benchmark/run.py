"""Speed benchmark: per-frame latency, throughput, FLOPs, achieved GFLOP/s against a matmul measured in the same run,
peak memory and parameters, for a list of settings (decoder types, Nq, backbone, audio, precision, compile), with a
split into visual backbone / VGGish / decoder + head. `report.py` turns the result into Markdown.

Protocol (the defaults): random init, eval mode, one clip of T = 5 frames at 224x224 per call, fp32, 2 threads;
per-frame latency = clip latency / T, median and interquartile range over `runs` calls after `warmup` calls.
"""

import contextlib
import ctypes
import gc
import math
import os
import platform
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import ResNetConfig

from ..configuration_avesformer import BACKBONE_STAGES, AVESFormerConfig
from ..model_summary import parameter_counts
from ..modeling_avesformer import AVESFormerModel
from .options import BenchmarkOptions

# "bf16-autocast" casts the weights on every call (autocast only caches casts of weights that require grad, and only
# inside one autocast region); "bf16" stores the weights in bf16, as a deployment would.
PRECISIONS = ("fp32", "bf16-autocast", "bf16")


@dataclass(frozen=True)
class Setting:
    """One benchmarked configuration: config overrides plus how the model is run."""

    name: str
    group: str
    overrides: dict = field(default_factory=dict)
    audio_embeds: bool = False  # True: precomputed embeddings, VGGish skipped
    precision: str = "fp32"
    compiled: bool = False
    breakdown: bool = False  # also time backbone / VGGish / decoder + head separately
    throughput: bool = False  # also measure throughput at the benchmark's batch sizes


def default_settings(base: AVESFormerConfig) -> list[Setting]:
    """The comparisons that matter, for `base` (normally the default PVT-v2-b2 config)."""
    depth = len(base.decoder_stage_types)
    settings = [
        Setting("default", "default", breakdown=True, throughput=True),
        Setting("all-attention decoder", "ELF vs all-attention", {"decoder_stage_types": ["attn"] * depth}, breakdown=True),
    ]
    settings += [
        Setting(f"Nq = {nq}", "Nq sweep", {"num_prompt_queries": nq})
        for nq in (1, 4, 16, 64, 300)
        if nq != base.num_prompt_queries
    ]
    settings += [
        Setting("ResNet-50 backbone", "backbone", {"backbone_config": ResNetConfig(out_features=list(BACKBONE_STAGES))},
                breakdown=True),
        Setting("without VGGish (audio_embeds given)", "audio", audio_embeds=True),
        Setting("bf16 autocast", "precision", precision="bf16-autocast"),
        Setting("bf16 weights", "precision", precision="bf16", throughput=True),
        Setting("torch.compile", "compile", compiled=True),
    ]
    return settings


def derive_config(base: AVESFormerConfig, overrides: dict) -> AVESFormerConfig:
    values = base.to_dict()
    values.update(overrides)
    return AVESFormerConfig.from_dict(values)


def matmul_gflops(size: int = 2048, runs: int = 5) -> float:
    """Achieved fp32 GFLOP/s of a size^3 matmul (median of `runs`), the yardstick for the model's efficiency."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def summarize(seconds: list[float], per: int) -> dict:
    """Median, interquartile range and extremes of per-item milliseconds."""
    ms = sorted(1000 * s / per for s in seconds)
    quartiles = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
    return {"median_ms": statistics.median(ms), "q1_ms": quartiles[0], "q3_ms": quartiles[2], "min_ms": ms[0],
            "max_ms": ms[-1], "runs": len(ms)}


def time_calls(fn, runs: int, warmup: int, device: torch.device) -> list[float]:
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def synchronize(device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def count_flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


class PeakMemory:
    """Peak memory of the code inside: CUDA allocator peak, or on CPU the peak resident set size above the level at
    entry, sampled every millisecond (None when psutil is missing)."""

    def __init__(self, device: torch.device):
        self.device, self.peak_bytes = device, None

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
            return self
        try:
            import psutil
        except ImportError:
            return self
        release_freed_memory()
        process = psutil.Process()
        self._start, self._peak, self._running = process.memory_info().rss, 0, True

        def sample():
            while self._running:
                self._peak = max(self._peak, process.memory_info().rss)
                time.sleep(0.001)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            self.peak_bytes = torch.cuda.max_memory_allocated(self.device) - self._start
        elif hasattr(self, "_thread"):
            self._running = False
            self._thread.join()
            self.peak_bytes = max(0, self._peak - self._start)


def release_freed_memory():
    """Hand memory freed by earlier settings back to the OS (glibc), so the resident set starts near what is live."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class SettingRunner:
    """Builds the model of one setting and measures it."""

    def __init__(self, base: AVESFormerConfig, setting: Setting, options: BenchmarkOptions):
        self.setting, self.options = setting, options
        self.device = torch.device(options.device)
        torch.manual_seed(0)
        self.config = derive_config(base, setting.overrides)
        if setting.precision not in PRECISIONS:
            raise ValueError(f"setting {setting.name!r}: precision must be one of {PRECISIONS}, got {setting.precision!r}")
        self.dtype = torch.bfloat16 if setting.precision == "bf16" else torch.float32
        self.model = AVESFormerModel(self.config).eval().to(self.device, self.dtype)
        self.model.requires_grad_(False)
        self.forward = torch.compile(self.model) if setting.compiled else self.model

    def inputs(self, batch: int) -> dict:
        generator = torch.Generator().manual_seed(batch)
        t, s, audio = self.options.frames, self.options.size, self.config.audio_config
        pixel_values = torch.randn(batch, t, 3, s, s, generator=generator)
        if self.setting.audio_embeds:
            audio_input = {"audio_embeds": torch.randn(batch, t, audio.embedding_size, generator=generator)}
        else:
            shape = (batch, t, 1, audio.num_frames_per_example, audio.num_mel_bins)
            audio_input = {"input_features": torch.randn(*shape, generator=generator)}
        return {key: value.to(self.device, self.dtype) for key, value in {"pixel_values": pixel_values, **audio_input}.items()}

    def precision(self):
        if self.setting.precision != "bf16-autocast":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def call(self, fn, *args, **kwargs):
        with torch.inference_mode(), self.precision():
            return fn(*args, **kwargs)

    def run(self) -> dict:
        options, frames = self.options, self.options.frames
        inputs = self.inputs(1)
        result = {"setting": asdict(self.setting) | {"overrides": describe(self.setting.overrides)},
                  "parameters": parameter_counts(self.model)}
        compile_start = time.perf_counter()
        self.call(self.forward, **inputs)  # the first call compiles, if compiling
        result["first_call_s"] = time.perf_counter() - compile_start
        with torch.inference_mode():
            result["flops_per_frame"] = count_flops(lambda: self.model(**inputs)) / frames
        latency = time_calls(lambda: self.call(self.forward, **inputs), options.runs, options.warmup, self.device)
        result["latency"] = summarize(latency, frames)
        with PeakMemory(self.device) as memory:
            self.call(self.forward, **inputs)
        result["peak_memory_bytes"] = memory.peak_bytes
        if self.setting.throughput:
            result["throughput_fps"] = self.throughput()
        if self.setting.breakdown:
            result["parts"] = self.parts(inputs)
        return result

    def throughput(self) -> dict:
        measured = {}
        for batch in self.options.batch_sizes:
            inputs = self.inputs(batch)
            runs = max(2, self.options.runs // batch)
            times = time_calls(lambda: self.call(self.forward, **inputs), runs, 1, self.device)
            measured[str(batch)] = batch * self.options.frames / statistics.median(times)
        return measured

    def parts(self, inputs: dict) -> dict:
        """Per-frame time, FLOPs and parameters of the visual backbone, VGGish and everything after them."""
        model, options = self.model, self.options
        pixels = inputs["pixel_values"].flatten(0, 1)
        features = inputs.get("input_features")
        embeds = model.embed_audio(features) if features is not None else inputs["audio_embeds"]
        with torch.inference_mode(), self.precision():
            maps = model.backbone(pixels).feature_maps
        calls = {
            "visual_backbone": lambda: model.backbone(pixels),
            "audio_backbone": (lambda: model.embed_audio(features)) if features is not None else None,
            "decoder_and_head": lambda: model.decode(maps, embeds.flatten(0, 1)),
        }
        counts = parameter_counts(model)
        measured = {}
        for part, fn in calls.items():
            if fn is None:
                continue
            times = time_calls(lambda: self.call(fn), options.runs, options.warmup, self.device)
            with torch.inference_mode():
                flops = count_flops(fn) / options.frames
            measured[part] = {"latency": summarize(times, options.frames), "flops_per_frame": flops,
                              "parameters": counts[part]}
        return measured


def describe(overrides: dict) -> dict:
    """JSON-friendly overrides (a backbone config becomes its model type)."""
    return {key: getattr(value, "model_type", value) for key, value in overrides.items()}


def profile_top_ops(base: AVESFormerConfig, options: BenchmarkOptions, rows: int) -> list[dict]:
    """torch.profiler over one forward of `base`: the ops with the most self time (ms per frame, share)."""
    from torch.profiler import ProfilerActivity, profile

    runner = SettingRunner(base, Setting("default", "default"), options)
    inputs = runner.inputs(1)
    runner.call(runner.model, **inputs)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if runner.device.type == "cuda" else [])
    with profile(activities=activities) as profiler:
        runner.call(runner.model, **inputs)
    events = sorted(profiler.key_averages(), key=lambda event: -event.self_cpu_time_total)
    total = sum(event.self_cpu_time_total for event in events) or 1
    return [
        {"op": event.key, "calls": event.count, "ms_per_frame": event.self_cpu_time_total / 1000 / options.frames,
         "share": event.self_cpu_time_total / total}
        for event in events[:rows]
    ]


def streaming_fps(base: AVESFormerConfig, options: BenchmarkOptions, dtype=torch.float32) -> dict:
    """Frames per second of `AVESFormerStreamer` fed a live-like stream at `options.streaming_fps` (batch 1), with
    the model's weights in `dtype`."""
    import numpy as np

    from ..feature_extraction_vggish import VGGishFeatureExtractor
    from ..inference.streaming import AVESFormerStreamer

    torch.manual_seed(0)
    model = AVESFormerModel(base).eval().to(options.device, dtype)
    extractor = VGGishFeatureExtractor()
    streamer = AVESFormerStreamer(model, extractor, fps=options.streaming_fps)
    rate, fps = extractor.sampling_rate, options.streaming_fps
    frame = torch.randn(3, options.size, options.size)
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, round(rate / fps))
    # At least one full hop, so that VGGish runs and the frames are segmented.
    count = max(options.streaming_frames, math.ceil(fps * extractor.samples_per_example / rate) + 1)
    for _ in range(count):  # warm-up
        streamer.push(frame, audio=audio)
    streamer.flush()
    streamer.reset()
    start, done = time.perf_counter(), 0
    for _ in range(count):
        done += len(streamer.push(frame, audio=audio))
    done += len(streamer.flush())
    synchronize(torch.device(options.device))
    elapsed = time.perf_counter() - start
    return {"frames": done, "seconds": elapsed, "fps": done / elapsed, "vggish_runs": streamer.embeddings_computed,
            "stream_fps": fps, "dtype": str(dtype).removeprefix("torch.")}


def run_live_setting(base: AVESFormerConfig, options: BenchmarkOptions, progress=print) -> dict:
    """The live path (webcam + microphone, causal audio, batch 1) in fp32 and the `auto` dtype: `benchmark.live`."""
    from .live import live_benchmark

    live = live_benchmark(base, options.size, options.live_frames, options.warmup, options.threads, options.device)
    progress("live: " + ", ".join(f"{run['choice']} ({run['dtype']}) {run['fps']:.1f} frames/s" for run in live["runs"]))
    return live


def machine_description() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "platform": platform.platform(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def run_benchmark(
    base: AVESFormerConfig,
    settings: list[Setting] | None = None,
    options: BenchmarkOptions | None = None,
    progress=print,
) -> dict:
    """Measure every setting; return a JSON-ready dict (see `report.to_markdown`)."""
    from ..environment import library_versions

    options = options or BenchmarkOptions()
    settings = default_settings(base) if settings is None else settings
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        result = {"options": asdict(options), "machine": machine_description(), "versions": library_versions(),
                  "load_average_start": os.getloadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                  "base_num_prompt_queries": base.num_prompt_queries}
        result["matmul_gflops"] = matmul_gflops(options.matmul_size)
        progress(f"matmul {options.matmul_size}^3: {result['matmul_gflops']:.1f} GFLOP/s")
        result["settings"] = []
        for setting in settings:
            start = time.perf_counter()
            try:
                measured = SettingRunner(base, setting, options).run()
            except Exception as error:  # e.g. torch.compile without a working compiler: recorded, not fatal
                measured = {"setting": asdict(setting) | {"overrides": describe(setting.overrides)},
                            "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}
            measured["wall_s"] = time.perf_counter() - start
            result["settings"].append(measured)
            summary = measured.get("error") or f"{measured['latency']['median_ms']:.1f} ms/frame"
            progress(f"{setting.name}: {summary} ({measured['wall_s']:.0f} s)")
        if options.streaming_frames:
            result["streaming"] = [streaming_fps(base, options, dtype) for dtype in (torch.float32, torch.bfloat16)]
            progress("streaming: " + ", ".join(f"{run['dtype']} {run['fps']:.1f} frames/s" for run in result["streaming"]))
        if options.live_frames:
            result["live"] = run_live_setting(base, options, progress)
        if options.profile_rows:
            result["profile"] = profile_top_ops(base, options, options.profile_rows)
        if options.audio_encoders:
            from .audio import run_audio_encoders

            result["audio_encoders"] = run_audio_encoders(options, progress)
        result["load_average_end"] = os.getloadavg()
        return result
    finally:
        torch.set_num_threads(previous_threads)


__all__ = ["Setting", "default_settings", "run_benchmark", "matmul_gflops"]
