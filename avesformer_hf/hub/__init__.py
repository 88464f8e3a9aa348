"""Hub publishing: model cards, the model + processor push, and the Gradio Space."""

from .card import build_model_card
from .push import model_folder_files, push_model_folder, repo_files
from .space import push_space

__all__ = ["build_model_card", "model_folder_files", "push_model_folder", "push_space", "repo_files"]
