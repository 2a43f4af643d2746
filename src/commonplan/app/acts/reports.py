"""Reports of a round in execution: a reporter of a workplace council files what the workplace
made, used, worked and holds for one period (execution.reports), on the open books. Sending the
same figures again changes nothing; different figures for a period already reported are a
correction, which replaces the report while every version stays, in the store and on the books.

A determined member must not report for a workplace not theirs, give one period two results,
nor flood the books: only a member of the workplace council holding the ``workplace reporter``
role reports for it (store.access.ROLES); the books' lock orders two reports of one period, the
later a correction of the earlier (the unique constraint on the version is the second guard);
at most :data:`MAX_CORRECTIONS` corrections per period; the size of a report is bounded
(execution.reports.MAX_LINES, app.reports.MAX_REPORT_BYTES)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, member_of, utc
from commonplan.app.comparisons import names_of_economy
from commonplan.app.rows import ancestors
from commonplan.app.targets import stored_targets
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import STEPS, Step
from commonplan.execution.periods import Cadence, Period, PeriodError, in_execution, parse_period
from commonplan.execution.reports import (
    PLURALS,
    Checked,
    RawLine,
    ReportError,
    Targets,
    check_report,
    sha256_of,
)
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, ExecutionReport, Member, Round, RoundTarget

REPORTER = "workplace reporter"  # the role that reports for a workplace council of theirs
MAX_CORRECTIONS = 10  # corrections of one workplace's report for one period
SOURCES = ("api", "page", "csv")


@dataclass(frozen=True)
class Filed:
    """A report as filed: the stored row (the current version), the checks' warnings, and
    whether it changed anything (False: the same figures were sent again)."""

    report: ExecutionReport
    warnings: tuple[str, ...]
    changed: bool


@dataclass(frozen=True)
class Reporting:
    """What a reporter reports into: the round, the council, the reporter's pseudonym, the
    workplace's targets and the period."""

    held: Round
    council: Council
    actor: str
    targets: RoundTarget
    period: Period


def reporting(session: Session, books: OpenBooks, member: Member, round_id: int, council_id: int,
              period: str) -> Reporting:
    """The round, council, targets and period when ``member`` may report for the workplace
    council ``council_id`` for ``period`` now; a Refusal otherwise (checked before a file is
    read)."""
    held = found(session, Round, round_id, "round")
    if Step(held.step) is not Step.EXECUTION:
        raise Refusal("not_eligible", f"reports are filed while the round is in execution; round {held.id} "
                      f"is at {STEPS[Step(held.step)].title.lower()!r}")
    council = found(session, Council, council_id, "council")
    actor = member_of(session, books, council, member)
    if member.role != REPORTER:
        raise Refusal("forbidden", f"a {member.role} may not report for a workplace: its members with the "
                      f"role {REPORTER!r} do")
    if held.council_id not in ancestors(session, council):
        raise Refusal("not_eligible", f"council {council.id} is not under the round's federation "
                      f"(council {held.council_id})")
    if council.producer is None:
        raise Refusal("not_eligible", f"council {council.id} has not said which producer it is")
    targets = stored_targets(session, held, council.producer)
    return Reporting(held, council, actor, targets, _period(held, books, period))


def _period(held: Round, books: OpenBooks, text: str) -> Period:
    try:
        period = parse_period(text, Cadence(held.report_every))
    except PeriodError as error:
        raise Refusal("invalid_request", str(error), field="period") from None
    since = executing_since(held)
    today = utc(books.clock()).date()
    if not in_execution(period, since, today):
        raise Refusal("invalid_request", f"{period.label} is outside the round's execution so far, from "
                      f"{since.isoformat()} to {today.isoformat()} (a period not begun has nothing to "
                      "report)",
                      field="period")
    return period


def executing_since(held: Round) -> date:
    """The first day of the round's execution (its workplaces report from then)."""
    return utc(held.executing_since or held.step_since).date()


def checked_lines(session: Session, at: Reporting, lines: list[RawLine], file: str) -> Checked:
    """``lines`` checked against the round's economy and the workplace's targets; a Refusal
    (invalid_request) listing every problem by file, row and column."""
    kinds = {product: kind.strip().lower() for product, kind in names_of_economy(session, at.held.economy_id)
             .kinds.items()}
    document = at.targets.document
    targets = Targets(frozenset(item["product"] for item in document["outputs"]),
                      frozenset(item["product"] for item in (*document["inputs"], *document["resources"])),
                      frozenset(item["product"] for item in document["labour"]))
    try:
        return check_report(lines, kinds, targets, file)
    except ReportError as error:
        listed = [problem.as_json() for problem in error.problems]
        raise Refusal("invalid_request", f"the report {file} breaks {len(listed)} rule(s): "
                      f"{error.problems[0]}{' …' if len(listed) > 1 else ''}", field="report",
                      errors=listed) from None


def file_report(session: Session, books: OpenBooks, member: Member, round_id: int, council_id: int, *,
                period: str, lines: list[RawLine], source: str = "api", file: str = "report") -> Filed:
    """``member``'s report for the workplace council ``council_id`` in round ``round_id`` for
    ``period`` (module doc): the first for the period, a correction of the latest, or, when its
    figures are the latest's, nothing new."""
    if source not in SOURCES:
        raise ValueError(f"a report comes from {', '.join(SOURCES)}, not {source!r}")
    at = reporting(session, books, member, round_id, council_id, period)
    checked = checked_lines(session, at, lines, file)
    document = checked.document
    sha256 = sha256_of(document)
    books.lock(session)  # two reports of one period are filed in turn: the later corrects the earlier
    latest = latest_report(session, at.held.id, at.council.producer or "", at.period.label)
    if latest is not None and latest.sha256 == sha256:
        return Filed(latest, checked.warnings, changed=False)
    version = 1 if latest is None else latest.version + 1
    if version > MAX_CORRECTIONS + 1:
        raise Refusal("not_eligible", f"the report of {at.council.producer!r} for {at.period.label} was "
                      f"corrected {MAX_CORRECTIONS} times, the most allowed")
    now = utc(books.clock())
    late = now.date() > at.period.due_by
    report = ExecutionReport(
        round_id=at.held.id, council_id=at.council.id, producer=at.council.producer, period=at.period.label,
        period_start=at.period.start, period_end=at.period.end, version=version, document=document,
        sha256=sha256, labour_hours=checked.labour_hours, late=late, source=source, filed_by=member.id,
        filed_at=now)
    session.add(report)
    session.flush()
    books.record(session, "report filed" if latest is None else "report corrected", at.actor, {
        "round": at.held.id, "council": at.council.id, "producer": at.council.producer,
        "period": at.period.label, "version": version, "sha256": sha256,
        **({} if latest is None else {"replaces": latest.sha256}),
        "lines": {plural: len(document[plural]) for plural in PLURALS.values()},
        "labour_hours": checked.labour_hours, "late": late, "source": source})
    return Filed(report, checked.warnings, changed=True)


def latest_report(session: Session, round_id: int, producer: str, period: str) -> ExecutionReport | None:
    """The current report of ``producer`` for ``period`` (its latest version); None if none."""
    return session.scalar(select(ExecutionReport).where(
        ExecutionReport.round_id == round_id, ExecutionReport.producer == producer,
        ExecutionReport.period == period).order_by(ExecutionReport.version.desc()).limit(1))
