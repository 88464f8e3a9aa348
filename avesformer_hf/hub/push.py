"""Push a saved model folder (model + processor + remote code + card) to the Hub in one commit."""

import ast
import json
import shutil
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi

from ..configuration_avesformer import AVESFormerConfig
from ..pipeline_avesformer import custom_pipelines
from .card import build_model_card
from .run_metrics import read_metrics

PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json")
WEIGHTS_INDEX = "model.safetensors.index.json"
PIPELINE_FILE = Path(__file__).resolve().parents[1] / "pipeline_avesformer.py"


def auto_map_modules(config_file: Path) -> set[str]:
    """Module names ("modeling_avesformer") that the `auto_map` of a JSON config points at."""
    auto_map = json.loads(config_file.read_text()).get("auto_map", {})
    references = []
    for value in auto_map.values():
        references += value if isinstance(value, list) else [value]
    return {reference.split("--")[-1].split(".")[0] for reference in references if reference}


def relative_imports(source_file: Path) -> set[str]:
    """Modules a remote-code file imports with `from .module import ...`."""
    tree = ast.parse(source_file.read_text(), filename=str(source_file))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}


def remote_code_files(folder: Path, config_files: list[Path]) -> list[Path]:
    """The .py files the folder's `auto_map`s need, followed through relative imports; missing ones are an error."""
    pending = set().union(*(auto_map_modules(path) for path in config_files))
    if not pending:
        raise ValueError(f"{folder / 'config.json'} has no `auto_map`: save the model with the avesformer_hf package")
    found = {}
    while pending:
        module = pending.pop()
        source = folder / f"{module}.py"
        if not source.is_file():
            raise FileNotFoundError(
                f"{folder} lacks {source.name}, which its auto_map / remote code needs; "
                "save model and processor with save_pretrained from the avesformer_hf package"
            )
        found[module] = source
        pending |= relative_imports(source) - found.keys()
    return [found[module] for module in sorted(found)]


def weight_files(folder: Path) -> list[Path]:
    weights = sorted(folder.glob("*.safetensors"))
    if not weights:
        raise FileNotFoundError(f"{folder} holds no .safetensors weights: save the model with save_pretrained()")
    index = folder / WEIGHTS_INDEX
    return weights + ([index] if index.is_file() else [])


def model_folder_files(folder: Path | str) -> list[Path]:
    """Every file of `folder` the Hub repo needs: config, weights, processor configs, remote code."""
    folder = Path(folder)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{folder} is not a saved model folder: no config.json")
    processor_files = [folder / name for name in PROCESSOR_FILES if (folder / name).is_file()]
    code = remote_code_files(folder, [config_file, *processor_files])
    return [config_file, *weight_files(folder), *processor_files, *code]


def config_with_pipeline(config_file: Path) -> bytes:
    """config.json plus the `custom_pipelines` entry that `pipeline(model=REPO, trust_remote_code=True)` reads."""
    config = json.loads(config_file.read_text())
    config["custom_pipelines"] = custom_pipelines()
    return (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()


def check_remote_code(files: dict[str, Path | bytes]):
    """Every relative import of the uploaded code and every module `custom_pipelines` names is uploaded too."""
    modules = {name.removesuffix(".py") for name in files if name.endswith(".py")}
    needed = {entry["impl"].split(".")[0]: "custom_pipelines" for entry in custom_pipelines().values()}
    for name, source in files.items():
        if name.endswith(".py"):
            needed.update(dict.fromkeys(relative_imports(Path(source)), name))
    missing = sorted(f"{module}.py (needed by {user})" for module, user in needed.items() if module not in modules)
    if missing:
        raise FileNotFoundError(f"the remote code to upload lacks {', '.join(missing)}")


def repo_files(folder: Path | str) -> dict[str, Path | bytes]:
    """What the Hub repo of a saved model folder holds, path in repo -> file or bytes: the folder's model files and,
    with a processor, the pipeline module and config.json naming it (`custom_pipelines`)."""
    folder = Path(folder)
    files = {path.name: path for path in model_folder_files(folder)}
    if any(name in files for name in PROCESSOR_FILES):
        files[PIPELINE_FILE.name] = PIPELINE_FILE
        files["config.json"] = config_with_pipeline(folder / "config.json")
        check_remote_code(files)
    return files


def find_run_file(folder: Path, name: str) -> Path | None:
    """`name` next to the weights, or in the training output folder that holds them (OUTPUT/model)."""
    for candidate in (folder / name, folder.parent / name):
        if candidate.is_file():
            return candidate
    return None


def trained_on_synthavs(folder: Path, metrics: dict | None) -> bool:
    """From metrics.json's `synthetic` key, else the training script's `training_args.json` (`--synthetic N`)."""
    if metrics and "synthetic" in metrics:
        return bool(metrics["synthetic"])
    arguments = find_run_file(folder, "training_args.json")
    return bool(arguments and json.loads(arguments.read_text()).get("synthetic"))


def model_repo_operations(
    folder: Path | str,
    repo_id: str,
    *,
    metrics_file: Path | str | None = None,
    subset: str | None = None,
    synthetic: bool | None = None,
    license: str = "apache-2.0",
    datasets: list[str] | None = None,
    weights_note: str | None = None,
) -> list[CommitOperationAdd]:
    """The files a push of `folder` sends: model files, `metrics.json` and a generated README.md.
    `metrics_file` defaults to `metrics.json` in the folder or its parent (the training output); `subset` defaults
    to that file's `subset`, `synthetic` (SynthAVS data) to the training arguments saved there."""
    folder = Path(folder)
    files = repo_files(folder)
    metrics_file = Path(metrics_file) if metrics_file is not None else find_run_file(folder, "metrics.json")
    if metrics_file is not None and not metrics_file.is_file():
        raise FileNotFoundError(f"metrics file {metrics_file} does not exist")
    metrics = read_metrics(metrics_file)
    synthetic = trained_on_synthavs(folder, metrics) if synthetic is None else synthetic
    card = build_model_card(
        AVESFormerConfig.from_pretrained(folder), repo_id, metrics=metrics, subset=subset, synthetic=synthetic,
        license=license, datasets=datasets, weights_note=weights_note,
    )
    operations = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=source if isinstance(source, bytes) else str(source))
        for name, source in files.items()
    ]
    if metrics_file is not None:
        operations.append(CommitOperationAdd(path_in_repo="metrics.json", path_or_fileobj=str(metrics_file)))
    operations.append(CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=str(card).encode()))
    return operations


def push_model_folder(
    folder: Path | str,
    repo_id: str,
    *,
    private: bool | None = None,
    token: str | None = None,
    revision: str | None = None,
    commit_message: str = "Upload AVESFormer model, processor, remote code and model card",
    api: HfApi | None = None,
    **card_options,
):
    """Create `repo_id` if needed and upload `model_repo_operations(folder, repo_id, **card_options)` in one commit.
    Returns the `CommitInfo`."""
    operations = model_repo_operations(folder, repo_id, **card_options)
    api = api or HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
    return api.create_commit(
        repo_id, operations, commit_message=commit_message, repo_type="model", revision=revision
    )


def write_model_repo(folder: Path | str, repo_id: str, local_dir: Path | str, **card_options) -> list[Path]:
    """Write into `local_dir` (new or empty) exactly the files `push_model_folder` would upload, without the
    network; returns the paths written."""
    local_dir = Path(local_dir)
    if local_dir.exists() and (not local_dir.is_dir() or any(local_dir.iterdir())):
        raise FileExistsError(f"--local-dir {local_dir}: exists and is not an empty folder; give a new or empty one")
    operations = model_repo_operations(folder, repo_id, **card_options)
    local_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for operation in operations:
        target = local_dir / operation.path_in_repo
        source = operation.path_or_fileobj
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
