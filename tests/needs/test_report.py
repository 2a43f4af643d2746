"""``commonplan needs``: the SPEC document, a needs table the planner reads, errors, variants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commonplan.cli.main import main
from commonplan.needs.simulate import Shoppers
from tests.commands import run
from tests.needs.records import simulated, text


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("records")
    purchases, stock, requests, _ = simulated(folder, Shoppers(products=12, stores=15, days=120,
                                                               rows=8_000, seed=3))
    return purchases, stock, requests


def test_the_json_has_spec_keys_and_the_table_has_needs_columns(capfd, tmp_path, records,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("COMMONPLAN_PSEUDONYM_KEY", "test-key")
    purchases, stock, requests = records
    out_file = tmp_path / "needs.csv"
    code, out, err = run(capfd, "needs", "--purchases", purchases, "--stock", stock, "--requests", requests,
                         "--horizon-days", 30, "--out", out_file, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["horizon_days"] == 30
    assert set(document["needs"]) == set(document["shortage_days"]) and len(document["needs"]) == 12
    assert set(document["provenance"]) >= {"bundle_sha256", "commonplan_version", "purchases_sha256"}
    assert all("older than the horizon" in warning for warning in document["warnings"])
    assert "test-key" not in out
    assert all(len(reason["reason"]) > 10 for reason in document["adjustments"])
    assert all(count >= 10 for count in document["people"]["buyers"].values())
    lines = out_file.read_text().splitlines()
    assert lines[0] == '"product","quantity","priority"' and len(lines) == 13


def test_the_needs_table_feeds_the_planner(tmp_path, records) -> None:
    from commonplan.economy.bundle import read_needs
    from commonplan.economy.model import Economy

    purchases, stock, _ = records
    out_file = tmp_path / "needs.csv"
    with pytest.raises(SystemExit) as exited:
        main(["needs", "--purchases", str(purchases), "--stock", str(stock), "--out", str(out_file)])
    assert exited.value.code in (0, None)
    products = [line.split(",")[0].strip('"') for line in out_file.read_text().splitlines()[1:]]
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "products.csv").write_text("id,kind\nwork,labour\n" + "".join(f"{p},good\n" for p in products))
    (folder / "techniques.csv").write_text("id,output\n" + "".join(f"make-{p},{p}\n" for p in products))
    (folder / "inputs.csv").write_text("technique,product,quantity\n" +
                                       "".join(f"make-{p},work,1\n" for p in products))
    from commonplan.economy.bundle import read_bundle

    economy: Economy = read_bundle(folder).economy
    needs = read_needs(out_file, economy)
    assert needs is not None


def test_bad_records_exit_2_naming_file_and_row_and_write_nothing(capfd, tmp_path) -> None:
    purchases = text(tmp_path, "p.csv", "date,store,product,quantity\n2025-01-01,s,p,-3\n")
    stock = text(tmp_path, "s.csv", "date,store,product,on_hand\n2025-01-01,s,p,0\n")
    out_file = tmp_path / "needs.csv"
    code, out, err = run(capfd, "needs", "--purchases", purchases, "--stock", stock, "--out", out_file)
    assert code == 2 and out == ""
    problems = [line for line in err.splitlines() if line.strip()]
    assert problems == [f"{purchases}:2:quantity: negative quantity"]
    assert sorted(tmp_path.iterdir()) == sorted([purchases, stock])


def test_variants_break_needs_down_in_the_json_and_a_csv(capfd, tmp_path, records) -> None:
    purchases, stock, _ = records
    variants = text(tmp_path, "variants.csv", "product,variant,share\np00000,left,1\np00000,right,1\n")
    by_variant = tmp_path / "by_variant.csv"
    code, out, err = run(capfd, "needs", "--purchases", purchases, "--stock", stock, "--out",
                         tmp_path / "needs.csv", "--variants", variants, "--variants-out", by_variant,
                         "--json")
    assert code == 0, err
    document = json.loads(out)
    left, right = document["variants"]["p00000"]["left"], document["variants"]["p00000"]["right"]
    assert left == right == pytest.approx(document["needs"]["p00000"] / 2)
    assert by_variant.read_text().splitlines()[0] == '"product","variant","quantity"'


def test_products_are_listed_in_the_order_they_first_appear_in_the_files(capfd, tmp_path) -> None:
    purchases = text(tmp_path, "purchases.csv", "date,store,product,quantity\n"
                     "2025-01-01,s1,zeta,1\n2025-01-01,s1,alpha,2\n2025-01-02,s1,zeta,1\n")
    stock = text(tmp_path, "stock.csv", "date,store,product,on_hand\n2025-01-02,s1,mid,0\n")
    requests = text(tmp_path, "requests.csv", "product,quantity\nbeta,3\n")
    out_file = tmp_path / "needs.csv"
    code, out, err = run(capfd, "needs", "--purchases", purchases, "--stock", stock,
                         "--requests", requests, "--out", out_file, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document["needs"]) == ["zeta", "alpha", "mid", "beta"]
    assert list(document["shortage_days"]) == ["zeta", "alpha", "mid", "beta"]
    assert [line.split(",")[0].strip('"') for line in out_file.read_text().splitlines()[1:]] == [
        "zeta", "alpha", "mid", "beta"]


def test_when_one_output_cannot_be_written_neither_is(capfd, tmp_path, records) -> None:
    purchases, stock, _ = records
    variants = text(tmp_path, "variants.csv", "product,variant,share\n")
    out_file = tmp_path / "needs.csv"
    code, _out, err = run(capfd, "needs", "--purchases", purchases, "--stock", stock,
                          "--variants", variants, "--variants-out", tmp_path / "no" / "v.csv",
                          "--out", out_file)
    assert code == 2 and f"--variants-out {tmp_path / 'no' / 'v.csv'}: no folder" in err
    assert list(tmp_path.glob("*.csv")) == [variants] and not list(tmp_path.glob(".*partial"))
