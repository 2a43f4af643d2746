"""The answers of the revisions' routes (app.revisions): a revision of the rest of a round's
execution, with the comparison beside the plan it revises and what was learned."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Change(BaseModel):
    """A product whose delivery in the periods left changes, by name, and why."""

    product: str
    name: str
    before: float = Field(description="its net output in the periods left under the plan revised")
    after: float = Field(description="its net output in the periods left under the revision")
    need: float = Field(description="what is needed of it in the periods left (all tiers)")
    why: list[str] = Field(description="what was learned that moves it, and what binds")


class Comparison(BaseModel):
    """Each voted tier's fulfilment in the periods left, before (the plan revised, carried on as
    planned) and after, and what the plan revised promised it when adopted."""

    fulfilment_before: dict[str, float]
    fulfilment_after: dict[str, float]
    fulfilment_promised: dict[str, float] = Field(
        default_factory=dict, description="each tier's fulfilment the plan revised was adopted with")
    lowered: list[str] = Field(description="the tiers the revision lowers below what was promised "
                                           "(beyond the tolerance)")
    lowers: bool = Field(description="whether it goes to the vote")
    changes: list[Change]


class Lowered(BaseModel):
    technique: str
    capacity: float


class LearnedSummary(BaseModel):
    coefficients_changed: int
    capacities_lowered: int
    lowered: list[Lowered]
    stocks: float


class RestPlan(BaseModel):
    fulfilment: dict[str, float]
    labour_hours: float
    explanation: str
    stocks_drawn: float


class RevisionView(BaseModel):
    """A revision (docs/execution.md, Revision)."""

    round: int
    number: int
    state: str = Field(description="computing, applied, voting, rejected, stale or failed")
    job: int
    job_state: str | None
    progress: float | None
    plan_job: int = Field(description="the plan it revises: the adopted one or the last revision applied")
    ballot: int | None = Field(description="the plan ballot deciding it, when it lowers a voted tier")
    requested_at: str
    decided_at: str | None
    old_targets_sha256: str | None
    new_targets_sha256: str | None
    comparison: Comparison | None
    learned: LearnedSummary | None
    rest: RestPlan | None
    periods: int | None
    elapsed: int | None


class EconomyChange(BaseModel):
    """A coefficient (an input per unit of a technique's activity) or a capacity that the
    reports changed."""

    technique: str
    producer: str
    what: str = Field(description="input or capacity")
    product: str | None = Field(description="the input (None for a capacity)")
    name: str = Field(description="the input's name, or 'capacity'")
    before: float | None = Field(description="as the round planned it (None: unlimited)")
    after: float | None = Field(description="as learned (None: unlimited)")


class LearnedEconomyView(BaseModel):
    """The economy the next round starts from, learned from a round's reports."""

    round: int
    job: int
    state: str
    message: str
    economy: int | None = Field(description="the new economy: open the next round on it")
    name: str | None
    source: str | None = Field(description="its provenance: the round, the periods, the bundle learned from")
    bundle_sha256: str | None
    periods: int | None
    elapsed: int | None
    changed: int | None = Field(description="how many coefficients and capacities changed")
    changes: list[EconomyChange] = Field(description="the largest changes, the largest first (20 at most)")
