"""Tests share their tools through helper modules (tests/factories.py and its neighbours), never
by importing another test module or a conftest file: a test module's helpers are private to it,
and a conftest's fixtures reach only its own folder (pytest does not share sibling conftests)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def module_name(path: Path) -> str:
    """The dotted name of a file under tests/ (``tests.api.test_councils``)."""
    return ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))


def imported_modules(source: str, importer: str) -> set[str]:
    """Every module the source imports, with relative imports resolved against ``importer`` and
    each name of ``from PACKAGE import NAME`` counted as the module ``PACKAGE.NAME`` too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            package = importer.split(".")[:-node.level] if node.level else []
            base = ".".join([*package, *([node.module] if node.module else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def forbidden(modules: set[str]) -> list[str]:
    """The test modules (``test_*``) and conftest files among ``modules``, under tests/."""
    return sorted(name for name in modules if name.split(".")[0] == "tests"
                  and (name.split(".")[-1].startswith("test_") or name.split(".")[-1] == "conftest"))


def test_no_file_under_tests_imports_a_test_module_or_a_conftest() -> None:
    offences = {module_name(path): forbidden(imported_modules(path.read_text(encoding="utf-8"),
                                                              module_name(path)))
                for path in sorted(TESTS.rglob("*.py"))}
    assert {name: found for name, found in offences.items() if found} == {}
    assert len(offences) > 100  # the walk saw the whole suite


def test_the_check_catches_every_form_of_such_an_import() -> None:
    importer = "tests.api.test_ledger"
    sources = ["from tests.test_cli import run", "import tests.api.test_councils",
               "from tests.app.acts import conftest", "from tests.app.acts.conftest import World",
               "from .test_councils import ok", "from . import conftest"]
    for source in sources:
        assert forbidden(imported_modules(source, importer)), source
    helpers = "from tests.factories import BAKERY\nfrom tests.rest import ok\nimport tests.clocks"
    assert forbidden(imported_modules(helpers, importer)) == []
