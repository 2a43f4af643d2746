"""``commonplan values|requirements BUNDLE --ranks N``: the same documents as on one machine, MPI
ranks started by mpiexec; a clear error (exit 2) where MPI is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonplan.app import distributed
from commonplan.economy.bundle import read_bundle, write_bundle
from tests.commands import check_provenance_and_warnings, one_document, run
from tests.factories import BAKERY, write_tables

needs_mpi = pytest.mark.skipif(distributed.unavailable() is not None,
                               reason=f"the MPI extra is not installed: {distributed.unavailable()}")


@pytest.fixture
def bakery(tmp_path: Path) -> Path:
    """The bakery of docs/bundle.md in Parquet, as ranks read it."""
    economy = read_bundle(write_tables(tmp_path / "csv", BAKERY)).economy
    return write_bundle(economy, tmp_path / "parquet", format="parquet")


def close(found: object, expected: object) -> bool:
    if isinstance(expected, dict):
        return isinstance(found, dict) and list(found) == list(expected) and all(
            close(found[key], value) for key, value in expected.items())
    if isinstance(expected, float):
        return isinstance(found, float) and found == pytest.approx(expected, rel=1e-9, abs=1e-12)
    return found == expected


@needs_mpi
@pytest.mark.parametrize("command", ["values", "requirements"])
def test_the_json_over_ranks_is_the_single_machines(capfd: pytest.CaptureFixture[str], bakery: Path,
                                                    command: str) -> None:
    code, out, err = run(capfd, command, bakery, "--json", "--ranks", 2)
    assert (code, err) == (0, "")
    document = one_document(out)
    _code, single_out, _err = run(capfd, command, bakery, "--json")
    single = one_document(single_out)
    for key in ("residual", "provenance"):
        document.pop(key), single.pop(key)
    assert close(document, single)
    check_provenance_and_warnings(one_document(out), read_bundle(bakery).sha256)


@needs_mpi
def test_values_over_ranks_are_shown_by_name(capfd: pytest.CaptureFixture[str], bakery: Path) -> None:
    code, out, _err = run(capfd, "values", bakery, "--ranks", 2)
    assert code == 0
    assert "Bread" in out and "0.45" in out


def test_without_mpi_ranks_are_a_clear_error_exit_2(capfd: pytest.CaptureFixture[str], bakery: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(distributed.MPIEXEC, "/nonexistent/mpiexec")
    for command in ("values", "requirements"):
        code, out, err = run(capfd, command, bakery, "--ranks", 2)
        assert (code, out) == (2, "")
        assert "the MPI launcher '/nonexistent/mpiexec' was not found" in err
        assert "make install" in err and "Traceback" not in err


def test_by_kind_is_computed_on_one_machine(capfd: pytest.CaptureFixture[str], bakery: Path) -> None:
    code, _out, err = run(capfd, "values", bakery, "--ranks", 2, "--by-kind")
    assert code == 2
    assert "--by-kind is computed on one machine" in err


def test_a_csv_bundle_is_refused_over_ranks_naming_the_file(capfd: pytest.CaptureFixture[str],
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(distributed.MPIEXEC, "true")  # found, so the bundle is what is refused
    monkeypatch.setenv(distributed.PYTHON, "python")
    code, _out, err = run(capfd, "values", write_tables(tmp_path / "csv", BAKERY), "--ranks", 2)
    assert code == 2
    assert "inputs.csv: a solve over several processes reads the inputs from inputs.parquet" in err
