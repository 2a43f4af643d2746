"""The demo's execution: the round's adopted plan carried out for ten weeks of reports by
simulated workplaces (execution.simulation), through the same use cases as the server.

Every industry of the built-in economy is a workplace; three of them are the Riverside councils
(the farm is Grain farming, the bakery Bread and bakery product manufacturing, the clinic
Hospitals), whose reporters file a report each Monday for the week before. A blight cuts the
farm's harvest by :data:`BLIGHT` from week :data:`BLIGHT_WEEK` on: the watch raises an alert on
the farm's grain at once, ranked by the needs it puts at risk; the farm council does not answer
within the round's 48 hours and the alert climbs to the district, which acknowledges it. Less
grain means less flour and, weeks later, less bread: the bakery's alert follows and climbs too.
After :data:`WEEKS` weeks the district asks for a revision of the rest of the year,
learned from the reports; it lowers the essentials' fulfilment, so it goes to the district's
vote, which adopts it, and the workplaces' targets are replaced. Every step is on the open books.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from commonplan.app.acts.alerts import acknowledge_alert, act_on_alert, sweep_alerts
from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import found
from commonplan.app.acts.reports import executing_since
from commonplan.app.alerts import alert_view, round_alerts_query
from commonplan.app.reports import planned_periods, send_report
from commonplan.app.revisions import revision_of, revision_view, start_revision
from commonplan.cli.demo_stage import Stage
from commonplan.execution.alerts import AlertState
from commonplan.execution.periods import Cadence, period_of
from commonplan.execution.plans import read_targets
from commonplan.execution.reports import canonical
from commonplan.execution.simulation import Fault, FaultKind, Simulation, simulate
from commonplan.store.models import Alert, Member, Round, RoundTarget

WEEKS = 10  # weeks reported before the district asks for a revision of the rest of the year
BLIGHT_WEEK, BLIGHT = 3, 0.4  # from the fourth week, the farm's harvest falls by 40%
NOISE = 0.03  # each reported figure's coefficient of variation
SEED = 2017


@dataclass(frozen=True)
class Workplace:
    """A workplace council of the district: its name, the producer it is, its reporter."""

    name: str
    producer: str
    council: int
    reporter: Member


def carry_out(console: Console, stage: Stage, round_id: int, district_delegates: list[Member],
              workplaces: Sequence[Workplace]) -> None:
    """Move the round into execution, file ten weeks of simulated reports of the ``workplaces``,
    let the alerts climb, revise the rest of the year by the district's vote."""
    console.rule("[bold]Carrying out the plan: weekly reports, alerts that climb, a revision")
    held = stage.advance(district_delegates[0], round_id)
    simulation = _simulation(stage, held)
    since = executing_since(held)
    console.print(
        f"The round is in execution from {since:%d %B %Y}: each of the economy's "
        f"{len(simulation.producers)} industries is a workplace with weekly targets; the Riverside farm "
        "(Grain farming), bakery (Bread and bakery product manufacturing) and clinic (Hospitals) report "
        f"every Monday. A blight cuts the farm's harvest by {BLIGHT:.0%} from week {BLIGHT_WEEK + 1} on.")
    weekly = _weekly("Output reported, as a share of the week's plan", workplaces)
    for week in range(WEEKS):
        label = period_of(since + timedelta(weeks=week), Cadence.WEEK).label
        stage.clock.now = datetime.combine(since + timedelta(weeks=week + 1), time(9), UTC)
        raised_before = _count(stage, round_id)
        shares = [_file(stage, simulation, round_id, workplace, week, label) for workplace in workplaces]
        stage.clock.now += timedelta(hours=held.alert_hours + 1)  # nobody at the workplace answered
        climbed = stage.act(sweep_alerts, round_id)
        _answer_at_district(stage, round_id, district_delegates[0])
        weekly.add_row(label, *(f"{share:.0%}" for share in shares),
                       str(_count(stage, round_id) - raised_before or ""), str(climbed or ""))
    console.print(weekly)
    _alerts(console, stage, round_id)
    _revise(console, stage, round_id, district_delegates)


def _weekly(title: str, workplaces: Sequence[Workplace]) -> Table:
    return Table("week", *(workplace.name.removeprefix("Riverside ") for workplace in workplaces),
                 "alerts raised", "climbed", box=box.SIMPLE, title=title, title_justify="left")


def _simulation(stage: Stage, held: Round) -> Simulation:
    """Every workplace's targets carried out with noise and the blight, week by week."""
    with stage.sessions() as session:
        documents = list(session.scalars(select(RoundTarget.document).where(RoundTarget.round_id == held.id)
                                         .order_by(RoundTarget.position)))
        periods = len(planned_periods(held, stage.clock.now))
    plans = read_targets(json.dumps(documents), f"round {held.id}'s targets")
    blight = Fault(FaultKind.BREAKDOWN, BLIGHT_WEEK, BLIGHT, workplace="Grain farming")
    return simulate(plans, [blight], periods=WEEKS, plan_periods=periods, noise=NOISE, seed=SEED)


def _file(stage: Stage, simulation: Simulation, round_id: int, workplace: Workplace, week: int,
          label: str) -> float:
    """The workplace's report of ``week`` filed (and watched); its output as a share of plan."""
    simulated = simulation.producers.index(workplace.producer)
    lines = simulation.report(simulated, week)
    stage.act(send_report, workplace.reporter, round_id, workplace.council, period=label,
              sections=canonical(lines), source="api")
    plan = simulation.plans[simulated]
    made = sum(line.quantity for line in lines if line.section == "output")
    return made / (sum(plan.outputs.values()) / simulation.plan_periods)


def _count(stage: Stage, round_id: int) -> int:
    """The round's alerts so far (counted by the database, not read)."""
    with stage.sessions() as session:
        return session.scalar(select(func.count()).select_from(round_alerts_query(round_id).subquery())) or 0


def _answer_at_district(stage: Stage, round_id: int, delegate: Member) -> None:
    """The district acknowledges every alert that climbed to it, and acts on it with a note."""
    with stage.sessions() as session:
        held = found(session, Round, round_id, "round")
        waiting = list(session.scalars(select(Alert.id).where(
            Alert.round_id == round_id, Alert.holder_id == held.council_id,
            Alert.state == AlertState.RAISED.value)))
    for alert in waiting:
        stage.act(acknowledge_alert, delegate, alert)
        stage.act(act_on_alert, delegate, alert, "The district will revise the rest of the year once "
                  "the reports show what the farm can make.")


def _alerts(console: Console, stage: Stage, round_id: int) -> None:
    table = Table("product", "reported by", "raised in", "priority at risk", "hours at risk", "held by now",
                  box=box.SIMPLE, title="The alerts, ranked by the needs they put at risk",
                  title_justify="left")
    with stage.sessions() as session:
        for alert in session.scalars(round_alerts_query(round_id)):
            view = alert_view(session, stage.books, alert)
            rank = view["rank"]
            table.add_row(view["name"], view["council"]["name"], view["period"],
                          "none" if rank["tier"] is None else str(rank["tier"]),
                          f"{rank['hours'] / 1e6:,.1f} million",
                          f"{view['holder']['name']}, {view['state']} (climbed {view['steps']}x)")
    console.print(table)


def _revise(console: Console, stage: Stage, round_id: int, delegates: list[Member]) -> None:
    """The district asks for a revision of the rest; put to its vote, adopted by two of three."""
    stage.act(start_revision, stage, delegates[1], round_id, stage.clock.now)
    with stage.sessions() as session:
        view = revision_view(session, revision_of(session, round_id, 1))
    comparison = view["comparison"] or {}
    console.print(f"Revision 1 of the rest, learned from {view['elapsed']} weeks of reports (of "
                  f"{view['periods']}): each tier's fulfilment as voted, as the adopted plan carried on "
                  "regardless would give, and as revised: " + ", ".join(
                      f"priority {tier} {promised:.1%} / {comparison['fulfilment_before'][tier]:.1%} / "
                      f"{comparison['fulfilment_after'][tier]:.1%}"
                      for tier, promised in comparison.get("fulfilment_promised", {}).items()) + ".")
    table = Table("product", "delivered in the rest, adopted", "revised", "why", box=box.SIMPLE,
                  title="What the revision changes most (million USD)", title_justify="left")
    for change in comparison.get("changes", [])[:5]:
        table.add_row(change["name"], f"{change['before']:,.0f}", f"{change['after']:,.0f}",
                      "; ".join(change["why"][:2]) or ("less of its inputs upstream" if change["after"] <
                                                        change["before"] else "more of the rest's needs met"))
    console.print(table)
    if view["state"] != "voting":
        console.print(f"It lowers no voted priority: {view['state']}.")
        return
    for delegate, approve in zip(delegates, (True, True, False), strict=True):
        stage.act(cast_ballot, delegate, view["ballot"], [view["job"]] if approve else [view["plan_job"]])
    close_ballot(stage.sessions, stage.books, delegates[0], view["ballot"])
    with stage.sessions() as session:
        decided = revision_view(session, revision_of(session, round_id, 1))
    console.print(f"It lowers a voted priority, so it went to the district's plan ballot: {decided['state']} "
                  f"by 2 of 3 delegates, and every workplace's targets are replaced (SHA-256 "
                  f"{(decided['new_targets_sha256'] or '')[:16]}…).")
