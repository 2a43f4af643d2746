"""The kinds of ballot a council holds, and for each: what it asks (its options), what one
ballot may say (checked before it is stored), and how the ballots are counted. Every interface
(API, pages, CLI) and the recount of the published ballots call these same functions.

- ``election``: delegates for one or more offices; approval voting for one seat, the single
  transferable vote for several (docs/democracy.md). Options: ``candidates`` (pseudonyms).
- ``recall``: whether the holder of an office is removed; a ballot says ``"remove"`` or
  ``"keep"``; a majority of the votes cast removes, when at least the council's quorum of its
  members (``quorum``, fixed at opening) took part.
- ``pay``: whether an office's pay becomes ``rate`` per hour (``office``, ``rate``); a ballot
  says ``"yes"`` or ``"no"``; a majority of the votes cast decides, when the council's quorum
  (``quorum``, fixed at opening) took part, as for a recall. Pay is set no other way.
- ``shares``: the share of work for consumption, investment and public services, aggregated by
  the per-share median (``method``: ``median``, the default) or the truthful independent
  markets mechanism (``independent markets``).
- ``priorities``: the priority tier of each needed product (``products``), or of each group of
  products (``groups``: name, products, and what their needs add up to), every product of a
  group getting its group's tier; ``economy``: the economy whose needs they are.
- ``budget``: a participatory budget (``projects`` with costs, ``budget``) by equal shares, with
  the ``completion`` the council chose (budgets.COMPLETIONS; a ballot opened before there was a
  choice has none and is counted, as it always was, by the default).
- ``plan``: which computed plan variant (``plans``: job numbers) the council adopts, by approval.

An election in which nobody voted elects nobody: no seat is filled by the lottery alone.

The kinds are one registry, :data:`KINDS` (name -> :class:`BallotKind`): a new kind of ballot
is its three functions and one entry there.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from commonplan.democracy import budgets, elections, priorities, recall, shares
from commonplan.democracy.pay import MAX_RATE
from commonplan.democracy.refusals import Refusal

RECALL_CHOICES = ("remove", "keep")
PAY_CHOICES = ("yes", "no")
MAX_OPEN_BY_MEMBER = 10  # ballots one member may have open in a council at once


def check_may_open(open_by_member: int) -> None:
    """Refuse a member a new ballot while they have :data:`MAX_OPEN_BY_MEMBER` open in the
    council: nobody floods a council's agenda, or the open books, with ballots."""
    if open_by_member >= MAX_OPEN_BY_MEMBER:
        raise Refusal("not_eligible", f"you have {open_by_member} ballots open in this council already, the "
                                      f"most one member may have open at once ({MAX_OPEN_BY_MEMBER})")


@dataclass(frozen=True)
class BallotKind:
    """A kind of ballot: its ``name``; ``options`` checks what a new ballot asks (its options,
    for ``seats`` seats) and ``content`` one ballot's content against them; ``tally`` counts
    the contents. ``member_opens``: a member may open one (a recall opens from a petition);
    ``about_office``: it names an office; ``binding``: a yes-or-no vote that needs the
    council's quorum."""

    name: str
    options: Callable[[dict[str, Any], int], dict[str, Any]]
    content: Callable[[dict[str, Any], Any, int], Any]
    tally: Callable[[dict[str, Any], Sequence[Any], int, str, int], dict[str, Any]]
    member_opens: bool = True
    about_office: bool = False
    binding: bool = False


def options_checked(kind: str, options: dict[str, Any], seats: int = 1) -> dict[str, Any]:
    """The options of a new ballot of ``kind``, checked; a Refusal naming what is wrong."""
    if kind not in KINDS:
        raise Refusal("invalid_ballot", f"the kind of ballot must be one of {', '.join(KINDS)}, not {kind!r}")
    return KINDS[kind].options(options, seats)


def content_checked(kind: str, options: dict[str, Any], content: Any, seats: int = 1) -> Any:
    """One ballot's content in its normal form; Refusal("invalid_ballot") naming the fault."""
    return KINDS[kind].content(options, content, seats)


def tally(kind: str, options: dict[str, Any], contents: Sequence[Any], seats: int,
          seed: str, electorate: int) -> dict[str, Any]:
    """The result of a closed ballot from its anonymous contents and the number of members
    entitled to vote (both published with the result, so anyone can recount it)."""
    return KINDS[kind].tally(options, contents, seats, seed, electorate)


def member_kinds() -> tuple[str, ...]:
    """The kinds of ballot a member may open."""
    return tuple(name for name, kind in KINDS.items() if kind.member_opens)


# election: approval voting for one seat, the single transferable vote for several

def _election_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    candidates = _distinct_strings(options.get("candidates"), "candidates")
    if len(candidates) < seats:
        raise Refusal("no_candidates", f"an election for {seats} seat(s) needs at least {seats} candidate(s)")
    return {"candidates": candidates}


def _election_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    method = "approval" if seats == 1 else "stv"
    return elections.ballot_checked(method, content, options["candidates"], seats)


def _election_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                    electorate: int) -> dict[str, Any]:
    if not contents:
        return {"method": "approval" if seats == 1 else "stv", "elected": [], "runners_up": [],
                "counts": {}, "rounds": [], "ties": [], "why": "nobody voted: nobody is elected"}
    if seats == 1:
        return plain(elections.approval(options["candidates"], contents, seed))
    return plain(elections.stv(options["candidates"], contents, seats, seed))


# recall and pay: binding yes-or-no votes, carried by a majority when the quorum took part

def _recall_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    return {"holder": options.get("holder"), "office": options.get("office"), "quorum": _quorum(options)}


def _recall_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    if content not in RECALL_CHOICES:
        raise Refusal("invalid_ballot", 'a recall ballot says "remove" or "keep"')
    return content


def _recall_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                  electorate: int) -> dict[str, Any]:
    counts = Counter(contents)
    decision = recall.recall_decision(counts["remove"], counts["keep"], electorate,
                                      Fraction(options["quorum"]))
    return {**plain(decision), "electorate": electorate}


def _pay_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    return {"office": _office_number(options.get("office")), "rate": _rate(options.get("rate")),
            "quorum": _quorum(options)}


def _pay_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    if content not in PAY_CHOICES:
        raise Refusal("invalid_ballot", 'a pay ballot says "yes" or "no"')
    return content


def _pay_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
               electorate: int) -> dict[str, Any]:
    counts = Counter(contents)
    short = recall.shortfall(counts["yes"], counts["no"], electorate, Fraction(options["quorum"]))
    return {"yes": counts["yes"], "no": counts["no"], "carried": short is None,
            "quorum": recall.quorum(electorate, Fraction(options["quorum"])), "electorate": electorate,
            "why": f"the pay stays: {short}" if short else f"the pay is set: {counts['yes']} voted for, "
                                                           f"{counts['no']} against",
            "office": options["office"], "rate": options["rate"]}


# shares, priorities and budgets: what the economy makes, aggregated

def _shares_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    method = options.get("method", "median")
    if method not in shares.METHODS:
        raise Refusal("invalid_ballot", f"the shares are aggregated by {' or '.join(shares.METHODS)}")
    return {"method": method}


def _shares_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    return shares.proposal_checked(content)


def _shares_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                  electorate: int) -> dict[str, Any]:
    method = options.get("method", "median")
    return {"shares": shares.aggregate_shares(contents, method) if contents else None,
            "method": method, "ballots": len(contents)}


def _priorities_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    if options.get("groups") is None:
        return {"products": _distinct_strings(options.get("products"), "products"),
                "economy": options.get("economy")}
    products = _distinct_strings(options["products"], "products") if options.get("products") else []
    return {"products": products, "groups": priorities.groups_checked(options["groups"], products),
            "economy": options.get("economy")}


def _priorities_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    groups = [group["name"] for group in options.get("groups", ())]
    return priorities.tier_ballot_checked(content, [*options["products"], *groups],
                                          what="group or product" if groups else "product")


def _priorities_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                      electorate: int) -> dict[str, Any]:
    """The tier of each product (``tiers``, what a plan variant takes) and, on a ballot by
    groups, of each group (``group_tiers``)."""
    groups = {group["name"]: group["products"] for group in options.get("groups", ())}
    rated = priorities.aggregate_tiers(contents, [*options["products"], *groups])
    if not groups:
        return {"tiers": rated, "ballots": len(contents)}
    return {"tiers": priorities.expanded_tiers(rated, groups),
            "group_tiers": {name: rated[name] for name in groups if name in rated}, "ballots": len(contents)}


MAX_TIER = 99  # the most tiers a project may be given (as a voted priority)


def _budget_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    projects = options.get("projects")
    budget = options.get("budget")
    if not isinstance(projects, dict) or not projects:
        raise Refusal("invalid_ballot", "a budget needs projects: {id: cost}")
    for project, cost in projects.items():
        if not isinstance(cost, int) or isinstance(cost, bool) or cost <= 0:
            raise Refusal("invalid_ballot", f"project {project!r}: its cost must be a positive whole number")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        raise Refusal("invalid_ballot", "the budget must be a positive whole number")
    completion = options.get("completion", budgets.DEFAULT_COMPLETION)
    try:
        budgets.completion_named(completion)
    except ValueError as error:
        raise Refusal("invalid_ballot", str(error)) from None
    checked = {"projects": dict(projects), "budget": budget, "completion": str(completion)}
    if "project_needs" in options:
        checked["project_needs"] = _project_needs(options["project_needs"], projects)
    return checked


def _project_needs(given: Any, projects: dict[str, Any]) -> dict[str, Any]:
    """What each project needs of the economy's products if funded (``{project: {"name",
    "tier", "needs": {product: quantity}}}``): the needs a funded project adds to a plan
    variant at its tier (app.variants); the products are checked against the economy when a
    variant is computed."""
    if not isinstance(given, dict):
        raise Refusal("invalid_ballot", "project_needs must map projects to {name, tier, needs}")
    checked: dict[str, Any] = {}
    for project, entry in given.items():
        if project not in projects:
            raise Refusal("invalid_ballot", f"project_needs names {project!r}, which is not a project")
        if not isinstance(entry, dict) or not isinstance(entry.get("needs"), dict):
            raise Refusal("invalid_ballot", f"project {project!r}: give {{name, tier, needs: {{product: "
                                            "quantity}}}")
        tier = entry.get("tier", 1)
        if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= MAX_TIER:
            raise Refusal("invalid_ballot", f"project {project!r}: its tier must be a whole number from 1 "
                                            f"to {MAX_TIER}")
        for product, quantity in entry["needs"].items():
            if isinstance(quantity, bool) or not isinstance(quantity, int | float) or not (
                    math.isfinite(quantity) and quantity >= 0):
                raise Refusal("invalid_ballot", f"project {project!r}: the quantity of {product!r} must be "
                                                "a finite number >= 0")
        checked[project] = {"name": str(entry.get("name") or project), "tier": tier,
                            "needs": dict(entry["needs"])}
    return checked


def _budget_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    return budgets.budget_ballot_checked(content, options["projects"])


def _budget_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                  electorate: int) -> dict[str, Any]:
    return plain(budgets.equal_shares(options["projects"], contents, options["budget"], seed,
                                      options.get("completion", budgets.DEFAULT_COMPLETION)))


# plan: which computed plan variant the council adopts, by approval

def _plan_options(options: dict[str, Any], seats: int) -> dict[str, Any]:
    plans = options.get("plans")
    if not isinstance(plans, list) or not plans or not all(isinstance(p, int) for p in plans):
        raise Refusal("invalid_ballot", "a plan ballot needs plans: the numbers of finished plan jobs")
    return {"plans": sorted(set(plans))}


def _plan_content(options: dict[str, Any], content: Any, seats: int) -> Any:
    return [int(plan) for plan in elections.ballot_checked(
        "approval", [str(plan) for plan in _list(content)], [str(plan) for plan in options["plans"]])]


def _plan_tally(options: dict[str, Any], contents: Sequence[Any], seats: int, seed: str,
                electorate: int) -> dict[str, Any]:
    outcome = elections.approval([str(plan) for plan in options["plans"]],
                                 [[str(plan) for plan in content] for content in contents], seed)
    return {**plain(outcome), "adopted": int(outcome.elected[0]) if contents else None}


KINDS: Mapping[str, BallotKind] = MappingProxyType({kind.name: kind for kind in (
    BallotKind("election", _election_options, _election_content, _election_tally, about_office=True),
    BallotKind("recall", _recall_options, _recall_content, _recall_tally,
               member_opens=False, about_office=True, binding=True),
    BallotKind("pay", _pay_options, _pay_content, _pay_tally, binding=True),
    BallotKind("shares", _shares_options, _shares_content, _shares_tally),
    BallotKind("priorities", _priorities_options, _priorities_content, _priorities_tally),
    BallotKind("budget", _budget_options, _budget_content, _budget_tally),
    BallotKind("plan", _plan_options, _plan_content, _plan_tally),
)})


@overload
def plain(value: DataclassInstance) -> dict[str, Any]: ...
@overload
def plain(value: object) -> Any: ...
def plain(value: object) -> Any:
    """``value`` as JSON: dataclasses as objects, tuples as lists, fractions exact as "p/q"."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else str(value)
    return value


def _quorum(options: dict[str, Any]) -> str:
    """The share of members who must take part, as the council set it (a fraction in text)."""
    return str(Fraction(options.get("quorum", str(recall.DEFAULT_QUORUM))))


def _office_number(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise Refusal("invalid_ballot", "a pay ballot names its office by number")
    return value


def _rate(value: Any) -> float:
    if type(value) not in (int, float) or not 0 <= value <= MAX_RATE:
        raise Refusal("invalid_pay", f"the rate must be a number of at least 0 and at most {MAX_RATE:g} "
                                     f"per hour, not {value!r}")
    return float(value)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise Refusal("invalid_ballot", "the ballot must be a list")
    return value


def _distinct_strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise Refusal("invalid_ballot", f"{name} must be a non-empty list of names")
    if len(set(value)) != len(value):
        raise Refusal("invalid_ballot", f"{name} lists a name twice")
    return list(value)
