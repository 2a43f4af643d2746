"""The ``commonplan`` command run in-process, and what every JSON document it prints must hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from commonplan import __version__
from commonplan.cli.main import main


def run(capfd: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``commonplan ARGV``."""
    capfd.readouterr()
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in argv])
    out, err = capfd.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out, err


def no_constants(name: str) -> float:
    raise AssertionError(f"JSON holds {name}, not a finite number")


def one_document(out: str) -> dict[str, Any]:
    """The single JSON document on stdout, failing on anything else there or a non-finite number."""
    document = json.loads(out, parse_constant=no_constants)
    assert isinstance(document, dict)
    return document


def numbers_in(value: object) -> list[float]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def check_provenance_and_warnings(document: dict[str, Any], sha256: str | None) -> None:
    assert document["provenance"]["bundle_sha256"] == sha256
    assert document["provenance"]["commonplan_version"] == __version__
    assert isinstance(document["warnings"], list)
    assert all(isinstance(text, str) for text in document["warnings"])
    assert all(math.isfinite(n) for n in numbers_in(document))
