"""The Gradio app: uploads decoded in isolated child processes, and the Live tab (webcam and microphone)."""

from ..lazy_exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {"build_demo": "app", "launch": "app", "build_live_tab": "live"})
