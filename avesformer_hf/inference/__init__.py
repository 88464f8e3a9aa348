"""The inference layer: video I/O, prediction on clips and many videos, streaming and live segmentation, overlays,
precision and ONNX export. Everything above the remote-code set that turns a video into masks.

    from avesformer_hf.inference import load_model, predict_clip
    model, processor = load_model("runs/quickstart/model")
    prediction = predict_clip(model, processor, "clip.mp4")      # prediction.masks: one array per frame

Names load lazily, so `--help` of the commands that use this package stays fast.
"""

from ..lazy_exports import lazy_exports

_EXPORTS = {
    "Clip": "video",
    "read_clip": "video",
    "write_video": "video",
    "ClipPrediction": "predict",
    "load_model": "predict",
    "load_processor": "predict",
    "predict_clip": "predict",
    "save_prediction": "predict",
    "segmentation_pipeline": "predict",
    "predict_videos": "batch",
    "AVESFormerStreamer": "streaming",
    "stream_clip": "streaming",
    "LiveSegmenter": "live",
    "render_overlay": "overlay",
    "resolve_dtype": "precision",
    "export_onnx": "export",
    "resolve_device": "model_source",
    "resolve_model_source": "model_source",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
