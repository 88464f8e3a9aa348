"""Hub publishing: model cards, the model + processor push, and the Gradio Space."""

from .card import build_model_card
from .push import model_folder_files, model_repo_operations, push_model_folder, repo_files, write_model_repo
from .space import push_space

__all__ = [
    "build_model_card", "model_folder_files", "model_repo_operations", "push_model_folder", "push_space",
    "repo_files", "write_model_repo",
]
