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
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonplan.analysis.values import labour_values
from commonplan.app import distributed
from commonplan.economy.bundle import read_bundle, write_bundle
from commonplan.economy.partitions import INPUTS
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
    bundle = parquet_bundle(tmp_path / "economy", 300)
    inputs = pq.read_table(bundle / INPUTS)
    technique = inputs.column("technique").to_pylist()
    technique[-1] = "no-such-technique"  # in the last rank's share only
    pq.write_table(inputs.set_column(0, "technique", pa.array(technique)), bundle / INPUTS)
    out = tmp_path / "out"
    out.mkdir()
    done = ranks(2, "values", bundle, "--out", out)
    assert done.returncode == 0, done.stderr
    notes = [json.loads((out / f"rank-{rank:05d}.json").read_text()) for rank in range(2)]
    assert "problems" not in notes[0]
    assert notes[1]["problems"] == [{"file": "inputs.parquet", "row": len(technique) + 1,
                                     "column": "technique",
                                     "message": "unknown technique 'no-such-technique'"}]
    assert not list(out.glob("*.npy"))  # no rank solved


@needs_mpi
def test_policy_iteration_over_ranks_ends_at_the_single_machines_choice(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path / "economy", 800, alternatives=0.3)
    out = tmp_path / "out"
    out.mkdir()
    done = ranks(2, "values", bundle, "--out", out)
    assert done.returncode == 0, done.stderr
    single = labour_values(read_bundle(bundle).economy)
    note = json.loads((out / "rank-00000.json").read_text())
    assert note["rounds"] > 1  # from the first technique of each product (one machine starts
    # nearer, from its productiveness certificate's choice), to the same end
    choice = np.load(out / "choice.npy")
    assert np.array_equal(choice[single.products], single.techniques)
