"""Package attributes that import their module on first use (PEP 562), so heavy dependencies load only when needed."""

import importlib


def lazy_exports(package: str, exports: dict[str, str]):
    """`exports` maps a public name to the submodule defining it; returns the package's `__getattr__` and `__all__`."""

    def __getattr__(name: str):
        if name in exports:
            return getattr(importlib.import_module(f".{exports[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(exports)
