"""Elections of delegates: approval voting for one seat, the single transferable vote for several.

Approval (:func:`approval`): each member approves any number of candidates; the one with most
approvals wins.  STV (:func:`stv`): each member ranks candidates; the Droop quota
floor(valid / (seats + 1)) + 1; surpluses transferred by the weighted inclusive Gregory method
(as in the Scottish Local Government Elections Order 2007) in exact fractions, no rounding or
truncation, so anyone recounting gets the same numbers; otherwise the lowest candidate is
excluded and their ballots pass on at their current value.  Ties are broken by earlier-stage
totals (forwards: the first stage at which the tied candidates differed), then by the public
lottery (:mod:`commonplan.democracy.lottery`); every tie the lottery broke is named in
``Outcome.ties``.  The methods are explained with worked examples in docs/democracy.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NotRequired, TypedDict, TypeGuard

from commonplan.democracy.lottery import lottery_order
from commonplan.democracy.refusals import INVALID_BALLOT, NO_CANDIDATES, Refusal

KINDS = ("approval", "stv")


class StageRecord(TypedDict):
    """One stage of an STV count, as ``Outcome.rounds`` records it."""

    stage: int
    votes: dict[str, float]
    votes_exact: dict[str, str]  # the exact fractions, as text
    elected: list[str]
    action: NotRequired[str]
    transfer_value: NotRequired[str]
    transfers: NotRequired[dict[str, float]]
    non_transferable: NotRequired[float]


@dataclass(frozen=True)
class Outcome:
    """The result of an election.

    ``elected`` in order of election; ``runners_up`` the others by final standing, best first
    (the runner-up fills a recalled seat when the council chose so); ``counts`` approvals per
    candidate (approval) or final votes (stv); ``rounds`` the stage-by-stage log of an STV count
    (votes of every candidate at the start of the stage, who was elected, whose surplus or
    exclusion was transferred, the transfers and the non-transferable value); ``ties`` plain
    words for every tie the lottery broke, naming the seed and purpose.
    """

    method: str
    elected: tuple[str, ...]
    runners_up: tuple[str, ...]
    counts: dict[str, float] = field(default_factory=dict)
    rounds: tuple[StageRecord, ...] = ()
    ties: tuple[str, ...] = ()


def _checked_candidates(candidates: Sequence[str]) -> list[str]:
    if not candidates:
        raise Refusal(NO_CANDIDATES, "the election has no candidates")
    names = list(candidates)
    if len(set(names)) != len(names):
        raise ValueError("candidates: a candidate is named twice")
    return names


def ballot_checked(kind: str, content: Any, candidates: Sequence[str], seats: int = 1) -> Any:
    """One ballot's content in normal form, or Refusal("invalid_ballot") naming what is wrong.

    approval: a list (or set) of distinct known candidates, possibly empty (approves nobody);
    returned in the order of ``candidates``.  stv: a ranking, a list of at least one distinct
    known candidate, first preference first; returned as a list.  ``seats`` is the number of
    seats (at least 1); a ranking may be shorter or longer than it.
    """
    if seats < 1:
        raise ValueError(f"seats: {seats} is not at least 1")
    if kind not in KINDS:
        raise Refusal(INVALID_BALLOT, f"{kind!r} is not a kind of ballot (approval or stv)")
    known = set(candidates)
    if isinstance(content, str | bytes) or not isinstance(content, list | tuple | set | frozenset):
        form = "a list of candidates" if kind == "approval" else "a ranking (a list) of candidates"
        raise Refusal(INVALID_BALLOT, f"an {kind} ballot must be {form}, not {type(content).__name__}")
    if kind == "stv" and isinstance(content, set | frozenset):
        raise Refusal(INVALID_BALLOT, "an stv ballot must be a ranking (a list) of candidates, not a set")
    seen: set[str] = set()
    for name in content:
        if not isinstance(name, str) or name not in known:
            raise Refusal(INVALID_BALLOT, f"{name!r} is not a candidate in this election")
        if name in seen:
            raise Refusal(INVALID_BALLOT, f"{name} is named twice on the ballot")
        seen.add(name)
    if kind == "approval":
        return [name for name in candidates if name in seen]
    if not content:
        raise Refusal(INVALID_BALLOT, "an stv ballot must rank at least one candidate")
    return list(content)


def approval(candidates: Sequence[str], ballots: Sequence[Collection[str]], seed: str) -> Outcome:
    """One seat: the candidate with most approvals; ties by lottery_order(seed, "approval tie").

    ``runners_up`` are the others by approvals, most first (ties by the same lottery order).
    """
    names = _checked_candidates(candidates)
    counts = dict.fromkeys(names, 0)
    for ballot in ballots:
        for name in ballot_checked("approval", ballot, names):
            counts[name] += 1
    purpose = "approval tie"
    position = {name: k for k, name in enumerate(lottery_order(names, seed, purpose))}
    standing = sorted(names, key=lambda name: (-counts[name], position[name]))
    ties = []
    for value in sorted(set(counts.values()), reverse=True):
        tied = [name for name in standing if counts[name] == value]
        if len(tied) > 1:
            ties.append(f"{', '.join(sorted(tied))} tied with {value} approvals each; the lottery "
                        f"(seed {seed}, purpose {purpose!r}) ordered them {', '.join(tied)}")
    return Outcome(method="approval", elected=(standing[0],), runners_up=tuple(standing[1:]),
                   counts={name: float(counts[name]) for name in names}, rounds=(), ties=tuple(ties))


def droop_quota(valid: int, seats: int) -> int:
    """The Droop quota: floor(valid / (seats + 1)) + 1."""
    return valid // (seats + 1) + 1


def stv(candidates: Sequence[str], rankings: Iterable[Sequence[str]], seats: int, seed: str) -> Outcome:
    """The single transferable vote for ``seats`` seats (see the module docstring and docs/democracy.md).

    Every ranking is checked as :func:`ballot_checked` checks it (the first refused in order is
    the one named); an empty ranking is no valid vote and does not count towards the quota.
    """
    if seats < 1:
        raise ValueError(f"seats: {seats} is not at least 1")
    names = _checked_candidates(candidates)
    return _Count(names, _grouped_rankings(names, rankings), seats, seed).run()


Group = tuple[tuple[int, ...], int]  # a ranking as candidate indices, and how many ballots hold it


def _grouped_rankings(names: list[str], rankings: Iterable[Sequence[str]]) -> list[Group]:
    """The valid rankings grouped: each distinct one with its number of ballots, in order of first appearance.

    Identical ballots take the same path at the same value through the whole count, so counting
    each distinct ranking once changes no figure.  Each is checked once, in order of first
    appearance, so the ballot refused is the one a ballot-by-ballot check would refuse first.
    """
    if not isinstance(rankings, list | tuple):
        rankings = list(rankings)
    try:
        tally = Counter(map(tuple, filter(len, rankings)))
    except TypeError:  # a ranking without a length, or naming something unhashable: check one by one
        for ranking in rankings:
            if len(ranking) > 0:
                ballot_checked("stv", list(ranking), names)
        raise
    index = {name: k for k, name in enumerate(names) if isinstance(name, str)}
    groups: list[Group] = []
    for ranking, count in tally.items():
        positions = tuple(map(index.get, ranking))
        if not _all_known(positions) or len(set(positions)) != len(positions):
            ballot_checked("stv", list(ranking), names)
            raise AssertionError(f"unreachable: {ranking!r} was refused by the quick check only")
        groups.append((positions, count))
    return groups


def _all_known(positions: tuple[int | None, ...]) -> TypeGuard[tuple[int, ...]]:
    return None not in positions


class _Count:
    """One STV count, in exact fractions, over groups of identical ballots.

    A candidate's pile is a list of parcels (the value of each ballot in it, the groups), in the
    order the ballots arrived; a group's ballots sit with the candidate at ``position[group]`` of
    its ranking.  Totals change only by what a transfer moves, so no stage sums the piles afresh,
    and a transfer touches only the groups of the one pile it empties.
    """

    def __init__(self, names: list[str], groups: list[Group], seats: int, seed: str) -> None:
        self.names, self.seats, self.seed = names, seats, seed
        self.rankings = [ranking for ranking, _ in groups]
        self.sizes = [count for _, count in groups]
        self.position = [0] * len(groups)
        self.quota = Fraction(droop_quota(sum(self.sizes), seats))
        self.index = {name: k for k, name in enumerate(names)}
        self.continuing = list(names)
        self.standing = [True] * len(names)  # still in the count, by candidate index
        self.elected: list[str] = []
        self.excluded: list[str] = []
        self.pending: list[str] = []  # elected, surplus not yet transferred
        first: list[list[int]] = [[] for _ in names]
        for group, ranking in enumerate(self.rankings):
            first[ranking[0]].append(group)
        self.piles: list[list[tuple[Fraction, list[int]]]] = [[(Fraction(1), g)] if g else [] for g in first]
        self.totals = {name: Fraction(sum(self.sizes[g] for g in first[k])) for k, name in enumerate(names)}
        self.history: list[dict[str, Fraction]] = []
        self.rounds: list[StageRecord] = []
        self.ties: list[str] = []

    def order(self, tied_group: list[str], stage: int, what: str) -> list[str]:
        """``tied_group`` (equal now) best first: forwards by earlier stages, then by lottery."""
        def earlier(name: str) -> tuple[Fraction, ...]:
            return tuple(-totals.get(name, Fraction(0)) for totals in self.history)
        ordered = sorted(tied_group, key=earlier)
        result: list[str] = []
        k = 0
        while k < len(ordered):
            group = [n for n in ordered if earlier(n) == earlier(ordered[k])]
            k += len(group)
            if len(group) > 1:
                purpose = f"stv tie at stage {stage}: {what}"
                group = lottery_order(group, self.seed, purpose)
                self.ties.append(f"{', '.join(sorted(group))} were tied at every stage ({what}); "
                                 f"the lottery (seed {self.seed}, purpose {purpose!r}) ordered them "
                                 f"{', '.join(group)}")
            result += group
        return result

    def ranked(self, group: list[str], stage: int, what: str) -> list[str]:
        """``group`` by current votes, most first; ties ordered by :meth:`order`."""
        result: list[str] = []
        for value in sorted({self.totals[n] for n in group}, reverse=True):
            tied = [n for n in group if self.totals[n] == value]
            result += self.order(tied, stage, what) if len(tied) > 1 else tied
        return result

    def moves(self, groups: list[int]) -> tuple[dict[int, list[int]], dict[int, int], int]:
        """Where ``groups`` go next: the groups and ballots arriving at each candidate, the ballots lost.

        Each group moves to the next candidate on its ranking still in the count (its position
        advances); the destinations in the order of the first ballot that reaches them.
        """
        arriving: dict[int, list[int]] = {}
        ballots: dict[int, int] = {}
        lost = 0
        rankings, position, standing, sizes = self.rankings, self.position, self.standing, self.sizes
        for group in groups:
            ranking, k = rankings[group], position[group] + 1
            end = len(ranking)
            while k < end and not standing[ranking[k]]:
                k += 1
            if k == end:
                lost += sizes[group]
                continue
            position[group], to = k, ranking[k]
            if to in arriving:
                arriving[to].append(group)
                ballots[to] += sizes[group]
            else:
                arriving[to], ballots[to] = [group], sizes[group]
        return arriving, ballots, lost

    def transfer(self, source: str, ratio: Fraction) -> tuple[dict[str, Fraction], Fraction]:
        """Pass ``source``'s pile on, each ballot at its value times ``ratio``: what moved, what was lost."""
        moved: dict[str, Fraction] = {}
        lost = Fraction(0)
        for value, groups in self.piles[self.index[source]]:
            new = value * ratio
            arriving, ballots, exhausted = self.moves(groups)
            for to, parcel in arriving.items():
                self.piles[to].append((new, parcel))
                name = self.names[to]
                moved[name] = moved.get(name, Fraction(0)) + new * ballots[to]
            lost += new * exhausted
        self.piles[self.index[source]] = []
        for name, amount in moved.items():
            self.totals[name] += amount
        return moved, lost

    def run(self) -> Outcome:
        stage = 0
        while len(self.elected) < self.seats:
            stage += 1
            totals = dict(self.totals)
            record: StageRecord = {"stage": stage, "votes": {n: float(v) for n, v in totals.items()},
                            "votes_exact": {n: str(v) for n, v in totals.items()}, "elected": []}
            self.history.append(totals)
            remaining = self.seats - len(self.elected)
            if len(self.continuing) <= remaining:
                new = self.ranked(self.continuing, stage, "order of election of the last candidates")
                self.elect(new, record)
                record["action"] = "the continuing candidates fill the remaining seats"
                self.rounds.append(record)
                break
            reached = [n for n in self.continuing if totals[n] >= self.quota]
            if reached:
                new = self.ranked(reached, stage, "order of election")
                self.elect(new, record)
                self.pending += new
                if len(self.elected) == self.seats:
                    self.rounds.append(record)
                    break
            surplus = [n for n in self.pending if totals[n] > self.quota]
            self.pending = surplus
            if surplus:
                source = self.ranked(surplus, stage, "order of surplus transfer")[0]
                self.pending.remove(source)
                excess = totals[source] - self.quota
                moved, lost = self.transfer(source, excess / totals[source])
                self.totals[source] = self.quota  # what stays: each ballot at quota / votes of its value
                record["action"] = f"surplus of {source} transferred"
                record["transfer_value"] = str(excess / totals[source])
            else:
                source = self.ranked(self.continuing, stage, "exclusion")[-1]
                self.leave(source)
                self.excluded.append(source)
                moved, lost = self.transfer(source, Fraction(1))
                self.totals[source] = Fraction(0)
                record["action"] = f"{source} excluded"
            record["transfers"] = {n: float(v) for n, v in moved.items()}
            record["non_transferable"] = float(lost)
            self.rounds.append(record)
        stage += 1
        left = self.ranked(self.continuing, stage, "final standing of the runners-up")
        return Outcome(method="stv", elected=tuple(self.elected),
                       runners_up=tuple(left + self.excluded[::-1]),
                       counts={n: float(self.totals[n]) for n in self.names},
                       rounds=tuple(self.rounds), ties=tuple(self.ties))

    def leave(self, name: str) -> None:
        """``name`` is no longer in the count (elected or excluded): no ballot goes to them any more."""
        self.continuing.remove(name)
        self.standing[self.index[name]] = False

    def elect(self, new: list[str], record: StageRecord) -> None:
        for name in new:
            self.leave(name)
            self.elected.append(name)
            record["elected"].append(name)
