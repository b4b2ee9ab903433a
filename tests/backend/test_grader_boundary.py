"""The web platform uses the grader only through its public interface: grader.engine and
grader.contract. Everything else in grader/ (sandbox, harness, exercise loading, quiz, validation,
settings, cli) may change without the backend noticing."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.settings import PROJECT_ROOT

PUBLIC = {"grader.engine", "grader.contract"}


def grader_imports(path: Path) -> list[str]:
    """Every grader module ``path`` imports, at any depth (function-level imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "grader":  # from grader import cli
                found += [f"grader.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
    return [name for name in found if name == "grader" or name.startswith("grader.")]


def test_the_backend_imports_only_the_graders_engine_and_contract():
    outside = {
        f"{path.relative_to(PROJECT_ROOT)}: {name}"
        for path in sorted((PROJECT_ROOT / "backend").rglob("*.py"))
        for name in grader_imports(path)
        if name not in PUBLIC
    }
    assert outside == set()


def test_the_check_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import grader.sandbox.pool\n"
        "from grader import cli\n"
        "from grader.quiz import parse_answers\n"
        "from grader.engine import Grader\n"
        "def later():\n    from grader.settings import GraderSettings\n"
    )
    assert grader_imports(sample) == [
        "grader.sandbox.pool",
        "grader.cli",
        "grader.quiz",
        "grader.engine",
        "grader.settings",
    ]
