"""``commonplan plan`` (SPEC section 3): the JSON document, workplace targets, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from commonplan.economy.bundle import read_bundle
from tests.commands import check_provenance_and_warnings, one_document, run

PLAN_KEYS = {"status", "fulfilment", "activity", "net_output", "labour_hours", "shadow_prices",
             "capacity_prices", "binding", "explanation", "provenance", "warnings"}


def test_plan_json_has_every_key_and_every_id_in_file_order(capfd, make_bundle):
    bundle = make_bundle()
    code, out, err = run(capfd, "plan", bundle, "--json")
    assert code == 0, err
    document = one_document(out)
    assert set(document) >= PLAN_KEYS
    assert document["status"] == "optimal"
    assert document["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(1.0)}
    assert list(document["activity"]) == ["bake", "grow", "tend"]
    assert list(document["net_output"]) == ["bread", "wheat", "labour", "land", "park"]
    assert list(document["shadow_prices"]) == ["labour", "land"]
    assert list(document["capacity_prices"]) == ["bake", "grow", "tend"]
    assert set(document["binding"]) == {"resources", "capacities"}
    # 15 loaves (0.2 h and 0.5 kg wheat each) and 100 park visits (0.01 h each); wheat 0.5 h/kg
    assert document["labour_hours"] == pytest.approx(15 * 0.45 + 1.0, rel=1e-6)
    assert document["net_output"]["bread"] == pytest.approx(15, rel=1e-6)
    assert "Priority 1 is met in full" in document["explanation"]
    check_provenance_and_warnings(document, read_bundle(bundle).sha256)


def test_plan_with_scarce_labour_meets_the_first_tier_first(capfd, make_bundle):
    bundle = make_bundle({"resources.csv": "product,available\nlabour,5.5\nland,50\n"})
    document = one_document(run(capfd, "plan", bundle, "--json")[1])
    # tier 1: 10 loaves (4.5 h) and 100 visits (1 h) take all 5.5 hours; tier 2 gets none
    assert document["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(0.0, abs=1e-6)}
    assert document["binding"]["resources"] == ["labour"]
    assert document["shadow_prices"]["labour"] == pytest.approx(1 / (5 * 0.45), rel=1e-6)
    assert "Priority 2 is met at 0.0%" in document["explanation"]


def test_plan_by_producer_writes_each_workplaces_targets(capfd, make_bundle, tmp_path):
    target = tmp_path / "targets.csv"
    code, _out, err = run(capfd, "plan", make_bundle(), "--by-producer", target)
    assert code == 0, err
    with target.open() as file:
        rows = list(csv.DictReader(file))
    assert [(r["producer"], r["technique"], r["output"]) for r in rows] == [
        ("Bakery", "bake", "bread"), ("Farm", "grow", "wheat"), ("Parks office", "tend", "park")]
    assert [float(r["quantity"]) for r in rows] == pytest.approx([15, 7.5, 100], rel=1e-6)


def test_plan_with_a_needs_file_plans_for_it(capfd, make_bundle, tmp_path):
    needs = tmp_path / "needs.csv"
    needs.write_text("product,quantity,priority\npark,10,3\n")
    document = one_document(run(capfd, "plan", make_bundle(), "--needs", needs, "--json")[1])
    assert document["fulfilment"] == {"3": pytest.approx(1.0)}
    assert document["labour_hours"] == pytest.approx(0.1, rel=1e-6)
    assert "needs_sha256" in document["provenance"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--method", "simplex"], "--method"),
    (["--needs", "missing.csv"], "missing.csv"),
    (["--by-producer", "no/such/folder/targets.csv"], "no folder"),
])
def test_plan_bad_input_exits_2_with_a_clear_message(capfd, make_bundle, argv, message):
    code, out, err = run(capfd, "plan", make_bundle(), *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_plan_needs_naming_an_unknown_product_is_reported_by_row(capfd, make_bundle, tmp_path):
    needs = tmp_path / "needs.csv"
    needs.write_text("product,quantity,priority\ncake,1,1\n")
    code, _out, err = run(capfd, "plan", make_bundle(), "--needs", needs)
    assert code == 2
    assert f"{needs}:2:product:" in err


def test_ctrl_c_during_a_plan_exits_130_in_one_line_and_writes_nothing(capfd, make_bundle,
                                                                        tmp_path, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("commonplan.planning.make_plan", interrupted)
    target = tmp_path / "targets.csv"
    code, out, err = run(capfd, "plan", make_bundle(), "--by-producer", target)
    assert code == 130
    assert "interrupted while planning" in err and "Traceback" not in err
    assert out == "" and not target.exists()


PERIODS = Path(__file__).parent / "planning" / "data" / "bakery-periods"


def test_plan_periods_json_gives_the_first_period_and_every_period(capfd):
    code, out, err = run(capfd, "plan", PERIODS, "--periods", "2", "--json")
    assert code == 0, err
    document = one_document(out)
    assert set(document) >= PLAN_KEYS
    assert [period["period"] for period in document["periods"]] == [1, 2]
    first, second = document["periods"]
    assert document["fulfilment"] == first["fulfilment"]
    assert first["fulfilment"]["2"] == pytest.approx(0.0, abs=1e-6)
    assert second["fulfilment"]["2"] == pytest.approx(1.0, abs=1e-6)
    assert document["total_labour_hours"] == pytest.approx(31, rel=1e-6)
    check_provenance_and_warnings(document, read_bundle(PERIODS).sha256)


def test_plan_periods_is_exact_only(capfd):
    code, _out, err = run(capfd, "plan", PERIODS, "--periods", "2", "--method", "harmony")
    assert code == 2 and "--periods" in err


def test_plan_periods_and_validate_report_a_bad_capital_table_by_row(capfd, make_bundle):
    bundle = make_bundle({"investments.csv": "technique,product,quantity\nbake,wheat,-1\n",
                          "growth.csv": "product,rate\nbread,-2\n"})
    for argv in (("plan", bundle, "--periods", "2"), ("validate", bundle)):
        code, _out, err = run(capfd, *argv)
        assert code == 2
        assert "investments.csv:2:quantity:" in err and "growth.csv:2:rate:" in err
    code, out, _err = run(capfd, "validate", bundle, "--json")
    assert code == 2
    assert {(error["file"], error["row"]) for error in one_document(out)["errors"]} == {
        ("investments.csv", 2), ("growth.csv", 2)}


def test_plan_variants_break_the_output_down_by_variant(capfd, make_bundle, tmp_path):
    variants = tmp_path / "variants.csv"
    variants.write_text("product,variant,share\nbread,white,0.75\nbread,rye,0.25\n")
    code, out, err = run(capfd, "plan", make_bundle(), "--variants", variants, "--json")
    assert code == 0, err
    # the plan bakes 15 loaves
    assert one_document(out)["variants"] == {"bread": {"white": pytest.approx(11.25),
                                                        "rye": pytest.approx(3.75)}}


def test_plan_with_a_bad_variants_file_exits_2_naming_the_row(capfd, make_bundle, tmp_path):
    variants = tmp_path / "variants.csv"
    variants.write_text("product,variant,share\nbread,white,-1\n")
    code, out, err = run(capfd, "plan", make_bundle(), "--variants", variants, "--json")
    assert code == 2 and one_document(out)["errors"][0]["row"] == 2
    assert f"{variants}:2" in err
