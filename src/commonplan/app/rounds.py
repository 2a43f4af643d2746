"""The use cases of a planning round that the API and the pages share: computing a plan
variant for the round's votes, and the view of a round (where it stands, what is next, who must
act, what it gathered). The acts themselves are in app.acts.rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app import jobs
from commonplan.app.acts.common import found, is_member, utc
from commonplan.app.acts.rounds import add_variant, facts_of, finished_variants
from commonplan.democracy import rounds
from commonplan.democracy.rounds import STEPS, Step
from commonplan.store.books import OpenBooks
from commonplan.store.jobs import queue_job
from commonplan.store.models import Ballot, Council, Job, Member, Round, StoredEconomy


class Runner(Protocol):
    """What runs a queued job (app.worker.JobWorker)."""

    def submit(self, job_id: int) -> None: ...


def start_variant(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int, *,
                  method: str, priorities: bool = True, shares: bool = True,
                  projects: list[dict[str, Any]] | None = None) -> Job:
    """A plan variant of the round: a plan job on its economy for its closed priorities and
    shares ballots (each left out when ``priorities`` or ``shares`` is False) and the
    ``projects`` its budget ballot funded (all given when it has none), added to the round's
    variants in the transaction that queues it. Refused before any job starts when a choice
    names a product the economy does not make."""
    held = found(db, Round, round_id, "round")
    economy = found(db, StoredEconomy, held.economy_id, "economy")
    closed = facts_of(db, held).ballots
    funded = _funded(db, closed.get("budget"))
    chosen = [p for p in projects or [] if funded is None or p.get("id") in funded]
    voted = jobs.voted_choices(db, economy, closed.get("priorities") if priorities else None,
                               closed.get("shares") if shares else None, chosen)
    options = jobs.job_options("plan", method, 1, voted)
    job = queue_job(db, "plan", economy.id, me.id, {**options, "round": held.id})
    add_variant(db, books, me, held.id, job)
    db.commit()
    runner.submit(job.id)
    return job


def _funded(db: Session, ballot_id: int | None) -> set[str] | None:
    """The projects a closed budget ballot funded; None without one."""
    if ballot_id is None:
        return None
    ballot = db.get(Ballot, ballot_id)
    return set((ballot.result or {}).get("funded", [])) if ballot is not None else None


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
    }


def rounds_of(db: Session, council_id: int) -> list[Round]:
    """The council's rounds, the latest first."""
    return list(db.scalars(select(Round).where(Round.council_id == council_id).order_by(Round.id.desc())))
