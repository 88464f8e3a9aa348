"""AVESFormer on the Hugging Face stack.

Public names load on first use (PEP 562, like transformers' `_LazyModule`), so `import avesformer_hf` and the
`avesformer` CLI start without torch or transformers. The package registers `avesformer` and `vggish` with
transformers' Auto classes as soon as transformers is imported (`registration.py`), so `AutoConfig` /
`AutoModel` / `AutoProcessor` resolve them offline without remote code.
"""

from .lazy_exports import lazy_exports
from .registration import register_now_or_after_transformers_import

__version__ = "0.1.0"

_EXPORTS = {
    "AVESFormerConfig": "configuration_avesformer",
    "AVESFormerImageProcessor": "image_processing_avesformer",
    "AVESFormerModel": "modeling_avesformer",
    "AVESFormerOutput": "modeling_avesformer",
    "AVESFormerPreTrainedModel": "modeling_avesformer",
    "AudioVisualProcessor": "processing_avesformer",
    "AudioVisualSegmentationPipeline": "pipeline_avesformer",
    "LightAudioConfig": "configuration_light_audio",
    "LightAudioModel": "modeling_light_audio",
    "VGGishConfig": "configuration_vggish",
    "VGGishFeatureExtractor": "feature_extraction_vggish",
    "VGGishModel": "modeling_vggish",
    "VGGishOutput": "modeling_vggish",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)


def __dir__():
    return sorted(set(globals()) | set(__all__))


register_now_or_after_transformers_import()
