"""Equal shares as it was before it was made fast (commit cbb7510), kept as a test oracle.

It runs the count voter by voter in Fractions, and the add-one completion one unit at a time
from the first endowment: slow (a real Pabulib budget of 1,607 voters ran for more than two
minutes), but plainly the rule of commonplan.democracy.budgets' docstring.
tests/democracy/test_budgets.py checks that :func:`commonplan.democracy.budgets.equal_shares`
gives the very same outcome (projects, order, every endowment, rho and payment).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

from commonplan.democracy.budgets import (
    DEFAULT_COMPLETION,
    TIE_PURPOSE,
    BudgetOutcome,
    _checked_costs,
    completion_named,
)
from commonplan.democracy.lottery import lottery_order
from commonplan.democracy.refusals import INVALID_BALLOT, Refusal


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


def reference_equal_shares(projects: Mapping[str, int], approvals: Sequence[Collection[str]], budget: int,
                 seed: str, completion: str = DEFAULT_COMPLETION, *,
                 tie_break: Literal["lottery", "lexicographic"] = "lottery") -> BudgetOutcome:
    """Fund projects by the Method of Equal Shares and the ``completion`` chosen (module doc).

    ``projects`` maps names to positive integer costs; ``approvals`` holds one collection of
    approved names per voter; ``budget`` is a non-negative integer.  A ballot naming an unknown
    project is refused (``invalid_ballot``).  Ties follow ``lottery_order(sorted(projects), seed,
    "equal shares tie")``, or the names (``tie_break="lexicographic"``).
    """
    rule = completion_named(completion)
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
        while rule.add_one and not _exhaustive(rounds, approved, costs, budget):
            endowment += 1
            larger = _equal_shares_run(costs, supporters, voters, endowment, rank)
            if sum(costs[r["project"]] for r in larger) > budget:
                break
            rounds = larger
    funded = [r["project"] for r in rounds]
    if rule.greedy:
        spent = sum(costs[name] for name in funded)
        rest = sorted((name for name in costs if name not in funded),
                      key=lambda n: (-len(supporters[n]), rank[n]))
        for name in rest:
            if spent + costs[name] <= budget:
                spent += costs[name]
                funded.append(name)
                rounds.append({"project": name, "rule": "completion", "approvals": len(supporters[name])})
    return BudgetOutcome(funded=tuple(funded), spent=sum(costs[name] for name in funded), budget=budget,
                         rounds=tuple(rounds), method=rule.method)


def _exhaustive(rounds: Sequence[Mapping[str, Any]], candidates: Collection[str],
                costs: Mapping[str, int], budget: int) -> bool:
    funded = {r["project"] for r in rounds}
    left = budget - sum(costs[name] for name in funded)
    return all(name in funded or costs[name] > left for name in candidates)
