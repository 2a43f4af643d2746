"""The use cases of reports that the API, the pages and the command line share: a report filed
from sections (JSON) or from a CSV file, a workplace's reports and their corrections with
products named, and the periods due and not reported, per workplace, with names (what is late
or missing is itself visible). The act is app.acts.reports; the rules, execution.reports and
execution.periods."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, utc
from commonplan.app.acts.reports import (
    REPORTER,
    Filed,
    executing_since,
    file_report,
    latest_report,
    reporting,
)
from commonplan.app.acts.revisions import revised_after
from commonplan.app.alerts import watch_report
from commonplan.app.comparisons import names_of_economy
from commonplan.app.targets import council_targets, published_round
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import Step
from commonplan.execution.forecast import noise_of
from commonplan.execution.periods import Cadence, Period, due_periods, missing, period_of, periods_from
from commonplan.execution.reports import PLURALS, RawLine, ReportError, from_sections, read_csv
from commonplan.execution.watching import forecast_many
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, CouncilMember, ExecutionReport, Member, Round, RoundTarget

MAX_REPORT_BYTES = 2**20  # bytes of one report's CSV file (10^4 lines of ~50 bytes fit twice)
SHOWN_MISSING = 20  # periods listed by label per workplace in the view of what is missing (the rest counted)


def send_report(db: Session, books: OpenBooks, me: Member, round_id: int, council_id: int, *, period: str,
                sections: Mapping[str, Sequence[Mapping[str, Any]]], source: str = "api") -> Filed:
    """A report given by section (``outputs``, ``inputs``, ``labour``, ``stocks``)."""
    return watched(db, books, file_report(db, books, me, round_id, council_id, period=period,
                                          lines=from_sections(sections), source=source))


def upload_report(db: Session, books: OpenBooks, me: Member, round_id: int, council_id: int, *, period: str,
                  filename: str, content: bytes, source: str = "csv") -> Filed:
    """A report in a CSV file (execution.reports.read_csv): 413 past :data:`MAX_REPORT_BYTES`,
    refused before the file is read when the member may not report; 422 listing every problem
    by file, row and column."""
    if len(content) > MAX_REPORT_BYTES:
        raise Refusal("too_large", f"a report's file may have at most {MAX_REPORT_BYTES} bytes", field="file")
    reporting(db, books, me, round_id, council_id, period)
    name = Path(filename).name[:200] or "report.csv"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal("invalid_request", f"the report {name} is not UTF-8 text (byte {error.start})",
                      field="file", errors=[{"file": name, "row": None, "column": None,
                                             "message": f"not UTF-8 text (byte {error.start})"}]) from None
    try:
        lines = read_csv(text, name)
    except ReportError as error:
        listed = [problem.as_json() for problem in error.problems]
        raise Refusal("invalid_request",
                      f"the report {name} breaks {len(listed)} rule(s): {error.problems[0]}",
                      field="file", errors=listed) from None
    return watched(db, books, file_report(db, books, me, round_id, council_id, period=period, lines=lines,
                                          source=source, file=name))


def watched(db: Session, books: OpenBooks, filed: Filed) -> Filed:
    """A report filed, then its workplace's targets watched (app.alerts.watch_report): an alert
    raised where the forecast or its alarm says so. Nothing when the figures did not change."""
    if filed.changed:
        report = filed.report
        held, council = db.get(Round, report.round_id), db.get(Council, report.council_id)
        if held is not None and council is not None:
            watch_report(db, books, held, council, report.period,
                         forecasts_view(db, held, report.producer, books.clock()))
    return filed


# -- views -------------------------------------------------------------------------------------


def report_view(db: Session, report: ExecutionReport, *, corrections: int | None = None) -> dict[str, Any]:
    """A report as people and programs read it: who, which period, which version, when, whether
    late, and each section's products with their names and units (exact figures)."""
    held = db.get(Round, report.round_id)
    names = names_of_economy(db, held.economy_id).products if held is not None else {}
    council = db.get(Council, report.council_id)

    def named(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"product": item["product"],
                 "name": names.get(item["product"], ("", ""))[0] or item["product"],
                 "unit": names.get(item["product"], ("", ""))[1], "quantity": item["quantity"]}
                for item in items]

    return {
        "id": report.id, "round": report.round_id,
        "council": {"id": report.council_id, "name": council.name if council is not None else ""},
        "producer": report.producer, "period": report.period, "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(), "version": report.version,
        "corrections": report.version - 1 if corrections is None else corrections,
        "filed_at": utc(report.filed_at).isoformat(), "late": report.late, "source": report.source,
        "sha256": report.sha256, "labour_hours": report.labour_hours,
        **{plural: named(report.document.get(plural, [])) for plural in PLURALS.values()}}


def current_reports_query(round_id: int, producer: str) -> Select[ExecutionReport]:
    """The workplace's current reports (the latest version of each period), by period."""
    latest = (select(ExecutionReport.period, func.max(ExecutionReport.version).label("version"))
              .where(ExecutionReport.round_id == round_id, ExecutionReport.producer == producer)
              .group_by(ExecutionReport.period).subquery())
    return (select(ExecutionReport).join(latest, (ExecutionReport.period == latest.c.period)
                                         & (ExecutionReport.version == latest.c.version))
            .where(ExecutionReport.round_id == round_id, ExecutionReport.producer == producer)
            .order_by(ExecutionReport.period_start))


def period_history(db: Session, round_id: int, producer: str, period: str) -> dict[str, Any]:
    """A workplace's report for one period: the current one and every version filed, the first
    first; refused (not_found) when none was filed."""
    held = published_round(db, round_id)
    versions = list(db.scalars(select(ExecutionReport).where(
        ExecutionReport.round_id == held.id, ExecutionReport.producer == producer,
        ExecutionReport.period == period).order_by(ExecutionReport.version)))
    if not versions:
        raise Refusal("not_found", f"{producer!r} has filed no report for {period[:20]!r} in round {held.id}")
    return {"current": report_view(db, versions[-1]),
            "versions": [report_view(db, each) for each in versions]}


def council_report(db: Session, round_id: int, council_id: int, period: str) -> ExecutionReport | None:
    """The current report of the workplace council's producer for ``period``."""
    council = found(db, Council, council_id, "council")
    return latest_report(db, round_id, council.producer or "", period) if council.producer else None


def execution_days(held: Round, now: datetime) -> tuple[date, date] | None:
    """The days of the round's execution so far (from entering it to today, or to its closing);
    None before it enters execution."""
    step = Step(held.step)
    if step not in (Step.EXECUTION, Step.CLOSED) or (held.executing_since is None and step is Step.CLOSED):
        return None
    since = executing_since(held)
    until = utc(held.step_since).date() if step is Step.CLOSED else utc(now).date()
    return since, until


def due_of(held: Round, now: datetime) -> list[Period]:
    """The periods of the round whose reports are due by ``now``."""
    days = execution_days(held, now)
    if days is None:
        return []
    return due_periods(days[0], days[1], utc(now).date(), Cadence(held.report_every))


def missing_view(db: Session, held: Round, rows: list[RoundTarget], now: datetime) -> list[dict[str, Any]]:
    """For each workplace of ``rows`` (a page of the round's targets): its council (None: no
    council is this producer, so nobody can report for it), the periods due, reported, late,
    and missing, the first :data:`SHOWN_MISSING` of them by label."""
    due = due_of(held, now)
    producers = [row.producer for row in rows]
    councils = {council.producer: council for council in db.scalars(
        select(Council).where(Council.producer.in_(producers)))}
    reported: dict[str, set[str]] = {producer: set() for producer in producers}
    late: dict[str, set[str]] = {producer: set() for producer in producers}
    for producer, period, was_late in db.execute(
            select(ExecutionReport.producer, ExecutionReport.period, ExecutionReport.late).where(
                ExecutionReport.round_id == held.id, ExecutionReport.producer.in_(producers),
                ExecutionReport.version == 1)):
        reported[producer].add(period)
        if was_late:
            late[producer].add(period)
    views = []
    for producer in producers:
        lacking = missing(due, reported[producer])
        council = councils.get(producer)
        views.append({
            "producer": producer,
            "council": None if council is None else {"id": council.id, "name": council.name},
            "due": len(due), "reported": len(reported[producer]), "late": len(late[producer]),
            "missing": len(lacking), "missing_periods": [period.label for period in lacking[:SHOWN_MISSING]],
            "last_reported": max(reported[producer], default=None)})
    return views


def reports_summary(db: Session, held: Round, now: datetime) -> dict[str, Any]:
    """What the round's view shows of its reports: the cadence, since when, the periods due so
    far, the reports filed and corrected, and how many workplaces miss at least one due report."""
    days = execution_days(held, now)
    due = due_of(held, now)
    corrected = func.coalesce(func.sum(case((ExecutionReport.version > 1, 1), else_=0)), 0)
    filed = db.execute(select(func.count(), corrected).select_from(ExecutionReport)
                       .where(ExecutionReport.round_id == held.id)).one()
    workplaces = db.scalar(select(func.count()).select_from(RoundTarget)
                           .where(RoundTarget.round_id == held.id)) or 0
    complete = 0
    if due:
        complete = db.scalar(select(func.count()).select_from(
            select(ExecutionReport.producer).where(
                ExecutionReport.round_id == held.id, ExecutionReport.version == 1,
                ExecutionReport.period.in_([period.label for period in due]))
            .group_by(ExecutionReport.producer)
            .having(func.count() == len(due)).subquery())) or 0
    return {"report_every": held.report_every,
            "executing_since": None if days is None else days[0].isoformat(),
            "due_periods": len(due), "reports_filed": int(filed[0] or 0) - int(filed[1] or 0),
            "corrections": int(filed[1] or 0),
            "workplaces_missing": (workplaces - complete) if due else 0}


# -- pages -------------------------------------------------------------------------------------

SHOWN_REPORTS = 12  # a workplace council's latest reports shown on its page


def send_fields(db: Session, books: OpenBooks, me: Member, round_id: int, council_id: int, *, period: str,
                fields: list[tuple[str, str]]) -> Filed:
    """A report from a page's form: ``fields`` are (``q:SECTION:PRODUCT``, quantity) pairs, a blank
    quantity left out; each problem named by the product and section at fault."""
    lines = []
    for key, value in fields:
        section, _, product = key.removeprefix("q:").partition(":")
        if key.startswith("q:") and value.strip():
            lines.append(RawLine(section, product, value.strip(), where=f"{section} {product}"))
    return watched(db, books, file_report(db, books, me, round_id, council_id, period=period, lines=lines,
                                          source="page"))


def council_reports_page(db: Session, council: Council, me: Member, now: datetime) -> dict[str, Any] | None:
    """What a workplace council's page shows of its reports, once the latest round with targets
    for it is in execution: its latest reports, what is due and missing, and, for a reporter of
    it while the round is in execution, the form's lines (its targets' products by section) and
    the current period; None before."""
    try:
        held, row = council_targets(db, council.id)
    except Refusal:
        return None
    step = Step(held.step)
    if step not in (Step.EXECUTION, Step.CLOSED):
        return None
    shown = db.scalars(current_reports_query(held.id, row.producer).order_by(None)
                       .order_by(ExecutionReport.period_start.desc()).limit(SHOWN_REPORTS))
    kinds = names_of_economy(db, held.economy_id).kinds
    document = row.document
    form = [("output", item) for item in document["outputs"]]
    form += [("input", item) for item in (*document["inputs"], *document["resources"])]
    form += [("labour", item) for item in document["labour"]]
    form += [("stock", item) for item in (*document["outputs"], *document["inputs"])
             if kinds.get(item["product"], "").strip().lower() == "good"]
    watched = forecasts_view(db, held, row.producer, now)
    may = (step is Step.EXECUTION and me.role == REPORTER
           and db.get(CouncilMember, (council.id, me.id)) is not None)
    return {"round": held.id, "open": step is Step.EXECUTION, "report_every": held.report_every,
            "period": period_of(utc(now).date(), Cadence(held.report_every)).label,
            "reports": [report_view(db, each) for each in shown],
            "due": missing_view(db, held, [row], now)[0], "may_report": may, "forecasts": watched,
            "lines": [{"section": section, "product": item["product"], "name": item["name"],
                       "unit": item["unit"], "target": item["quantity"]} for section, item in form]}


# -- forecasts ---------------------------------------------------------------------------------


def planned_periods(held: Round, now: datetime) -> list[Period]:
    """The periods of the round's execution as planned: from its first day to its execution
    deadline (or to its close, or to today when either has passed)."""
    days = execution_days(held, now)
    if days is None:
        return []
    deadline = held.deadlines.get(Step.EXECUTION.value)
    end = datetime.fromisoformat(deadline).date() if deadline else days[1]
    if Step(held.step) is Step.CLOSED:
        end = days[1]
    return list(periods_from(days[0], max(end, days[1]), Cadence(held.report_every)))


def carried_noise(db: Session, held: Round, producer: str,
                  watched: Sequence[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """For each watched target (its product and its plan per period), the noise its product
    showed in the producer's current reports of the latest earlier round it reported in
    (execution.forecast.noise_of: the relative noise carried over to the plan now; consecutive
    reports, a period missing between them ignored), as standard deviations and degrees of
    freedom; NaN where none is known (the alarm then starts from its guess)."""
    sd, df = np.full(len(watched), np.nan), np.full(len(watched), np.nan)
    earlier = db.scalar(select(func.max(ExecutionReport.round_id)).where(
        ExecutionReport.producer == producer, ExecutionReport.round_id < held.id))
    if earlier is None:
        return sd, df
    made: list[dict[str, float]] = []  # each report's outputs by product
    for report in db.scalars(current_reports_query(earlier, producer)):
        totals: dict[str, float] = {}
        for item in report.document["outputs"]:
            totals[item["product"]] = totals.get(item["product"], 0.0) + item["quantity"]
        made.append(totals)
    for position, (product, plan) in enumerate(watched):
        noise = noise_of([totals.get(product, 0.0) for totals in made], plan)
        if noise is not None:
            sd[position], df[position] = noise.sd, noise.df
    return sd, df


def forecasts_view(db: Session, held: Round, producer: str, now: datetime) -> list[dict[str, Any]]:
    """For each output target of ``producer`` in the round: the target, what was reported, and
    the forecast of its fulfilment at the end of the execution with its interval and its alarms
    (execution.forecast), and what each period elapsed made (None: not reported), from the
    current reports of the periods elapsed (a period neither due nor reported yet is to come; a
    report without that product made none of it); the alarm's noise carried over from the
    producer's earlier round where it reported (:func:`carried_noise`). Once a revision is
    applied, the periods before it count with what was reported and the forecast and alarm run
    on the periods since, against the rest of the revised target (docs/execution.md, Revision)."""
    row = db.scalar(select(RoundTarget).where(RoundTarget.round_id == held.id,
                                              RoundTarget.producer == producer))
    if row is None:
        raise Refusal("not_found", f"the adopted plan of round {held.id} gives no targets to {producer!r}")
    periods = planned_periods(held, now)
    reports = {report.period: report for report in db.scalars(current_reports_query(held.id, producer))}
    due = {period.label for period in due_of(held, now)}
    elapsed = [period for period in periods if period.label in due or period.label in reports]
    elapsed = periods[:periods.index(elapsed[-1]) + 1] if elapsed else []
    watched = [output for output in row.document["outputs"] if output["quantity"] > 0]
    if not watched:
        return []
    made = np.full((len(elapsed), len(watched)), np.nan)  # NaN: no report of the period
    columns: dict[str, list[int]] = {}  # a product made by two techniques: two targets, one figure
    for position, output in enumerate(watched):
        columns.setdefault(output["product"], []).append(position)
    for t, period in enumerate(elapsed):
        if period.label in reports:
            made[t] = 0.0  # a report without the product made none of it
            for item in reports[period.label].document["outputs"]:
                made[t, columns.get(item["product"], [])] += item["quantity"]
    # every target of the workplace in one vectorised pass (equal to execution.forecast.forecast),
    # over the periods since the revision whose targets stand (all, without one), against the rest
    count = max(len(periods), len(elapsed), 1)
    since = min(revised_after(db, held), len(elapsed), count - 1)
    targets = np.array([output["quantity"] for output in watched], dtype=float)
    before = np.nansum(made[:since], axis=0)
    rest = np.maximum(targets - before, targets * 1e-9)  # a target met before the revision: a sliver left
    noise_sd, noise_df = carried_noise(db, held, producer, [
        (output["product"], left / (count - since)) for output, left in zip(watched, rest, strict=True)])
    results = forecast_many(rest.tolist(), count - since, made[since:], noise_sd=noise_sd, noise_df=noise_df)
    earlier = np.count_nonzero(~np.isnan(made[:since]), axis=0)
    whole = {figure: (before + np.array([getattr(result, figure) for result in results]) * rest) / targets
             for figure in ("fulfilment", "low", "high")}  # of the whole target
    views = []
    for position, (output, result) in enumerate(zip(watched, results, strict=True)):
        views.append({
            "product": output["product"], "name": output["name"], "unit": output["unit"],
            "target": output["quantity"], "reported": float(before[position]) + result.reported,
            "periods": max(len(periods), 1),
            "periods_reported": int(earlier[position]) + result.periods_reported,
            **{figure: float(values[position]) for figure, values in whole.items()},
            "level": result.level, "level_sd": result.level_sd,
            "alarms": [{"period": elapsed[since + alarm.index].label, "below": alarm.below}
                       for alarm in result.alarms],
            "history": [{"period": period.label, "made": None if math.isnan(value) else float(value)}
                        for period, value in zip(elapsed, made[:, position], strict=True)]})
    return views
