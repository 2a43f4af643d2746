"""Benchmark: the exact STV count (commonplan.democracy.elections.stv) against pyrankvote.

    python bench/stv.py [--sizes 100000 1000000] [--repeat 3] [--skip-pyrankvote] [--save figures.json]

Counted: the two real wards of the 2012 Aberdeen City Council election in
tests/democracy/data/scottish-stv (4,694 and 5,471 ballots, 9 candidates, 4 seats; provenance in
that folder's README), then synthetic electorates of ``--sizes`` ballots, 12 candidates, 4 seats
(:func:`synthetic`).  Each count starts from the same plain rankings (lists of candidate names):
ours is ``stv(candidates, rankings, seats, seed)``, which checks every ballot and counts in exact
fractions; pyrankvote 2.0.6 (``single_transferable_vote``) needs a ``Ballot`` object per ballot,
so its figure is building them plus its count (its count alone is printed too).  Times are the
median of ``--repeat`` runs.  pyrankvote counts in floats with its own rules (quota
votes / (seats + 1), every ballot of a surplus passed on at an equal share whatever its value,
candidates who cannot win excluded together, ties by second choices), so only the elected sets
are compared, and a difference is printed, not treated as an error.  Exit 1 when ours is slower
than pyrankvote on any election.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from commonplan.democracy.elections import stv

WARDS = Path(__file__).resolve().parent.parent / "tests" / "democracy" / "data" / "scottish-stv"
SEED = "5e" * 32
Election = tuple[list[str], list[list[str]], int]
T = TypeVar("T")


@dataclass(frozen=True)
class Figures:
    """The timings of one election (seconds) and what each count elected."""

    election: str
    ballots: int
    distinct: int
    candidates: int
    seats: int
    ours: float
    theirs: float | None
    theirs_count: float | None
    elected: list[str]
    theirs_elected: list[str] | None

    @property
    def ratio(self) -> float | None:
        return None if self.theirs is None else self.theirs / self.ours


def read_ward(path: Path) -> Election:
    """Candidates ("1".."N"), rankings and seats of a ward (format in the folder's README)."""
    rows = [[cell for cell in row if cell] for row in csv.reader(path.read_text().splitlines())]
    candidates, seats = int(rows[0][0]), int(rows[0][1])
    rankings = [row[1:] for row in rows[1:] if row[0].isdigit() for _ in range(int(row[0]))]
    return [str(k) for k in range(1, candidates + 1)], rankings, seats


def synthetic(ballots: int, candidates: int = 12, seats: int = 4, seed: int = 2012) -> Election:
    """An electorate of ``ballots`` rankings, drawn like a party-list council ward.

    The candidates stand for 5 parties (the first two with 3 candidates each).  Each voter has a
    favourite party (shares 30, 25, 20, 15, 10%) and ranks by Plackett-Luce (the Gumbel trick):
    popularity drawn lognormal, times 8 for the candidates of the favourite party.  Each ranking
    holds a geometric number of preferences (p = 0.31: a mean of about 3.2, as in the Aberdeen
    wards, where voters gave 3.3 and 3.2), at most all the candidates.
    """
    rng = np.random.default_rng(seed)
    party = np.array([k % 5 if k >= 6 else k // 3 for k in range(candidates)])
    popularity = rng.lognormal(0.0, 0.5, candidates)
    favourite = rng.choice(5, size=ballots, p=[0.30, 0.25, 0.20, 0.15, 0.10])
    weight = np.log(popularity)[None, :] + np.log(8.0) * (party[None, :] == favourite[:, None])
    order = np.argsort(-(weight + rng.gumbel(size=(ballots, candidates))), axis=1)
    length = np.minimum(rng.geometric(0.31, size=ballots), candidates)
    names = [f"C{k + 1:02d}" for k in range(candidates)]
    rankings = [[names[c] for c in row[:n]] for row, n in zip(order.tolist(), length.tolist(), strict=True)]
    return names, rankings, seats


def median_time(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The median wall time of ``repeat`` runs of ``run``, and its last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pyrankvote_count(election: Election) -> tuple[float, list[str]]:
    """pyrankvote's time for its count alone, and whom it elected (ballots built beforehand)."""
    import pyrankvote

    names, rankings, seats = election
    people = {name: pyrankvote.Candidate(name) for name in names}
    ballots = [pyrankvote.Ballot(ranked_candidates=[people[n] for n in ranking]) for ranking in rankings]
    start = time.perf_counter()
    result = pyrankvote.single_transferable_vote(list(people.values()), ballots, number_of_seats=seats)
    return time.perf_counter() - start, [winner.name for winner in result.get_winners()]


def pyrankvote_whole(election: Election) -> list[str]:
    """pyrankvote from the plain rankings: build its ballots, then count."""
    import pyrankvote

    names, rankings, seats = election
    people = {name: pyrankvote.Candidate(name) for name in names}
    ballots = [pyrankvote.Ballot(ranked_candidates=[people[n] for n in ranking]) for ranking in rankings]
    result = pyrankvote.single_transferable_vote(list(people.values()), ballots, number_of_seats=seats)
    return [winner.name for winner in result.get_winners()]


def measure(label: str, election: Election, repeat: int, compare: bool) -> Figures:
    names, rankings, seats = election
    ours, outcome = median_time(lambda: stv(names, rankings, seats, SEED).elected, repeat)
    theirs = theirs_count = theirs_elected = None
    if compare:
        theirs, theirs_elected = median_time(lambda: pyrankvote_whole(election), repeat)
        theirs_count = statistics.median(pyrankvote_count(election)[0] for _ in range(repeat))
    return Figures(label, len(rankings), len({tuple(r) for r in rankings}), len(names), seats, ours, theirs,
                   theirs_count, list(outcome), theirs_elected)


def report(figures: Figures) -> None:
    theirs = "-" if figures.theirs is None else f"{figures.theirs:.3f} s ({figures.theirs_count:.3f} s count)"
    ratio = "-" if figures.ratio is None else f"{figures.ratio:.1f}x"
    print(f"{figures.election:<24} {figures.ballots:>9,} ballots ({figures.distinct:>7,} distinct), "
          f"{figures.candidates} candidates, {figures.seats} seats: ours {figures.ours:.3f} s, "
          f"pyrankvote {theirs}, pyrankvote / ours {ratio}")
    if figures.theirs_elected is not None:
        same = sorted(figures.elected) == sorted(figures.theirs_elected)
        verdict = "the same elected" if same else f"DIFFERENT elected: pyrankvote {figures.theirs_elected}"
        print(f"{'':<24} elected {figures.elected}; {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pyrankvote", action="store_true")
    parser.add_argument("--save", type=Path)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}; median of {args.repeat} runs")
    elections = [(path.stem, lambda path=path: read_ward(path)) for path in sorted(WARDS.glob("*.csv"))]
    elections += [(f"synthetic {size:,}", lambda size=size: synthetic(size)) for size in args.sizes]
    results = []
    for label, make in elections:
        results.append(measure(label, make(), args.repeat, not args.skip_pyrankvote))
        report(results[-1])
    if args.save:
        args.save.write_text(json.dumps([asdict(f) | {"ratio": f.ratio} for f in results], indent=2))
    slower = [f.election for f in results if f.ratio is not None and f.ratio < 1]
    if slower:
        print(f"slower than pyrankvote on: {', '.join(slower)}")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
