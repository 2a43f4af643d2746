"""The STV count as it was before it was made fast (commit cbb7510), kept as a test oracle.

It sums every pile afresh at every stage and moves ballots one by one, in exact fractions: slow,
but plainly the rule of docs/democracy.md.  tests/democracy/test_elections.py checks that
:func:`commonplan.democracy.elections.stv` gives the very same Outcome (every figure, every tie,
every dict in the same order) on random and real elections.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from commonplan.democracy.elections import Outcome, _checked_candidates, ballot_checked, droop_quota
from commonplan.democracy.lottery import lottery_order


def reference_stv(candidates: Sequence[str], rankings: Sequence[Sequence[str]], seats: int,
                  seed: str) -> Outcome:
    """The single transferable vote for ``seats`` seats (see the module docstring and docs/democracy.md).

    Every ranking is checked with :func:`ballot_checked`; an empty ranking is no valid vote and
    does not count towards the quota.
    """
    if seats < 1:
        raise ValueError(f"seats: {seats} is not at least 1")
    names = _checked_candidates(candidates)
    ballots = [ballot_checked("stv", list(r), names) for r in rankings if len(r) > 0]
    return _Count(names, ballots, seats, seed).run()


class _Count:
    """One STV count; exact fractions throughout."""

    def __init__(self, names: list[str], ballots: list[list[str]], seats: int, seed: str) -> None:
        self.names, self.ballots, self.seats, self.seed = names, ballots, seats, seed
        self.quota = Fraction(droop_quota(len(ballots), seats))
        self.continuing = list(names)
        self.elected: list[str] = []
        self.excluded: list[str] = []
        self.pending: list[str] = []  # elected, surplus not yet transferred
        # each candidate's pile: (ballot index, value) parcels
        self.piles: dict[str, list[tuple[int, Fraction]]] = {name: [] for name in names}
        self.history: list[dict[str, Fraction]] = []
        self.rounds: list[dict] = []
        self.ties: list[str] = []
        for index, ballot in enumerate(ballots):
            self.piles[ballot[0]].append((index, Fraction(1)))

    def votes(self, name: str) -> Fraction:
        return sum((value for _, value in self.piles[name]), Fraction(0))

    def next_preference(self, index: int, after: str) -> str | None:
        ballot = self.ballots[index]
        for name in ballot[ballot.index(after) + 1:]:
            if name in self.continuing:
                return name
        return None

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
        for value in sorted({self.votes(n) for n in group}, reverse=True):
            tied = [n for n in group if self.votes(n) == value]
            result += self.order(tied, stage, what) if len(tied) > 1 else tied
        return result

    def transfer(self, source: str, ratio: Fraction) -> tuple[dict[str, Fraction], Fraction]:
        moved: dict[str, Fraction] = {}
        lost = Fraction(0)
        for index, value in self.piles[source]:
            to = self.next_preference(index, source)
            new = value * ratio
            if to is None:
                lost += new
            else:
                self.piles[to].append((index, new))
                moved[to] = moved.get(to, Fraction(0)) + new
        return moved, lost

    def run(self) -> Outcome:
        stage = 0
        while len(self.elected) < self.seats:
            stage += 1
            totals = {n: self.votes(n) for n in self.names}
            record: dict = {"stage": stage, "votes": {n: float(v) for n, v in totals.items()},
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
                self.piles[source] = [(i, v * self.quota / totals[source]) for i, v in self.piles[source]]
                record["action"] = f"surplus of {source} transferred"
                record["transfer_value"] = str(excess / totals[source])
            else:
                source = self.ranked(self.continuing, stage, "exclusion")[-1]
                self.continuing.remove(source)
                self.excluded.append(source)
                moved, lost = self.transfer(source, Fraction(1))
                self.piles[source] = []
                record["action"] = f"{source} excluded"
            record["transfers"] = {n: float(v) for n, v in moved.items()}
            record["non_transferable"] = float(lost)
            self.rounds.append(record)
        stage += 1
        left = self.ranked(self.continuing, stage, "final standing of the runners-up")
        return Outcome(method="stv", elected=tuple(self.elected),
                       runners_up=tuple(left + self.excluded[::-1]),
                       counts={n: float(self.votes(n)) for n in self.names},
                       rounds=tuple(self.rounds), ties=tuple(self.ties))

    def elect(self, new: list[str], record: dict) -> None:
        for name in new:
            self.continuing.remove(name)
            self.elected.append(name)
            record["elected"].append(name)
