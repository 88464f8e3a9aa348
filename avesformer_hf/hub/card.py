"""The model card of a saved AVESFormer folder: Hub metadata (with model-index) plus a readable body."""

from huggingface_hub import ModelCard, ModelCardData

from ..configuration_avesformer import AVESFormerConfig
from ..model_summary import audio_encoder_name, config_parameter_counts
from .run_metrics import eval_results, split_metrics

PAPER_URL = "https://arxiv.org/abs/2408.01708"
TAGS = ["audio-visual-segmentation", "avsbench", "avesformer", "video", "audio"]
CITATION = """@article{wang2024avesformer,
  title   = {AVESFormer: Efficient Transformer Design for Real-Time Audio-Visual Segmentation},
  author  = {Wang, Zili and Yang, Qi and Shi, Linsu and Yu, Jiazhong and Liang, Qinghua and Li, Fei and Xiang, Shiming},
  journal = {arXiv preprint arXiv:2408.01708},
  year    = {2024}
}"""
# (model_type, depths, hidden_sizes) -> the published backbone name.
KNOWN_BACKBONES = {
    ("pvt_v2", (3, 4, 6, 3), (64, 128, 320, 512)): "PVT-v2-b2",
    ("pvt_v2", (3, 6, 40, 3), (64, 128, 320, 512)): "PVT-v2-b5",
    ("resnet", (3, 4, 6, 3), (256, 512, 1024, 2048)): "ResNet-50",
}
DEFAULT_WEIGHTS_NOTE = (
    "The authors of the paper released no code and no weights. These weights were produced with this "
    "project's own reconstruction of the architecture (see the project's spec for every design decision "
    "the paper leaves open); they are not the paper's weights and are not expected to reproduce its numbers."
)


def backbone_name(config: AVESFormerConfig) -> str:
    backbone = config.backbone_config
    key = (backbone.model_type, tuple(backbone.depths), tuple(backbone.hidden_sizes))
    return KNOWN_BACKBONES.get(key, f"custom {backbone.model_type} (depths {list(backbone.depths)}, "
                                    f"hidden sizes {list(backbone.hidden_sizes)})")


def task_name(config: AVESFormerConfig, subset: str | None) -> str:
    if config.is_semantic:
        return f"semantic audio-visual segmentation ({config.num_labels} classes, AVSS)"
    return f"binary sounding-object segmentation ({(subset or 'S4 / MS3').upper()})"


def variant_section(config: AVESFormerConfig, subset: str | None, counts: dict[str, int]) -> str:
    rows = [
        ("task", task_name(config, subset)),
        ("visual backbone", backbone_name(config)),
        ("audio backbone", audio_encoder_name(config) + (" (frozen)" if config.freeze_audio_backbone else " (fine-tuned)")),
        ("decoder width / prompt queries", f"{config.d_model} / {config.num_prompt_queries}"),
        ("ELF decoder stages", ", ".join(config.decoder_stage_types)),
        ("frames per clip", str(config.num_frames)),
        ("parameters: total", f"{counts['total']:,}"),
        ("parameters: audio backbone", f"{counts['audio_backbone']:,}"),
        ("parameters: visual backbone", f"{counts['visual_backbone']:,}"),
        ("parameters: decoder + head", f"{counts['decoder_and_head']:,}"),
    ]
    return "| | |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)


def results_section(metrics: dict | None, semantic: bool) -> str:
    found = split_metrics(metrics, semantic) if metrics else {}
    if not found:
        return "No evaluation results were recorded with these weights (no `metrics.json`)."
    lines = ["| split | metric | value |", "|---|---|---|"]
    for split, recognised in found.items():
        lines += [f"| {split} | {name} | {value:.4f} |" for _, name, value in recognised.values()]
    note = "AVSS metrics average over all 71 classes." if semantic else "M_J is the AVSBench mIoU (Jaccard), M_F its F-score."
    return "\n".join(lines) + f"\n\n{note} The same numbers are in `metrics.json` and in this card's metadata."


def usage_section(repo_id: str) -> str:
    return f"""```python
from transformers import pipeline

segmenter = pipeline(model="{repo_id}", trust_remote_code=True)  # task "audio-visual-segmentation", from this repo
frames = segmenter("clip.mp4", fps=1)  # one entry per frame; reading video files needs PyAV (pip install av)
print(frames[0]["time"], [(item["label"], item["score"]) for item in frames[0]["segments"]])
frames[0]["segments"][0]["mask"].save("mask_0.png")  # PIL mask at the frame's size
```

Frames and audio you already have: `segmenter({{"frames": frames, "audio": waveform, "sampling_rate": 16000}}, fps=1)`.
Step by step:

```python
from transformers import AutoModel, AutoProcessor

model = AutoModel.from_pretrained("{repo_id}", trust_remote_code=True).eval()
processor = AutoProcessor.from_pretrained("{repo_id}", trust_remote_code=True)

# frames: one PIL image per second of the clip; waveform: mono audio of the same clip
inputs = processor(images=frames, audio=waveform, sampling_rate=16000, return_tensors="pt")
outputs = model(**inputs)
masks = processor.post_process_segmentation(outputs, target_sizes=[frames[0].size[::-1]])[0]  # [T, H, W]
```

With the `avesformer-hf` package installed, `avesformer predict --model {repo_id} clip.mp4` writes the overlay video."""


def weights_note_section(weights_note: str | None, evaluated: bool, synthetic: bool) -> str:
    note = weights_note or DEFAULT_WEIGHTS_NOTE
    if weights_note is None and not evaluated:
        note += " No evaluation was recorded with them: treat them as untested (possibly untrained)."
    if synthetic:
        note += " They were trained on SynthAVS, the project's synthetic data set, as a demonstration only."
    return note


def build_model_card(
    config: AVESFormerConfig,
    repo_id: str,
    metrics: dict | None = None,
    subset: str | None = None,
    synthetic: bool = False,
    license: str = "apache-2.0",
    datasets: list[str] | None = None,
    weights_note: str | None = None,
) -> ModelCard:
    """Card of a model pushed to `repo_id`; `metrics` is the content of `metrics.json` (`{split: {metric: value}}`)."""
    model_name = repo_id.split("/")[-1]
    subset = subset or (metrics or {}).get("subset")
    results = eval_results(metrics, subset, config.is_semantic, synthetic)
    card_data = ModelCardData(
        library_name="transformers",
        pipeline_tag=None,  # no Hub task fits: config.json names the repo's own pipeline
        license=license,
        tags=list(TAGS),
        datasets=datasets if datasets is not None else (["SynthAVS"] if synthetic else ["AVSBench"]),
        model_name=model_name,
        eval_results=results or None,
    )
    note = weights_note_section(weights_note, bool(results), synthetic)
    counts = config_parameter_counts(config)  # builds the model on the meta device: once per card
    body = CARD_BODY.format(
        model_name=model_name, paper_url=PAPER_URL, variant=variant_section(config, subset, counts),
        results=results_section(metrics, config.is_semantic), note=note, usage=usage_section(repo_id),
        citation=CITATION, limitations=limitations(config, counts),
    )
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n{body}")


def limitations(config: AVESFormerConfig, counts: dict[str, int]) -> str:
    text = "Frames are processed independently (no temporal modelling), one frame per second as in AVSBench"
    if counts["audio_backbone"] > counts["total"] / 2:
        text += f"; the audio encoder ({audio_encoder_name(config)}) is most of the parameters"
    return text + "."


CARD_BODY = """
# {model_name}

AVESFormer ([Wang et al., 2024]({paper_url})) for real-time audio-visual segmentation: given the frames of a
video and its sound, it predicts a mask per frame of the objects making the sound. A Prompt Query Generator turns
the audio into several queries (against attention dissipation) and the ELF decoder uses convolutions in its early
stages and audio cross-attention in its late ones.

## Variant

{variant}

## Results

{results}

## How these weights were produced

{note}

## Usage

{usage}

## Limitations

{limitations}

## Citation

```bibtex
{citation}
```
"""
