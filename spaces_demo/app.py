"""Hugging Face Space entry point: the AVESFormer Gradio demo (see README.md for the model it serves).

Everything happens under `if __name__ == "__main__"`: the demo decodes uploads in child processes, and each child
imports this file again (as `__mp_main__`), where it must not build a second demo.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    from avesformer_hf.demo.app import build_demo, default_model_ref, launch

    launch(build_demo(default_model=default_model_ref(card=HERE / "README.md"), examples_dir=HERE / "examples"))


if __name__ == "__main__":
    main()
