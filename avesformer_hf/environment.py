"""Versions of the libraries a result depends on (shown by `avesformer info`, recorded by the benchmark)."""

import platform
from importlib import metadata

LIBRARIES = ("avesformer-hf", "torch", "transformers", "huggingface_hub", "datasets", "accelerate", "gradio", "av")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


__all__ = ["LIBRARIES", "library_versions"]
