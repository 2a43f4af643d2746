"""The execution simulator: with no faults and no noise every report is exactly on plan; a fault
changes nothing before it starts; the same seed gives the same reports; a shortfall reaches the
workplaces that use the product, by their share of it; every report keeps the rules of
execution.reports; a fault that does not fit the plan is named, field by field."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.execution.plans import WorkplacePlan, read_targets
from commonplan.execution.reports import RawLine, ReportError, Targets, check_report
from commonplan.execution.simulation import Fault, FaultKind, read_faults, simulate

KINDS = {"wheat": "good", "flour": "good", "bread": "good", "land": "resource", "labour": "labour"}


def chain(scale: float = 1.0) -> list[WorkplacePlan]:
    """Farm -> Mill -> Bakery, the Bakery's flour half from the Mill by name, half from its makers."""
    return [
        WorkplacePlan("Farm", outputs={"wheat": 100 * scale}, resources={"land": 10 * scale},
                      labour={"labour": 50 * scale}),
        WorkplacePlan("Mill", outputs={"flour": 80 * scale}, inputs={"wheat": 100 * scale},
                      suppliers={"wheat": {"Farm": 100 * scale}}, labour={"labour": 20 * scale}),
        WorkplacePlan("Bakery", outputs={"bread": 120 * scale}, inputs={"flour": 80 * scale},
                      suppliers={"flour": {"Mill": 40 * scale}}, labour={"labour": 30 * scale}),
    ]


def output(simulation, producer: str, t: int) -> float:
    """The producer's output in period t as the share of the plan for a period."""
    row = next(r for r, (w, _) in enumerate(simulation.output_rows) if simulation.producers[w] == producer)
    w, product = simulation.output_rows[row]
    planned = simulation.plans[w].outputs[product] / simulation.plan_periods
    return float(simulation.outputs[t, row]) / planned


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-3, 1e6), st.integers(1, 12), st.integers(1, 3), st.floats(0, 3))
def test_with_no_faults_and_no_noise_every_report_is_exactly_on_plan(scale, periods, spread, stock):
    plans = chain(scale)
    simulation = simulate(plans, periods=periods, plan_periods=periods * spread, noise=0.0,
                          stock_periods=stock)
    for producer, t, lines in simulation.reports(stocked={"wheat": True, "flour": True}):
        plan = next(p for p in plans if p.producer == producer)
        figures = {(line.section, line.product): line.quantity for line in lines}
        for product, quantity in plan.outputs.items():
            assert figures["output", product] == quantity / (periods * spread)
        for product, quantity in [*plan.inputs.items(), *plan.resources.items()]:
            expected = quantity / (periods * spread)
            assert figures["input", product] == pytest.approx(expected, rel=1e-12)
        assert t < periods


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 11), st.sampled_from(["Farm", "Mill", "Bakery"]), st.floats(0.05, 1.0),
       st.sampled_from(list(FaultKind)), st.integers(0, 2**31))
def test_a_fault_at_t_leaves_every_period_before_t_untouched(start, workplace, size, kind, seed):
    product = {"Farm": "wheat", "Mill": "flour", "Bakery": "bread"}[workplace]
    fault = Fault(kind, start, size, workplace if kind is not FaultKind.SHORTFALL else "",
                  product if kind is FaultKind.SHORTFALL else "", periods=3)
    calm = simulate(chain(), periods=12, noise=0.1, seed=seed)
    hit = simulate(chain(), [fault], periods=12, noise=0.1, seed=seed)
    for figures in ("outputs", "inputs", "stocks"):
        assert np.array_equal(getattr(calm, figures)[:start], getattr(hit, figures)[:start])
    assert not np.array_equal(calm.outputs[start:], hit.outputs[start:])


def test_the_same_seed_gives_the_same_reports_and_another_seed_others():
    fault = [Fault(FaultKind.BREAKDOWN, 3, 0.5, "Mill", periods=2)]
    first = list(simulate(chain(), fault, periods=10, seed=7).reports())
    assert first == list(simulate(chain(), fault, periods=10, seed=7).reports())
    assert first != list(simulate(chain(), fault, periods=10, seed=8).reports())


def test_a_shortfall_reaches_the_users_of_the_product_the_period_after_by_their_share():
    simulation = simulate(chain(), [Fault(FaultKind.SHORTFALL, 2, 0.3, product="wheat")], periods=6,
                          noise=0.0, stock_periods=0.0)
    assert output(simulation, "Farm", 2) == pytest.approx(0.7)
    assert output(simulation, "Mill", 2) == pytest.approx(1)  # last period's wheat, in full
    assert output(simulation, "Mill", 3) == pytest.approx(0.7)  # all its wheat from the Farm
    assert output(simulation, "Bakery", 4) == pytest.approx(0.7)  # all the flour there is: the Mill's
    assert output(simulation, "Farm", 3) == pytest.approx(0.7)  # to the end: no periods given


def test_a_stock_covers_a_shortfall_until_it_runs_out_and_is_reported():
    simulation = simulate(chain(), [Fault(FaultKind.BREAKDOWN, 1, 0.5, "Farm")], periods=6, noise=0.0,
                          stock_periods=1.0)
    # the Farm's half reaches the Mill from period 2; a period's stock covers two half periods
    assert [output(simulation, "Mill", t) for t in (2, 3, 4)] == pytest.approx([1, 1, 0.5])
    lines = simulation.report(1, 3, stocked={"wheat": True})
    assert ("stock", "wheat", 0.0) in [(line.section, line.product, line.quantity) for line in lines]


def test_a_drift_takes_its_size_more_each_period():
    simulation = simulate(chain(), [Fault(FaultKind.DRIFT, 2, 0.1, "Bakery")], periods=8, noise=0.0)
    assert [round(output(simulation, "Bakery", t), 9) for t in range(1, 6)] == [1, 0.9, 0.8, 0.7, 0.6]


def test_every_simulated_report_keeps_the_rules_of_a_report():
    simulation = simulate(chain(), [Fault(FaultKind.BREAKDOWN, 1, 1.0, "Mill")], periods=5, noise=0.3, seed=3)
    for producer, _, lines in simulation.reports(stocked={"wheat": True, "flour": True}):
        plan = next(p for p in chain() if p.producer == producer)
        targets = Targets(frozenset(plan.outputs), frozenset([*plan.inputs, *plan.resources]),
                          frozenset(plan.labour))
        checked = check_report([RawLine(line.section, line.product, line.quantity) for line in lines], KINDS,
                               targets)
        assert checked.warnings == ()


def test_the_truth_names_every_fault_injected():
    faults = [Fault(FaultKind.BREAKDOWN, 3, 0.5, "Mill", periods=2),
              Fault(FaultKind.SHORTFALL, 1, 0.2, product="land")]
    truth = simulate(chain(), faults, periods=5, seed=1).truth()
    assert truth["faults"] == [
        {"kind": "breakdown", "workplace": "Mill", "product": None, "start": 3, "periods": 2, "size": 0.5},
        {"kind": "shortfall", "workplace": None, "product": "land", "start": 1, "periods": None, "size": 0.2}]
    assert (truth["seed"], truth["periods"]) == (1, 5)


def test_faults_that_do_not_fit_the_plan_are_named_field_by_field():
    faults = [Fault(FaultKind.BREAKDOWN, 9, 0.5, "Brewery"),
              Fault(FaultKind.SHORTFALL, 0, 1.5, product="cake"),
              Fault(FaultKind.DRIFT, 0, 0.1, "Mill", product="bread")]
    with pytest.raises(ReportError) as caught:
        simulate(chain(), faults, periods=5)
    messages = [str(problem) for problem in caught.value.problems]
    assert any("fault 1" in m and "Brewery" in m for m in messages)
    assert any("fault 1" in m and "start 9" in m for m in messages)
    assert any("fault 2" in m and "cake" in m for m in messages)
    assert any("fault 2" in m and "(0, 1]" in m for m in messages)
    assert any("fault 3" in m and "no output target for 'bread'" in m for m in messages)


def test_faults_are_read_from_json_or_csv_and_bad_fields_named():
    assert read_faults('[{"kind": "breakdown", "workplace": "Mill", "start": 2, "size": 0.5}]', "f.json") == \
        [Fault(FaultKind.BREAKDOWN, 2, 0.5, "Mill")]
    assert read_faults("kind,product,start,periods,size\nshortfall,wheat,1,3,0.2\n", "f.csv") == \
        [Fault(FaultKind.SHORTFALL, 1, 0.2, product="wheat", periods=3)]
    with pytest.raises(ReportError) as caught:
        read_faults("kind,start,size,colour\nfire,x,big,red\n", "f.csv")
    assert "colour" in str(caught.value)
    with pytest.raises(ReportError) as caught:
        read_faults("kind,start,size\nfire,x,big\n", "f.csv")
    text = "\n".join(str(problem) for problem in caught.value.problems)
    assert "f.csv:2:kind" in text and "f.csv:2:start" in text and "f.csv:2:size" in text


def test_targets_are_read_from_the_csv_download_and_the_json_documents():
    csv_text = ("producer,section,technique,product,name,unit,quantity,from,others\n"
                "Mill,output,t-flour,flour,Flour,kg,80,,\n"
                "Mill,input,,wheat,Wheat,kg,60,Farm,\n"
                "Mill,input,,wheat,Wheat,kg,40,,3\n"
                "Mill,labour,,labour,Labour,h,20,,\n"
                "Farm,output,t-wheat,wheat,Wheat,kg,100,,\n"
                "Farm,resource,,land,Land,ha,10,,\n")
    plans = read_targets(csv_text, "targets.csv")
    assert [plan.producer for plan in plans] == ["Mill", "Farm"]
    assert plans[0].inputs == {"wheat": 100} and plans[0].suppliers == {"wheat": {"Farm": 60}}
    documents = ('[{"producer": "Mill", "outputs": [{"product": "flour", "quantity": 80}], "inputs": '
                 '[{"product": "wheat", "quantity": 100, "from": [{"producer": "Farm", "quantity": 60}]}], '
                 '"resources": [], "labour": [{"product": "labour", "quantity": 20}]}]')
    assert read_targets(documents, "t.json")[0] == plans[0]
    with pytest.raises(ReportError) as caught:
        read_targets("producer,section,product,quantity\nMill,outptu,flour,-1\n", "t.csv")
    text = "\n".join(str(problem) for problem in caught.value.problems)
    assert "t.csv:2:section" in text and "t.csv:2:quantity" in text


def test_a_workplace_free_of_faults_makes_up_what_it_owes_with_its_spare_capacity():
    simulation = simulate(chain(), [Fault(FaultKind.BREAKDOWN, 1, 0.5, "Farm", periods=1)], periods=10,
                          noise=0.0, spare=0.1)
    made = [output(simulation, "Farm", t) for t in range(10)]
    assert made[1] == pytest.approx(0.5) and made[2:7] == pytest.approx([1.1] * 5)
    assert made[7:] == pytest.approx([1, 1, 1])
    assert sum(made) == pytest.approx(10)  # the plan's whole output, made up
