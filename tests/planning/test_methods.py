"""The planning methods are one registry: the typing Literal, the command line's help, the API's
schema and the pages read it; make_plan dispatches through it; a plan's status says how it stands."""

from __future__ import annotations

from typing import get_args

import pytest
import typer

from commonplan.app.documents import plan_document
from commonplan.cli.main import app as cli
from commonplan.economy.build import build_economy
from commonplan.planning import (
    DEFAULT_METHOD,
    METHODS,
    PlanMethod,
    PlanStatus,
    exact_methods,
    make_plan,
    method_named,
)
from commonplan.web.rendering import TEMPLATES


def mill(hours: float):
    """Flour takes 2 hours a sack; 100 sacks are needed (priority 1)."""
    return build_economy(
        products=[{"id": "flour", "kind": "good"}, {"id": "work", "kind": "labour"}],
        techniques=[{"id": "mill", "output": "flour"}],
        inputs=[{"technique": "mill", "product": "work", "quantity": 2}],
        resources=[{"product": "work", "available": hours}],
        needs=[{"product": "flour", "quantity": 100, "priority": 1}])


def test_the_typing_literal_names_exactly_the_registered_methods():
    assert get_args(PlanMethod) == tuple(METHODS)
    assert DEFAULT_METHOD in METHODS
    assert all(name == method.name for name, method in METHODS.items())


def test_an_unknown_method_is_refused_naming_every_registered_one():
    with pytest.raises(ValueError, match="method must be one of lp, harmony, not 'simplex'"):
        make_plan(mill(1000), method="simplex")
    with pytest.raises(ValueError, match="lp, harmony"):
        method_named("simplex")


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_plans_through_the_registry_and_says_how_its_plan_stands(name):
    plan = make_plan(mill(1000), method=name)
    assert plan.fulfilment == pytest.approx([1.0], abs=1e-6)
    assert plan.status is (PlanStatus.OPTIMAL if METHODS[name].exact else PlanStatus.APPROXIMATE)
    assert plan.status.exact is METHODS[name].exact
    assert plan.message and plan.solver_status


def test_an_exact_plan_short_of_a_need_is_a_status_and_spec_still_calls_it_optimal():
    plan = make_plan(mill(100), method="lp")
    assert plan.fulfilment == pytest.approx([0.5], abs=1e-6)
    assert plan.status is PlanStatus.NEEDS_UNMET
    assert plan.message == "The optimal plan, but not every need can be met (priority 1 at 50.0%)."
    assert plan.solver_status == "Optimal"  # HiGHS's own word
    assert plan_document(plan.problem.economy, plan)["status"] == "optimal"


def test_an_approximate_plan_is_approximate_in_the_spec_document_and_says_how_harmony_ended():
    plan = make_plan(mill(100), method="harmony")
    assert plan.status is PlanStatus.APPROXIMATE
    assert plan_document(plan.problem.economy, plan)["status"] == "approximate"
    assert "not every need can be met" in plan.message
    assert "round" in plan.solver_status


def test_the_plan_command_offers_every_method_with_its_description():
    command = typer.main.get_command(cli)
    method = next(p for p in command.commands["plan"].params if p.name == "method")
    assert method.opts == ["--method"]
    assert method.default == DEFAULT_METHOD
    for name, registered in METHODS.items():
        assert f"{name}: {registered.description}" in (method.help or "")


def test_only_exact_methods_plan_several_periods():
    assert exact_methods() == tuple(name for name, method in METHODS.items() if method.exact)
    assert "lp" in exact_methods() and "harmony" not in exact_methods()


def test_the_pages_read_the_registry():
    assert TEMPLATES.env.globals["plan_methods"] is METHODS
    source = TEMPLATES.env.loader.get_source(TEMPLATES.env, "economy.html")[0]
    assert "plan_methods" in source and "harmony" not in source.lower()


def test_the_api_schema_enumerates_the_registered_methods(tmp_path):
    from commonplan.server import create_app

    schema = create_app(f"sqlite:///{tmp_path / 'api.db'}").openapi()
    method = schema["components"]["schemas"]["JobRequest"]["properties"]["method"]
    assert method["enum"] == list(METHODS)
    assert all(registered.description in method["description"] for registered in METHODS.values())
