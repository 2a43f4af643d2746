"""``commonplan needs --groups FILE --substitutes FILE``: the tables reach the estimate through the
use case every interface calls; bad tables exit 2 naming the file and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from commonplan.app import computations
from tests.commands import run
from tests.needs.records import scenario_records, text


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths, _ = scenario_records(tmp_path_factory.mktemp("substitution"), "substitution", products=40,
                                stores=6, rows=12_000)
    return paths


def needs_command(paths: dict[str, Path], out_file: Path, *more: object) -> list[object]:
    return ["needs", "--purchases", paths["purchases"], "--stock", paths["stock"], "--requests",
            paths["requests"], "--out", out_file, *more]


def test_groups_and_substitutes_reach_the_estimate_as_the_use_case_computes_it(capfd, tmp_path, shops,
                                                                                monkeypatch) -> None:
    monkeypatch.setenv("COMMONPLAN_PSEUDONYM_KEY", "test-key")
    code, out, err = run(capfd, *needs_command(shops, tmp_path / "needs.csv", "--groups", shops["groups"],
                                               "--substitutes", shops["substitutes"], "--json"))
    assert code == 0, err
    document = json.loads(out)
    assert document["substitution"], "the declared pairs are reported"
    assert {"groups_sha256", "substitutes_sha256"} <= set(document["provenance"])
    direct = computations.needs([shops["purchases"]], [shops["stock"]], [shops["requests"]],
                                horizon_days=365, groups=[shops["groups"]],
                                substitutes=[shops["substitutes"]]).document
    assert document["needs"] == pytest.approx(direct["needs"])
    declared = pq.read_table(shops["substitutes"]).num_rows
    assert 0 < len(document["substitution"]) <= declared


def test_without_the_substitutes_a_substitute_keeps_the_demand_that_moved(capfd, tmp_path, shops) -> None:
    with_them = computations.needs([shops["purchases"]], [shops["stock"]], [], horizon_days=365,
                                   groups=[shops["groups"]], substitutes=[shops["substitutes"]])
    without = computations.needs([shops["purchases"]], [shops["stock"]], [], horizon_days=365,
                                 groups=[shops["groups"]])
    moved = [pair for pair in with_them.document["substitution"] if pair["moved"] > 0]
    assert moved and not without.document["substitution"]
    taken = {pair["substitute"] for pair in moved}
    lower = [with_them.document["forecast"][q] < without.document["forecast"][q] for q in taken]
    assert sum(lower) > len(lower) / 2


@pytest.mark.parametrize(("option", "content", "expected"), [
    ("--groups", "product,grup\np00001,milk\n", ":1:grup: unknown column"),
    ("--groups", "product,group\np00001,milk\np00001,bread\n",
     "group: product 'p00001' is in several groups: bread, milk"),
    ("--groups", "product,group\n,milk\n", ":2:product: empty id"),
    ("--substitutes", "product,substitute\np00001,p00001\n",
     "substitute: product 'p00001' is declared its own substitute"),
    ("--substitutes", "product\np00001\n", ":1:substitute: missing column"),
])
def test_a_bad_groups_or_substitutes_file_exits_2_naming_it_and_writes_nothing(
        capfd, tmp_path, shops, option, content, expected) -> None:
    bad = text(tmp_path, "bad.csv", content)
    out_file = tmp_path / "needs.csv"
    code, out, err = run(capfd, *needs_command(shops, out_file, option, bad))
    assert code == 2 and out == "" and "Traceback" not in err
    assert str(bad) in err and expected in err, err
    assert not out_file.exists()


def test_a_missing_groups_file_is_named(capfd, tmp_path, shops) -> None:
    missing = tmp_path / "none.csv"
    code, _, err = run(capfd, *needs_command(shops, tmp_path / "needs.csv", "--groups", missing))
    assert code == 2 and f"{missing}: no such file" in err

