"""Participatory budgets by the Method of Equal Shares (Peters & Skowron; equalshares.net).

Ballots approve projects; a voter's satisfaction with a project is its cost if approved (cost
utilities, as pabutools' ``Cost_Sat``).  The rule, in exact fractions:

1. **Equal shares** (:func:`equal_shares` with ``complete=False``).  Each of the n voters gets the
   endowment e = budget / n.  A project is affordable while its supporters hold at least its cost
   together.  Its price rho (payment per unit of satisfaction) is the least rho such that the
   supporters paying min(budget_i, rho * cost) each cover the cost.  The affordable project of
   least rho is bought (ties by one published priority order of the projects:
   ``lottery_order(projects, seed, "equal shares tie")``), its supporters pay, and the count goes
   on until no project is affordable.
2. **Completion by budget increase** ("add one", as equalshares.net and pabutools'
   ``voter_budget_increment=1``).  While the outcome is not exhaustive among the approved
   projects (some unfunded approved project still fits in the leftover), equal shares is rerun
   with every voter's endowment raised by one unit of currency (e = budget / n + k); the last
   outcome that fits the real budget is kept, and the raising stops at the first outcome that
   would exceed it.
3. **Greedy fill** (pabutools' ``greedy_utilitarian_welfare`` with ``Cost_Sat``).  The projects
   left, by total satisfaction per cost (that is, by approvals) most first, ties by the same
   priority order, are added while they fit.  As in pabutools, a project nobody approved is
   still added last if it fits, so the budget is exhaustive.

``tie_break="lexicographic"`` orders ties by project name instead, as pabutools' default
``lexico_tie_breaking``: the tests compare with pabutools 1.2.3 this way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from commonplan.democracy.lottery import lottery_order
from commonplan.democracy.refusals import INVALID_BALLOT, Refusal

METHOD = "equal shares, completed by add-one and greedy"
PLAIN_METHOD = "equal shares"
TIE_PURPOSE = "equal shares tie"


@dataclass(frozen=True)
class BudgetOutcome:
    """The projects funded, in order of selection, and how each was bought.

    ``rounds`` has one dict per funded project: for equal shares ``{"project", "rule": "equal
    shares", "endowment", "rho", "payments": {voter index: amount}}`` (exact fractions; the
    endowment is each voter's share in the run that was kept), for the greedy fill ``{"project",
    "rule": "completion", "approvals"}``.
    """

    funded: tuple[str, ...]
    spent: Fraction | int
    budget: int
    rounds: tuple[dict[str, Any], ...]
    method: str


def budget_ballot_checked(content: Any, projects: Collection[str]) -> list[str]:
    """The approved project names of a ballot (a list of distinct names of ``projects``)."""
    if isinstance(content, str | bytes) or not isinstance(content, Collection):
        raise Refusal(INVALID_BALLOT, f"a budget ballot lists the approved projects, not "
                                      f"{type(content).__name__}")
    approved: list[str] = []
    for name in content:
        if not isinstance(name, str):
            raise Refusal(INVALID_BALLOT, f"{name!r} is not the name of a project")
        if name not in projects:
            raise Refusal(INVALID_BALLOT, f"{name!r} is not a project of this budget")
        if name in approved:
            raise Refusal(INVALID_BALLOT, f"the ballot approves {name!r} twice")
        approved.append(name)
    return approved


def _checked_costs(projects: Mapping[str, int], budget: int) -> dict[str, int]:
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise ValueError(f"budget: {budget!r} is not an integer >= 0")
    costs: dict[str, int] = {}
    for name, cost in projects.items():
        if not isinstance(name, str):
            raise ValueError(f"projects: the name {name!r} is not a string")
        if isinstance(cost, bool) or not isinstance(cost, int) or cost <= 0:
            raise ValueError(f"projects: the cost of {name!r}, {cost!r}, is not a positive integer")
        costs[name] = cost
    return costs


def _price(cost: int, holdings: list[Fraction]) -> Fraction | None:
    """The least payment q with sum(min(h, q)) = cost over ``holdings`` (None if they cannot pay).

    Supporters are taken poorest first: whoever holds less than the equal split of what is left
    pays all they hold.  The price per unit of satisfaction is rho = q / cost.
    """
    if sum(holdings) < cost:
        return None
    left, payers = Fraction(cost), len(holdings)
    for held in sorted(holdings):
        q = left / payers
        if held >= q:
            return q
        left -= held
        payers -= 1
    raise AssertionError("unreachable: the holdings cover the cost")


def _equal_shares_run(costs: Mapping[str, int], supporters: Mapping[str, list[int]], voters: int,
                      endowment: Fraction, rank: Mapping[str, int]) -> list[dict[str, Any]]:
    """One run of equal shares with every voter holding ``endowment``: the purchases in order."""
    holdings = [endowment] * voters
    remaining = {name for name, who in supporters.items() if who}
    # A project's rho never falls as voters spend, so its last rho is a lower bound (lazy updates).
    rho_bound = {name: Fraction(1, len(supporters[name])) for name in remaining}
    rounds: list[dict[str, Any]] = []
    while remaining:
        best: tuple[Fraction, int, str] | None = None
        best_q = Fraction(0)
        for name in sorted(remaining, key=lambda n: (rho_bound[n], rank[n])):
            if best is not None and (rho_bound[name], rank[name]) > best[:2]:
                break
            q = _price(costs[name], [holdings[i] for i in supporters[name]])
            if q is None:
                remaining.discard(name)
                continue
            rho_bound[name] = q / costs[name]
            if best is None or (rho_bound[name], rank[name]) < best[:2]:
                best, best_q = (rho_bound[name], rank[name], name), q
        if best is None:
            break
        rho, _, chosen = best
        payments: dict[int, Fraction] = {}
        for i in supporters[chosen]:
            paid = min(holdings[i], best_q)
            holdings[i] -= paid
            payments[i] = paid
        remaining.discard(chosen)
        rounds.append({"project": chosen, "rule": "equal shares", "endowment": endowment, "rho": rho,
                       "payments": payments})
    return rounds


def equal_shares(projects: Mapping[str, int], approvals: Sequence[Collection[str]], budget: int,
                 seed: str, complete: bool = True, *,
                 tie_break: Literal["lottery", "lexicographic"] = "lottery") -> BudgetOutcome:
    """Fund projects by the Method of Equal Shares, completed by add-one and greedy (module doc).

    ``projects`` maps names to positive integer costs; ``approvals`` holds one collection of
    approved names per voter; ``budget`` is a non-negative integer.  A ballot naming an unknown
    project is refused (``invalid_ballot``).  Ties follow ``lottery_order(sorted(projects), seed,
    "equal shares tie")``, or the names (``tie_break="lexicographic"``).
    """
    costs = _checked_costs(projects, budget)
    if tie_break == "lottery":
        order = lottery_order(sorted(costs), seed, TIE_PURPOSE)
    elif tie_break == "lexicographic":
        order = sorted(costs)
    else:
        raise ValueError(f"tie_break: {tie_break!r} is not 'lottery' or 'lexicographic'")
    rank = {name: k for k, name in enumerate(order)}
    supporters: dict[str, list[int]] = {name: [] for name in costs}
    for index, ballot in enumerate(approvals):
        for name in set(ballot):
            if name not in costs:
                raise Refusal(INVALID_BALLOT, f"ballot {index} approves {name!r}, which is not a project "
                                              f"of this budget")
            supporters[name].append(index)
    voters = len(approvals)

    rounds: list[dict[str, Any]] = []
    if voters:
        endowment = Fraction(budget, voters)
        rounds = _equal_shares_run(costs, supporters, voters, endowment, rank)
        approved = [name for name in costs if supporters[name]]
        while complete and not _exhaustive(rounds, approved, costs, budget):
            endowment += 1
            larger = _equal_shares_run(costs, supporters, voters, endowment, rank)
            if sum(costs[r["project"]] for r in larger) > budget:
                break
            rounds = larger
    funded = [r["project"] for r in rounds]
    if complete:
        spent = sum(costs[name] for name in funded)
        rest = sorted((name for name in costs if name not in funded),
                      key=lambda n: (-len(supporters[n]), rank[n]))
        for name in rest:
            if spent + costs[name] <= budget:
                spent += costs[name]
                funded.append(name)
                rounds.append({"project": name, "rule": "completion", "approvals": len(supporters[name])})
    return BudgetOutcome(funded=tuple(funded), spent=sum(costs[name] for name in funded), budget=budget,
                         rounds=tuple(rounds), method=METHOD if complete else PLAIN_METHOD)


def _exhaustive(rounds: Sequence[Mapping[str, Any]], candidates: Collection[str],
                costs: Mapping[str, int], budget: int) -> bool:
    funded = {r["project"] for r in rounds}
    left = budget - sum(costs[name] for name in funded)
    return all(name in funded or costs[name] > left for name in candidates)
