"""Labour values and gross requirements over MPI ranks (app.distributed): mpiexec starts the ranks
as processes of their own, and their numbers are the single-machine path's to 1e-9."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from commonplan.app import computations, distributed
from commonplan.app.distributed import MpiUnavailable, RanksFailed
from commonplan.economy.bundle import read_bundle, read_needs, write_bundle
from commonplan.economy.partitions import INPUTS
from commonplan.economy.problems import BundleError
from commonplan.economy.synthetic import generate
from tests.factories import BAKERY, write_tables

pytestmark = pytest.mark.skipif(distributed.unavailable() is not None,
                                reason=f"the MPI extra is not installed: {distributed.unavailable()}")

SAME = 1e-9  # relative difference to the single-machine path


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def parquet_bundle(folder: Path, products: int, rows_per_group: int, *, alternatives: float = 0.0,
                   seed: int = 0) -> Path:
    write_bundle(generate(products, alternatives=alternatives, seed=seed), folder, format="parquet")
    pq.write_table(pq.read_table(folder / INPUTS), folder / INPUTS, row_group_size=rows_per_group)
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # past economy.leontief's direct limit: the single path's iterative solver, too
    return parquet_bundle(tmp_path_factory.mktemp("economy"), 3_000, 7_000)


@pytest.mark.parametrize("ranks", [1, 2, 3])
def test_values_over_ranks_are_the_single_machines(bundle: Path, ranks: int) -> None:
    loaded = read_bundle(bundle)
    single = computations.values(loaded.economy).result
    run = distributed.values(bundle, ranks)
    found = run.computed.result
    assert np.array_equal(found.products, single.products)
    assert np.array_equal(found.techniques, single.techniques)
    assert relative(found.hours, single.hours) <= SAME
    assert np.allclose(found.hours, single.hours, rtol=SAME, atol=0)
    assert found.residual <= 1e-10
    assert run.computed.document.keys() == computations.values(loaded.economy).document.keys()
    assert run.sha256 == loaded.sha256 and run.warnings == loaded.warnings
    assert [note["rank"] for note in run.ranks] == list(range(ranks))
    assert sum(note["rows"][1] - note["rows"][0] for note in run.ranks) == len(loaded.economy.products)


def test_requirements_over_ranks_are_the_single_machines(bundle: Path) -> None:
    economy = read_bundle(bundle).economy
    _values, single = computations.requirements(economy).result
    run = distributed.requirements(bundle, 2)
    found = run.computed.result
    for name in ("activity", "gross_output", "use"):
        assert relative(getattr(found, name), getattr(single, name)) <= SAME, name
    assert found.labour_hours == pytest.approx(single.labour_hours, rel=SAME)
    assert found.warnings == single.warnings
    assert run.computed.warnings == computations.requirements(economy).warnings


def test_requirements_of_another_needs_table(bundle: Path, tmp_path: Path) -> None:
    economy = read_bundle(bundle).economy
    needs = tmp_path / "needs.csv"
    ids = economy.products.ids.take(economy.produced[:5]).to_pylist()
    needs.write_text("product,quantity\n" + "".join(f"{p},{i + 1}\n" for i, p in enumerate(ids)))
    demand = read_needs(needs, economy).total(len(economy.products))
    _values, single = computations.requirements(economy, demand).result
    found = distributed.requirements(bundle, 2, needs).computed.result
    assert relative(found.activity, single.activity) <= SAME


@pytest.fixture(scope="module")
def alternatives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An economy where 20% of products have a second technique, cheaper in hours or not."""
    return parquet_bundle(tmp_path_factory.mktemp("alternatives"), 2_500, 6_000,
                          alternatives=0.2, seed=5)


@pytest.mark.parametrize("ranks", [1, 2])
def test_alternatives_are_chosen_over_ranks_as_on_one_machine(alternatives: Path, ranks: int) -> None:
    economy = read_bundle(alternatives).economy
    single = computations.values(economy).result
    found = distributed.values(alternatives, ranks).computed.result
    assert single.rounds > 1  # policy iteration switched some products
    assert np.array_equal(found.techniques, single.techniques)  # the same attaining techniques
    assert relative(found.hours, single.hours) <= SAME
    assert np.allclose(found.hours, single.hours, rtol=SAME, atol=0)


def test_requirements_with_alternatives_use_the_attaining_techniques(alternatives: Path) -> None:
    economy = read_bundle(alternatives).economy
    _values, single = computations.requirements(economy).result
    found = distributed.requirements(alternatives, 2).computed.result
    assert np.array_equal(np.flatnonzero(found.activity), np.flatnonzero(single.activity))
    for name in ("activity", "gross_output", "use"):
        assert relative(getattr(found, name), getattr(single, name)) <= SAME, name
    assert found.warnings == single.warnings


def test_a_bad_row_is_named_whichever_rank_read_it(bundle: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for file in bundle.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    inputs = pq.read_table(folder / INPUTS)
    quantities = inputs.column("quantity").to_numpy().copy()
    quantities[-1] = float("nan")
    pq.write_table(inputs.set_column(2, "quantity", pa.array(quantities)), folder / INPUTS,
                   row_group_size=7_000)
    with pytest.raises(BundleError, match=f"inputs.parquet:{len(quantities) + 1}:quantity"):
        distributed.values(folder, 2)


def test_an_economy_using_up_more_than_it_makes_is_refused(tmp_path: Path) -> None:
    tables = {**BAKERY, "inputs.csv": BAKERY["inputs.csv"] + "bake,bread,2\n"}
    folder = write_tables(tmp_path / "csv", tables)
    for name in ("products", "techniques", "inputs", "resources", "needs"):
        pq.write_table(pa_csv.read_csv(folder / f"{name}.csv"), tmp_path / f"{name}.parquet")
    with pytest.raises(BundleError, match="consume"):
        read_bundle(tmp_path)
    with pytest.raises(RanksFailed, match=r"uses up more than it makes .*validate"):
        distributed.values(tmp_path, 2)


def test_no_mpi_launcher_is_a_clear_error(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(distributed.MPIEXEC, "no-such-mpiexec -quiet")
    assert "'no-such-mpiexec' was not found" in str(distributed.unavailable())
    with pytest.raises(MpiUnavailable, match="install the MPI extra"):
        distributed.values(bundle, 2)


def test_ranks_that_die_are_a_failure_quoting_them(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(distributed.PYTHON, "false")  # every rank exits at once, writing nothing
    with pytest.raises(RanksFailed, match="ended with exit code"):
        distributed.values(bundle, 2)
