"""Results in the terminal as short tables, by name: ``commonplan plan`` shows fulfilment per
tier, labour, what binds with its price, the parts' shares of work and the largest outputs, then
the explanation; ``values`` and ``requirements`` name each product. ``--json`` keeps the ids."""

from __future__ import annotations

import json

from tests.commands import one_document, run

TIGHT = {"resources.csv": "product,available\nlabour,1000\nland,0.2\n"}  # land binds


def test_a_plan_prints_a_short_table_of_its_results_by_name_then_its_explanation(capfd, make_bundle):
    code, out, err = run(capfd, "plan", make_bundle(TIGHT))
    assert code == 0, err
    lines = out.splitlines()
    assert any("tier 1" in line and "80.0%" in line for line in lines)
    assert any("tier 2" in line and "0.0%" in line for line in lines)
    assert any("labour" in line and "4.4 hours" in line for line in lines)
    assert any("Land (ha)" in line and line.rstrip(" │").endswith("8") for line in lines)  # binds, at 8
    assert any("Park" in line and "80" in line and "visit" in line for line in lines)  # largest output
    assert "bread" not in out and "│ land" not in out  # names, not ids
    assert lines[-1].startswith("Priority 1 is met at 80.0%")  # the explanation comes last


def test_a_plan_within_voted_shares_shows_each_parts_share_budget_and_claim(capfd, make_bundle, tmp_path):
    shares = tmp_path / "shares.json"
    shares.write_text(json.dumps({"shares": {"consumption": 0.004, "investment": 0.0,
                                             "public services": 0.996}}), encoding="utf-8")
    code, out, err = run(capfd, "plan", make_bundle(), "--shares", shares)
    assert code == 0, err
    consumption = next(line for line in out.splitlines() if line.startswith("│ consumption"))
    cells = [cell.strip() for cell in consumption.strip("│ ").split("│")]
    assert cells == ["consumption", "0.4%", "4", "4", "yes"]  # share, budget and claim (hours)


def test_nothing_binding_is_said_in_words(capfd, make_bundle):
    code, out, _ = run(capfd, "plan", make_bundle())
    assert code == 0 and "Nothing binds: every resource and capacity has room to spare." in out


def test_the_json_of_a_plan_keeps_ids_and_exact_figures(capfd, make_bundle):
    document = one_document(run(capfd, "plan", make_bundle(TIGHT), "--json")[1])
    assert document["binding"] == {"resources": ["land"], "capacities": []}
    assert set(document["net_output"]) == {"bread", "wheat", "labour", "land", "park"}


def test_values_and_requirements_name_each_product_with_its_unit(capfd, make_bundle):
    bundle = make_bundle()
    code, out, _ = run(capfd, "values", bundle)
    assert code == 0 and "Bread (loaf)" in out and "│ bread" not in out
    code, out, _ = run(capfd, "requirements", bundle)
    assert code == 0 and "Work (hour)" in out and "Land (ha)" in out and "Park (visit)" in out
    assert "Labour hours in all: 7.75" in out
