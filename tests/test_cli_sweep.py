"""``commonplan sweep``: scenarios planned side by side on Dask, a table by name or one JSON
document with every figure, the same plans as ``commonplan plan``; bad input exits 2."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from distributed import LocalCluster

from tests.commands import check_provenance_and_warnings, one_document, run


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def test_json_gives_every_scenario_as_plan_gives_it(capfd, make_bundle, scheduler):
    bundle = make_bundle()
    code, out, err = run(capfd, "sweep", bundle, "--labour", "0.005:0.01:2", "--method", "lp,harmony",
                         "--scheduler", scheduler, "--json")
    assert code == 0, err
    document = one_document(out)
    check_provenance_and_warnings(document, document["provenance"]["bundle_sha256"])
    assert document["scheduler"] == scheduler and document["workers"] == 2
    scenarios = document["scenarios"]
    assert [(s["scenario"]["method"], s["scenario"]["labour_scale"]) for s in scenarios] == [
        ("lp", 0.005), ("lp", 0.01), ("harmony", 0.005), ("harmony", 0.01)]
    short = scenarios[0]  # 5 hours of work: priority 1 (10 loaves, 100 park visits) takes 5.5
    assert short["status"] == "optimal" and short["binding"]["resources"] == ["labour"]
    assert scenarios[1]["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(1.0)}  # 10 hours
    scaled = make_bundle({"resources.csv": "product,available\nlabour,5\nland,50\n"})
    plan = one_document(run(capfd, "plan", scaled, "--json")[1])
    assert short["fulfilment"] == pytest.approx(plan["fulfilment"], abs=1e-9)
    assert short["labour_hours"] == pytest.approx(plan["labour_hours"], rel=1e-9)
    assert scenarios[2]["status"] == "approximate"


def test_the_table_names_scenarios_and_limits_and_prints_the_dashboard(capfd, make_bundle, scheduler,
                                                                       tmp_path):
    ballot = tmp_path / "park-last.json"
    ballot.write_text(json.dumps({"result": {"tiers": {"park": 2, "bread": 1}}}), encoding="utf-8")
    code, out, err = run(capfd, "sweep", make_bundle(), "--labour", "0.005", "--priorities", ballot,
                         "--scheduler", scheduler)
    assert code == 0, err
    assert "park-last" in out and "labour x0.005" in out
    assert "Work (hour)" in out and "Tier 1" in out
    assert "dashboard: http" in err and scheduler in err


def test_a_scan_of_shares_splits_the_rest_as_the_base_shares_do(capfd, make_bundle, scheduler, tmp_path):
    base = tmp_path / "voted.json"
    base.write_text(json.dumps({"shares": {"consumption": 0.5, "investment": 0.3, "public services": 0.1}}),
                    encoding="utf-8")
    # 1000 hours of work: consumption's needs (15 loaves, 100 park visits) claim 7.75 hours
    code, out, err = run(capfd, "sweep", make_bundle(), "--shares", "0.004:0.008:2", "--base-shares", base,
                         "--scheduler", scheduler, "--json")
    assert code == 0, err
    low, high = one_document(out)["scenarios"]
    assert low["scenario"]["shares"] == pytest.approx(
        {"consumption": 0.004, "investment": 0.996 * 0.75, "public services": 0.996 * 0.25})
    assert low["fulfilment"]["1"] < 1.0 and high["fulfilment"] == {"1": pytest.approx(1.0),
                                                                   "2": pytest.approx(1.0)}


def test_a_local_cluster_is_started_by_default(capfd, make_bundle):
    code, out, err = run(capfd, "sweep", make_bundle(), "--workers", "1", "--dashboard", ":0", "--json")
    assert code == 0, err
    document = one_document(out)
    assert document["workers"] == 1 and document["dashboard"].startswith("http")
    assert document["scenarios"][0]["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(1.0)}


@pytest.mark.parametrize(("options", "said"), [
    (["--shares", "0.1:0.9:10", "--capacities", "0.1:1:10", "--labour", "0.1:1:11"], "1,100 scenarios"),
    (["--shares", "0.5:0.9"], "--shares '0.5:0.9': expected START:STOP:STEPS"),
    (["--capacities", "-1:1:3"], "--capacities"),
    (["--method", "lp,simplex"], "--method: must be among lp, harmony, not simplex"),
    (["--workers", "0"], "--workers 0"),
    (["--base-shares", "/nonexistent/shares.json"], "--base-shares /nonexistent/shares.json: cannot be read"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler 'tcp://127.0.0.1:9': no Dask scheduler answers"),
])
def test_bad_input_exits_2_with_one_line_naming_the_option(capfd, make_bundle, options, said):
    code, out, err = run(capfd, "sweep", make_bundle(), *options)
    assert code == 2 and out == ""
    assert said in err and "Traceback" not in err


def test_priorities_naming_an_unknown_product_exit_2(capfd, make_bundle, tmp_path):
    ballot = tmp_path / "cake.json"
    ballot.write_text(json.dumps({"tiers": {"cake": 1}}), encoding="utf-8")
    code, _, err = run(capfd, "sweep", make_bundle(), "--priorities", ballot)
    assert code == 2 and "'cake'" in err and "Traceback" not in err
