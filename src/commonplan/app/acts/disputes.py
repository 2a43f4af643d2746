"""Disputes of targets: a member of a workplace council disputes one of its targets in a round's
adopted plan that it cannot meet (an output, an input or its labour), with the reason, while the
round publishes its targets or carries them out; the dispute goes to the federation, whose
members answer it. Each act on the open books.

A determined member must not flood the books nor speak for another workplace: a dispute names a
target the council's producer really has, at most one is open per target and council (the
database's unique constraint is the second guard), at most :data:`MAX_OPEN` are open per council
and round, and the reason is bounded.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, member_of, utc
from commonplan.app.rows import ancestors
from commonplan.app.targets import DISPUTABLE, DISPUTED, stored_targets
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import Step
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, Member, Round, TargetDispute

MAX_REASON = 2000  # characters of a dispute's reason, or of the federation's answer
MAX_OPEN = 50  # open disputes of one council in one round


def dispute_target(session: Session, books: OpenBooks, member: Member, round_id: int, council_id: int, *,
                   kind: str, target: str, reason: str) -> TargetDispute:
    """``member``, of the workplace council ``council_id``, disputes its ``kind`` target
    ``target`` (a technique it runs for an output, a product for an input or its labour) in the
    round's adopted plan, saying why."""
    held = found(session, Round, round_id, "round")
    if Step(held.step) not in DISPUTABLE:
        raise Refusal("not_eligible", f"targets are disputed while the round publishes or carries them out; "
                      f"round {held.id} is at {held.step!r}")
    council = found(session, Council, council_id, "council")
    actor = member_of(session, books, council, member)
    if held.council_id not in ancestors(session, council):
        raise Refusal("not_eligible", f"council {council.id} is not under the round's federation "
                      f"(council {held.council_id})")
    if council.producer is None:
        raise Refusal("not_eligible", f"council {council.id} has not said which producer it is")
    if kind not in DISPUTED:
        raise Refusal("invalid_request", f"a dispute is of an {', '.join(DISPUTED)} target, not {kind!r}",
                      field="kind")
    section, key = DISPUTED[kind]
    document = stored_targets(session, held, council.producer).document
    if target not in {item[key] for item in document[section]}:
        raise Refusal("not_found", f"{council.producer!r} has no {kind} target {target!r} in round {held.id}")
    said = _bounded(reason, "reason")
    books.lock(session)
    if _open(session, held.id, council.id, kind, target):
        raise Refusal("already_disputed", f"council {council.id} disputes its {kind} target {target!r} "
                      "already: the federation answers it first")
    if _open(session, held.id, council.id) >= MAX_OPEN:
        raise Refusal("not_eligible", f"council {council.id} has {MAX_OPEN} open disputes in round "
                      f"{held.id}, the most it may: the federation answers them first")
    dispute = TargetDispute(round_id=held.id, council_id=council.id, producer=council.producer, kind=kind,
                            target=target, reason=said, opened_by=member.id, opened_at=utc(books.clock()))
    session.add(dispute)
    session.flush()
    books.record(session, "target disputed", actor, {
        "dispute": dispute.id, "round": held.id, "council": council.id, "producer": council.producer,
        "kind": kind, "target": target, "reason": said})
    return dispute


def answer_dispute(session: Session, books: OpenBooks, member: Member, dispute_id: int,
                   answer: str) -> TargetDispute:
    """A member of the round's federation answers an open dispute (what the federation does
    about it, in words), which closes it: the council may dispute that target again."""
    dispute = found(session, TargetDispute, dispute_id, "dispute")
    held = found(session, Round, dispute.round_id, "round")
    actor = member_of(session, books, found(session, Council, held.council_id, "council"), member)
    said = _bounded(answer, "answer")
    books.lock(session)
    if dispute.open_slot is None:
        raise Refusal("ended", f"dispute {dispute.id} is answered already")
    dispute.open_slot, dispute.answer = None, said
    dispute.answered_by, dispute.answered_at = member.id, utc(books.clock())
    books.record(session, "dispute answered", actor, {"dispute": dispute.id, "round": held.id,
                                                      "council": dispute.council_id, "answer": said})
    return dispute


def _open(session: Session, round_id: int, council_id: int, kind: str | None = None,
          target: str | None = None) -> int:
    """How many open disputes the council has in the round (of that target, when named)."""
    query = select(func.count()).select_from(TargetDispute).where(
        TargetDispute.round_id == round_id, TargetDispute.council_id == council_id,
        TargetDispute.open_slot.is_not(None))
    if kind is not None:
        query = query.where(TargetDispute.kind == kind, TargetDispute.target == target)
    return session.scalar(query) or 0


def _bounded(text: str, field: str) -> str:
    said = text.strip()
    if not said or len(said) > MAX_REASON or "\x00" in said:
        raise Refusal("invalid_request", f"the {field} is 1 to {MAX_REASON} characters of text", field=field)
    return said
