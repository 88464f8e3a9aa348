"""Inference precision: the dtype the weights run in, chosen for the machine at hand.

`resolve_dtype("auto", device)`: bf16 on a CPU with native bf16 matrix units (Intel AMX: the `amx_bf16` flag, with
tiles the OS lets torch use), where oneDNN runs bf16 matmuls and convolutions at several times the fp32 rate;
fp32 on other CPUs, where bf16 is emulated and slower than fp32; bf16 on CUDA devices that support it, else fp16.
Masks in bf16 agree with fp32 (tests/test_precision.py measures the IoU on a SynthAVS test split). `torch.compile`
stays optional: nothing here compiles.
"""

import functools
import platform

import torch

DTYPE_CHOICES = ("auto", "fp32", "bf16", "fp16")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


@functools.lru_cache(maxsize=1)
def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    try:
        with open(cpuinfo) as handle:
            return set(next(line.split(":", 1)[1].split() for line in handle if line.startswith("flags")))
    except (OSError, StopIteration):
        return set()


@functools.lru_cache(maxsize=1)
def cpu_has_amx_bf16() -> bool:
    """The CPU has AMX bf16 tiles and torch can use them (the OS granted the tile state)."""
    usable = getattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    return "amx_bf16" in cpu_flags() and bool(usable())


def resolve_dtype(choice: str = "auto", device="cpu") -> torch.dtype:
    """"auto", "fp32", "bf16" or "fp16" -> the torch dtype to put the weights in on `device`."""
    if choice not in DTYPE_CHOICES:
        raise ValueError(f"dtype must be one of {list(DTYPE_CHOICES)}, got {choice!r}")
    if choice != "auto":
        return DTYPES[choice]
    device = torch.device(device)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_amx_bf16():
        return torch.bfloat16
    return torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    return next(name for name, value in DTYPES.items() if value == dtype)


def prepare_for_inference(model, choice: str = "auto", device="cpu"):
    """Put `model` in eval mode on `device` with its weights in the resolved dtype; returns (model, dtype name)."""
    dtype = resolve_dtype(choice, device)
    model = model.eval().to(device=device, dtype=dtype)
    model.requires_grad_(False)
    return model, dtype_name(dtype)


def machine_precision() -> dict:
    """What `auto` looks at on this machine (the benchmark reports it)."""
    return {"cpu": cpu_name(), "amx_bf16": cpu_has_amx_bf16(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "auto_dtype_cpu": dtype_name(resolve_dtype("auto", "cpu"))}


__all__ = ["DTYPE_CHOICES", "cpu_has_amx_bf16", "cpu_name", "machine_precision", "prepare_for_inference", "resolve_dtype"]
