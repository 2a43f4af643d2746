"""What a sweep is: many independent plans of one economy, one per *scenario*, as plain data.

A sensitivity scan asks how the plan answers a change of one choice or one limit: the share
of work the people give to consumption, a council's order of priorities, the capacities in
place, the labour force, the planning method. A sweep is the grid of such scenarios (every
combination of the values asked for, :func:`grid`) and, for each, an :class:`Outcome`: the
fulfilment of every priority tier, the labour, the status and what binds.

Everything here is pure: a scenario is data, :func:`scaled_economy` derives its economy from
the base one, :func:`outcome_of` reads a plan. Running the scenarios (on a Dask cluster) is
the application's (``app.sweeps``); the plans themselves are the one planning use case's
(``app.variants.plan_variant``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from commonplan.economy.model import PART_LABELS, Economy, Part
from commonplan.errors import InputError
from commonplan.planning.plan import Plan

MAX_SCENARIOS = 1_000  # a sweep holds every outcome in memory and the grid grows as a product
MAX_SCALE = 1e6  # a factor on capacities or labour beyond this is a typo, not a scenario


@dataclass(frozen=True)
class Span:
    """Values from ``start`` to ``stop`` in ``steps`` evenly spaced steps (both ends included;
    one step is ``start`` alone): ``0.5:0.9:5`` is 0.5, 0.6, 0.7, 0.8, 0.9."""

    start: float
    stop: float
    steps: int

    @property
    def values(self) -> tuple[float, ...]:
        if self.steps == 1:
            return (self.start,)
        return tuple(float(v) for v in np.linspace(self.start, self.stop, self.steps))


def parse_span(text: str, option: str, *, low: float, high: float) -> Span:
    """A :class:`Span` from ``START:STOP:STEPS`` (or one number), every value in [low, high];
    InputError naming ``option`` and saying what is wrong."""
    parts = text.split(":")
    if len(parts) not in (1, 3):
        raise InputError(f"{option} {text!r}: expected START:STOP:STEPS (0.5:0.9:5) or one number")
    try:
        start = float(parts[0])
        stop = float(parts[1]) if len(parts) == 3 else start
        steps = int(parts[2]) if len(parts) == 3 else 1
    except ValueError:
        raise InputError(f"{option} {text!r}: START and STOP must be numbers and STEPS a whole "
                         "number") from None
    if not all(math.isfinite(v) and low <= v <= high for v in (start, stop)):
        raise InputError(f"{option} {text!r}: values must lie from {low:g} to {high:g}")
    if not 1 <= steps <= MAX_SCENARIOS:
        raise InputError(f"{option} {text!r}: STEPS must be from 1 to {MAX_SCENARIOS:,}")
    if steps > 1 and start == stop:
        raise InputError(f"{option} {text!r}: {steps} steps from {start:g} to itself repeat one "
                         "scenario; give one number")
    return Span(start, stop, steps)


@dataclass(frozen=True)
class Priorities:
    """A council's order of priorities to plan by: its ``name`` (the file it came from, the
    ballot's title) and its ``tiers`` (product id to priority)."""

    name: str
    tiers: Mapping[str, int]


@dataclass(frozen=True)
class Scenario:
    """One plan of a sweep: the economy with every finite capacity times ``capacity_scale``
    and every labour availability times ``labour_scale``, planned by ``method`` for the
    ``priorities`` chosen (None: the bundle's), within the ``shares`` of work (part label to
    fraction; None: no shares). ``number`` is its place in the grid, from 1."""

    number: int
    method: str = "lp"
    shares: Mapping[str, float] | None = None
    capacity_scale: float = 1.0
    labour_scale: float = 1.0
    priorities: Priorities | None = None

    @property
    def label(self) -> str:
        """The scenario in words, for people: ``consumption 60%, capacities x0.9, lp``."""
        words = []
        if self.shares is not None:
            words.append(f"consumption {self.shares[Part.CONSUMPTION.label]:.1%}")
        if self.capacity_scale != 1.0:
            words.append(f"capacities x{self.capacity_scale:g}")
        if self.labour_scale != 1.0:
            words.append(f"labour x{self.labour_scale:g}")
        if self.priorities is not None:
            words.append(f"priorities {self.priorities.name}")
        words.append(self.method)
        return ", ".join(words)

    def parameters(self) -> dict[str, Any]:
        """The scenario as JSON: every figure exact."""
        return {"number": self.number, "label": self.label, "method": self.method,
                "shares": dict(self.shares) if self.shares is not None else None,
                "capacity_scale": self.capacity_scale, "labour_scale": self.labour_scale,
                "priorities": self.priorities.name if self.priorities is not None else None}


def shares_for(consumption: float, rest: Mapping[str, float] | None = None) -> dict[str, float]:
    """Shares of work giving ``consumption`` to consumption and the rest to investment and the
    public services in the proportion of ``rest`` (a shares ballot's result; default: halves)."""
    investment = (rest or {}).get(Part.INVESTMENT.label, 1.0)
    public = (rest or {}).get(Part.PUBLIC_SERVICES.label, 1.0)
    other = investment + public
    split = investment / other if other > 0 else 0.5
    left = 1.0 - consumption
    return dict(zip(PART_LABELS, (consumption, left * split, left - left * split), strict=True))


def grid(*, methods: Sequence[str] = ("lp",), consumption: Sequence[float] = (),
         rest: Mapping[str, float] | None = None, capacity: Sequence[float] = (),
         labour: Sequence[float] = (), priorities: Sequence[Priorities] = ()) -> list[Scenario]:
    """Every combination of the values given (an axis left empty stays as the bundle has it),
    numbered in order: methods outermost, then priorities, consumption shares, capacity and
    labour scales. InputError past :data:`MAX_SCENARIOS`, before any scenario is made."""
    axes: list[Sequence[Any]] = [methods, list(priorities) or [None],
                                 list(consumption) or [None], list(capacity) or [1.0], list(labour) or [1.0]]
    count = math.prod(len(axis) for axis in axes)
    if count > MAX_SCENARIOS:
        sizes = " x ".join(str(len(axis)) for axis in axes if len(axis) > 1)
        raise InputError(f"the sweep has {count:,} scenarios ({sizes}), more than {MAX_SCENARIOS:,}: "
                         "fewer steps, or several sweeps")
    if count == 0:
        raise InputError("the sweep has no scenario: give at least one method")
    for scale in (*capacity, *labour):
        if not 0 <= scale <= MAX_SCALE:
            raise InputError(f"a scale of {scale:g} is not from 0 to {MAX_SCALE:g}")
    return [Scenario(number, method, shares_for(share, rest) if share is not None else None,
                     capacity_scale, labour_scale, voted)
            for number, (method, voted, share, capacity_scale, labour_scale)
            in enumerate(product(*axes), 1)]


def scaled_economy(economy: Economy, scenario: Scenario) -> Economy:
    """``economy`` with the scenario's capacities and labour force (the same object when it
    changes neither); infinite capacities and unlimited labour stay so."""
    if scenario.capacity_scale == 1.0 and scenario.labour_scale == 1.0:
        return economy
    techniques = economy.techniques
    if scenario.capacity_scale != 1.0:
        techniques = dataclasses.replace(
            techniques, capacities=techniques.capacities * scenario.capacity_scale)
    available = economy.available.copy()
    if scenario.labour_scale != 1.0:
        labour = economy.products.is_labour()
        available[labour] = available[labour] * scenario.labour_scale
    return dataclasses.replace(economy, techniques=techniques, available=available)


@dataclass(frozen=True)
class Outcome:
    """What one scenario's plan came to: SPEC's ``status`` word (``failed`` when no plan was
    made, ``error`` saying why), ``fulfilment`` per priority (decimal strings), the labour
    hours, the ids of the ``binding`` limits (``resources``, ``capacities``) and warnings; and
    how long the plan took, in ``seconds`` of wall time and ``cpu_seconds`` of its thread."""

    scenario: Scenario
    status: str
    fulfilment: Mapping[str, float] = field(default_factory=dict)
    labour_hours: float | None = None
    binding: Mapping[str, Sequence[str]] = field(default_factory=dict)
    warnings: Sequence[str] = ()
    error: str | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None

    def document(self) -> dict[str, Any]:
        """The outcome as JSON (every figure exact)."""
        return {"scenario": self.scenario.parameters(), "status": self.status,
                "fulfilment": dict(self.fulfilment), "labour_hours": self.labour_hours,
                "binding": {key: list(ids) for key, ids in self.binding.items()},
                "warnings": list(self.warnings), "error": self.error,
                "seconds": self.seconds, "cpu_seconds": self.cpu_seconds}


def outcome_of(scenario: Scenario, plan: Plan) -> Outcome:
    """The outcome of ``scenario``, planned as ``plan``."""
    economy = plan.problem.economy
    return Outcome(scenario, plan.status.spec,
                   {str(int(tier)): float(share)
                    for tier, share in zip(plan.tiers, plan.fulfilment, strict=True)},
                   float(plan.labour_hours),
                   {"resources": economy.products.ids.take(plan.binding_limits).to_pylist(),
                    "capacities": economy.techniques.ids.take(plan.binding_capacities).to_pylist()},
                   tuple(plan.warnings))


def failed(scenario: Scenario, reason: str) -> Outcome:
    """The outcome of a scenario no plan was made for, saying why."""
    return Outcome(scenario, "failed", error=reason)
