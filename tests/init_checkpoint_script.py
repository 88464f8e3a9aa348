"""scripts/init_checkpoint.py run in this process: `run_script(argv)` loads the script and returns its `main(argv)`."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "init_checkpoint.py"


def run_script(argv) -> int:
    spec = importlib.util.spec_from_file_location("init_checkpoint", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(arg) for arg in argv])
