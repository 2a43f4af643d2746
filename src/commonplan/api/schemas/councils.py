"""The answers of the democratic layer's routes (docs/democracy.md): councils, offices, ballots,
petitions, payments, volunteers and draws, as app.civic_views and the acts give them. Members
appear only by pseudonym (``member:`` and 16 hex digits)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic.config import JsonDict

Pseudonym = str
TIME: JsonDict = {"format": "date-time"}  # an ISO 8601 time with its zone (UTC), as text


class CouncilSummary(BaseModel):
    """A council and its rules."""

    id: int
    name: str
    level: str = Field(description="workplace, consumer, neighbourhood, district, region or economy")
    parent: int | None = Field(description="the federation above, if any")
    reference_rate: float = Field(description="pay per hour of skilled work: no office of it pays more")
    recall_fraction: str = Field(description="of members whose signatures open a recall ballot, e.g. 1/5")
    recall_fill: str = Field(description="by-election or runner-up: how a recalled office is filled")
    recall_quorum: str = Field(description="of members who must take part for a recall to carry, e.g. 1/2")
    voting_days: int = Field(description="days every ballot stays open at least")
    producer: str | None = Field(None, description="a workplace council: the producer of the economy's "
                                                   "techniques it is, whose targets it receives")


class MemberName(BaseModel):
    member: Pseudonym
    public_name: str = Field(description="the name the member chose to show; blank to non-members")


class OfficeView(BaseModel):
    """A seat of a council: a delegate (elected) or an administrative post (drawn by lot)."""

    id: int
    council: int
    title: str
    kind: str = Field(description="delegate or post")
    holder: Pseudonym | None = Field(description="who holds it; null when vacant")
    pay_rate: float = Field(description="the pay per hour the council voted for it (0: unpaid)")
    term_limit: int | None = Field(description="terms one member may hold it in all; null: no limit")


class BallotSummary(BaseModel):
    id: int
    council: int
    kind: str = Field(description="election, recall, pay, shares, priorities, budget or plan")
    question: str
    state: str = Field(description="open or closed")
    office: int | None = Field(description="the office it is about (election, recall, pay), if any")


class PetitionView(BaseModel):
    """A petition to recall an office's holder; at the threshold a recall ballot opens."""

    id: int
    office: int
    holder: Pseudonym = Field(description="whom it would recall")
    state: str = Field(description="open, balloting (its recall ballot is open) or done")
    ballot: int | None = Field(description="the recall ballot, once opened")
    signatures: int
    threshold: int = Field(description="signatures that open the recall ballot")


class CouncilView(CouncilSummary):
    """A council with its members, offices, ballots (newest first), open petitions and the
    councils below."""

    members: list[MemberName] = Field(description="in the order they joined")
    you: Pseudonym = Field(description="your own pseudonym")
    offices: list[OfficeView]
    ballots: list[BallotSummary]
    petitions: list[PetitionView]
    councils_below: list[CouncilSummary]


class Product(BaseModel):
    product: str = Field(description="the product's id")
    name: str
    unit: str


class BindingResource(Product):
    """A labour or resource product that binds, and its shadow price."""

    price: float | None = Field(default=None, description="its shadow price; null where the method "
                                                          "prices nothing (harmony)")


class Capacity(BaseModel):
    """A technique whose capacity binds, the product it makes, its workplace and its price."""

    technique: str
    product: str
    name: str
    unit: str
    producer: str = Field(default="", description="the workplace that runs it (blank if not given)")
    price: float | None = Field(default=None, description="its capacity price; null where not priced")


class Binding(BaseModel):
    resources: list[BindingResource]
    capacities: list[Capacity]


class Variant(BaseModel):
    """One plan's summary."""

    job: int = Field(description="the plan's job")
    status: str
    labour_hours: float
    fulfilment: dict[str, float] = Field(description="priority tier (a decimal string) to lambda")
    binding: Binding
    parts: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="each part's share, budget_hours, claimed_hours, limits and "
                                          "fulfilment, when planned within voted shares ({} otherwise)")


class Difference(Product):
    """A product whose net output differs between the variants."""

    relative: float = Field(description="(max - min) / max |net output| over the variants, in [0, 2]")
    net_output: dict[str, float] = Field(description="by job number (as a string)")


class PlanVariants(BaseModel):
    """A plan ballot's plans compared (planning.compare), those you may read."""

    variants: list[Variant]
    differences: list[Difference] = Field(description="the products that differ most, most first")
    unreadable: list[int] = Field(description="the plans you may not read")


class BallotView(BallotSummary):
    """A ballot: never who voted what. ``result``, ``seed`` and ``closed_at`` appear once it is
    closed, ``variants`` on a plan ballot only."""

    options: dict[str, Any] = Field(description="by kind (docs/democracy.md)")
    seats: int
    voted: int = Field(description="members who have voted")
    you_voted: bool
    opened_by: str = Field(description="a member's pseudonym, or the council (council:<id>) when a "
                                       "rule opened it")
    opened_at: str = Field(json_schema_extra=TIME)
    closes_at: str | None = Field(json_schema_extra=TIME)
    result: dict[str, Any] | None = Field(None, description="the count, by kind (docs/democracy.md)")
    seed: str | None = Field(None, description="the lottery's seed (hex), revealed at closing")
    closed_at: str | None = Field(None, json_schema_extra=TIME)
    variants: PlanVariants | None = None


class Joined(BaseModel):
    council: int
    member: Pseudonym


class PaymentMade(BaseModel):
    """A payment to an office's holder, as recorded in the open books."""

    council: int
    office: int
    holder: Pseudonym
    hours: float
    amount: float
    voted_rate: float = Field(description="the office's pay per hour, as the council voted it")
    reference_rate: float = Field(description="the council's pay per hour of skilled work")


class Volunteered(BaseModel):
    office: int
    volunteer: Pseudonym
    features_nonce: str = Field(description="names the commitment to your features on the open books (hex)")
    features_salt: str = Field(description="opens that commitment: keep it to prove your features (hex)")


class QuotaKept(BaseModel):
    feature: str
    value: str
    min: int
    max: int


class DrawMade(BaseModel):
    """A lottery of posts, published so that anyone can replay it."""

    council: int
    offices: list[int]
    method: str = Field(description="maximin or nash")
    seed: str = Field(description="the lottery's seed (hex)")
    distribution: str = Field(description="the distribution over panels, as JSON text (floats exact): "
                                          "{method, panels, probabilities}")
    panel: list[Pseudonym] = Field(description="who was drawn, in the order of the offices")
    quotas: list[QuotaKept]


class VoteCast(BaseModel):
    """That you voted (what you voted is never shown)."""

    ballot: int
    voted: bool
