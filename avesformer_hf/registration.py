"""Registration of the package's classes with transformers' Auto classes (and its pipeline), done once, as soon as
transformers' Auto classes are loaded.

`import avesformer_hf` must not import transformers (the CLI starts without it), yet
`import avesformer_hf; AutoModel.from_pretrained(folder)` must resolve `avesformer`. So `register_with_transformers`
runs at once when `transformers.models.auto` is already imported, else a post-import hook on `sys.meta_path` runs
it right after that module is first imported. The hook waits until no module of this package is half-imported (the package's
modules import transformers themselves, and registering imports them).
"""

import importlib.abc
import sys
import threading

# Auto classes live here: registering when it loads leaves a bare `import transformers` light, and everything that
# resolves `avesformer` through Auto classes loads it.
TRIGGER = "transformers.models.auto"
_lock = threading.RLock()
_state = {"registered": False, "importing": 0}


def register_with_transformers() -> None:
    """Every registration this package makes with transformers; the single place to add one."""
    from transformers import AutoConfig, AutoFeatureExtractor, AutoImageProcessor, AutoModel, AutoProcessor

    from .configuration_avesformer import AVESFormerConfig
    from .configuration_light_audio import LightAudioConfig
    from .configuration_vggish import VGGishConfig
    from .feature_extraction_vggish import VGGishFeatureExtractor
    from .image_processing_avesformer import AVESFormerImageProcessor
    from .modeling_avesformer import AVESFormerModel
    from .modeling_light_audio import LightAudioModel
    from .modeling_vggish import VGGishModel
    from .pipeline_avesformer import register_pipeline
    from .processing_avesformer import AudioVisualProcessor

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
    register_pipeline()


def _register_if_ready() -> None:
    with _lock:
        if _state["registered"] or _state["importing"] or TRIGGER not in sys.modules:
            return
        _state["registered"] = True  # before registering: the imports it makes come back through the hook
        _remove_hook()
        try:
            register_with_transformers()
        except BaseException:
            _state["registered"] = False
            raise


class _NotifyingLoader(importlib.abc.Loader):
    """Wraps a module's loader; after the module has run, registers if everything is ready."""

    def __init__(self, loader, own_module: bool):
        self._loader, self._own_module = loader, own_module

    def __getattr__(self, name):  # get_source, get_resource_reader, is_package, ... of the real loader
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _lock:
            _state["importing"] += self._own_module
        try:
            self._loader.exec_module(module)
        finally:
            with _lock:
                _state["importing"] -= self._own_module
        _register_if_ready()


class _TransformersImportHook(importlib.abc.MetaPathFinder):
    """Sees the import of `transformers` and of this package's submodules; finds nothing itself."""

    def find_spec(self, fullname, path, target=None):
        own_module = fullname.startswith(f"{__package__}.")
        if fullname != TRIGGER and not own_module:
            return None
        for finder in sys.meta_path[sys.meta_path.index(self) + 1 :] if self in sys.meta_path else []:
            spec = getattr(finder, "find_spec", lambda *args: None)(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _NotifyingLoader(spec.loader, own_module)
                return spec
        return None


_hook = _TransformersImportHook()


def _remove_hook() -> None:
    if _hook in sys.meta_path:
        sys.meta_path.remove(_hook)


def register_now_or_after_transformers_import() -> None:
    """Called by `avesformer_hf/__init__.py`: registers now if transformers is loaded, else installs the hook."""
    with _lock:
        if _state["registered"]:
            return
        if TRIGGER in sys.modules:
            _register_if_ready()
        elif _hook not in sys.meta_path:
            sys.meta_path.insert(0, _hook)
