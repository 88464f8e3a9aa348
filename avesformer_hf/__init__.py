"""AVESFormer on the Hugging Face stack.

Importing the package registers `avesformer` and `vggish` with transformers' Auto classes, so
`AutoConfig` / `AutoModel` (and, once saved, `AutoProcessor`) resolve them offline without remote code.
"""

from transformers import AutoConfig, AutoFeatureExtractor, AutoImageProcessor, AutoModel, AutoProcessor

from .configuration_avesformer import AVESFormerConfig
from .configuration_light_audio import LightAudioConfig
from .configuration_vggish import VGGishConfig
from .modeling_avesformer import AVESFormerModel, AVESFormerOutput, AVESFormerPreTrainedModel
from .modeling_light_audio import LightAudioModel
from .modeling_vggish import VGGishModel, VGGishOutput
from .feature_extraction_vggish import VGGishFeatureExtractor
from .image_processing_avesformer import AVESFormerImageProcessor
from .processing_avesformer import AudioVisualProcessor

__version__ = "0.1.0"

AutoConfig.register(AVESFormerConfig.model_type, AVESFormerConfig, exist_ok=True)
AutoConfig.register(VGGishConfig.model_type, VGGishConfig, exist_ok=True)
AutoModel.register(AVESFormerConfig, AVESFormerModel, exist_ok=True)
AutoModel.register(VGGishConfig, VGGishModel, exist_ok=True)
AutoConfig.register(LightAudioConfig.model_type, LightAudioConfig, exist_ok=True)
AutoModel.register(LightAudioConfig, LightAudioModel, exist_ok=True)
AutoFeatureExtractor.register(LightAudioConfig, VGGishFeatureExtractor, exist_ok=True)
AutoImageProcessor.register(
    AVESFormerConfig, image_processor_classes={"pil": AVESFormerImageProcessor}, exist_ok=True
)
AutoFeatureExtractor.register(AVESFormerConfig, VGGishFeatureExtractor, exist_ok=True)
AutoFeatureExtractor.register(VGGishConfig, VGGishFeatureExtractor, exist_ok=True)
AutoProcessor.register(AVESFormerConfig, AudioVisualProcessor, exist_ok=True)

__all__ = [
    "AVESFormerConfig",
    "AVESFormerImageProcessor",
    "AVESFormerModel",
    "AVESFormerOutput",
    "AVESFormerPreTrainedModel",
    "AudioVisualProcessor",
    "LightAudioConfig",
    "LightAudioModel",
    "VGGishConfig",
    "VGGishFeatureExtractor",
    "VGGishModel",
    "VGGishOutput",
]
