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

from sqlalchemy import and_, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonplan.app.acts.common import past_deadline
from commonplan.democracy.ballot_kinds import content_checked
from commonplan.democracy.closing import BallotState
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, BallotContent, CouncilMember, Member, Participation, table_of

# The busiest act, in plain statements on the tables (the ORM's identity map and flush cost more
# than the statements): the ballot with the voter's membership of its council in one query.
_BALLOTS, _MEMBERS = table_of(Ballot), table_of(CouncilMember)
_BALLOT_AND_MEMBERSHIP = select(
    _BALLOTS.c.id, _BALLOTS.c.kind, _BALLOTS.c.options, _BALLOTS.c.seats, _BALLOTS.c.state,
    _BALLOTS.c.council_id, _BALLOTS.c.closes_at, _MEMBERS.c.member_id,
).select_from(_BALLOTS.outerjoin(_MEMBERS, and_(_MEMBERS.c.council_id == _BALLOTS.c.council_id,
                                                _MEMBERS.c.member_id == bindparam("member")))
              ).where(_BALLOTS.c.id == bindparam("ballot"))
_TAKE_PART = insert(table_of(Participation))
_PUT_CONTENT = insert(table_of(BallotContent))


def cast_ballot(session: Session, books: OpenBooks, member: Member, ballot_id: int, content: Any) -> None:
    """``member`` votes ``content`` in ballot ``ballot_id``; refused when the ballot is closed,
    the member is not in its council, has voted already, or the content breaks the ballot's form.

    The books' lock is taken first, so the ballot is read once, as it is now (another act may
    have closed it). The participation's key is the guard of one vote: a second one is refused
    when its row cannot be inserted."""
    books.lock(session)
    ballot = session.execute(_BALLOT_AND_MEMBERSHIP, {"ballot": ballot_id, "member": member.id}).one_or_none()
    if ballot is None:
        raise Refusal("not_found", f"there is no ballot {ballot_id}")
    actor = books.pseudonym(member.id)
    if ballot.member_id is None:
        raise Refusal("not_a_member", f"{actor} is not a member of council {ballot.council_id}")
    checked = content_checked(ballot.kind, ballot.options, content, ballot.seats)
    if ballot.state != BallotState.OPEN or past_deadline(ballot.closes_at, books):
        raise Refusal("ballot_closed", f"ballot {ballot_id} is closed")
    try:
        session.execute(_TAKE_PART, {"ballot_id": ballot_id, "member_id": member.id})
    except IntegrityError:
        raise Refusal("already_voted", f"{actor} has already voted in ballot {ballot_id}") from None
    session.execute(_PUT_CONTENT, {"ballot_id": ballot_id, "slot": os.urandom(16).hex(), "content": checked})
    books.record(session, "voted", actor, {"ballot": ballot_id})
