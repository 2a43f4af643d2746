"""The answers of the reports' routes: a workplace's report for a period with products named
(app.reports), its versions, and the periods due and not reported per workplace."""

from __future__ import annotations

from pydantic import BaseModel, Field

from commonplan.api.schemas.alerts import AlertView
from commonplan.api.schemas.targets import CouncilName
from commonplan.app.reports import SHOWN_MISSING


class Reported(BaseModel):
    """A product and its quantity in a report (exact), with its name and unit."""

    product: str
    name: str
    unit: str
    quantity: float


class ReportView(BaseModel):
    """A workplace's report for one period (docs/execution.md, Reports)."""

    id: int
    round: int
    council: CouncilName = Field(description="the workplace council that filed it")
    producer: str
    period: str = Field(description="a day (2026-03-04) or an ISO week (2026-W10)")
    period_start: str
    period_end: str
    version: int = Field(description="1 for the first report of the period, 2 and on for its corrections")
    corrections: int
    filed_at: str
    late: bool = Field(description="filed after the day after the period's last day")
    source: str = Field(description="api, page or csv")
    sha256: str = Field(description="SHA-256 of the report's canonical JSON, as on the open books")
    labour_hours: float
    outputs: list[Reported] = Field(description="what the workplace made")
    inputs: list[Reported] = Field(description="what it used")
    labour: list[Reported] = Field(description="hours worked by kind of labour")
    stocks: list[Reported] = Field(description="what it holds at the period's end")


class FiledReport(ReportView):
    """A report as just filed: ``changed`` is false when the same figures were sent again (nothing
    new was filed)."""

    changed: bool
    warnings: list[str]


class PeriodHistory(BaseModel):
    """The report of one period: the current one and every version, the first first."""

    current: ReportView
    versions: list[ReportView]


class WorkplaceDue(BaseModel):
    """A workplace's reports so far: periods due, reported, late, missing."""

    producer: str
    council: CouncilName | None = Field(description="none: no workplace council is this producer, so nobody "
                                                    "can report for it")
    due: int = Field(description="periods whose report is due by now")
    reported: int = Field(description="periods reported (corrections not counted)")
    late: int = Field(description="periods first reported after their due day")
    missing: int = Field(description="periods due and not reported")
    missing_periods: list[str] = Field(description=f"the first {SHOWN_MISSING} missing periods")
    last_reported: str | None


class ReportsSummary(BaseModel):
    """A round's reports so far."""

    report_every: str = Field(description="day or week")
    executing_since: str | None = Field(description="the first day of execution (none before)")
    due_periods: int
    reports_filed: int = Field(description="first reports of a period")
    corrections: int
    workplaces_missing: int = Field(description="workplaces with at least one report due and missing")


class ForecastAlarm(BaseModel):
    period: str = Field(description="the period whose report raised it")
    below: bool = Field(description="the output broke away below plan (above, when false)")


class PeriodMade(BaseModel):
    """What a period's current report says the workplace made of a target's product."""

    period: str
    made: float | None


class TargetForecast(BaseModel):
    """An output target watched (docs/execution.md, Watching every target): the fulfilment
    forecast at the end of the execution, with its 90% interval, and the CUSUM alarms."""

    product: str
    name: str
    unit: str
    target: float = Field(description="the whole execution's target")
    reported: float = Field(description="the output reported so far")
    periods: int = Field(description="periods of the execution as planned")
    periods_reported: int
    fulfilment: float = Field(description="the forecast share of the target made by the end (1: met)")
    low: float
    high: float
    level: float = Field(description="the output per period the model now expects")
    level_sd: float
    alarms: list[ForecastAlarm]
    history: list[PeriodMade] = Field(description="what each period elapsed made, in order (null: "
                                                  "not reported: unknown, not nothing)")


class TargetCourse(BaseModel):
    """A target's course over the execution's periods, as a chart draws it (null: no point)."""

    product: str
    name: str
    unit: str
    labels: list[str] = Field(description="the execution's periods as planned")
    planned: list[float] = Field(description="the target spread evenly, cumulated")
    made: list[float | None] = Field(description="what the reports say was made, cumulated (a period not "
                                                 "reported adds nothing); null after the last period elapsed")
    forecast: list[float | None] = Field(description="from the last period elapsed, the forecast output "
                                                     "by the end")
    low: list[float | None]
    high: list[float | None]
    alarms: list[ForecastAlarm]


class WorkplaceRoom(BaseModel):
    """A workplace's operations room: its reports, its targets watched, the gravest first, and
    the course of the gravest."""

    round: int
    producer: str
    council: CouncilName | None
    reports: WorkplaceDue
    targets: list[TargetForecast]
    courses: list[TargetCourse]
    alerts: list[AlertView] = Field(description="its alerts, open ones first, in the order of their "
                                                "consequence")


class GravestTarget(BaseModel):
    """A workplace's target with the lowest forecast fulfilment."""

    product: str
    name: str
    unit: str
    fulfilment: float
    low: float
    high: float


class WorkplaceWatched(WorkplaceDue):
    """A workplace in its federation's operations room."""

    targets: int = Field(description="output targets watched")
    alarms_below: int = Field(description="targets whose latest alarm says below plan")
    open_alerts: int = Field(description="alerts on it not yet acted on")
    gravest: GravestTarget | None
