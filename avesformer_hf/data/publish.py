"""Publishing a loaded AVSBench subset as Parquet (on the Hub or in a local folder) with a dataset card.

Frames, masks and audio are embedded as bytes (file names kept, folders dropped), so the rows no longer
need the tree on disk and `datasets.load_dataset(repo_id_or_folder, subset)` gives the same rows back.
"""

import os
from pathlib import Path

import datasets
import pyarrow as pa
from datasets.table import embed_table_storage

from .sources import load_clips

AVSBENCH_CITATION = """@inproceedings{zhou2022avs,
  title     = {Audio-Visual Segmentation},
  author    = {Zhou, Jinxing and Wang, Jianyuan and Zhang, Jiayi and Sun, Weixuan and Zhang, Jing and
               Birchfield, Stan and Guo, Dan and Kong, Lingpeng and Wang, Meng and Zhong, Yiran},
  booktitle = {European Conference on Computer Vision (ECCV)},
  year      = {2022}
}
@article{zhou2023avss,
  title   = {Audio-Visual Segmentation with Semantics},
  author  = {Zhou, Jinxing and Shen, Xuyang and Wang, Jianyuan and Zhang, Jiayi and Sun, Weixuan and Zhang, Jing and
             Birchfield, Stan and Guo, Dan and Kong, Lingpeng and Wang, Meng and Zhong, Yiran},
  journal = {arXiv preprint arXiv:2301.13190},
  year    = {2023}
}"""

SUBSET_TITLES = {
    "s4": "single-source (S4): binary masks, 5 frames per clip, train clips labelled on frame 1 only",
    "ms3": "multi-source (MS3): binary masks, 5 frames per clip, all labelled",
    "avss": (
        "semantic (AVSS): colour-coded masks of 71 classes (PASCAL-VOC palette, 0 = background), clips padded "
        "to 10 frames (`frame_mask`), v1s train clips labelled on frame 0 only"
    ),
}


def _embed_audio(batch: pa.Table) -> pa.Table:
    """The `audio` column's wav files read into its `bytes` field; `path` keeps the file name only."""
    audio = batch.column("audio").combine_chunks()
    paths = audio.field("path").to_pylist()
    contents = audio.field("bytes").to_pylist()
    embedded = [content if content is not None else Path(path).read_bytes() for path, content in zip(paths, contents)]
    names = [os.path.basename(path) if path is not None else None for path in paths]
    column = pa.StructArray.from_arrays([pa.array(names, pa.string()), pa.array(embedded, pa.binary())], names=["path", "bytes"])
    return batch.set_column(batch.schema.get_field_index("audio"), "audio", column)


def _embed_batch(batch: pa.Table) -> pa.Table:
    return _embed_audio(embed_table_storage(batch))


def embed_files(dataset: datasets.DatasetDict) -> datasets.DatasetDict:
    """Frames, masks and audio stored as bytes in the rows (the Hub's own embedding, plus our audio column)."""
    return datasets.DatasetDict(
        {
            split: part.with_format("arrow").map(_embed_batch, batched=True, batch_size=64, desc=f"embedding {split}").with_format(None)
            for split, part in dataset.items()
        }
    )


def dataset_card(subset: str, dataset: datasets.DatasetDict, repo_id: str | None = None) -> str:
    """README.md text: YAML (configs, license, tags) and a description of the rows."""
    sizes = ", ".join(f"{split} {part.num_rows}" for split, part in dataset.items())
    data_files = "\n".join(f"  - split: {split}\n    path: {subset}/{split}-*" for split in dataset)
    load_name = repo_id or "<this folder or repo id>"
    columns = ", ".join(f"`{name}`" for name in next(iter(dataset.values())).features)
    return f"""---
license: other
license_name: avsbench
task_categories:
- image-segmentation
tags:
- audio-visual-segmentation
- avsbench
configs:
- config_name: {subset}
  data_files:
{data_files}
---

# AVSBench {subset.upper()}

AVSBench {SUBSET_TITLES[subset]}, converted to Parquet from the layout the benchmark is distributed in by
`avesformer_hf.data.load_avsbench` (avesformer-hf). Clips: {sizes}.

One row per clip; columns {columns}. Frames and masks are images (one per second of video); masks are None
for frames without a label, and `labels_mask` says which frames carry one. `audio` holds the clip's wav
file (`bytes`, 16 kHz as distributed). Decode masks with `avesformer_hf.data.avsbench.decode_mask` (binary 0/1,
or AVSS class ids from the palette colours) and audio with `soundfile.read(io.BytesIO(row["audio"]["bytes"]))`.

```python
from datasets import load_dataset
dataset = load_dataset("{load_name}", "{subset}")
```

The videos come from YouTube; use this data under the terms of the original AVSBench release
(non-commercial research) and cite:

```bibtex
{AVSBENCH_CITATION}
```
"""


def save_parquet(dataset: datasets.DatasetDict, out_dir, subset: str) -> Path:
    """Writes `out_dir/<subset>/<split>-00000-of-00001.parquet` and `out_dir/README.md` (embedding files)."""
    out_dir = Path(out_dir)
    embedded = embed_files(dataset)
    for split, part in embedded.items():
        target = out_dir / subset / f"{split}-00000-of-00001.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        part.to_parquet(str(target))
    (out_dir / "README.md").write_text(dataset_card(subset, dataset), encoding="utf-8")
    return out_dir


def push_avsbench(
    root, subset: str, repo_id: str, private: bool = False, num_frames: int = 5, token: str | None = None, **load_options
) -> str:
    """Loads `subset` under `root` (an AVSBench tree or own-videos folder; `load_options` go to `load_clips`),
    pushes it to the dataset repo `repo_id` (config `subset`) and its card."""
    from huggingface_hub import DatasetCard

    dataset = load_clips(subset, data_root=root, num_frames=num_frames, **load_options)
    embed_files(dataset).push_to_hub(repo_id, config_name=subset, private=private, token=token)
    card = DatasetCard.load(repo_id, repo_type="dataset", token=token)
    new_card = DatasetCard(dataset_card(subset, dataset, repo_id))
    # keep what push_to_hub recorded (dataset_info, other subsets' configs), add our fields
    metadata = card.data.to_dict()
    metadata.update({key: value for key, value in new_card.data.to_dict().items() if key != "configs"})
    new_card.data = type(card.data)(**metadata)
    new_card.push_to_hub(repo_id, repo_type="dataset", token=token, commit_message=f"AVSBench {subset} dataset card")
    return f"https://huggingface.co/datasets/{repo_id}"


__all__ = ["dataset_card", "embed_files", "push_avsbench", "save_parquet"]
