"""Participatory budgets by the Method of Equal Shares (Peters & Skowron; equalshares.net).

Ballots approve projects; a voter's satisfaction with a project is its cost if approved (cost
utilities, as pabutools' ``Cost_Sat``).  The rule, in exact fractions:

1. **Equal shares** (:func:`equal_shares` with ``completion="none"``).  Each of the n voters gets the
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

Which completion a count runs is the council's choice, one of :data:`COMPLETIONS` (``none``:
step 1 alone; ``add-one``: steps 1 and 2; ``add-one then greedy``, the default: all three).

Amounts (costs, the budget) are whole numbers or exact fractions (a published budget of
363,734.88 PLN is counted as it is); add-one raises each voter's share by one unit of currency.

``tie_break="lexicographic"`` orders ties by project name instead, as pabutools' default
``lexico_tie_breaking``: the tests compare with pabutools 1.2.3 this way.

How it is counted fast, with the same results: voters with identical ballots hold and pay the
same, so a run counts each distinct ballot once; and add-one passes at once over the runs that
are bound to buy what the last one bought (nothing, until some project comes within its
supporters' reach; or the same projects, while every comparison the run rests on keeps its sign,
see :func:`_stable_until`), since it would pass each of them anyway.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from gmpy2 import mpq

from commonplan.democracy.lottery import lottery_order
from commonplan.democracy.refusals import INVALID_BALLOT, Refusal

Amount = int | Fraction  # money: a whole number, or an exact fraction (Pabulib's decimals)


class Completion(StrEnum):
    """How a count spends what equal shares leaves (a budget ballot's ``completion`` option)."""

    NONE = "none"
    ADD_ONE = "add-one"
    ADD_ONE_THEN_GREEDY = "add-one then greedy"


@dataclass(frozen=True)
class CompletionRule:
    """A completion: its ``name``, a ``label`` for forms, a one-line ``description`` for help
    texts, the ``method`` a result records, and which steps of the module doc it runs
    (``add_one``: step 2; ``greedy``: step 3)."""

    name: Completion
    label: str
    description: str
    method: str
    add_one: bool
    greedy: bool


COMPLETIONS: Mapping[str, CompletionRule] = MappingProxyType({rule.name.value: rule for rule in (
    CompletionRule(Completion.NONE, "None: equal shares alone",
                   "equal shares alone; what no group of supporters can pay for stays unspent",
                   "equal shares", add_one=False, greedy=False),
    CompletionRule(Completion.ADD_ONE, "Add-one",
                   "equal shares rerun with each voter's share raised by one unit of currency at a "
                   "time, the last outcome within the budget kept",
                   "equal shares, completed by add-one", add_one=True, greedy=False),
    CompletionRule(Completion.ADD_ONE_THEN_GREEDY, "Add-one, then the rest by votes",
                   "add-one, then what still fits funded by approvals, most first (the budget is "
                   "spent as far as any project fits)",
                   "equal shares, completed by add-one and greedy", add_one=True, greedy=True),
)})
DEFAULT_COMPLETION = Completion.ADD_ONE_THEN_GREEDY  # what every budget ballot was counted by before
METHOD = COMPLETIONS[DEFAULT_COMPLETION].method
PLAIN_METHOD = COMPLETIONS[Completion.NONE].method
TIE_PURPOSE = "equal shares tie"
ZERO = mpq(0)  # the start of every exact sum (sum() starts from the int 0, and 0 / n is a float)


@dataclass(frozen=True)
class BudgetOutcome:
    """The projects funded, in order of selection, and how each was bought.

    ``rounds`` has one dict per funded project: for equal shares ``{"project", "rule": "equal
    shares", "endowment", "rho", "payments": {voter index: amount}}`` (exact fractions; the
    endowment is each voter's share in the run that was kept), for the greedy fill ``{"project",
    "rule": "completion", "approvals"}``.
    """

    funded: tuple[str, ...]
    spent: Amount
    budget: Amount
    rounds: tuple[dict[str, Any], ...]
    method: str


def completion_named(name: object) -> CompletionRule:
    """The completion ``name``; ValueError naming every completion there is."""
    if not isinstance(name, str) or name not in COMPLETIONS:
        raise ValueError(f"the completion must be one of {', '.join(map(repr, COMPLETIONS))}, not {name!r}")
    return COMPLETIONS[name]


def completions_help() -> str:
    """Every completion and its description, as one help text."""
    return "; ".join(f"{name}: {rule.description}" for name, rule in COMPLETIONS.items()) + "."


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


def _is_amount(value: object) -> bool:
    return isinstance(value, int | Fraction) and not isinstance(value, bool)


def _checked_costs(projects: Mapping[str, Amount], budget: Amount) -> dict[str, Amount]:
    if not _is_amount(budget) or budget < 0:
        raise ValueError(f"budget: {budget!r} is not a whole number or fraction >= 0")
    costs: dict[str, Amount] = {}
    for name, cost in projects.items():
        if not isinstance(name, str):
            raise ValueError(f"projects: the name {name!r} is not a string")
        if not _is_amount(cost) or cost <= 0:
            raise ValueError(f"projects: the cost of {name!r}, {cost!r}, is not a positive whole number "
                             f"or fraction")
        costs[name] = cost
    return costs


@dataclass(frozen=True)
class _Voters:
    """The voters, grouped by identical ballots (they hold and pay the same throughout a count).

    ``supporters`` lists each project's voters (by index, in order), ``groups`` each project's
    groups, ``group`` the group of each voter and ``sizes`` the voters in each group.
    """

    supporters: dict[str, list[int]]
    groups: dict[str, list[int]]
    group: list[int]
    sizes: list[int]


def _voters(costs: Mapping[str, Amount], approvals: Sequence[Collection[str]]) -> _Voters:
    """The voters grouped, each ballot checked in order (the first unknown project is refused)."""
    supporters: dict[str, list[int]] = {name: [] for name in costs}
    number: dict[frozenset[str], int] = {}
    group: list[int] = []
    for index, ballot in enumerate(approvals):
        approved = set(ballot)
        for name in approved:
            if name not in costs:
                raise Refusal(INVALID_BALLOT, f"ballot {index} approves {name!r}, which is not a project "
                                              f"of this budget")
            supporters[name].append(index)
        group.append(number.setdefault(frozenset(approved), len(number)))
    groups: dict[str, list[int]] = {name: [] for name in costs}
    for members, k in number.items():
        for name in members:
            groups[name].append(k)
    sizes = [0] * len(number)
    for k in group:
        sizes[k] += 1
    return _Voters(supporters, groups, group, sizes)


def _price(cost: Amount, holdings: list[tuple[mpq, int]]) -> mpq | None:
    """The least payment q with sum(min(h, q)) = cost over the supporters (None if they cannot pay).

    ``holdings`` are (what each voter of a group holds, the group's size).  Supporters are taken
    poorest first: whoever holds less than the equal split of what is left pays all they hold
    (and so does everyone in their group, for whom the split left is larger still).  The price
    per unit of satisfaction is rho = q / cost.
    """
    if sum((held * size for held, size in holdings), ZERO) < cost:
        return None
    left, payers = mpq(cost), sum(size for _, size in holdings)
    for held, size in sorted(holdings):
        q = left / payers
        if held >= q:
            return q
        left -= held * size
        payers -= size
    raise AssertionError("unreachable: the holdings cover the cost")


# project, rho, payment q, paid by each group: gmpy2's exact rationals, several times faster than
# Fraction on the sums and comparisons that make up the count; Fractions again in the outcome
Purchase = tuple[str, mpq, mpq, dict[int, mpq]]


def _equal_shares_run(costs: Mapping[str, Amount], voters: _Voters, endowment: Fraction,
                      rank: Mapping[str, int]) -> list[Purchase]:
    """One run of equal shares with every voter holding ``endowment``: the purchases in order."""
    holdings = [mpq(endowment)] * len(voters.sizes)
    remaining = {name for name, who in voters.supporters.items() if who}
    # A project's rho never falls as voters spend, so its last rho is a lower bound (lazy updates).
    rho_bound = {name: mpq(1, len(voters.supporters[name])) for name in remaining}
    purchases: list[Purchase] = []
    while remaining:
        best: tuple[mpq, int, str] | None = None
        best_q = mpq(0)
        for name in sorted(remaining, key=lambda n: (rho_bound[n], rank[n])):
            if best is not None and (rho_bound[name], rank[name]) > best[:2]:
                break
            q = _price(costs[name], [(holdings[g], voters.sizes[g]) for g in voters.groups[name]])
            if q is None:
                remaining.discard(name)
                continue
            rho_bound[name] = q / costs[name]
            if best is None or (rho_bound[name], rank[name]) < best[:2]:
                best, best_q = (rho_bound[name], rank[name], name), q
        if best is None:
            break
        rho, _, chosen = best
        paid: dict[int, mpq] = {}
        for g in voters.groups[chosen]:
            paid[g] = min(holdings[g], best_q)
            holdings[g] -= paid[g]
        remaining.discard(chosen)
        purchases.append((chosen, rho, best_q, paid))
    return purchases


def _sign_kept_until(value: mpq, slope: mpq, at: mpq) -> mpq | None:
    """Up to which endowment the affine f(t) = value + slope (t - at) keeps the sign it has at ``at``.

    None if forever; a zero value is kept only while f does not fall.
    """
    if value < 0 < slope or value > 0 > slope:
        return at - value / slope
    return at if value == 0 and slope < 0 else None


def _stable_until(costs: Mapping[str, Amount], voters: _Voters, purchases: Sequence[Purchase],
                  endowment: Fraction) -> mpq | None:
    """An endowment below which every run from ``endowment`` on buys the same projects in the same order.

    Each voter's holding, each project's price q and so its rho are affine in the endowment t as
    long as the same projects are bought and the same supporters pay all they hold; the run
    stays the same while every comparison it rests on keeps its sign: each project left unbought
    stays out of its supporters' reach, each supporter of an affordable project stays on their
    side of its price, and each project bought keeps the least (rho, priority) among those
    affordable.  The least endowment at which one of them could change is returned (None: none
    ever does); add-one may pass every run below it, since they all buy what this one bought.
    """
    n, at = len(voters.sizes), mpq(endowment)
    held, slope = [at] * n, [mpq(1)] * n  # each group's holding at the endowment, and its slope
    limits: list[mpq | None] = []
    left = {name for name, who in voters.supporters.items() if who}
    chosen: str | None
    for chosen in [*(purchase[0] for purchase in purchases), None]:
        prices: dict[str, tuple[mpq, mpq, set[int]]] = {}
        for name in left:
            groups, cost = voters.groups[name], costs[name]
            total = sum((held[g] * voters.sizes[g] for g in groups), ZERO)
            if total < cost:
                rise = sum((slope[g] * voters.sizes[g] for g in groups), ZERO)
                limits.append(_sign_kept_until(total - cost, rise, at))
                continue
            q = _price(cost, [(held[g], voters.sizes[g]) for g in groups])
            assert q is not None
            poor = {g for g in groups if held[g] < q}
            q_slope = (-sum((slope[g] * voters.sizes[g] for g in poor), ZERO)
                       / (len(voters.supporters[name]) - sum(voters.sizes[g] for g in poor)))
            limits += [_sign_kept_until(held[g] - q, slope[g] - q_slope, at) for g in groups]
            prices[name] = (q, q_slope, poor)
        if chosen is None:
            assert not prices, "the run stopped while a project was still affordable"
            break
        q, q_slope, poor = prices[chosen]
        for name, (other, other_slope, _) in prices.items():
            if name != chosen:
                gap = other / costs[name] - q / costs[chosen]
                gap_slope = other_slope / costs[name] - q_slope / costs[chosen]
                limits.append(_sign_kept_until(gap, gap_slope, at))
        for g in voters.groups[chosen]:
            held[g], slope[g] = (mpq(0), mpq(0)) if g in poor else (held[g] - q, slope[g] - q_slope)
        left.discard(chosen)
    return min((limit for limit in limits if limit is not None), default=None)


class _AddOne:
    """How far add-one raises the endowment next: one unit, or past runs known to buy the same.

    A run that buys nothing had no project within its supporters' reach, so every run up to the
    first endowment at which one is buys nothing too (cheap to find).  Otherwise
    :func:`_stable_until` finds the runs that buy the same projects as this one; it costs several
    runs, so after it has let add-one pass fewer than ``worth`` runs it is left out for twice as
    many steps as the time before.  Either way the runs passed over are not exhaustive and fit
    the budget when this one does, so add-one would pass them all.
    """

    worth = 4

    def __init__(self, costs: Mapping[str, Amount], voters: _Voters) -> None:
        self.costs, self.voters = costs, voters
        self.wait = self.skip = 0

    def step(self, purchases: Sequence[Purchase], endowment: Fraction) -> int:
        if not purchases:
            return max(1, min(math.ceil(Fraction(self.costs[name], len(who)) - endowment)
                              for name, who in self.voters.supporters.items() if who))
        if self.skip:
            self.skip -= 1
            return 1
        limit = _stable_until(self.costs, self.voters, purchases, endowment)
        step = 1 if limit is None else max(1, math.ceil(_fraction(limit) - endowment))
        self.wait = 0 if step >= self.worth else 2 * self.wait + 1  # back off for good: no cap
        self.skip = self.wait
        return step


def _fraction(value: mpq) -> Fraction:
    """The same rational as a Fraction (what BudgetOutcome holds and the open books record)."""
    return Fraction(int(value.numerator), int(value.denominator))


def _rounds(purchases: Sequence[Purchase], voters: _Voters, endowment: Fraction) -> list[dict[str, Any]]:
    """The purchases as BudgetOutcome.rounds, with every voter's payment (in Fractions)."""
    rounds = []
    for name, rho, _, paid in purchases:
        exact = {g: _fraction(amount) for g, amount in paid.items()}
        rounds.append({"project": name, "rule": "equal shares", "endowment": endowment, "rho": _fraction(rho),
                       "payments": {i: exact[voters.group[i]] for i in voters.supporters[name]}})
    return rounds


def equal_shares(projects: Mapping[str, Amount], approvals: Sequence[Collection[str]], budget: Amount,
                 seed: str, completion: str = DEFAULT_COMPLETION, *,
                 tie_break: Literal["lottery", "lexicographic"] = "lottery") -> BudgetOutcome:
    """Fund projects by the Method of Equal Shares and the ``completion`` chosen (module doc).

    ``projects`` maps names to positive costs; ``approvals`` holds one collection of approved
    names per voter; ``budget`` is >= 0 (amounts: whole numbers or Fractions).  A ballot naming
    an unknown project is refused (``invalid_ballot``).  Ties follow
    ``lottery_order(sorted(projects), seed, "equal shares tie")``, or the names
    (``tie_break="lexicographic"``).
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
    voters = _voters(costs, approvals)
    supporters = voters.supporters

    rounds: list[dict[str, Any]] = []
    if voters.group:
        endowment = Fraction(budget, len(voters.group))
        purchases = _equal_shares_run(costs, voters, endowment, rank)
        approved = [name for name in costs if supporters[name]]
        kept, add_one = endowment, _AddOne(costs, voters)
        while rule.add_one and not _exhaustive([p[0] for p in purchases], approved, costs, budget):
            step = add_one.step(purchases, endowment)
            larger = _equal_shares_run(costs, voters, endowment + step, rank)
            if sum(costs[p[0]] for p in larger) > budget:
                if step > 1:  # the last run passed over buys the same projects: add-one keeps it
                    kept = endowment + step - 1
                    purchases = _equal_shares_run(costs, voters, kept, rank)
                break
            endowment += step
            purchases, kept = larger, endowment
        rounds = _rounds(purchases, voters, kept)
    funded = [r["project"] for r in rounds]
    if rule.greedy:
        spent: Amount = sum(costs[name] for name in funded)
        rest = sorted((name for name in costs if name not in funded),
                      key=lambda n: (-len(supporters[n]), rank[n]))
        for name in rest:
            if spent + costs[name] <= budget:
                spent += costs[name]
                funded.append(name)
                rounds.append({"project": name, "rule": "completion", "approvals": len(supporters[name])})
    return BudgetOutcome(funded=tuple(funded), spent=sum(costs[name] for name in funded), budget=budget,
                         rounds=tuple(rounds), method=rule.method)


def _exhaustive(bought: Collection[str], candidates: Collection[str], costs: Mapping[str, Amount],
                budget: Amount) -> bool:
    """Whether no candidate left unfunded would still fit in what ``bought`` leaves of the budget."""
    funded = set(bought)
    left = budget - sum(costs[name] for name in funded)
    return all(name in funded or costs[name] > left for name in candidates)
