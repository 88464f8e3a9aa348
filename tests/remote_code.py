"""The script that loads a pushed repo without the package: run as `python -I -c WITHOUT_PACKAGE REPO WORK`, it
blocks `avesformer_hf` from being imported, loads REPO with `trust_remote_code=True`, segments WORK/frame_{0,1}.png
with WORK/audio.npy and writes WORK/remote_logits.npy and WORK/remote_classes.json."""

import textwrap

WITHOUT_PACKAGE = textwrap.dedent(
    """
    import importlib.abc, json, sys

    class BlockPackage(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "avesformer_hf" or name.startswith("avesformer_hf."):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked for this test)")

    sys.meta_path.insert(0, BlockPackage())
    try:
        import avesformer_hf
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit("avesformer_hf is still importable")

    import numpy as np
    import PIL.Image
    import torch
    from transformers import AutoModel, AutoProcessor

    repo, work = sys.argv[1], sys.argv[2]
    model = AutoModel.from_pretrained(repo, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(repo, trust_remote_code=True)
    frames = [PIL.Image.open(f"{work}/frame_{index}.png") for index in range(2)]
    inputs = processor(images=frames, audio=np.load(f"{work}/audio.npy"), sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        logits = model(pixel_values=inputs["pixel_values"], input_features=inputs["input_features"]).logits
    np.save(f"{work}/remote_logits.npy", logits.numpy())
    json.dump({"model": type(model).__module__, "processor": type(processor).__module__,
               "loaded": sorted(name for name in sys.modules if name.startswith("avesformer_hf"))},
              open(f"{work}/remote_classes.json", "w"))
    """
)
