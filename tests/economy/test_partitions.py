"""A bundle read in parts (economy.partitions): every rank's share of the inputs' rows, read from
the row groups that hold them, together the whole table once, checked as the whole bundle is."""

from __future__ import annotations

import re
import tempfile
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.economy.bundle import content_hash, read_bundle, write_bundle
from commonplan.economy.partitions import INPUTS, read_block, read_skeleton, share
from commonplan.economy.problems import BundleError
from commonplan.economy.synthetic import generate
from tests.factories import BAKERY, write_tables, write_zip


def parquet_bundle(folder: Path, products: int, rows_per_group: int, seed: int = 0) -> Path:
    """A synthetic bundle in Parquet whose inputs are split in row groups of ``rows_per_group``."""
    write_bundle(generate(products, alternatives=0.0, seed=seed), folder, format="parquet")
    inputs = pq.read_table(folder / INPUTS)
    pq.write_table(inputs, folder / INPUTS, row_group_size=rows_per_group)
    return folder


@given(count=st.integers(0, 10_000), size=st.integers(1, 64))
def test_shares_cover_every_thing_once_in_runs_as_even_as_can_be(count: int, size: int) -> None:
    runs = [share(count, rank, size) for rank in range(size)]
    assert [i for run in runs for i in run] == list(range(count))
    assert max(map(len, runs)) - min(map(len, runs)) <= 1


@settings(max_examples=10, deadline=None)
@given(products=st.integers(20, 400), groups_of=st.integers(50, 5_000), size=st.integers(1, 6))
def test_the_ranks_blocks_together_are_the_inputs_per_unit_of_output_once(
        products: int, groups_of: int, size: int) -> None:
    # stated at the scale of the data: any size, any row group size, any number of ranks
    with tempfile.TemporaryDirectory() as folder:
        bundle = parquet_bundle(Path(folder), products, groups_of)
        economy = read_bundle(bundle).economy
        skeleton = read_skeleton(bundle)
        blocks = [read_block(skeleton, rank, size) for rank in range(size)]
    made = np.concatenate([block.made for block in blocks])
    used = np.concatenate([block.products for block in blocks])
    coefficients = np.concatenate([block.coefficients for block in blocks])
    inputs = economy.inputs.tocoo()
    per_output = inputs.data / economy.techniques.yields[inputs.col]
    expected = sorted(zip(economy.techniques.outputs[inputs.col].tolist(), inputs.row.tolist(),
                          per_output.tolist(), strict=True))
    assert sorted(zip(made.tolist(), used.tolist(), coefficients.tolist(), strict=True)) == expected


def test_a_rank_reads_only_its_share_of_the_rows(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path, 300, 1_000)
    rows = pq.ParquetFile(bundle / INPUTS).metadata.num_rows
    skeleton = read_skeleton(bundle)
    blocks = [read_block(skeleton, rank, 7) for rank in range(7)]
    assert [len(block.made) for block in blocks] == [len(share(rows, rank, 7)) for rank in range(7)]
    # sorted by technique as written: each rank holds a run of products, after the one before
    assert all(np.all(np.diff(block.made) >= 0) for block in blocks)
    assert all(a.made[-1] <= b.made[0] for a, b in pairwise(blocks))


def test_the_skeleton_holds_every_table_but_the_inputs(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path, 50, 100)
    whole = read_bundle(bundle)
    skeleton = read_skeleton(bundle)
    assert skeleton.economy.inputs.nnz == 0
    assert skeleton.economy.products.ids.equals(whole.economy.products.ids)
    assert np.array_equal(skeleton.economy.produced, whole.economy.produced)
    assert np.array_equal(skeleton.economy.available, whole.economy.available)
    assert skeleton.warnings == whole.warnings
    assert content_hash(bundle) == whole.sha256


def test_a_bad_row_is_named_by_its_row_in_the_file_not_in_its_row_group(tmp_path: Path) -> None:
    bundle = parquet_bundle(tmp_path, 100, 500)
    inputs = pq.read_table(bundle / INPUTS)
    quantities = inputs.column("quantity").to_numpy().copy()
    quantities[1_234] = -1.0
    technique = inputs.column("technique").to_pylist()
    technique[1_600] = "no-such-technique"
    inputs = inputs.set_column(0, "technique", pa.array(technique)).set_column(
        2, "quantity", pa.array(quantities))
    pq.write_table(inputs, bundle / INPUTS, row_group_size=500)
    skeleton = read_skeleton(bundle)
    lines = []
    for rank in range(3):
        try:
            read_block(skeleton, rank, 3)
        except BundleError as error:
            lines += [str(problem) for problem in error.problems]
    with pytest.raises(BundleError) as whole:
        read_bundle(bundle)
    assert sorted(lines) == sorted(str(problem) for problem in whole.value.problems)
    assert "inputs.parquet:1236:quantity: must be >= 0, not -1" in " ".join(lines)
    assert "inputs.parquet:1602:technique: unknown technique 'no-such-technique'" in lines


def test_inputs_in_csv_or_a_zip_are_refused_naming_why(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "csv", BAKERY)
    with pytest.raises(BundleError, match=re.escape("inputs.csv: a solve over several processes "
                                                    "reads the inputs from inputs.parquet")):
        read_skeleton(folder)
    archive = write_zip(tmp_path / "bakery.zip", BAKERY)
    with pytest.raises(BundleError, match="is a zip"):
        read_skeleton(archive)
