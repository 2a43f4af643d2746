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

import numpy as np

from commonplan.planning.plan import Progress

HOLD = 1e-9  # an earlier tier may give up this much of its optimum, relative (SPEC)
MET = 1 - 1e-9


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
    # Each tier's optimum: the final activity delivers it less at most the 1e-9 hold.
    return Lexicographic(fulfilment, final.activity, priced.shadow_prices, priced.capacity_prices)


def held(fulfilment: float, slack: float = HOLD) -> float:
    """The least lambda a tier may fall to once its optimum is known."""
    return fulfilment * (1 - slack)
