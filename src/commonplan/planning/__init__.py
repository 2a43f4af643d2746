"""Optimal plans: Kantorovich's problem with priority tiers, exact (LP) and approximate (Harmony)."""

from __future__ import annotations

from typing import Literal, get_args

from commonplan.economy.model import Economy, Needs
from commonplan.planning.plan import Plan, Progress

PlanMethod = Literal["lp", "harmony"]  # the planning methods, defined once
METHODS: tuple[str, ...] = get_args(PlanMethod)


def make_plan(economy: Economy, needs: Needs | None = None, method: str = "lp",
              progress: Progress | None = None) -> Plan:
    """The plan of ``economy`` for ``needs`` (default: its own) by ``method``: ``lp`` (exact)
    or ``harmony`` (approximate, for economies too large for an exact solve)."""
    from commonplan.planning.problem import planning_problem

    problem = planning_problem(economy, needs)
    if method == "lp":
        from commonplan.planning.exact import exact_plan

        return exact_plan(problem, progress)
    if method == "harmony":
        from commonplan.planning.harmony import harmony_plan

        return harmony_plan(problem, progress)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")


__all__ = ["METHODS", "Plan", "PlanMethod", "Progress", "make_plan"]
