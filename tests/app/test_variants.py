"""The plan variant, where needs, voted tiers, voted shares and funded projects meet
(app.variants): one use case, checked before any job starts."""

from __future__ import annotations

import pytest

from commonplan.app.variants import (
    Choices,
    Project,
    checked_choices,
    choices_from_documents,
    learned_needs,
    plan_variant,
    produced_ids,
    variant_needs,
)
from commonplan.democracy.refusals import Refusal
from commonplan.economy.build import build_economy
from commonplan.economy.bundle import read_bundle
from commonplan.economy.model import Economy, Part
from tests.factories import planned_bakery


def rows(economy: Economy, choices: Choices) -> list[tuple[str, float, int, str]]:
    needs = variant_needs(economy, choices)
    ids = economy.products.ids.to_pylist()
    return sorted((ids[p], float(q), int(t), Part(int(part)).label) for p, q, t, part in zip(
        needs.products, needs.quantities, needs.priorities, needs.part_of_rows(), strict=True))


def test_voted_tiers_replace_the_priority_of_every_row_of_their_product(make_bundle) -> None:
    economy = read_bundle(make_bundle()).economy  # bread at 1 and 2, park at 1
    assert rows(economy, Choices({"bread": 3})) == [
        ("bread", 5.0, 3, "consumption"), ("bread", 10.0, 3, "consumption"),
        ("park", 100.0, 1, "consumption")]


def test_funded_projects_join_the_needs_of_the_public_services_at_their_tier(make_bundle) -> None:
    economy = read_bundle(make_bundle()).economy
    choices = Choices(projects=[Project("playground", "A playground", 2, {"park": 40, "wheat": 0})])
    assert ("park", 40.0, 2, "public services") in rows(economy, choices)
    assert len(rows(economy, choices)) == 4  # a quantity of 0 adds no row


@pytest.mark.parametrize(("choices", "field", "named"), [
    (Choices({"cake": 1}), "priorities", "cake"),
    (Choices({"labour": 1}), "priorities", "labour"),  # labour is never a need
    (Choices({"bread": 0}), "priorities", "bread"),
    (Choices({"bread": True}), "priorities", "bread"),
    (Choices(shares={"consumption": 1.0}), "shares", "investment"),
    (Choices(shares={"consumption": 0.5, "investment": 0.6, "public services": -0.1}), "shares", "-0.1"),
    (Choices(projects=[Project("pool", "A pool", 1, {"water": 3})]), "projects", "water"),
    (Choices(projects=[Project("pool", "A pool", 1, {"park": float("nan")})]), "projects", "pool"),
    (Choices(projects=[Project("pool", "A pool", 1, {}), Project("pool", "Again", 1, {})]), "projects",
     "twice"),
])
def test_choices_that_do_not_fit_the_economy_are_refused_naming_the_field(
        make_bundle, choices: Choices, field: str, named: str) -> None:
    economy = read_bundle(make_bundle()).economy
    with pytest.raises(Refusal) as refused:
        checked_choices(produced_ids(economy), choices)
    assert refused.value.code == "invalid_request"
    assert refused.value.field == field and named in refused.value.reason


def test_ballot_results_are_read_in_the_forms_people_hold_them() -> None:
    tiers = {"bread": 1}
    for document in (tiers, {"tiers": tiers, "ballots": 3}, {"id": 7, "result": {"tiers": tiers}}):
        assert choices_from_documents(priorities=document).tiers == tiers
    shares = {"consumption": 0.6, "investment": 0.3, "public services": 0.1}
    assert choices_from_documents(shares={"result": {"shares": shares}}).shares == shares
    projects = [{"id": "a", "tier": 1, "needs": {"park": 1}},
                {"id": "b", "name": "B", "tier": 2, "needs": {}}]
    funded = choices_from_documents(projects={"projects": projects, "funded": ["b"]}).projects
    assert [project.id for project in funded] == ["b"]
    assert choices_from_documents(projects=projects).projects[0].name == "a"


@pytest.mark.parametrize(("documents", "field"), [
    ({"priorities": ["bread", 1]}, "priorities"), ({"shares": 0.5}, "shares"),
    ({"projects": {"projects": "pool"}}, "projects"), ({"projects": [{"id": "pool"}]}, "projects")])
def test_documents_of_another_shape_are_refused(documents: dict[str, object], field: str) -> None:
    with pytest.raises(Refusal) as refused:
        choices_from_documents(**documents)
    assert refused.value.field == field


def test_the_need_voted_first_is_met_before_the_one_voted_last_when_labour_is_short() -> None:
    economy = planned_bakery(1000)  # 1000 hours: bread (1000 h) or grain (200 h) first
    bread_first = plan_variant(economy, Choices({"bread": 1, "grain": 2}))
    grain_first = plan_variant(economy, Choices({"bread": 2, "grain": 1}))
    assert bread_first.document["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(0.0, abs=1e-7)}
    assert grain_first.document["fulfilment"]["1"] == pytest.approx(1.0)
    assert grain_first.document["fulfilment"]["2"] == pytest.approx(0.8)  # 800 of 1000 hours left
    assert bread_first.document["variant"]["voted_tiers"] == 2


def test_the_variant_reports_each_part_within_its_share() -> None:
    economy = build_economy(
        products=[{"id": "bread", "kind": "good"}, {"id": "school", "kind": "service"},
                  {"id": "work", "kind": "labour"}],
        techniques=[{"id": "bake", "output": "bread"}, {"id": "teach", "output": "school"}],
        inputs=[{"technique": "bake", "product": "work", "quantity": 1},
                {"technique": "teach", "product": "work", "quantity": 1}],
        resources=[{"product": "work", "available": 100}],
        needs=[{"product": "bread", "quantity": 80}])
    choices = Choices(shares={"consumption": 0.5, "investment": 0.0, "public services": 0.5},
                      projects=[Project("school", "A school", 1, {"school": 80})])
    computed = plan_variant(economy, choices)
    parts = computed.document["variant"]["parts"]
    assert parts["consumption"]["claimed_hours"] == pytest.approx(50)
    assert parts["public services"]["fulfilment"] == {"1": pytest.approx(50 / 80)}
    assert parts["consumption"]["limits"] and not parts["investment"]["limits"]
    assert "shares of work limit: consumption, public services" in computed.document["explanation"]
    assert computed.document["variant"]["projects"] == [{"id": "school", "name": "A school", "tier": 1}]


def test_learned_needs_replace_the_consumption_of_the_products_they_cover(make_bundle) -> None:
    needs = "product,quantity,priority,part\nbread,10,1,\nbread,5,2,\npark,100,1,\nbread,7,3,investment\n"
    economy = read_bundle(make_bundle({"needs.csv": needs})).economy
    learned, warnings = learned_needs(economy, {"bread": 30.0, "cake": 2.0, "wheat": 0.0})
    ids = economy.products.ids.to_pylist()
    rows = sorted((ids[p], float(q), int(t), Part(int(part)).label) for p, q, t, part in zip(
        learned.products, learned.quantities, learned.priorities, learned.part_of_rows(), strict=True))
    # bread's consumption is what was learned, at its most urgent priority; its investment and the
    # park (not in the records) are kept
    assert rows == [("bread", 7.0, 3, "investment"), ("bread", 30.0, 1, "consumption"),
                    ("park", 100.0, 1, "consumption")]
    assert warnings == ["1 products of the learned needs are not made by this economy and are left "
                        "out: 'cake'"]
