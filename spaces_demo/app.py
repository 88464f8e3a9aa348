"""Hugging Face Space entry point: the AVESFormer Gradio demo (see README.md for the model it serves)."""

from pathlib import Path

from avesformer_hf.demo_app import build_demo, default_model_ref, launch

HERE = Path(__file__).resolve().parent

demo = build_demo(default_model=default_model_ref(card=HERE / "README.md"), examples_dir=HERE / "examples")

if __name__ == "__main__":
    launch(demo)
