"""The numeric core imports no web framework, ORM or command-line library (STYLE, point 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import commonplan

CORE = ("economy", "analysis", "planning", "needs", "ledger", "democracy")
EDGE = {"typer", "click", "rich", "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic",
        "jinja2", "pandas", "orjson", "pydantic"}
PACKAGE = Path(commonplan.__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(p for layer in CORE for p in (PACKAGE / layer).glob("*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_numeric_core_imports_nothing_from_the_edge(path: Path) -> None:
    assert not _imported(path) & EDGE


def test_the_core_never_imports_the_cli_or_the_documents() -> None:
    for layer in CORE:
        for path in (PACKAGE / layer).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "commonplan.cli.common" not in text and "commonplan.app.documents" not in text, path


@pytest.mark.parametrize("layer", CORE)
def test_the_core_imports_neither_the_store_nor_an_edge(layer: str) -> None:
    """Dependencies point inward (DESIGN.md): the core knows nothing of the database, the service
    or the command line; of the package outside the core it may use only the error tree."""
    allowed = {f"commonplan.{other}" for other in CORE} | {"commonplan.errors"}
    for path in (PACKAGE / layer).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("commonplan"):
                module = node.module
            elif isinstance(node, ast.Import):
                module = next((a.name for a in node.names if a.name.startswith("commonplan")), "")
            else:
                continue
            if module:
                assert any(module == ok or module.startswith(ok + ".") for ok in allowed), (path, module)
