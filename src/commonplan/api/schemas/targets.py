"""The answers of the targets' routes: one workplace's targets in a round's adopted plan, exact
figures, products named (app.targets), and the disputes of them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CouncilName(BaseModel):
    id: int
    name: str


class OutputTarget(BaseModel):
    """What to make: ``quantity`` of ``product`` by running ``technique`` at ``activity``."""

    technique: str
    product: str
    name: str
    unit: str
    activity: float
    quantity: float


class Supply(BaseModel):
    producer: str = Field(description="the producer sending it (blank: a technique naming none)")
    quantity: float


class Others(BaseModel):
    producers: int = Field(description="makers of the product beyond those listed")
    quantity: float = Field(description="what they send together")


class InputTarget(BaseModel):
    """What to receive of a product, and from whom (in proportion to each maker's output of it
    in the plan, the largest first)."""

    product: str
    name: str
    unit: str
    quantity: float
    from_: list[Supply] = Field(alias="from")
    others: Others


class Use(BaseModel):
    """A resource or a kind of labour the workplace may use."""

    product: str
    name: str
    unit: str
    quantity: float


class DisputeView(BaseModel):
    """A workplace council's dispute of one of its targets, for the federation: who, what, why."""

    id: int
    round: int
    council: int
    council_name: str
    producer: str
    kind: Literal["output", "input", "labour"]
    target: str = Field(description="the technique (output) or product (input, labour) disputed")
    target_name: str = Field(description="the name of the product the target is of")
    reason: str
    open: bool = Field(description="not answered yet by the federation")
    opened_at: str
    answer: str | None


class TargetsView(BaseModel):
    """One workplace's targets in a round's adopted plan (docs/democracy.md, Targets)."""

    round: int
    plan_sha256: str = Field(description="the adopted plan's SHA-256, frozen on the open books")
    producer: str = Field(description="the producer, as the economy's techniques name it")
    council: CouncilName | None = Field(description="the workplace council that is this producer, if one is")
    outputs: list[OutputTarget]
    inputs: list[InputTarget]
    resources: list[Use]
    labour: list[Use] = Field(description="hours of each kind of labour")
    labour_hours: float = Field(description="hours of labour in all")
    disputes: list[DisputeView] = Field(default_factory=list)
