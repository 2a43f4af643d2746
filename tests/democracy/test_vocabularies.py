"""Office kinds and ballot kinds are defined once, in the core: the acts, the API's schema and
the pages read the registries, and nothing else spells their lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonplan.democracy import pay
from commonplan.democracy.ballot_kinds import KINDS, member_kinds, options_checked
from commonplan.democracy.offices import (
    OFFICE_KINDS,
    AfterRecall,
    Filling,
    kinds_filled_by,
    kinds_sitting_above,
    office_kind,
)
from commonplan.democracy.refusals import Refusal
from commonplan.web.rendering import TEMPLATES

SOURCE = Path(__file__).parents[2] / "src" / "commonplan"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory):
    from commonplan.server import create_app

    database = tmp_path_factory.mktemp("api") / "api.db"
    return create_app(f"sqlite:///{database}").openapi()["components"]["schemas"]


def test_a_delegate_is_elected_sits_above_and_is_replaced_after_a_recall():
    delegate = office_kind("delegate")
    assert (delegate.filled, delegate.after_recall, delegate.sits_above) == (
        Filling.ELECTION, AfterRecall.REFILLED, True)


def test_a_post_is_drawn_by_lot_and_stays_vacant_after_a_recall_until_its_next_draw():
    post = office_kind("post")
    assert (post.filled, post.after_recall, post.sits_above) == (Filling.LOTTERY, AfterRecall.VACANT, False)
    assert str(post.after_recall) == "vacant until its next draw"  # the words the open books record


def test_an_unknown_office_kind_is_refused_naming_every_registered_one():
    with pytest.raises(Refusal) as refused:
        office_kind("mayor")
    assert refused.value.code == "invalid_council"
    assert refused.value.reason == "an office is a delegate or a post, not 'mayor'"


@pytest.mark.parametrize("name", list(OFFICE_KINDS))
def test_every_office_kind_caps_its_pay_at_the_reference_rate(name):
    kind = OFFICE_KINDS[name]
    kind.check_pay(30.0, 30.0, "the office")  # equal to the reference: allowed
    with pytest.raises(Refusal) as refused:
        kind.check_pay(30.5, 30.0, "the office")
    assert refused.value.code == "pay_above_rule"
    with pytest.raises(Refusal):
        kind.check_payment(25.0, 20.0, 30.0, "the office")  # above the rate the council voted
    assert (kind.check_pay, kind.check_payment) == (pay.check_pay, pay.check_payment)


def test_the_selections_follow_the_registry():
    assert kinds_sitting_above() == ("delegate",)
    assert kinds_filled_by(Filling.ELECTION) == ("delegate",)
    assert kinds_filled_by(Filling.LOTTERY) == ("post",)
    every = kinds_filled_by(Filling.ELECTION) + kinds_filled_by(Filling.LOTTERY)
    assert sorted(every) == sorted(OFFICE_KINDS)


def test_every_ballot_kind_is_one_entry_with_its_checks_and_its_tally():
    assert tuple(KINDS) == ("election", "recall", "pay", "shares", "priorities", "budget", "plan")
    for name, kind in KINDS.items():
        assert kind.name == name
        assert callable(kind.options) and callable(kind.content) and callable(kind.tally)
    assert member_kinds() == tuple(name for name in KINDS if name != "recall")  # a recall opens by petition


def test_an_unknown_ballot_kind_is_refused_naming_every_registered_one():
    with pytest.raises(Refusal) as refused:
        options_checked("referendum", {})
    assert refused.value.reason == ("the kind of ballot must be one of election, recall, pay, shares, "
                                    "priorities, budget, plan, not 'referendum'")


def test_the_api_schema_enumerates_the_registered_kinds(schemas):
    assert schemas["NewOffice"]["properties"]["kind"]["enum"] == list(OFFICE_KINDS)
    assert schemas["NewBallot"]["properties"]["kind"]["enum"] == list(member_kinds())


def test_the_budget_completions_are_read_from_their_registry_by_the_api_and_the_pages(schemas):
    from commonplan.democracy.budgets import COMPLETIONS, DEFAULT_COMPLETION

    described = schemas["NewBallot"]["properties"]["options"]["description"]
    assert all(name in described and rule.description in described for name, rule in COMPLETIONS.items())
    assert TEMPLATES.env.globals["budget_completions"] is COMPLETIONS
    assert TEMPLATES.env.globals["default_completion"] == DEFAULT_COMPLETION
    form = (SOURCE / "web" / "templates" / "council_ballot_forms.html").read_text()
    assert "add-one" not in form


def test_the_pages_read_the_office_kinds_from_the_registry():
    assert TEMPLATES.env.globals["office_kinds"] is OFFICE_KINDS
    assert TEMPLATES.env.globals["lottery_kinds"] == kinds_filled_by(Filling.LOTTERY)
    assert TEMPLATES.env.globals["elected_kinds"] == kinds_filled_by(Filling.ELECTION)
    for template in ("council.html", "council_ballot_forms.html"):
        source = (SOURCE / "web" / "templates" / template).read_text()
        for spelled in ('value="delegate"', 'value="post"', '"equalto", "delegate"', '"equalto", "post"'):
            assert spelled not in source, (template, spelled)


def test_no_other_source_file_spells_the_list_of_office_kinds():
    spelled = [path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py")
               if 'kind == "delegate"' in (text := path.read_text()) or 'kind == "post"' in text
               or '"delegate", "post"' in text]
    assert spelled == []


def test_the_democracy_guide_describes_every_kind():
    guide = (SOURCE.parents[1] / "docs" / "democracy.md").read_text()
    for name in (*OFFICE_KINDS, *KINDS):
        assert f"`{name}`" in guide, name


def test_the_states_of_ballots_and_jobs_are_enums_whose_values_are_the_stored_words():
    from commonplan.democracy.closing import BallotState
    from commonplan.store.models import ENDED, OPEN, Ballot, Job, JobState

    assert [state.value for state in BallotState] == ["open", "counting", "closed"]
    assert [state.value for state in JobState] == ["queued", "running", "done", "failed", "cancelled"]
    assert set(OPEN) | set(ENDED) == set(JobState) and not set(OPEN) & set(ENDED)
    assert Ballot.__table__.c.state.default.arg == BallotState.OPEN
    assert Job.__table__.c.state.default.arg == JobState.QUEUED
