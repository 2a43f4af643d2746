"""The use cases of a planning round that the API and the pages share: computing a plan
variant for the round's votes, and the view of a round (where it stands, what is next, who must
act, what it gathered). The acts themselves are in app.acts.rounds."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from commonplan.app import jobs
from commonplan.app.acts.common import found, is_member, utc
from commonplan.app.acts.rounds import (
    add_variant,
    advance_round,
    facts_of,
    finished_variants,
    learn_needs,
    needs_job,
    send_records,
    sender,
    variant_maker,
)
from commonplan.app.comparisons import names_of_economy
from commonplan.app.reports import execution_days, reports_summary
from commonplan.app.runner import Runner
from commonplan.app.targets import targets_summary
from commonplan.democracy import rounds
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import STEPS, Step
from commonplan.store.books import OpenBooks
from commonplan.store.jobs import queue_job
from commonplan.store.models import Ballot, Council, Job, Member, Round, RoundRecord, StoredEconomy

MAX_RECORDS = 256 * 2**20  # bytes of one file of records (10^7 purchase rows are about 300 MB of CSV)


def start_variant(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int, *,
                  method: str, priorities: bool = True, shares: bool = True,
                  projects: list[dict[str, Any]] | None = None) -> Job:
    """A plan variant of the round: a plan job on its economy for its closed priorities and
    shares ballots (each left out when ``priorities`` or ``shares`` is False) and the
    ``projects`` its budget ballot funded (all given when it has none), added to the round's
    variants in the transaction that queues it. Refused before any job starts when a choice
    names a product the economy does not make."""
    held = variant_maker(db, books, me, round_id)
    economy = found(db, StoredEconomy, held.economy_id, "economy")
    closed = facts_of(db, held).ballots
    budget = db.get(Ballot, closed["budget"]) if "budget" in closed else None
    funded = set((budget.result or {}).get("funded", [])) if budget is not None else None
    projects = projects or _projects_of(budget)
    chosen = [p for p in projects if funded is None or p.get("id") in funded]
    voted = jobs.voted_choices(db, economy, closed.get("priorities") if priorities else None,
                               closed.get("shares") if shares else None, chosen)
    options = jobs.job_options("plan", method, 1, voted)
    learned = needs_job(db, held)
    if learned is not None:
        options["needs_job"] = learned.id
    job = queue_job(db, "plan", economy.id, me.id, {**options, "round": held.id})
    add_variant(db, books, me, held.id, job)
    db.commit()
    runner.submit(job.id)
    return job


def advance(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int) -> Round:
    """Move the round on (app.acts.rounds.advance_round); the job publishing the targets, when
    moving on queued one, goes to the worker once the transaction is committed (before, the
    worker could not see it)."""
    held = found(db, Round, round_id, "round")
    before = held.targets_job_id
    held = advance_round(db, books, me, round_id)
    queued = held.targets_job_id
    if queued is not None and queued != before:
        event.listen(db, "after_commit", lambda _: runner.submit(queued), once=True)
    return held


def send_round_records(db: Session, books: OpenBooks, me: Member, round_id: int, council_id: int, *,
                       kind: str, filename: str, content: bytes) -> RoundRecord:
    """A council's records for the round, checked as ``commonplan needs`` checks them before
    they are kept: 413 past :data:`MAX_RECORDS`; 422 listing every problem by file, row and
    column."""
    if len(content) > MAX_RECORDS:
        raise Refusal("too_large", f"a file of records may have at most {MAX_RECORDS} bytes", field="file")
    sender(db, books, me, round_id, council_id, kind)
    name = Path(filename).name[:200] or f"{kind}.csv"
    _check_records(kind, name, content)
    return send_records(db, books, me, round_id, council_id, kind=kind, filename=name, content=content)


def _check_records(kind: str, name: str, content: bytes) -> None:
    from commonplan.economy.problems import BundleError
    from commonplan.needs.discover import connect
    from commonplan.needs.privacy import Pseudonymiser
    from commonplan.needs.record_kinds import KINDS
    from commonplan.needs.records import register

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (name if Path(name).suffix else f"{name}.csv")
        path.write_bytes(content)
        try:
            register(connect(), KINDS[kind], [path], Pseudonymiser.from_settings())
        except BundleError as error:
            listed = [{**problem.as_json(), "file": name} for problem in error.problems]
            raise Refusal("invalid_request", f"the {kind} file {name} breaks {len(listed)} rule(s)",
                          field="file", errors=listed) from None


def learn_round_needs(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int, *,
                      horizon_days: int = 365) -> Job:
    """A needs job on every record sent to the round (app.computations.needs), which becomes
    where the round's needs come from once done; refused until some purchases were sent."""
    held = found(db, Round, round_id, "round")
    kinds = set(db.scalars(select(RoundRecord.kind).where(RoundRecord.round_id == held.id)))
    if "purchases" not in kinds:
        raise Refusal("not_ready", "no council has sent purchases to this round yet")
    job = queue_job(db, "needs", held.economy_id, me.id, {"round": held.id, "horizon_days": horizon_days})
    learn_needs(db, books, me, held.id, job)
    db.commit()
    runner.submit(job.id)
    return job


def _projects_of(budget: Ballot | None) -> list[dict[str, Any]]:
    """The projects a budget ballot says the needs of (its ``project_needs``), as a variant takes
    them."""
    given = (budget.options or {}).get("project_needs", {}) if budget is not None else {}
    return [{"id": project, **entry} for project, entry in given.items()]


def round_view(db: Session, held: Round, now: datetime, me: Member | None = None) -> dict[str, Any]:
    """The round as people read it at ``now``: its steps with their deadlines and state, where
    it stands, what is still missing before it moves on, who must act, and what it gathered."""
    now = utc(now)
    step = Step(held.step)
    facts = facts_of(db, held)
    council = db.get(Council, held.council_id)
    deadline = held.deadlines.get(step.value)
    steps = []
    for position, each in enumerate(rounds.ORDER):
        state = ("done" if position < rounds.ORDER.index(step) else
                 "now" if each is step else "to come")
        steps.append({"step": each.value, "title": STEPS[each].title, "purpose": STEPS[each].purpose,
                      "who": STEPS[each].who, "deadline": held.deadlines.get(each.value), "state": state})
    return {
        "id": held.id, "council": held.council_id, "council_name": council.name if council else "",
        "economy": held.economy_id, "period": held.period, "step": step.value,
        "title": STEPS[step].title, "since": utc(held.step_since).isoformat(), "deadline": deadline,
        "overdue": deadline is not None and now > datetime.fromisoformat(deadline),
        "missing": rounds.missing(step, facts), "who": STEPS[step].who,
        "next": None if step is Step.CLOSED else STEPS[rounds.next_step(step)].title,
        "steps": steps, "needs": held.needs, "ballots": dict(held.ballots),
        "closed_ballots": dict(facts.ballots), "variants": list(held.variants),
        "finished_variants": [job.id for job in finished_variants(db, held)],
        "adopted": held.adopted_job_id, "plan_sha256": held.plan_sha256 or None,
        "may_act": me is not None and is_member(db, held.council_id, me.id),
        "records": [{"council": sent.council_id, "kind": sent.kind, "filename": sent.filename,
                     "sha256": sent.sha256, "bytes": len(sent.content)}
                    for sent in db.scalars(select(RoundRecord).where(RoundRecord.round_id == held.id)
                                           .order_by(RoundRecord.council_id, RoundRecord.kind))],
        "learned": learned_summary(db, held),
        **targets_summary(db, held),
        "report_every": held.report_every, "alert_hours": held.alert_hours,
        "reports": reports_summary(db, held, now) if execution_days(held, now) is not None else None,
    }


def learned_summary(db: Session, held: Round, shown: int = 10) -> dict[str, Any] | None:
    """What the round learned of the needs, for people: the products most often short, the
    demand the empty shelves hid (the estimate above the sales), and what was requested, each
    with its name; None until a needs job is done."""
    job = needs_job(db, held)
    if job is None or job.result is None:
        return None
    document = job.result
    names = names_of_economy(db, held.economy_id).products
    needs, naive = document.get("needs", {}), document.get("naive", {})

    def named(product: str, figure: float) -> dict[str, Any]:
        name, unit = names.get(product, (product, ""))
        return {"product": product, "name": name or product, "unit": unit, "figure": figure}

    def top(figures: dict[str, float]) -> list[dict[str, Any]]:
        ranked = sorted(((p, f) for p, f in figures.items() if f > 0), key=lambda item: -item[1])
        return [named(product, figure) for product, figure in ranked[:shown]]

    return {"job": job.id, "horizon_days": document.get("horizon_days"), "products": len(needs),
            "short": top({p: float(d) for p, d in document.get("shortage_days", {}).items()}),
            "hidden": top({p: float(q) - float(naive.get(p, 0.0)) for p, q in needs.items()}),
            "requested": top({p: float(q) for p, q in document.get("requested", {}).items()})}


def rounds_of(db: Session, council_id: int) -> list[Round]:
    """The council's rounds, the latest first."""
    return list(db.scalars(select(Round).where(Round.council_id == council_id).order_by(Round.id.desc())))
