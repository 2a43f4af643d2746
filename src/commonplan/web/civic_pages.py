"""The pages of the democratic layer (docs/democracy.md): councils, their offices, pay, recall
petitions, ballots of every kind and the draws of posts, and the open books' explorer, readable
by anyone. Every act is the use case of store.acts that the API calls; a refusal of the rules is
a page naming its reason, with the status of errors.REFUSAL_STATUS (the act's transaction rolled
back: nothing half-applied)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator, Field
from sqlalchemy import select

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import found
from commonplan.app.acts.councils import create_office, found_council, join_council
from commonplan.app.acts.draw_posts import draw_posts, volunteer
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.acts.recall_delegate import open_petition
from commonplan.app.acts.set_pay import propose_pay
from commonplan.app.alerts import council_alerts, may_answer
from commonplan.app.civic_views import (
    ballot_summary,
    ballot_view,
    council_summary,
    council_view,
    public_names,
)
from commonplan.app.groups import economy_groups
from commonplan.app.reports import council_reports_page
from commonplan.app.rounds import round_view, rounds_of
from commonplan.app.targets import council_targets_page
from commonplan.democracy.budgets import DEFAULT_COMPLETION
from commonplan.democracy.closing import DEFAULT_VOTING_DAYS as DEFAULT_DAYS
from commonplan.democracy.closing import MAX_VOTING_DAYS, MIN_VOTING_DAYS, BallotState
from commonplan.democracy.councils import FEDERATIONS, LEVELS
from commonplan.democracy.offices import Filling, kinds_filled_by
from commonplan.democracy.recall import RULES
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import ORDER, STEPS
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.errors import REFUSAL_STATUS
from commonplan.service.limits import (
    JSON_INTEGER,
    MAX_CHOICES,
    MAX_FORM_TEXT,
    MAX_ID,
    MAX_ITEMS,
    MAX_RATE,
    PAGE_MAX,
    WEB_PAGE,
    Code,
    OptionalName,
    Question,
    Unbounded,
    bounded_json,
    without_nul,
)
from commonplan.service.paging import WebOffset, page_of
from commonplan.store.access import readable
from commonplan.store.books import entries, verify_books
from commonplan.store.models import (
    Ballot,
    Council,
    CouncilMember,
    Member,
    Office,
    StoredEconomy,
    Volunteer,
)
from commonplan.web.rendering import CSRF, TITLES, PageRoute, finished, render, to
from commonplan.web.session import Me, PageError, Reader

ENTRIES_PAGE = 20
STEP_DAYS = [(step.value, STEPS[step].title, STEPS[step].days) for step in ORDER[:-1]]  # round form
Text = Annotated[OptionalName, Form()]  # the API's bounds (service.limits) on the forms' fields
Many = Annotated[list[OptionalName], Form(max_length=MAX_CHOICES)]
Rate = Annotated[float, Form(ge=0, le=MAX_RATE, allow_inf_nan=False)]
Long = Annotated[str, Form(max_length=MAX_FORM_TEXT), AfterValidator(without_nul)]
FormKey = Annotated[int, Field(ge=1, le=MAX_ID)]
Index = Annotated[int, Query(ge=0, le=MAX_ID)]


class CivicRoute(PageRoute):
    """A page's route where a refusal of the rules is a page naming its reason, with a way back."""

    def refused(self, request: Request, refusal: Refusal) -> Response:
        status = REFUSAL_STATUS[refusal.code]
        return finished(request, render(
            request, "council_refused.html", status, title=TITLES.get(status, "Refused"),
            refusal=refusal, back=getattr(request.state, "back", "/app/councils")))


router = APIRouter(route_class=CivicRoute, include_in_schema=False)


# Councils


@router.get("/app/councils")
def councils(request: Request, me: Me, db: Db, offset: WebOffset = 0) -> HTMLResponse:
    """Every council, a page at a time, and the form to found one (under any federation)."""
    shown, page = page_of(db, select(Council).order_by(Council.id), offset, WEB_PAGE)
    mine = set(db.scalars(select(CouncilMember.council_id).where(CouncilMember.member_id == me.id)))
    above = db.scalars(select(Council).where(Council.level.in_(FEDERATIONS)).order_by(Council.id)
                       .limit(PAGE_MAX))
    return render(request, "councils.html", councils=[council_summary(c) for c in shown], page=page,
                  mine=mine, federation_councils=[council_summary(c) for c in above], levels=LEVELS,
                  federations=FEDERATIONS, fills=RULES)


@router.post("/app/councils", dependencies=CSRF)
def found_page(request: Request, me: Me, db: Db, books: Books, name: Text, level: Text,
               reference_rate: Rate, parent: Annotated[FormKey | None, Form()] = None,
               recall_fraction: Annotated[Code, Form()] = "1/5",
               recall_fill: Text = "by-election", public_name: Text = "",
               recall_quorum: Annotated[Code, Form()] = "1/2",
               voting_days: Annotated[int, Form(ge=MIN_VOTING_DAYS, le=MAX_VOTING_DAYS)] = DEFAULT_DAYS,
               ) -> Response:
    council = found_council(db, books, me, name=name.strip(), level=level, reference_rate=reference_rate,
                            parent_id=parent, recall_fraction=recall_fraction.strip() or "1/5",
                            recall_fill=recall_fill, public_name=public_name.strip(),
                            recall_quorum=recall_quorum.strip() or "1/2", voting_days=voting_days)
    return to(f"/app/councils/{council.id}")


@router.get("/app/councils/{council_id}")
def council(request: Request, council_id: RowId, me: Me, db: Db, books: Books,
            closed_offset: WebOffset = 0) -> HTMLResponse:
    council_row = found(db, Council, council_id, "council")
    view = council_view(db, books, council_row, me)
    closed, closed_page = page_of(db, select(Ballot).where(Ballot.council_id == council_id,
                                                           Ballot.state == BallotState.CLOSED)
                                  .order_by(Ballot.id.desc()), closed_offset, WEB_PAGE)
    names = {m["member"]: m["public_name"] for m in view["members"]}
    posts = [o["id"] for o in view["offices"] if o["kind"] in kinds_filled_by(Filling.LOTTERY)]
    volunteers = {books.pseudonym(v.member_id) for v in db.scalars(
        select(Volunteer).where(Volunteer.office_id.in_(posts)))} if posts else set()
    counts = {office: 0 for office in posts}
    for office_id in db.scalars(select(Volunteer.office_id).where(Volunteer.office_id.in_(posts))):
        counts[office_id] += 1
    federation = view["level"] in FEDERATIONS
    workplace = council_targets_page(db, council_row, me.id) if view["level"] == "workplace" else None
    reporting = council_reports_page(db, council_row, me, books.clock()) if workplace else None
    economies = db.scalars(readable(me, StoredEconomy).order_by(StoredEconomy.id.desc()).limit(PAGE_MAX))
    alerts = council_alerts(db, books, council_row)
    return render(request, "council.html", view=view, names=names, member=view["you"] in names,
                  alerts=alerts, may_answer=bool(alerts) and may_answer(db, council_row, me),
                  economies=[{"id": e.id, "name": e.name} for e in economies],
                  federation=federation, volunteers=counts, workplace=workplace, reporting=reporting,
                  **(planning_rounds(db, books, me, council_id) if federation else {}),
                  closed_ballots=[ballot_summary(b) for b in closed], closed_page=closed_page,
                  i_volunteered=view["you"] in volunteers)


def planning_rounds(db: Db, books: Books, me: Member, council_id: int) -> dict[str, Any]:
    """A federation's rounds, and the days each step of a new one lasts by default."""
    return {"rounds": [round_view(db, held, books.clock(), me) for held in rounds_of(db, council_id)],
            "step_days": STEP_DAYS}


@router.post("/app/councils/{council_id}/members", dependencies=CSRF)
def join_page(request: Request, council_id: RowId, me: Me, db: Db, books: Books,
              public_name: Text = "") -> Response:
    request.state.back = "/app/councils"
    join_council(db, books, me, council_id, public_name.strip())
    return to(f"/app/councils/{council_id}")


@router.post("/app/councils/{council_id}/offices", dependencies=CSRF)
def office_page(request: Request, council_id: RowId, me: Me, db: Db, books: Books, title: Text,
                kind: Text, term_limit: Annotated[int | None, Form(ge=1, le=100)] = None) -> Response:
    """A new office, unpaid (the form has no pay: a pay ballot decides it)."""
    request.state.back = f"/app/councils/{council_id}"
    create_office(db, books, me, council_id, title=title.strip(), kind=kind, term_limit=term_limit)
    return to(f"/app/councils/{council_id}#offices")


def council_of_office(request: Request, db: Db, office_id: int) -> int:
    office = found(db, Office, office_id, "office")
    request.state.back = f"/app/councils/{office.council_id}"
    return office.council_id


@router.post("/app/offices/{office_id}/pay", dependencies=CSRF)
def pay_page(request: Request, office_id: RowId, me: Me, db: Db, books: Books, rate: Rate) -> Response:
    council_of_office(request, db, office_id)
    return to(f"/app/ballots/{propose_pay(db, books, me, office_id, rate).id}")


@router.post("/app/offices/{office_id}/recall", dependencies=CSRF)
def recall_page(request: Request, office_id: RowId, me: Me, db: Db, books: Books) -> Response:
    """Open the petition to recall the office's holder, or sign the one open; at its threshold
    the recall ballot opens."""
    council_id = council_of_office(request, db, office_id)
    petition = open_petition(db, books, me, office_id)
    if petition.ballot_id is not None:
        return to(f"/app/ballots/{petition.ballot_id}")
    return to(f"/app/councils/{council_id}#offices")


@router.post("/app/offices/{office_id}/volunteers", dependencies=CSRF)
def volunteer_page(request: Request, office_id: RowId, me: Me, db: Db, books: Books,
                   features: Long = "") -> Response:
    council_id = council_of_office(request, db, office_id)
    volunteer(db, books, me, office_id, bounded(pairs(features), "features"))
    return to(f"/app/councils/{council_id}#posts")


@router.post("/app/councils/{council_id}/draws", dependencies=CSRF)
def draw_page(request: Request, council_id: RowId, me: Me, db: Db, books: Books,
              posts: Annotated[list[FormKey], Form(max_length=MAX_ITEMS)], method: Text = "maximin",
              quotas: Long = "") -> Response:
    request.state.back = f"/app/councils/{council_id}"
    draw_posts(db, books, me, posts, bounded(quota_lines(quotas), "quotas"), method, council_id=council_id)
    return to(f"/app/councils/{council_id}#posts")


def pairs(text: str) -> dict[str, str]:
    """Features written one a line as ``name: value``."""
    features = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise Refusal("invalid_ballot", f"feature line {number}: write name: value")
            features[name.strip()] = value.strip()
    return features


def quota_lines(text: str) -> list[dict[str, Any]]:
    """Quotas written one a line as ``feature value min max`` (none: no quotas)."""
    quotas = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words:
            continue
        if len(words) != 4 or whole(words[2]) is None or whole(words[3]) is None:
            raise Refusal("invalid_ballot", f"quota line {number}: write feature value min max")
        quotas.append({"feature": words[0], "value": words[1], "min": int(words[2]), "max": int(words[3])})
    return quotas


# Ballots


@router.post("/app/councils/{council_id}/ballots", dependencies=CSRF)
def open_page(request: Request, council_id: RowId, me: Me, db: Db, books: Books, kind: Text,
              question: Annotated[Question, Form()],
              office: Many = [], candidates: Many = [],  # noqa: B006 (FastAPI copies defaults)
              products: Long = "", by: Text = "products",
              economy: Annotated[Code, Form()] = "", group: Many = [],  # noqa: B006
              project: Many = [], cost: Many = [],  # noqa: B006
              budget: Annotated[int | None, Form(ge=1, le=10**12)] = None,
              plans: Long = "", method: Text = "median", completion: Text = DEFAULT_COMPLETION,
              closes_at: Annotated[Code, Form()] = "") -> Response:
    request.state.back = f"/app/councils/{council_id}"
    offices = whole_numbers(office, "office")
    options: dict[str, Any] = {}
    if kind == "election":
        options = {"candidates": candidates} | ({"offices": offices} if len(offices) > 1 else {})
    elif kind == "shares":
        options = {"method": method}
    elif kind == "priorities":
        chosen = whole_numbers([economy], "economy")[0] if economy.strip() else None
        options = priority_options(by, words_of(products), chosen, group)
    elif kind == "budget":
        named = [(name.strip(), price.strip()) for name, price in zip(project, cost, strict=False)
                 if name.strip()]
        options = {"projects": dict(zip([n for n, _ in named],
                                        whole_numbers([p for _, p in named], "cost", JSON_INTEGER),
                                        strict=True)), "budget": budget, "completion": completion}
    elif kind == "plan":
        options = {"plans": whole_numbers(words_of(plans), "plan")}
    ballot = open_ballot(db, books, me, council_id, kind=kind, question=question,
                         options=bounded(options, "options"),
                         office_id=offices[0] if offices else None, closes_at=utc_time(closes_at))
    return to(f"/app/ballots/{ballot.id}")


def priority_options(by: str, products: list[str], economy: int | None, groups: list[str]) -> dict[str, Any]:
    """A priorities ballot's options from the form: the products listed, or (``by`` groups) the
    groups ticked of the economy, every one of its groups when none is ticked."""
    options: dict[str, Any] = {} if economy is None else {"economy": economy}
    if by == "groups":
        return options | {"groups": groups or True}
    return options | {"products": products}


@router.get("/app/economy-groups")
def groups_page(request: Request, me: Me, db: Db,
                economy: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    """The groups of an economy's needs, with their quantities, to tick on the form that opens
    a priorities ballot (a fragment for htmx; nothing when no economy is chosen)."""
    number = whole(economy)
    groups = economy_groups(db, me, number) if number is not None and 1 <= number <= MAX_ID else []
    return render(request, "priority_groups.html", groups=groups, economy=number)


def utc_time(text: str) -> datetime | None:
    """A closing time from the form's datetime-local field, in UTC; None when left empty."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refusal("invalid_ballot", f"{text!r} is not a date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def words_of(text: str) -> list[str]:
    return [word.strip() for word in text.replace("\n", ",").split(",") if word.strip()]


def whole(text: str) -> int | None:
    """The whole number ``text`` writes in ASCII digits, or None (``"²".isdigit()`` is true)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def whole_numbers(values: list[str], what: str, most: int = MAX_ID) -> list[int]:
    """The numbers, each a whole number up to ``most`` (an id: what a database key holds)."""
    numbers = []
    for value in values:
        number = whole(value)
        if number is None:
            raise Refusal("invalid_ballot", f"{what} {value!r} is not a whole number")
        if number > most:
            raise Refusal("invalid_ballot", f"{what} {number} is larger than {most}")
        numbers.append(number)
    return numbers


def bounded(value: Any, field: str) -> Any:
    """``value`` (built from a form) when within the bounds of free-form JSON (service.limits);
    422 naming the field otherwise, before anything is stored."""
    try:
        return bounded_json(value)
    except Unbounded as unbounded:
        raise PageError(422, TITLES[422], f"{field}: {unbounded}") from None


@router.get("/app/ballots/{ballot_id}")
def ballot(request: Request, ballot_id: RowId, me: Me, db: Db, books: Books) -> HTMLResponse:
    found_ballot = found(db, Ballot, ballot_id, "ballot")
    view = ballot_view(db, books, found_ballot, me)
    held = found(db, Council, found_ballot.council_id, "council")
    names = public_names(db, books, held.id, me)
    return render(request, "ballot.html", ballot=view, council=council_summary(held), names=names,
                  member=books.pseudonym(me.id) in names,
                  method="stv" if view["kind"] == "election" and view["seats"] > 1 else "approval")


@router.post("/app/ballots/{ballot_id}/votes", dependencies=CSRF)
def vote_page(request: Request, ballot_id: RowId, me: Me, db: Db, books: Books,
              choice: Many = [], ranked: Many = [], rank: Many = [],  # noqa: B006
              product: Many = [], tier: Many = [],  # noqa: B006
              consumption: Annotated[float | None, Form(allow_inf_nan=False)] = None,
              investment: Annotated[float | None, Form(allow_inf_nan=False)] = None,
              public_services: Annotated[float | None, Form(allow_inf_nan=False)] = None) -> Response:
    request.state.back = f"/app/ballots/{ballot_id}"
    held = found(db, Ballot, ballot_id, "ballot")
    if held.kind == "election" and held.seats > 1:
        content: Any = ranking(ranked, rank)
    elif held.kind in ("recall", "pay"):
        content = choice[0] if len(choice) == 1 else None
    elif held.kind == "shares":
        given = {"consumption": consumption, "investment": investment, "public services": public_services}
        if any(value is None for value in given.values()):
            raise Refusal("invalid_ballot", "give a share for each of consumption, investment and "
                                            "public services (fractions summing to 1)")
        content = given
    elif held.kind == "priorities":
        rated = [(name, level) for name, level in zip(product, tier, strict=False) if level.strip()]
        content = dict(zip([name for name, _ in rated], whole_numbers([level for _, level in rated], "tier"),
                           strict=True))
    elif held.kind == "plan":
        content = whole_numbers(choice, "plan")
    else:
        content = list(choice)
    cast_ballot(db, books, me, ballot_id, bounded(content, "content"))
    return to(f"/app/ballots/{ballot_id}")


def ranking(candidates: list[str], ranks: list[str]) -> list[str]:
    """An STV ballot from the numbers given to candidates (1 first; blank: not ranked)."""
    given: dict[int, str] = {}
    for candidate, number in zip(candidates, ranks, strict=False):
        if not number.strip():
            continue
        if (whole(number) or 0) < 1:
            raise Refusal("invalid_ballot", f"the rank of {candidate}, {number!r}, is not a number from 1")
        if int(number) in given:
            raise Refusal("invalid_ballot", f"{given[int(number)]} and {candidate} are both ranked {number}")
        given[int(number)] = candidate
    return [given[number] for number in sorted(given)]


@router.post("/app/ballots/{ballot_id}/close", dependencies=CSRF)
def close_page(request: Request, ballot_id: RowId, me: Me, db: Db, books: Books) -> Response:
    request.state.back = f"/app/ballots/{ballot_id}"
    close_ballot(request.app.state.sessions, books, me, ballot_id)
    return to(f"/app/ballots/{ballot_id}")


# The open books: readable by anyone


@router.get("/open-books")
def explorer(request: Request, viewer: Reader, db: Db, books: Books, start: Index | None = None,
             old_size: Index | None = None) -> HTMLResponse:
    head = books.head(db)
    size = head.size if head else 0
    first = max(0, size - ENTRIES_PAGE) if start is None else min(start, max(0, size - 1))
    shown = list(entries(db, first, min(size, first + ENTRIES_PAGE)))
    consistency = consistency_of(db, books, old_size, size) if old_size is not None else None
    return render(request, "ledger.html", head=head, entries=shown, start=first, size=size,
                  page=ENTRIES_PAGE, consistency=consistency, old_size=old_size)


def consistency_of(db: Db, books: Books, old_size: int, size: int) -> dict[str, Any]:
    if old_size > size:
        return {"error": f"the record has {size} entries: a record of {old_size} cannot be older"}
    tree, _committed = books.tree_of(db)
    return {"old_size": old_size, "new_size": size, "old_root": tree.root(old_size).hex(),
            "new_root": tree.root(size).hex(),
            "proof": [h.hex() for h in tree.consistency_proof(old_size, size)]}


@router.get("/open-books/entries/{index}")
def ledger_entry(request: Request, index: Annotated[int, Path(ge=0, le=2**31 - 1)],
                 viewer: Reader, db: Db, books: Books) -> HTMLResponse:
    head = books.head(db)
    size = head.size if head else 0
    if index >= size:
        raise Refusal("not_found", f"the record has {size} entries: there is no entry {index}")
    tree, _committed = books.tree_of(db)
    entry = next(entries(db, index, index + 1))
    return render(request, "ledger_entry.html", entry=entry, size=size, head=head,
                  leaf_hash=entry.leaf_hash().hex(), root=tree.root(size).hex(),
                  proof=[h.hex() for h in tree.inclusion_proof(index, size)])


@router.get("/open-books/verify")
def verify_page(request: Request, viewer: Reader, db: Db, books: Books) -> HTMLResponse:
    """The whole record checked: a fragment for htmx, the explorer with the verdict otherwise."""
    verdict = verify_books(db, books.log.public_key.hex())
    if request.headers.get("HX-Request"):
        return render(request, "ledger_verdict.html", verdict=verdict)
    head = books.head(db)
    size = head.size if head else 0
    first = max(0, size - ENTRIES_PAGE)
    return render(request, "ledger.html", head=head, entries=list(entries(db, first, size)), start=first,
                  size=size, page=ENTRIES_PAGE, verdict=verdict, consistency=None, old_size=None)

