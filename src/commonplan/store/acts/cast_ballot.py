"""Casting a ballot: one member, one vote; who voted is stored apart from what was voted.

The participation (that this member voted) is a row keyed by ballot and member, the database's
own guard against a second vote, and an entry of the open books signed for the member. The
content goes to a table of its own under a random slot, with no member, no time and no order of
its own (the table is stored in the order of its random keys), and reaches the open books only
when the ballot closes, with the others, in random order.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonplan.democracy.ballot_kinds import content_checked
from commonplan.democracy.refusals import Refusal
from commonplan.store.acts.common import is_member
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, BallotContent, Member, Participation


def cast_ballot(session: Session, books: OpenBooks, member: Member, ballot_id: int, content: Any) -> None:
    """``member`` votes ``content`` in ballot ``ballot_id``; refused when the ballot is closed,
    the member is not in its council, has voted already, or the content breaks the ballot's form.

    The books' lock is taken first, so the ballot is read once, as it is now (another act may
    have closed it), and the participation looked for once (the database's key on it stays the
    guard)."""
    books.lock(session)
    ballot = session.get(Ballot, ballot_id, populate_existing=True)
    if ballot is None:
        raise Refusal("not_found", f"there is no ballot {ballot_id}")
    actor = books.pseudonym(member.id)
    if not is_member(session, ballot.council_id, member.id):
        raise Refusal("not_a_member", f"{actor} is not a member of council {ballot.council_id}")
    checked = content_checked(ballot.kind, ballot.options, content, ballot.seats)
    if ballot.state != "open":
        raise Refusal("ballot_closed", f"ballot {ballot.id} is closed")
    if session.get(Participation, (ballot.id, member.id)) is not None:
        raise Refusal("already_voted", f"{actor} has already voted in ballot {ballot.id}")
    session.add(Participation(ballot_id=ballot.id, member_id=member.id))
    session.add(BallotContent(ballot_id=ballot.id, slot=os.urandom(16).hex(), content=checked))
    try:
        session.flush()
    except IntegrityError:  # the database's guard: a second vote at the same moment
        raise Refusal("already_voted", f"{actor} has already voted in ballot {ballot.id}") from None
    books.record(session, "voted", actor, {"ballot": ballot.id})
