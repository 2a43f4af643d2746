"""What the pages chart, by name: a plan's parts when shares were voted, labour apart from
resources and products, two products of one name both shown, plans compared bar by bar."""

from __future__ import annotations

from commonplan.planning.compare import Names
from commonplan.web.charts import charts_of, compared_charts

NAMES = Names({"bread": ("Bread", "loaf"), "rye": ("Bread", "loaf"), "labour": ("Work", "hour"),
               "land": ("Land", "ha")}, {"bake": "bread"}, {"labour": "labour", "land": "resource"},
              {"bake": "Bakery"})
PARTS = {"consumption": {"share": 0.6, "budget_hours": 6.0, "claimed_hours": 5.0, "limits": False,
                         "fulfilment": {"1": 1.0}},
         "investment": {"share": 0.4, "budget_hours": 4.0, "claimed_hours": 4.0, "limits": True,
                        "fulfilment": {}}}


def plan(**more: object) -> dict:
    return {"fulfilment": {"1": 1.0}, "activity": {"bake": 2.0}, "labour_hours": 3.0,
            "net_output": {"bread": 2.0, "rye": 1.0, "labour": -3.0, "land": -0.5},
            "use": {"labour": 3.0, "land": 0.5}, "binding": {"resources": [], "capacities": ["bake"]},
            "shadow_prices": {"labour": 0.0, "land": 0.0}, "capacity_prices": {"bake": 0.5}, **more}


def test_a_plan_charts_products_labour_and_resources_apart_and_no_bar_hides_another():
    charts = {chart["id"]: chart for chart in charts_of("plan", plan(), NAMES)}
    assert charts["chart-net-output"]["labels"] == ["Bread (loaf)", "Bread (loaf) #2"]
    assert charts["chart-labour"]["labels"] == ["Work (hour)"]
    assert charts["chart-resources"]["labels"] == ["Land (ha)"]
    assert charts["chart-activity"]["labels"] == ["Bread, Bakery"]
    assert charts["chart-binding"]["labels"] == ["The capacity to make Bread (Bakery)"]
    assert charts["chart-binding"]["series"] == [{"name": "", "values": [0.5]}]
    assert "chart-parts" not in charts  # no shares were voted


def test_a_plan_within_voted_shares_charts_each_parts_budget_and_claim():
    charts = {chart["id"]: chart for chart in charts_of("plan", plan(variant={"parts": PARTS}), NAMES)}
    parts = charts["chart-parts"]
    assert parts["labels"] == ["consumption", "investment"]
    assert parts["series"] == [{"name": "budget", "values": [6.0, 4.0]},
                               {"name": "claimed", "values": [5.0, 4.0]}]


def test_plans_compared_are_charted_side_by_side_with_their_parts():
    variants = [{"job": job, "labour_hours": hours, "fulfilment": {"1": share},
                 "binding": {"resources": [], "capacities": []}, "parts": parts}
                for job, hours, share, parts in ((3, 5.0, 1.0, PARTS), (4, 9.0, 0.5, {}))]
    differences = [{"product": "bread", "name": "Bread", "unit": "loaf", "net_output": {"3": 2.0, "4": -4.0}}]
    charts = {chart["id"]: chart for chart in compared_charts({"variants": variants,
                                                               "differences": differences})}
    assert charts["chart-compared-fulfilment"]["series"] == [{"name": "Plan of job 3", "values": [100.0]},
                                                             {"name": "Plan of job 4", "values": [50.0]}]
    assert charts["chart-compared-binding"]["labels"] == []  # nothing binds: the sentence instead
    assert charts["chart-compared-parts"]["series"][1]["values"] == [None, None]  # no shares in plan 4
    assert charts["chart-compared-differences"]["series"][1]["values"] == [-100.0]  # of the largest |n|
    assert compared_charts({"variants": []}) == []
