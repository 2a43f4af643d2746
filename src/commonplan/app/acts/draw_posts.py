"""Rotation: administrative posts filled by lottery among the volunteers, stratified fairly
(democracy.rotation: sortition-algorithms' maximin or nash), with the seed and the distribution
over panels published so anyone can replay the draw; by default nobody holds the same post
twice in a row, and a post's term limit caps the terms anyone holds it.

A volunteer's features never reach the open books: the "volunteered" entry holds a random
nonce and the commitment HMAC-SHA256(salt, features) under the salt the server derives from its
secret and that nonce (OpenBooks.salt), which the volunteer is given and nobody else; the draw
is published as the distribution over panels of pseudonyms, replayable without the features."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, member_of
from commonplan.app.acts.mandates import install, terms_held
from commonplan.democracy import rotation
from commonplan.democracy.lottery import new_seed
from commonplan.democracy.offices import Filling, office_kind
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, Member, Office, Volunteer

NONCE_BYTES = 16
SALT_PURPOSE = "volunteer features"


@dataclass(frozen=True)
class Volunteered:
    """A volunteering: the roll's row, and what lets the volunteer (only them) open the
    commitment to their features on the open books: its nonce and the salt (hex)."""

    row: Volunteer
    nonce: str
    salt: str


def features_salt(books: OpenBooks, nonce: str) -> bytes:
    """The secret salt of the volunteering whose entry holds ``nonce``."""
    return books.salt(f"{SALT_PURPOSE}:{nonce}")


def volunteer(session: Session, books: OpenBooks, member: Member, office_id: int,
              features: dict[str, str]) -> Volunteered:
    """``member`` volunteers for the next draw of an administrative post, stating the features
    the draw stratifies by (only a salted commitment to them reaches the open books)."""
    office = _post(session, office_id)
    council = found(session, Council, office.council_id, "council")
    actor = member_of(session, books, council, member)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in features.items()):
        raise Refusal("invalid_ballot", 'features are names with text values, e.g. {"workplace": "bakery"}')
    books.lock(session)
    if session.scalar(select(Volunteer.id).where(Volunteer.office_id == office.id,
                                                 Volunteer.member_id == member.id)) is not None:
        raise Refusal("already_signed", f"{actor} has volunteered for office {office.id} already")
    row = Volunteer(office_id=office.id, member_id=member.id, features=features)
    session.add(row)
    nonce = books.random_bytes(NONCE_BYTES).hex()
    salt = features_salt(books, nonce)
    books.record(session, "volunteered", actor, {
        "office": office.id, "nonce": nonce, "features_hmac": rotation.features_commitment(salt, features)})
    return Volunteered(row, nonce, salt.hex())


def draw_posts(session: Session, books: OpenBooks, member: Member, office_ids: list[int],
               quotas: list[dict[str, Any]], method: str = "maximin", council_id: int | None = None
               ) -> dict[str, Any]:
    """Fill the posts ``office_ids`` (of one council: ``council_id`` when given) by lottery among
    their volunteers."""
    offices = [_post(session, office_id) for office_id in office_ids]
    if not offices or len({office.council_id for office in offices}) != 1:
        raise Refusal("invalid_ballot", "a draw fills one or more posts of one council")
    council = found(session, Council, offices[0].council_id if council_id is None else council_id, "council")
    if offices[0].council_id != council.id:
        raise Refusal("not_found_in_council", f"office {offices[0].id} is not a post of council {council.id}")
    actor = member_of(session, books, council, member)
    snapshot = {row.id for row in _volunteers(session, offices)}
    pool = _pool(session, books, offices)
    checked = [rotation.Quota(**quota) for quota in _quotas(quotas)]
    distribution = rotation.panel_distribution(pool, checked, len(offices), method)  # type: ignore[arg-type]
    seed = new_seed(books.random_bytes)
    panel = rotation.draw_panel(distribution, seed)
    books.lock(session)  # the draw took its time: another draw of these posts may have come first
    rows = _volunteers(session, offices)
    if not snapshot <= {row.id for row in rows}:
        raise Refusal("not_a_volunteer", "the posts were drawn meanwhile: their volunteers have changed")
    members = {books.pseudonym(row.member_id): row.member_id for row in rows}
    for office, name in zip(offices, panel, strict=True):
        install(session, office, members[name], None, "rotated", books.clock())
    for row in rows:
        if row.id in snapshot:  # who volunteered during the draw stays for the next one
            session.delete(row)
    draw = {"council": council.id, "offices": office_ids, "method": distribution.method, "seed": seed,
            "distribution": distribution.to_json(), "panel": list(panel),
            "quotas": [quota.__dict__ for quota in checked]}
    books.record(session, "lottery drawn", actor, draw)
    return draw


def _pool(session: Session, books: OpenBooks, offices: list[Office]) -> list[rotation.Volunteer]:
    """The eligible volunteers: not the posts' present holders (by default), within the term limits."""
    volunteers: dict[str, rotation.Volunteer] = {}
    previous: set[str] = set()
    held: dict[str, int] = {}  # terms each volunteer has held, the most of any of the posts
    for office in offices:
        if office.holder_id is not None:
            previous.add(books.pseudonym(office.holder_id))
        for member_id, count in terms_held(session, office.id).items():
            name = books.pseudonym(member_id)
            held[name] = max(held.get(name, 0), count)
    for row in _volunteers(session, offices):
        name = books.pseudonym(row.member_id)
        volunteers[name] = rotation.Volunteer(name, row.features)
    limits = [office.term_limit for office in offices if office.term_limit is not None]
    limit = min(limits) if limits else None
    pool = rotation.eligible(list(volunteers.values()), previous, held, limit)
    if len(pool) < len(offices):  # name who may not stand, and why, rather than "too few"
        reasons = []
        for name in sorted(set(volunteers) - {v.id for v in pool}):
            try:
                rotation.check_eligible(name, list(volunteers.values()), previous, held, limit)
            except Refusal as refusal:
                reasons.append(refusal.reason)
        if reasons:
            raise Refusal("term_limit", f"{len(pool)} eligible volunteers for {len(offices)} seats: "
                                        + "; ".join(reasons))
    return pool


def _volunteers(session: Session, offices: list[Office]) -> list[Volunteer]:
    return list(session.scalars(select(Volunteer).where(Volunteer.office_id.in_([o.id for o in offices]))
                                .order_by(Volunteer.id)))


def _post(session: Session, office_id: int) -> Office:
    office = found(session, Office, office_id, "office")
    kind = office_kind(office.kind)
    if kind.filled is not Filling.LOTTERY:
        raise Refusal("not_eligible", f"office {office.id} is a {kind.name}'s seat, filled by {kind.filled}")
    return office


def _quotas(quotas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = {"feature", "value", "min", "max"}
    for number, quota in enumerate(quotas, 1):
        if not isinstance(quota, dict) or set(quota) != keys:
            raise Refusal("invalid_ballot", f"quota {number} must have exactly feature, value, min and max")
        counts = (quota["min"], quota["max"])
        if not (isinstance(quota["feature"], str) and isinstance(quota["value"], str)
                and all(type(count) is int for count in counts) and 0 <= counts[0] <= counts[1] <= 10**6):
            raise Refusal("invalid_ballot",
                          f"quota {number}: feature and value are text, 0 <= min <= max seats")
    return quotas
