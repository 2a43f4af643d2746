"""Optimal plans: Kantorovich's problem with priority tiers, exact (LP) and approximate (Harmony).

The planning methods are one registry, :data:`METHODS`: a new method is its solver module and
one entry here (with its name in :data:`PlanMethod`); the command line's help, the API's schema
and the pages read the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from commonplan.economy.model import Economy, Needs
from commonplan.planning.plan import Plan, PlanStatus, Progress
from commonplan.planning.problem import PlanningProblem, planning_problem

PlanMethod = Literal["lp", "harmony"]  # the registry's names, for type checks and the API's schema
Solver = Callable[[PlanningProblem, Progress | None], Plan]


@dataclass(frozen=True)
class PlanningMethod:
    """A way to compute a plan: its ``name`` (``--method``), a ``label`` for forms, a one-line
    ``description`` for help texts, whether its plans are ``exact`` (SPEC's optimum: the only
    kind a multi-period plan is), and ``solver``, which imports the solver when first used."""

    name: str
    label: str
    description: str
    exact: bool
    solver: Callable[[], Solver]

    def solve(self, problem: PlanningProblem, progress: Progress | None = None) -> Plan:
        return self.solver()(problem, progress)


def _exact() -> Solver:
    from commonplan.planning.exact import exact_plan

    return exact_plan


def _harmony() -> Solver:
    from commonplan.planning.harmony import harmony_plan

    return harmony_plan


METHODS: Mapping[str, PlanningMethod] = MappingProxyType({method.name: method for method in (
    PlanningMethod("lp", "Exact (linear programme)",
                   "exact (HiGHS with column generation)", True, _exact),
    PlanningMethod("harmony", "Harmony (very large economies)",
                   "approximate, for economies too large for an exact solve", False, _harmony),
)})
DEFAULT_METHOD: PlanMethod = "lp"


def method_named(name: str) -> PlanningMethod:
    """The registered method ``name``; ValueError naming the methods there are."""
    if name not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {name!r}")
    return METHODS[name]


def exact_methods() -> tuple[str, ...]:
    """The methods whose plans are SPEC's optimum: the only ones that plan several periods."""
    return tuple(name for name, method in METHODS.items() if method.exact)


def methods_help() -> str:
    """Every method and its description, as one help text: ``lp: exact (...); harmony: ...``."""
    return "; ".join(f"{method.name}: {method.description}" for method in METHODS.values()) + "."


def make_plan(economy: Economy, needs: Needs | None = None, method: str = DEFAULT_METHOD,
              progress: Progress | None = None) -> Plan:
    """The plan of ``economy`` for ``needs`` (default: its own) by ``method``, one of
    :data:`METHODS` (``lp`` exact, ``harmony`` approximate)."""
    chosen = method_named(method)
    return chosen.solve(planning_problem(economy, needs), progress)


__all__ = ["DEFAULT_METHOD", "METHODS", "Plan", "PlanMethod", "PlanStatus", "PlanningMethod", "Progress",
           "exact_methods", "make_plan", "method_named", "methods_help"]
