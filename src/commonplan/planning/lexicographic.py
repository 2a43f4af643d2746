"""The order of SPEC's optimal plan: each priority tier maximised in turn, the earlier ones held,
then labour minimised; and which stage's prices a plan reports.

A method supplies a ``Stages`` object that can maximise one tier's lambda (with earlier
tiers held at their optimum less 1e-9 relative) and minimise labour; ``lexicographic`` runs
the stages, reports progress, and keeps the prices of the stage SPEC names: the last tier
with lambda < 1, or, when every tier is met, the labour stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import highspy
import numpy as np

from commonplan.planning.highs import LPError, optimise
from commonplan.planning.plan import MET, Progress

HOLD = 1e-9  # an earlier tier may give up this much of its optimum, relative (SPEC)
# ... and at least this much, absolute: a small lambda held to 1e-9 of itself leaves a sliver
# thinner than any LP solver's tolerance (1e-16 wide for a lambda of 1e-7), where HiGHS
# reports spurious infeasibility.
HOLD_FLOOR = 1e-12
MAX_SLACK = 1e-6  # the most an earlier tier's hold is widened to, relative, on numerical trouble
FULL = 1 - 1e-8


@dataclass(frozen=True)
class StageResult:
    """One stage's optimum: lambda (or hours), the lambda of every tier and the activity of its
    solution, and the prices of limits and capacities."""

    value: float
    fulfilment: np.ndarray
    activity: np.ndarray
    shadow_prices: np.ndarray  # per limited product, >= 0
    capacity_prices: np.ndarray  # per technique, >= 0


class Stages(Protocol):
    def maximise_tier(self, k: int) -> StageResult: ...

    def hold_tier(self, k: int, fulfilment: float) -> None: ...

    def minimise_labour(self) -> StageResult: ...


@dataclass(frozen=True)
class Lexicographic:
    fulfilment: np.ndarray
    activity: np.ndarray
    shadow_prices: np.ndarray
    capacity_prices: np.ndarray


def lexicographic(stages: Stages, tiers: int, progress: Progress | None = None) -> Lexicographic:
    """Run the stages in SPEC's order."""
    fulfilment = np.zeros(tiers)
    priced: StageResult | None = None
    for k in range(tiers):
        if progress:
            progress(k / (tiers + 1), f"maximising priority tier {k + 1} of {tiers}")
        result = stages.maximise_tier(k)
        # hold what the solution delivers: the objective may overstate it by HiGHS's tolerance
        fulfilment[k] = min(max(result.value, 0.0), float(result.fulfilment[k]), 1.0)
        stages.hold_tier(k, fulfilment[k])
        if fulfilment[k] < MET:
            priced = result
    if progress:
        progress(tiers / (tiers + 1), "minimising labour")
    final = stages.minimise_labour()
    priced = priced or final
    if progress:
        progress(1.0, "planned")
    # What the final activity delivers; a tier met in full, held to 1e-9 and within the
    # solver's tolerance of that, is reported in full (its shortfall is below SPEC's 1e-7).
    achieved = np.clip(final.fulfilment, 0.0, 1.0)
    achieved[(fulfilment >= MET) & (achieved >= FULL)] = 1.0
    return Lexicographic(achieved, final.activity, priced.shadow_prices, priced.capacity_prices)


def held(fulfilment: float, slack: float = HOLD) -> float:
    """The least lambda a tier may fall to once its optimum is known."""
    return fulfilment - max(fulfilment * slack, HOLD_FLOOR)


class HeldTiers:
    """Holding earlier tiers at their optimum, on one HiGHS model.

    Where HiGHS fails on the thin sliver that held tiers leave (a tiny lambda held to 1e-9 of
    itself), the holds are widened tenfold, up to 1e-6, and a warning says so.
    """

    def __init__(self, highs: highspy.Highs) -> None:
        self.highs = highs
        self.held: list[float] = []
        self.slack = HOLD
        self.warnings: list[str] = []

    def _hold(self, k: int, lower: float) -> None:
        """Keep tier ``k``'s lambda at least ``lower`` in the model."""
        raise NotImplementedError

    def hold_tier(self, k: int, fulfilment: float) -> None:
        self.held.append(fulfilment)
        self._hold(k, held(fulfilment, self.slack))

    def optimise(self) -> highspy.HighsSolution:
        while True:
            try:
                return optimise(self.highs)
            except LPError:
                if self.slack >= MAX_SLACK:
                    raise
                self.slack *= 10
                for k, fulfilment in enumerate(self.held):
                    self._hold(k, held(fulfilment, self.slack))
                self.warnings.append(f"earlier priority tiers held to {self.slack:.0e} of their "
                                     "optimum instead of 1e-9, where the solver met numerical "
                                     "trouble")
