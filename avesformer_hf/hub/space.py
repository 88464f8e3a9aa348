"""Create or update the Gradio Space from `spaces_demo/`, with the model id written into its card."""

from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, SpaceCard

PACKAGE_DIR = Path(__file__).parents[1]
SPACE_DIR = PACKAGE_DIR / "spaces_demo"
# Package data linked in from the top level; not sources of the package.
DATA_DIRS = ("hub_configs", "spaces_demo")
SPACE_FILES = ("app.py", "requirements.txt", "README.md")


def space_card(space_dir: Path, model_id: str) -> SpaceCard:
    """The Space's README.md with `models: [model_id]`; the app reads its default model from there."""
    card = SpaceCard.load(space_dir / "README.md")
    if card.data.get("sdk") != "gradio":
        raise ValueError(f"{space_dir / 'README.md'}: the front matter must say `sdk: gradio`")
    card.data.models = [model_id]
    return card


def requirements_text(space_dir: Path, package: str | None) -> str:
    text = (space_dir / "requirements.txt").read_text()
    return text if package is None else text.rstrip("\n") + f"\n{package}\n"


def package_sources(package_dir: Path = PACKAGE_DIR) -> list[tuple[str, Path]]:
    """(path in the Space, local file) for the avesformer_hf sources, uploaded next to app.py."""
    files = [(path, path.relative_to(package_dir)) for path in sorted(package_dir.rglob("*")) if path.is_file()]
    return [(f"avesformer_hf/{relative.as_posix()}", path) for path, relative in files
            if (path.suffix == ".py" or path.name == "py.typed")
            and "__pycache__" not in relative.parts and relative.parts[0] not in DATA_DIRS]


def example_files(space_dir: Path) -> list[tuple[str, Path]]:
    examples = space_dir / "examples"
    return [(f"examples/{path.name}", path) for path in sorted(examples.glob("*.mp4"))] if examples.is_dir() else []


def push_space(
    repo_id: str,
    model_id: str,
    *,
    space_dir: Path | str = SPACE_DIR,
    package: str | None = None,
    private: bool | None = None,
    token: str | None = None,
    commit_message: str = "Update the AVESFormer demo",
    api: HfApi | None = None,
):
    """Create `repo_id` as a Gradio Space if needed and upload app.py, requirements.txt, a README.md naming
    `model_id`, the example clips found in `space_dir/examples/` and, unless `package` (a pip requirement such
    as "avesformer-hf @ git+https://...") is given, the avesformer_hf sources. Returns the `CommitInfo`."""
    space_dir = Path(space_dir)
    missing = [name for name in SPACE_FILES if not (space_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{space_dir} lacks {', '.join(missing)}")
    if model_id.count("/") != 1 or Path(model_id).exists():
        raise ValueError(f"the Space needs a Hub model id ORG/NAME (not a local folder), got {model_id!r}")
    files = {
        "app.py": str(space_dir / "app.py"),
        "requirements.txt": requirements_text(space_dir, package).encode(),
        "README.md": str(space_card(space_dir, model_id)).encode(),
    }
    extra = example_files(space_dir) + ([] if package else package_sources())
    files.update({path_in_repo: str(path) for path_in_repo, path in extra})
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=content) for name, content in files.items()]

    api = api or HfApi(token=token)
    api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
    return api.create_commit(repo_id, operations, commit_message=commit_message, repo_type="space")
