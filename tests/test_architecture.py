"""The house rules that a reader relies on: layers import only downward and the remote-code set only itself
(import-linter's contracts in pyproject.toml), and every function of the package fits on a screen."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "avesformer_hf"
MAX_FUNCTION_LINES = 60


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.is_symlink() or any(part.is_symlink() for part in path.parents):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_of_the_package_is_over_60_lines():
    assert long_functions(PACKAGE, MAX_FUNCTION_LINES) == []


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def too_long():\n{body}\n")
    assert long_functions(tmp_path, MAX_FUNCTION_LINES) == [f"{tmp_path.name}/long.py:1 too_long ({MAX_FUNCTION_LINES + 1} lines)"]
