"""A planning round: a federation of councils takes an economy from what people need to a plan
carried out, in steps that follow each other, each with a deadline, each step's end an act on
the open books. The steps, what each one is for, who must act in it and what must be done
before the round moves on are defined here, once; the acts (app.acts.rounds) and the pages
read them.

    needs gathered → priorities and shares voted → plan variants computed → plan adopted
      → targets published → in execution → closed

A step ends only when what it is for is done (:func:`missing`): no plan is adopted before its
variants exist, no variant is computed before the votes it applies have closed. A deadline
that passes with the step unfinished makes the round overdue, visibly; it never skips a step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from commonplan.democracy.refusals import Refusal

MAX_DAYS = 3660  # the longest a step may be given (ten years)


class Step(StrEnum):
    """Where a round stands; the values are the words stored and recorded."""

    NEEDS = "needs"
    VOTES = "votes"
    VARIANTS = "variants"
    ADOPTION = "adoption"
    TARGETS = "targets"
    EXECUTION = "execution"
    CLOSED = "closed"


@dataclass(frozen=True)
class StepRule:
    """A step: its ``title``, what it is ``for``, ``who`` must act in it, and the ``days`` it
    lasts by default (the federation sets each deadline when it opens the round)."""

    title: str
    purpose: str
    who: str
    days: int


STEPS: Mapping[Step, StepRule] = MappingProxyType({
    Step.NEEDS: StepRule(
        "Needs gathered", "consumer councils and shops send their purchase, stock and request "
        "records, and the needs are learned from them", "consumer councils and shops", 28),
    Step.VOTES: StepRule(
        "Priorities and shares voted", "the federation votes the priority of the needs and the "
        "shares of work, and decides the budget projects", "the federation's delegates", 14),
    Step.VARIANTS: StepRule(
        "Plan variants computed", "plans are computed for what was voted, and for the "
        "alternatives worth comparing", "the federation's planners (any delegate)", 7),
    Step.ADOPTION: StepRule(
        "Plan adopted", "the federation chooses one variant by a plan ballot", "the federation's "
        "delegates", 14),
    Step.TARGETS: StepRule(
        "Targets published", "every workplace receives its targets: what to make, the inputs it "
        "will receive, the labour it may use", "the federation, then every workplace council", 7),
    Step.EXECUTION: StepRule(
        "In execution", "the workplaces carry out the plan and report", "the workplace councils",
        365),
    Step.CLOSED: StepRule("Closed", "the round is over; its record stays on the open books",
                          "nobody", 0),
})
ORDER: tuple[Step, ...] = tuple(STEPS)


def next_step(step: Step) -> Step:
    """The step after ``step``; a Refusal once the round is closed."""
    if step is Step.CLOSED:
        raise Refusal("ended", "the round is closed")
    return ORDER[ORDER.index(step) + 1]


def deadlines(opened: datetime, days: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Each step's deadline (ISO 8601, UTC), the steps' days (:data:`STEPS`, or ``days`` by step
    name) added up from ``opened``; a Refusal naming a step given a bad number of days."""
    given = dict(days or {})
    unknown = sorted(set(given) - {step.value for step in ORDER[:-1]})
    if unknown:
        raise Refusal("invalid_request", f"no such step to give days to: {', '.join(unknown)} "
                      f"(steps: {', '.join(step.value for step in ORDER[:-1])})", field="days")
    ends: dict[str, str] = {}
    at = opened
    for step in ORDER[:-1]:
        length = given.get(step.value, STEPS[step].days)
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_DAYS:
            raise Refusal("invalid_request", f"the days of step {step.value!r}, {length!r}, must be "
                          f"a whole number from 1 to {MAX_DAYS}", field="days")
        at += timedelta(days=length)
        ends[step.value] = at.isoformat()
    return ends


@dataclass(frozen=True)
class RoundFacts:
    """What a round has done so far: its closed ballots by kind (``priorities``, ``shares``,
    ``budget``, ``plan``), its finished plan variants, the variant adopted, whether its
    needs are learned and whether every workplace's targets are published."""

    ballots: Mapping[str, int]
    variants: int
    adopted: int | None
    needs_learned: bool
    targets_published: bool = False


def missing(step: Step, facts: RoundFacts) -> list[str]:
    """What must still be done before the round leaves ``step``, in words (empty: it may)."""
    if step is Step.NEEDS:
        return [] if facts.needs_learned else ["the needs learned from the records sent (a needs job done)"]
    if step is Step.VOTES:
        return [f"a closed {kind} ballot" for kind in ("priorities", "shares") if kind not in facts.ballots]
    if step is Step.VARIANTS:
        return [] if facts.variants else ["at least one plan variant computed"]
    if step is Step.ADOPTION:
        return [] if facts.adopted is not None else ["a closed plan ballot adopting a variant"]
    if step is Step.TARGETS:
        return [] if facts.targets_published else [
            "every workplace's targets published (the targets job done)"]
    if step is Step.EXECUTION:
        return []
    return ["nothing: the round is closed"]


def check_advance(step: Step, facts: RoundFacts) -> Step:
    """The step the round moves to from ``step``; a Refusal ("not_ready") naming what is
    missing."""
    lacking = missing(step, facts)
    if step is Step.CLOSED:
        raise Refusal("ended", "the round is closed")
    if lacking:
        raise Refusal("not_ready", f"the step {STEPS[step].title.lower()!r} is not done: "
                      f"{'; '.join(lacking)} still missing")
    return next_step(step)
