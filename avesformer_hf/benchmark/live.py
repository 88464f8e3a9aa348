"""`avesformer benchmark`'s live setting: frames/s and capture-to-overlay latency of the live path (`live.LiveSegmenter`,
what the demo's Live tab runs) at batch 1 with causal audio, for fp32 and the `auto` dtype, on this machine.

Protocol: random init; a 25 frames/s camera of `size` x `size` frames, each bringing 40 ms of 48 kHz microphone
audio (resampled, VGGish once per 0.96 s of it); frames are pushed back to back after `warmup` untimed ones. Latency:
from the frame handed to the live path to its overlay encoded as PNG (the page adds the network and the browser).
frames/s: frames over the wall time of the timed loop.
"""

import statistics
import time

import numpy as np
import torch

from ..image_processing_avesformer import AVESFormerImageProcessor
from ..inference.live import LiveSegmenter, png_data_url
from ..modeling_avesformer import AVESFormerModel
from ..inference.precision import machine_precision, prepare_for_inference
from ..processing_avesformer import AudioVisualProcessor

CAMERA_FPS = 25
MICROPHONE_RATE = 48000
TARGET_FPS = {"auto": 25.0, "fp32": 10.0}  # auto's target holds where the CPU has AMX; elsewhere auto is fp32


def run_live(base, choice: str, size: int, frames: int, warmup: int, device: str = "cpu") -> dict:
    torch.manual_seed(0)
    model, dtype = prepare_for_inference(AVESFormerModel(base), choice, device)
    processor = AudioVisualProcessor(AVESFormerImageProcessor(size={"height": size, "width": size}))
    segmenter = LiveSegmenter(model, processor)
    rng = np.random.default_rng(0)
    camera = rng.integers(0, 256, (8, size, size, 3), dtype=np.uint8)
    chunk = (rng.uniform(-0.3, 0.3, MICROPHONE_RATE // CAMERA_FPS) * 32767).astype(np.int16)
    latencies = []
    for index in range(warmup + frames):
        if index == warmup:
            start = time.perf_counter()
        captured = time.perf_counter()
        segmenter.add_audio(MICROPHONE_RATE, chunk)
        result = segmenter.segment(camera[index % len(camera)], received=captured)
        png_data_url(result.overlay)
        if index >= warmup:
            latencies.append(time.perf_counter() - captured)
    elapsed = time.perf_counter() - start
    ms = sorted(1000 * latency for latency in latencies)
    return {"choice": choice, "dtype": dtype, "frames": frames, "fps": frames / elapsed,
            "latency_median_ms": statistics.median(ms), "latency_p90_ms": ms[int(0.9 * (len(ms) - 1))],
            "vggish_runs": segmenter.streamer.embeddings_computed, "target_fps": TARGET_FPS[choice]}


def live_benchmark(base, size: int = 224, frames: int = 30, warmup: int = 3, threads: int = 2, device: str = "cpu") -> dict:
    """Both dtypes on `base` (normally the default PVT-v2-b2 config); JSON-ready."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        runs = [run_live(base, choice, size, frames, warmup, device) for choice in ("fp32", "auto")]
    finally:
        torch.set_num_threads(previous)
    return {"machine": machine_precision(), "size": size, "threads": threads, "camera_fps": CAMERA_FPS, "runs": runs}


def live_markdown(live: dict) -> list[str]:
    """The "Live path" section of docs/benchmarks.md."""
    machine = live["machine"]
    lines = [
        "## Live path (webcam + microphone, causal audio, batch 1)",
        "",
        f"CPU: {machine['cpu']}; AMX bf16: {'yes' if machine['amx_bf16'] else 'no'} (torch CPU capability "
        f"{machine['cpu_capability']}); `auto` chose **{machine['auto_dtype_cpu']}** on the CPU. {live['size']}x"
        f"{live['size']} frames, {live['threads']} threads, a {live['camera_fps']} frames/s camera with 48 kHz audio; "
        "latency from the frame handed over to its overlay encoded as PNG.",
        "",
        "| dtype setting | weights | frames/s | target | met | latency median / p90 (ms) | VGGish runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in live["runs"]:
        met = "yes" if run["fps"] >= run["target_fps"] else "no"
        lines.append(f"| {run['choice']} | {run['dtype']} | {run['fps']:.1f} | >= {run['target_fps']:g} | {met} | "
                     f"{run['latency_median_ms']:.0f} / {run['latency_p90_ms']:.0f} | {run['vggish_runs']} |")
    return lines + [""]


__all__ = ["live_benchmark", "live_markdown"]
