"""Alarms that climb, on the real store (SQLite and PostgreSQL): a shortfall reported raises one
alert for the workplace council with what it puts at risk; an alert nobody acknowledges climbs
to the council above on time, step by step to the top, each step on the books once however many
sweep at once; only a member of the council holding it acknowledges or acts, once each; an
acknowledgement without action climbs again; and nobody floods the books with alerts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commonplan.app import alerts
from commonplan.app.acts.alerts import (
    NO_TIER,
    Raised,
    acknowledge_alert,
    act_on_alert,
    raise_alert,
    sweep_alerts,
)
from commonplan.app.alerts import AlertSweeper, council_alerts, round_alerts_query, swept_round
from commonplan.app.reports import send_report
from commonplan.execution.alerts import MAX_NOTE, Cause, Direction, Trigger
from commonplan.execution.periods import Cadence, period_of
from commonplan.store.models import Alert, AlertEvent, Council, Job, Round, RoundTarget, StoredEconomy
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
ADOPTED = {"activity": {"bake": 15.0, "grow": 3.75, "tend": 100.0}, "fulfilment": {"1": 1.0, "2": 1.0}}
HOURS = 48


@pytest.fixture
def setting(world, people):
    """A region over a district over the Bakery's workplace council (its first member a reporter;
    the region and the district each with a member of their own), and a round of the district
    in execution since START for ten weeks, its adopted plan the bakery's, its alerts due in
    48 hours."""
    region = world.federation("region")
    district = world.federation("district", parent_id=region.id)
    bakery = world.council(people, parent_id=district.id, producer="Bakery")
    outsider, district_member, region_member = world.members(3)
    world.council([outsider], producer="Farm", parent_id=district.id)
    world.enrol(district.id, [district_member])
    world.enrol(region.id, [region_member])
    with world.sessions() as session, session.begin():
        economy = StoredEconomy(owner_id=people[0].id, name="bakery", bundle_sha256="1" * 64,
                                bundle=zipped(BAKERY))
        session.add(economy)
        session.flush()
        adopted = Job(kind="plan", economy_id=economy.id, owner_id=people[0].id, options={}, state="done",
                      progress=1.0, result=ADOPTED)
        session.add(adopted)
        session.get(type(people[0]), people[0].id).role = "workplace reporter"
        session.flush()
        held = Round(council_id=district.id, economy_id=economy.id, period="2030", step="execution",
                     step_since=START, executing_since=START,
                     deadlines={"execution": (START + timedelta(weeks=10)).isoformat()}, needs="economy",
                     ballots={}, variants=[], report_every="week", adopted_job_id=adopted.id,
                     alert_hours=HOURS)
        session.add(held)
        session.flush()
        session.add(RoundTarget(round_id=held.id, position=0, producer="Bakery", document=BAKERY_TARGETS))
        round_id = held.id
    return {"round": round_id, "region": region, "district": district, "bakery": bakery,
            "reporter": world.get(type(people[0]), people[0].id), "member": people[1],
            "outsider": outsider, "district_member": district_member, "region_member": region_member}


def raised(world, setting, period="2030-W18", direction=Direction.BELOW):
    """An alert raised directly, as a report's forecast would (its consequences left out)."""
    def act(session, books):
        held = session.get(Round, setting["round"])
        council = session.get(Council, setting["bakery"].id)
        return raise_alert(session, books, held, council, Raised(
            "Bakery", "bread", Trigger(Cause.ALARM, direction, period), period, 0.5, 0.3, 0.7,
            {"tiers": []}, 1, 10.0))
    return world.act(act)


def holder(world, alert_id):
    return world.get(Alert, alert_id).holder_id


def test_a_shortfall_reported_raises_one_alert_for_the_council_with_what_it_risks_and_it_climbs(
        world, setting):
    week = period_of(START.date(), Cadence.WEEK)
    for n in range(4):
        label = period_of(week.start + timedelta(weeks=n), Cadence.WEEK).label
        world.act(send_report, setting["reporter"], setting["round"], setting["bakery"].id, period=label,
                  sections={"outputs": [{"product": "bread", "quantity": 0.1}],
                            "labour": [{"product": "labour", "quantity": 3}]})
        world.later(7)
    [alert] = [row[0] for row in world.rows(round_alerts_query(setting["round"]))]
    assert (alert.producer, alert.product, alert.direction, alert.state) == (
        "Bakery", "bread", "below", "raised")
    assert alert.council_id == setting["bakery"].id and alert.fulfilment < 0.95
    assert alert.holder_id == setting["region"].id  # weeks went by unacknowledged: it climbed to the top
    first = alert.consequences["tiers"][0]
    assert first["priority"] == 1 and first["hours_at_risk"] > 0
    assert first["products"][0]["name"] == "Bread"
    assert alert.consequences["workplaces"][0]["council"] == {"id": setting["bakery"].id,
                                                              "name": "workplace council"}
    assert (alert.rank_tier, alert.rank_hours) == (1, pytest.approx(first["hours_at_risk"]))
    [entry] = world.entries("alert raised")
    assert entry.act["alert"] == alert.id and entry.act["tier_at_risk"] == 1


def test_an_alert_nobody_acknowledges_climbs_on_time_step_by_step_to_the_top(world, setting):
    alert = raised(world, setting)
    world.later(1)  # a day: not yet
    assert world.act(sweep_alerts) == 0 and holder(world, alert.id) == setting["bakery"].id
    world.later(1.1)  # past 48 hours
    assert world.act(sweep_alerts) == 1 and holder(world, alert.id) == setting["district"].id
    [step] = world.entries("alert escalated")
    assert (step.act["from"], step.act["to"], step.act["waiting_for"]) == (
        setting["bakery"].id, setting["district"].id, "acknowledgement")
    world.later(30)  # long after: the region, then nothing above it
    assert world.act(sweep_alerts) == 1 and holder(world, alert.id) == setting["region"].id
    assert world.act(sweep_alerts) == 0
    steps = world.entries("alert escalated")
    raised_at = world.get(Alert, alert.id).raised_at.replace(tzinfo=START.tzinfo)
    assert steps[1].act["deadline_passed"] == (raised_at + timedelta(hours=2 * HOURS)).isoformat()
    with world.sessions() as session:
        [shown] = council_alerts(session, world.books, session.get(Council, setting["region"].id))
        assert shown["overdue"] and shown["holder"]["name"] == "region federation" and shown["steps"] == 2


def test_two_sweeps_at_once_climb_each_step_once(world, setting):
    alerts = [raised(world, setting, period=f"2030-W{18 + n}", direction=direction)
              for n, direction in enumerate(Direction)]
    world.later(2.5)
    start = threading.Barrier(2)
    taken: list[int] = []

    def sweep() -> None:
        start.wait()
        taken.append(world.act(sweep_alerts))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [0, 2]
    assert len(world.entries("alert escalated")) == 2
    assert {holder(world, alert.id) for alert in alerts} == {setting["district"].id}


def test_only_a_member_of_the_council_holding_it_acknowledges_once_then_must_act(world, setting):
    alert = raised(world, setting)
    world.refused_writing_nothing("not_a_member", acknowledge_alert, setting["outsider"], alert.id)
    world.refused_writing_nothing("not_a_member", acknowledge_alert, setting["district_member"], alert.id)
    world.later(1.9)  # a day and 22 hours after it was raised
    world.act(acknowledge_alert, setting["member"], alert.id)
    world.refused_writing_nothing("not_eligible", acknowledge_alert, setting["reporter"], alert.id)
    entry = world.last("alert acknowledged")
    assert entry.actor == world.pseudonym(setting["member"])
    world.later(0.2)  # past the first deadline: acknowledged, it waits 48 hours for the action
    assert world.act(sweep_alerts) == 0 and holder(world, alert.id) == setting["bakery"].id
    world.later(2)  # no action within the second period: it climbs again, to be acknowledged
    assert world.act(sweep_alerts) == 1
    climbed = world.get(Alert, alert.id)
    assert (climbed.holder_id, climbed.state) == (setting["district"].id, "raised")
    assert world.last("alert escalated").act["waiting_for"] == "action"
    world.refused("not_a_member", act_on_alert, setting["member"], alert.id, "we fixed the oven")


def test_a_late_acknowledgement_never_beats_the_deadline(world, setting):
    alert = raised(world, setting)
    world.later(2.1)  # nobody swept: the act takes the climb due first, and the member holds it no more
    world.refused("not_a_member", acknowledge_alert, setting["member"], alert.id)
    world.act(acknowledge_alert, setting["district_member"], alert.id)
    assert world.get(Alert, alert.id).state == "acknowledged"


def test_acting_closes_an_alert_once_with_a_bounded_account_on_the_books(world, setting):
    alert = raised(world, setting)
    world.refused_writing_nothing("invalid_request", act_on_alert, setting["member"], alert.id, "   ")
    world.refused_writing_nothing("invalid_request", act_on_alert, setting["member"], alert.id,
                                  "x" * (MAX_NOTE + 1))
    world.act(act_on_alert, setting["member"], alert.id, "the oven is mended; we dispute the target")
    world.refused_writing_nothing("not_eligible", act_on_alert, setting["member"], alert.id, "again")
    world.refused_writing_nothing("not_eligible", acknowledge_alert, setting["member"], alert.id)
    world.later(30)
    assert world.act(sweep_alerts) == 0  # a closed alert never climbs
    entry = world.last("alert acted on")
    assert entry.act["note"] == "the oven is mended; we dispute the target"
    with world.sessions() as session:
        kinds = list(session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id)
                                     .order_by(AlertEvent.id)))
    assert kinds == ["raised", "acted"]
    assert world.verify().ok  # every entry signed, the log consistent


def test_one_open_alert_per_target_and_direction_and_one_per_period(world, setting):
    first = raised(world, setting, period="2030-W18")
    assert raised(world, setting, period="2030-W19") is None  # open already
    assert raised(world, setting, period="2030-W19", direction=Direction.ABOVE) is not None
    world.act(act_on_alert, setting["member"], first.id, "done")
    assert raised(world, setting, period="2030-W18") is None  # that period's alarm was answered
    assert raised(world, setting, period="2030-W20") is not None
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 3


def test_reading_the_rounds_alerts_sweeps_them(world, setting):
    alert = raised(world, setting)
    world.later(3)
    world.act(lambda session, books: swept_round(session, books, setting["round"]))
    assert holder(world, alert.id) == setting["district"].id


def test_the_servers_sweeper_climbs_alerts_nobody_reads_and_stops_when_told(world, setting):
    alert = raised(world, setting)
    sweeper = AlertSweeper(world.sessions, world.books, seconds=3600)
    sweeper.start()
    world.later(2.1)
    assert sweeper.sweep() == 1 and holder(world, alert.id) == setting["district"].id
    assert sweeper.warm() == 1  # the round's adopted plan read ahead of its first alert
    sweeper.stop()
    assert not sweeper.thread.is_alive()


def test_an_alert_is_raised_all_the_same_when_its_consequences_cannot_be_computed(world, setting):
    with world.sessions() as session, session.begin():
        held = session.get(Round, setting["round"])
        session.get(Job, held.adopted_job_id).result = {**ADOPTED, "activity": {"bake": "nan"}}  # broken
    week = period_of(START.date(), Cadence.WEEK)
    for n in range(3):
        world.act(send_report, setting["reporter"], setting["round"], setting["bakery"].id,
                  period=period_of(week.start + timedelta(weeks=n), Cadence.WEEK).label,
                  sections={"outputs": [{"product": "bread", "quantity": 0.1}],
                            "labour": [{"product": "labour", "quantity": 3}]})
        world.later(7)
    [alert] = [row[0] for row in world.rows(round_alerts_query(setting["round"]))]
    assert "could not be computed" in alert.consequences["unavailable"] and alert.rank_tier == NO_TIER


def test_an_alert_stops_climbing_once_its_round_has_closed_and_may_still_be_answered(world, setting):
    alert = raised(world, setting)
    with world.sessions() as session, session.begin():
        session.get(Round, setting["round"]).step = "closed"
    world.later(10)
    assert world.act(sweep_alerts) == 0 and holder(world, alert.id) == setting["bakery"].id
    world.act(act_on_alert, setting["member"], alert.id, "the period is over; the next plan knows")
    assert world.get(Alert, alert.id).state == "acted"


def test_alerts_are_listed_by_the_needs_they_put_at_risk_not_by_the_size_of_the_deviation(world, setting):
    def alert(product, fulfilment, tier, hours):
        def act(session, books):
            held = session.get(Round, setting["round"])
            council = session.get(Council, setting["bakery"].id)
            return raise_alert(session, books, held, council, Raised(
                "Bakery", product, Trigger(Cause.ALARM, Direction.BELOW, "2030-W18"), "2030-W18", fulfilment,
                fulfilment - 0.1, fulfilment + 0.1, {"tiers": []}, tier, hours))
        return world.act(act).id

    cakes = alert("cake", 0.1, 2, 500.0)  # nine tenths short, tier 2
    bread = alert("bread", 0.99, 1, 0.5)  # a hundredth short, tier 1
    wheat = alert("wheat", 0.5, 1, 40.0)
    nothing = alert("salt", 0.2, None, 0.0)
    world.act(act_on_alert, setting["member"], wheat, "a second mill runs")
    order = [row[0].id for row in world.rows(round_alerts_query(setting["round"]))]
    assert order == [bread, cakes, nothing, wheat]


def test_a_target_whose_alert_is_open_costs_no_second_computation_of_consequences(
        world, setting, monkeypatch):
    computed = []
    real = alerts.consequence
    monkeypatch.setattr(alerts, "consequence", lambda *args: computed.append(1) or real(*args))
    week = period_of(START.date(), Cadence.WEEK)
    for n in range(4):
        world.act(send_report, setting["reporter"], setting["round"], setting["bakery"].id,
                  period=period_of(week.start + timedelta(weeks=n), Cadence.WEEK).label,
                  sections={"outputs": [{"product": "bread", "quantity": 0.1}],
                            "labour": [{"product": "labour", "quantity": 3}]})
        world.later(7)
    assert len(world.rows(round_alerts_query(setting["round"]))) == 1 and len(computed) == 1
