"""Recall at any time: any member of a council opens a petition to recall the holder of one of
its offices (the highest included); when the signatures reach the council's threshold (by
default a fifth of its members) the council opens a recall ballot, for its voting period (a week
by default), and its close decides (close_ballot): a majority of those voting with the council's
quorum taking part (by default half its members)."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import council_actor, found, is_member, member_count, member_of
from commonplan.app.acts.open_ballot import open_checked
from commonplan.democracy import recall
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, Member, Office, Petition, PetitionSignature


def open_petition(session: Session, books: OpenBooks, member: Member, office_id: int) -> Petition:
    """A petition to recall the holder of ``office_id``, signed by its opener; when one is open
    for the same holder already, the member signs that one instead."""
    office = found(session, Office, office_id, "office")
    council = found(session, Council, office.council_id, "council")
    actor = member_of(session, books, council, member)
    if office.holder_id is None:
        raise Refusal("not_a_delegate", f"office {office.id} has no holder to recall")
    books.lock(session)
    petition = session.scalar(select(Petition).where(
        Petition.office_id == office.id, Petition.holder_id == office.holder_id, Petition.state == "open"))
    if petition is None:
        petition = Petition(office_id=office.id, holder_id=office.holder_id, opened_by=member.id)
        session.add(petition)
        session.flush()
        books.record(session, "petition opened", actor, {
            "petition": petition.id, "office": office.id, "holder": books.pseudonym(office.holder_id)})
    return sign_petition(session, books, member, petition.id)


def sign_petition(session: Session, books: OpenBooks, member: Member, petition_id: int) -> Petition:
    """``member`` signs; at the threshold the recall ballot opens at once."""
    petition = found(session, Petition, petition_id, "petition")
    office = found(session, Office, petition.office_id, "office")
    council = found(session, Council, office.council_id, "council")
    books.lock(session)
    session.refresh(petition)
    signed = session.get(PetitionSignature, (petition.id, member.id)) is not None
    recall.check_signature(signed, is_member(session, council.id, member.id), petition.state == "open")
    actor = books.pseudonym(member.id)
    session.add(PetitionSignature(petition_id=petition.id, member_id=member.id))
    session.flush()
    signatures, members = _counts(session, petition.id, council)
    fraction = Fraction(council.recall_fraction)
    books.record(session, "petition signed", actor, {
        "petition": petition.id, "signatures": signatures,
        "threshold": recall.petition_threshold(members, fraction)})
    if recall.petition_carries(signatures, members, fraction):
        holder = books.pseudonym(petition.holder_id)
        ballot = open_checked(session, books, council, council_actor(council.id), None,  # by the council
                              kind="recall", question=f"Recall {holder} from {office.title}?",
                              options={"holder": holder, "office": office.id},
                              office_id=office.id)
        petition.state, petition.ballot_id = "balloting", ballot.id
    return petition


def petition_status(session: Session, petition: Petition) -> dict[str, int]:
    """Signatures so far and the threshold."""
    office = found(session, Office, petition.office_id, "office")
    council = found(session, Council, office.council_id, "council")
    signatures, members = _counts(session, petition.id, council)
    return {"signatures": signatures,
            "threshold": recall.petition_threshold(members, Fraction(council.recall_fraction))}


def _counts(session: Session, petition_id: int, council: Council) -> tuple[int, int]:
    """The petition's signatures and the council's members."""
    signatures = session.scalar(select(func.count()).where(PetitionSignature.petition_id == petition_id)) or 0
    members = member_count(session, council.id)
    return signatures, members
