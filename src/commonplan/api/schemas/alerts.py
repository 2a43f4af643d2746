"""The answers of the alerts' routes: an alert on a workplace's target with the product, the
workplace and the councils named, its state, holder and deadline, and its consequences through
the adopted plan (app.alerts)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from commonplan.api.schemas.targets import CouncilName


class ProductAtRisk(BaseModel):
    product: str
    name: str
    unit: str
    quantity: float = Field(description="of the tier's final deliveries, in the product's unit")
    hours: float = Field(description="the same in hours of labour at the plan's labour values")


class TierAtRisk(BaseModel):
    priority: int = Field(description="the tier's priority number (1 = voted most essential)")
    delivered_hours: float = Field(description="the tier's final deliveries in the plan, in hours")
    hours_at_risk: float
    share_at_risk: float
    products_at_risk: int = Field(description="how many of its products are at risk")
    products: list[ProductAtRisk] = Field(description="the largest at risk, by hours")


class WorkplaceHit(BaseModel):
    producer: str
    council: CouncilName | None = Field(description="its workplace council (None: none claims it)")
    fraction: float = Field(description="the least share of its planned activity it can still run")
    hours_lost: float = Field(description="its output lost, in hours of labour")


class Consequences(BaseModel):
    """What the shortfall forecast puts at risk (docs/execution.md, Consequences)."""

    method: str
    fraction_of_plan: float = Field(description="the workplace's output of the product forecast, of plan")
    hours_at_risk: float
    first_tier_at_risk: int | None
    tiers: list[TierAtRisk]
    workplaces: list[WorkplaceHit] = Field(description="the workplaces hit the most")
    workplaces_hit: int
    products_short: int
    rounds: int = Field(description="rounds of the rationing's fixpoint")
    unavailable: str | None = Field(None, description="why the consequences could not be computed, if so")


class Rank(BaseModel):
    tier: int | None = Field(description="the earliest tier at risk (None: none)")
    hours: float = Field(description="hours at risk in that tier")


class AlertStep(BaseModel):
    kind: str = Field(description="raised, escalated, acknowledged or acted")
    at: str
    actor: str = Field(description="the member's pseudonym, or the council for a step of the rules")
    council: CouncilName = Field(description="the council holding it after the step")
    from_: int | None = Field(None, alias="from", description="escalated: the council it left")
    deadline_passed: str | None
    note: str = Field(description="acted: what the council does")


class AlertView(BaseModel):
    """An alert on a workplace's output target (docs/execution.md, Alarms that climb)."""

    id: int
    round: int
    producer: str
    product: str
    name: str
    unit: str
    council: CouncilName = Field(description="the workplace council responsible")
    holder: CouncilName = Field(description="the council holding it now")
    direction: str = Field(description="below or above plan")
    cause: str = Field(description="alarm (CUSUM) or forecast (of fulfilment below plan)")
    period: str = Field(description="the period of the report that raised it")
    fulfilment: float
    low: float
    high: float
    state: str = Field(description="raised (to acknowledge), acknowledged (to act on) or acted")
    open: bool
    deadline: str | None = Field(description="by when the holder acknowledges or acts, or it climbs")
    overdue: bool = Field(description="its deadline passed at the top: nobody above to climb to")
    steps: int = Field(description="how often it climbed")
    raised_at: str
    acted_at: str | None
    rank: Rank
    consequences: Consequences
    history: list[AlertStep] | None = Field(None, description="every step: who saw what when")
