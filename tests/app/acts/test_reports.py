"""Filing reports on the real store (SQLite and PostgreSQL): whatever the sequence of figures a
workplace sends for a period, the one that counts is the last, each change is a new version and
an entry on the books, and sending the same figures again writes nothing; a closed round's
periods are due only up to its close."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from commonplan.app.acts.reports import file_report
from commonplan.app.reports import due_of, missing_view, reports_summary
from commonplan.execution.periods import Cadence, period_of
from commonplan.execution.reports import RawLine
from commonplan.store.models import ExecutionReport, Round, RoundTarget, StoredEconomy
from tests.factories import BAKERY, START, zipped

BAKERY_TARGETS = {
    "producer": "Bakery",
    "outputs": [{"technique": "bake", "product": "bread", "name": "Bread", "unit": "loaf",
                 "activity": 15.0, "quantity": 15.0}],
    "inputs": [{"product": "wheat", "name": "Wheat", "unit": "kg", "quantity": 7.5,
                "from": [{"producer": "Farm", "quantity": 7.5}],
                "others": {"producers": 0, "quantity": 0.0}}],
    "resources": [], "labour": [{"product": "labour", "name": "Work", "unit": "hour", "quantity": 3.0}],
    "labour_hours": 3.0}


@pytest.fixture
def bakery(world, people):
    """The Bakery's workplace council (its first member a reporter) under a district, and a
    function making a new round of the district in execution since START with the Bakery's
    targets."""
    district = world.federation("district")
    council = world.council(people, parent_id=district.id, producer="Bakery")
    with world.sessions() as session, session.begin():
        economy = StoredEconomy(owner_id=people[0].id, name="bakery", bundle_sha256="0" * 64,
                                bundle=zipped(BAKERY))
        session.add(economy)
        session.get(type(people[0]), people[0].id).role = "workplace reporter"
    reporter = world.get(type(people[0]), people[0].id)

    def new_round(step: str = "execution") -> int:
        with world.sessions() as session, session.begin():
            held = Round(council_id=district.id, economy_id=economy.id, period="2030", step=step,
                         step_since=START, executing_since=START, deadlines={}, needs="economy", ballots={},
                         variants=[], report_every="week")
            session.add(held)
            session.flush()
            session.add(RoundTarget(round_id=held.id, position=0, producer="Bakery", document=BAKERY_TARGETS))
            return held.id

    return council, reporter, new_round


def lines(loaves: int) -> list[RawLine]:
    return [RawLine("output", "bread", str(loaves), 2), RawLine("labour", "labour", "3", 3)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(10, 12), min_size=1, max_size=8))
def test_the_last_figures_count_each_change_a_version_and_an_entry(world, bakery, sent):
    council, reporter, new_round = bakery
    round_id = new_round()
    week = period_of(START.date(), Cadence.WEEK).label
    before = {kind: len(world.entries(kind)) for kind in ("report filed", "report corrected")}
    for loaves in sent:
        world.act(file_report, reporter, round_id, council.id, period=week, lines=lines(loaves))
    changes = sum(1 for earlier, later in pairwise(sent) if earlier != later)
    with world.sessions() as session:
        versions = list(session.scalars(select(ExecutionReport).where(ExecutionReport.round_id == round_id)
                                        .order_by(ExecutionReport.version)))
    assert [report.version for report in versions] == list(range(1, changes + 2))
    assert versions[-1].document["outputs"] == [{"product": "bread", "quantity": float(sent[-1])}]
    assert len(world.entries("report filed")) == before["report filed"] + 1
    assert len(world.entries("report corrected")) == before["report corrected"] + changes


def test_a_closed_rounds_periods_are_due_only_up_to_its_close(world, bakery):
    council, reporter, new_round = bakery
    round_id = new_round()
    week = period_of(START.date(), Cadence.WEEK)
    world.act(file_report, reporter, round_id, council.id, period=week.label, lines=lines(14))
    with world.sessions() as session, session.begin():
        held = session.get(Round, round_id)
        held.step, held.step_since = "closed", START + timedelta(days=20)
    later = START + timedelta(days=200)
    with world.sessions() as session:
        held = session.get(Round, round_id)
        due = due_of(held, later)
        assert [period.start for period in due] == [week.start + timedelta(weeks=n) for n in range(4)]
        target = session.scalar(select(RoundTarget).where(RoundTarget.round_id == round_id))
        [row] = missing_view(session, held, [target], later)
        assert (row["due"], row["reported"], row["missing"]) == (4, 1, 3)
        assert row["council"] == {"id": council.id, "name": "workplace council"}
        summary = reports_summary(session, held, later)
        assert (summary["due_periods"], summary["reports_filed"], summary["workplaces_missing"]) == (4, 1, 1)
        assert session.scalar(select(func.count()).select_from(ExecutionReport)) == 1
