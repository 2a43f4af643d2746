"""The program every MPI rank runs (analysis.distributed), started by mpiexec as separate
processes, as docs/deploy.md's recipe starts it: each rank writes the part of the solution it
owns, and the parts together are the single-machine values to 1e-9."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from commonplan.analysis.distributed import several_techniques
from commonplan.analysis.values import labour_values
from commonplan.app import distributed
from commonplan.economy.bundle import read_bundle, write_bundle
from commonplan.economy.partitions import INPUTS, read_skeleton
from commonplan.economy.synthetic import generate

needs_mpi = pytest.mark.skipif(distributed.unavailable() is not None,
                               reason=f"the MPI extra is not installed: {distributed.unavailable()}")


def parquet_bundle(folder: Path, products: int, *, alternatives: float = 0.0) -> Path:
    write_bundle(generate(products, alternatives=alternatives, seed=3), folder, format="parquet")
    pq.write_table(pq.read_table(folder / INPUTS), folder / INPUTS, row_group_size=2_000)
    return folder


def ranks(count: int, *argv: object) -> subprocess.CompletedProcess[str]:
    command = ["mpiexec", "-n", str(count), sys.executable, "-m", "commonplan.analysis.distributed",
               *map(str, argv)]
    return subprocess.run(command, env={**distributed.OPEN_MPI_DEFAULTS, **os.environ},
                          capture_output=True, text=True, check=False, timeout=300)


@needs_mpi
def test_each_rank_writes_the_rows_it_owns_and_together_they_are_the_values(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path / "economy", 1_500)
    out = tmp_path / "out"
    out.mkdir()
    done = ranks(3, "values", bundle, "--out", out)
    assert done.returncode == 0, done.stderr
    notes = [json.loads((out / f"rank-{rank:05d}.json").read_text()) for rank in range(3)]
    assert [note["rows"][0] for note in notes] == [0, notes[0]["rows"][1], notes[1]["rows"][1]]
    parts = [np.load(out / f"part-{rank:05d}.npy") for rank in range(3)]
    assert [len(part) for part in parts] == [note["rows"][1] - note["rows"][0] for note in notes]
    assert all(note["max_rss_bytes"] > 0 and note["seconds"]["solve"] >= 0 for note in notes)
    assert notes[0]["residual"] <= 1e-10
    economy = read_bundle(bundle).economy
    single = labour_values(economy)
    found = np.concatenate(parts)[single.products]
    assert np.linalg.norm(found - single.hours) <= 1e-9 * np.linalg.norm(single.hours)


@needs_mpi
def test_a_rank_that_finds_a_problem_stops_every_rank_and_says_so(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path / "economy", 300, alternatives=0.2)
    out = tmp_path / "out"
    out.mkdir()
    done = ranks(2, "values", bundle, "--out", out)
    assert done.returncode == 0, done.stderr
    notes = [json.loads((out / f"rank-{rank:05d}.json").read_text()) for rank in range(2)]
    assert all("one technique per product" in note["refused"] for note in notes)
    assert not list(out.glob("part-*.npy"))


def test_products_with_several_techniques_are_named(tmp_path: Path) -> None:
    single = read_skeleton(parquet_bundle(tmp_path / "one", 100))
    assert several_techniques(single) is None
    several = read_skeleton(parquet_bundle(tmp_path / "two", 100, alternatives=0.3))
    why = several_techniques(several)
    assert why is not None and why.startswith("product 'p")
    assert "has 2 techniques (and " in why and "compute it on one machine" in why
