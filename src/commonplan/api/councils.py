"""The REST routes of the democratic layer (docs/democracy.md): councils and their members,
offices and pay, elections and other ballots, recall petitions, rotation by lot. Every act is a
use case of app.acts; a refusal is a 4xx naming the reason (errors.REFUSAL_STATUS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from fastapi import APIRouter, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import AfterValidator, AwareDatetime, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commonplan.api.auth import BearerToken, Me, bearer_member
from commonplan.api.schemas.councils import (
    BallotView,
    CouncilSummary,
    CouncilView,
    DrawMade,
    Joined,
    OfficeView,
    PaymentMade,
    PetitionView,
    Volunteered,
    VoteCast,
)
from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import found
from commonplan.app.acts.councils import create_office, found_council, join_council
from commonplan.app.acts.draw_posts import draw_posts, volunteer
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.acts.recall_delegate import open_petition, sign_petition
from commonplan.app.acts.set_pay import pay_holder, propose_pay
from commonplan.app.civic_views import (
    ballot_view,
    council_summary,
    council_view,
    office_view,
    petition_view,
)
from commonplan.democracy.ballot_kinds import member_kinds
from commonplan.democracy.budgets import COMPLETIONS, DEFAULT_COMPLETION, completions_help
from commonplan.democracy.closing import DEFAULT_VOTING_DAYS, MAX_VOTING_DAYS, MIN_VOTING_DAYS
from commonplan.democracy.offices import OFFICE_KINDS
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.limits import (
    MAX_ITEMS,
    PAGE_DEFAULT,
    Code,
    Hours,
    Json,
    JsonObject,
    Key,
    Name,
    OptionalName,
    Question,
    Rate,
    Strict,
    bounded_json,
)
from commonplan.service.paging import Limit, Offset, link_headers, page_of
from commonplan.store.models import Ballot, Council, Petition

if TYPE_CHECKING:
    OfficeKindName: TypeAlias = str
    BallotKindName: TypeAlias = str
else:  # the schemas' enums, read from the registries in the core (a Literal built from them)
    OfficeKindName = Literal[tuple(OFFICE_KINDS)]
    BallotKindName = Literal[member_kinds()]
Quotas = Annotated[list[dict[str, Any]], Field(max_length=MAX_ITEMS), AfterValidator(bounded_json)]
router = APIRouter(tags=["democracy"])
# a ballot's answer: its result, seed and closed_at once closed, its variants on a plan ballot only
AS_BALLOT: dict[str, Any] = {"response_model": BallotView, "response_model_exclude_unset": True}


class NewCouncil(Strict):
    name: Name
    level: Code = Field(description="workplace, consumer, neighbourhood, district, region or economy")
    reference_rate: Rate = Field(description="pay per hour of skilled work: no office of it pays more")
    parent: Key | None = Field(None, description="the federation above")
    recall_fraction: Code = Field("1/5", description="of members whose signatures open a recall ballot")
    recall_fill: Literal["by-election", "runner-up"] = "by-election"
    recall_quorum: Code = Field("1/2", description="of members who must take part for a recall to carry")
    voting_days: int = Field(DEFAULT_VOTING_DAYS, ge=MIN_VOTING_DAYS, le=MAX_VOTING_DAYS,
                             description="days every ballot stays open at least (earlier only when "
                                         "every member has voted)")
    public_name: OptionalName = Field("", description="the name you choose to show its members")
    producer: OptionalName = Field("", description="a workplace council: the producer of the economy's "
                                                   "techniques it is, whose targets it receives")


class Joining(Strict):
    public_name: OptionalName = ""


class NewOffice(Strict):
    title: Name
    kind: OfficeKindName
    pay_rate: Rate = Field(0.0, description="0: an office opens unpaid, its pay decided by a pay ballot")
    term_limit: int | None = Field(None, ge=1, le=100)


class Pay(Strict):
    rate: Rate


class Payment(Strict):
    hours: Hours = Field(description="hours of the office's work paid for")
    amount: Rate


class NewBallot(Strict):
    kind: BallotKindName
    question: Question
    options: JsonObject = Field(default_factory=dict, description=(
        "by kind (docs/democracy.md); bounded as every free-form JSON value (docs/api.md, Limits). "
        "priorities: {products: [ids]}, or by group {groups: true or [group names], economy: id} "
        "(the economy's groups of needs, read from its bundle, stored as [{name, products, "
        "quantity, unit}]; the result gives group_tiers and the tiers of their products). "
        "budget: {projects: {id: cost}, budget, completion}, the completion one of "
        f"{', '.join(COMPLETIONS)} (default {DEFAULT_COMPLETION}): {completions_help()}"))
    office: Key | None = None
    closes_at: AwareDatetime | None = Field(None, strict=False, description=(
        "when the ballot closes (ISO 8601 with its time zone), at least the council's voting_days "
        "away; without one, exactly voting_days away. Nobody closes it earlier unless every member "
        "has voted"))


class Vote(Strict):
    content: Json = Field(description="approval: [candidates]; stv: ranking; recall: \"remove\" or \"keep\"; "
                                      "shares: {category: share}; priorities: {product or group: tier}; "
                                      "budget: [projects]; plan: [job numbers]")


class Features(Strict):
    features: dict[OptionalName, OptionalName] = Field(default_factory=dict, max_length=MAX_ITEMS)


class Draw(Strict):
    offices: list[Key] = Field(min_length=1, max_length=MAX_ITEMS)
    quotas: Quotas = Field(default_factory=list, description="[{feature, value, min, max}]")
    method: Literal["maximin", "nash"] = "maximin"


@router.post("/councils", status_code=201, operation_id="found_council", response_model=CouncilSummary)
def found_route(body: NewCouncil, me: Me, db: Db, books: Books) -> dict[str, Any]:
    council = found_council(db, books, me, name=body.name, level=body.level,
                            reference_rate=body.reference_rate,
                            parent_id=body.parent, recall_fraction=body.recall_fraction,
                            recall_fill=body.recall_fill, public_name=body.public_name,
                            recall_quorum=body.recall_quorum, voting_days=body.voting_days,
                            producer=body.producer)
    return council_summary(council)


@router.get("/councils", operation_id="list_councils", response_model=list[CouncilSummary])
def list_councils(_me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
                  limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """Every council, oldest first, a page at a time (X-Total-Count, Link: rel="next")."""
    found, page = page_of(db, select(Council).order_by(Council.id), offset, limit)
    link_headers(request, response, page)
    return [council_summary(council) for council in found]


@router.get("/councils/{council_id}", operation_id="get_council", response_model=CouncilView)
def get_council(council_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    return council_view(db, books, found(db, Council, council_id, "council"), me)


@router.post("/councils/{council_id}/members", status_code=201, operation_id="join_council")
def join_route(council_id: RowId, body: Joining, me: Me, db: Db, books: Books) -> Joined:
    council = join_council(db, books, me, council_id, body.public_name)
    return Joined(council=council.id, member=books.pseudonym(me.id))


@router.post("/councils/{council_id}/offices", status_code=201, operation_id="create_office",
             response_model=OfficeView)
def office_route(council_id: RowId, body: NewOffice, me: Me, db: Db, books: Books) -> dict[str, Any]:
    office = create_office(db, books, me, council_id, title=body.title, kind=body.kind,
                           pay_rate=body.pay_rate,
                           term_limit=body.term_limit)
    return office_view(books, office)


@router.put("/offices/{office_id}/pay", status_code=202, operation_id="set_pay", **AS_BALLOT)
def pay_route(office_id: RowId, body: Pay, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Propose the office's pay: a pay ballot of its council opens (202, the ballot), whose
    close sets the pay when a majority of the votes cast says yes; nobody sets pay alone."""
    return ballot_view(db, books, propose_pay(db, books, me, office_id, body.rate), me)


@router.post("/offices/{office_id}/payments", status_code=201, operation_id="pay_holder",
             response_model=PaymentMade)
def payment_route(office_id: RowId, body: Payment, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Pay the office's holder for hours of its work: refused, and the refusal recorded, when
    the amount per hour passes the council's reference rate for skilled work."""
    return pay_holder(db, books, me, office_id, body.hours, body.amount)


@router.post("/offices/{office_id}/recall", status_code=201, operation_id="recall_delegate",
             response_model=PetitionView)
def recall_route(office_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Open (or sign) the petition to recall the office's holder; at the threshold a recall
    ballot opens."""
    return petition_view(db, books, open_petition(db, books, me, office_id))


@router.get("/petitions/{petition_id}", operation_id="get_petition", response_model=PetitionView)
def get_petition(petition_id: RowId, _me: Me, db: Db, books: Books) -> dict[str, Any]:
    return petition_view(db, books, found(db, Petition, petition_id, "petition"))


@router.post("/petitions/{petition_id}/signatures", status_code=201, operation_id="sign_petition",
             response_model=PetitionView)
def sign_route(petition_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    return petition_view(db, books, sign_petition(db, books, me, petition_id))


@router.post("/offices/{office_id}/volunteers", status_code=201, operation_id="volunteer")
def volunteer_route(office_id: RowId, body: Features, me: Me, db: Db, books: Books) -> Volunteered:
    """Volunteer for a post's next draw; the answer gives you, and only you, the salt that opens
    the commitment to your features on the open books (keep it to prove them later)."""
    made = volunteer(db, books, me, office_id, body.features)
    return Volunteered(office=office_id, volunteer=books.pseudonym(me.id), features_nonce=made.nonce,
                       features_salt=made.salt)


@router.post("/councils/{council_id}/draws", status_code=201, operation_id="draw_posts",
             response_model=DrawMade)
def draw_route(council_id: RowId, body: Draw, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Fill administrative posts by lottery among their volunteers; the seed and the
    distribution over panels are published, so anyone can replay the draw."""
    return draw_posts(db, books, me, body.offices, body.quotas, body.method, council_id=council_id)


@router.post("/councils/{council_id}/ballots", status_code=201, operation_id="open_ballot", **AS_BALLOT)
def open_route(council_id: RowId, body: NewBallot, me: Me, db: Db, books: Books) -> dict[str, Any]:
    ballot = open_ballot(db, books, me, council_id, kind=body.kind, question=body.question,
                         options=body.options, office_id=body.office, closes_at=body.closes_at)
    return ballot_view(db, books, ballot, me)


@router.get("/ballots/{ballot_id}", operation_id="get_ballot", **AS_BALLOT)
def get_ballot(ballot_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    return ballot_view(db, books, found(db, Ballot, ballot_id, "ballot"), me)


@router.post("/ballots/{ballot_id}/votes", status_code=201, operation_id="cast_ballot")
async def vote_route(ballot_id: RowId, body: Vote, request: Request, credentials: BearerToken) -> VoteCast:
    """Vote (once): your participation is recorded, signed, without what you voted; the
    contents are published anonymously, in random order, when the ballot closes."""
    # the busiest route: the token, the act and the commit in one worker thread, not three
    return await run_in_threadpool(_vote, request.app.state, credentials, ballot_id, body.content)


def _vote(state: Any, credentials: HTTPAuthorizationCredentials | None, ballot_id: int,
          content: Any) -> VoteCast:
    with state.sessions() as db, db.begin():
        cast_ballot(db, state.books, bearer_member(db, credentials), ballot_id, content)
    return VoteCast(ballot=ballot_id, voted=True)


@router.post("/ballots/{ballot_id}/close", operation_id="close_ballot", **AS_BALLOT)
def close_route(ballot_id: RowId, request: Request, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Close the ballot: its voting stops at once, the count runs in no transaction (every other
    act is served meanwhile), then the result is recorded and applied."""
    closed = close_ballot(request.app.state.sessions, books, me, ballot_id)
    return ballot_view(db, books, closed, me)  # what it reads of the request's own session is unchanged
