"""``commonplan simulate-execution``: an adopted plan's targets carried out by simulated
workplaces (execution.simulation), from a targets download (CSV or JSON) or a round on a running
server, written as one report CSV per workplace and period (the format of ``commonplan report
upload``) with ``truth.json``, the faults injected; with ``--upload``, filed through the API as
``report upload`` files them (docs/execution.md, Simulating an execution)."""

from __future__ import annotations

import csv
import io
import json as jsonlib
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from commonplan.cli.client import TOKEN_VARIABLE, call
from commonplan.cli.common import BadInput, JsonFlag, app, emit, out, warn
from commonplan.execution.periods import Cadence, Period, period_of, periods_from
from commonplan.execution.plans import WorkplacePlan, read_targets
from commonplan.execution.simulation import MAX_PERIODS, Fault, FaultKind, read_faults, simulate

MAX_FILE = 512 * 2**20  # bytes of a targets or faults file
PAGE = 100  # rows of a page of the API
MAX_REPORTS = 1_000_000  # report files one run writes (workplaces x periods)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE:
            raise BadInput([f"{path}: {path.stat().st_size:,} bytes; at most {MAX_FILE:,}"])
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise BadInput([f"{path}: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise BadInput([f"{path}: not UTF-8 text"]) from None


def _option_faults(kind: FaultKind, given: list[str], option: str) -> list[Fault]:
    """Faults from ``--breakdown WORKPLACE:START:SIZE[:PERIODS]`` and the like (a shortfall names
    a product; a drift ``WORKPLACE[/PRODUCT]``)."""
    faults = []
    for text in given:
        parts = text.rsplit(":", 3) if text.count(":") >= 3 else text.rsplit(":", 2)
        try:
            who, start, size = parts[0], int(parts[1]), float(parts[2])
            periods = int(parts[3]) if len(parts) == 4 else None
        except (IndexError, ValueError):
            raise BadInput([f"{option} {text!r}: expected NAME:START:SIZE[:PERIODS], "
                            "e.g. 'Mill:4:0.5:3'"]) from None
        workplace, _, product = who.partition("/") if kind is FaultKind.DRIFT else (who, "", "")
        if kind is FaultKind.SHORTFALL:
            workplace, product = "", who
        faults.append(Fault(kind, start, size, workplace, product, periods))
    return faults


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "workplace"


def _report_csv(lines: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "product", "quantity"))
    writer.writerows((line.section, line.product, repr(line.quantity)) for line in lines)
    return buffer.getvalue()


def _round_plans(server: str, token: str, round_id: int) -> tuple[list[WorkplacePlan], dict[str, Any]]:
    """The round's targets (every page) and its view."""
    view = call(server, token, "GET", f"/rounds/{round_id}")
    documents: list[Any] = []
    while True:
        page = call(server, token, "GET", f"/rounds/{round_id}/targets",
                    params={"offset": len(documents), "limit": PAGE})
        documents += page
        if len(page) < PAGE:
            break
    return read_targets(jsonlib.dumps(documents), f"round {round_id}'s targets"), view


def _councils(server: str, token: str, round_id: int) -> dict[str, int]:
    """Each producer's workplace council in the round (those claimed)."""
    found: dict[str, int] = {}
    offset = 0
    while True:
        rows = call(server, token, "GET", f"/rounds/{round_id}/reports/missing",
                    params={"offset": offset, "limit": PAGE})
        found |= {row["producer"]: row["council"]["id"] for row in rows if row.get("council")}
        offset += len(rows)
        if len(rows) < PAGE:
            return found


TargetsArgument = Annotated[Path | None, typer.Argument(
    help="A round's targets download: CSV (GET /rounds/{id}/targets.csv) or JSON documents. Without it, "
         "the round on --server.")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the report CSVs and truth.json.")]
PeriodsOption = Annotated[int | None, typer.Option(
    "--periods", min=1, max=MAX_PERIODS, help="Periods to simulate (default: with --server, those begun; "
                                              "else the plan's).")]
PlanPeriodsOption = Annotated[int | None, typer.Option(
    "--plan-periods", min=1, max=MAX_PERIODS,
    help="Periods the targets are spread over (default: with --server, the round's execution; "
         "else --periods).")]
StartOption = Annotated[str | None, typer.Option("--start", help="The first day (default: the round's, or "
                                                                 "2026-01-05).")]
EveryOption = Annotated[Cadence | None, typer.Option("--every",
                                                     help="day or week (default: the round's, or week).")]
FaultsOption = Annotated[Path | None, typer.Option(
    "--faults", help="Faults to inject: JSON or CSV with kind, workplace, product, start, periods, size.")]
BreakdownOption = Annotated[list[str] | None, typer.Option(
    "--breakdown", metavar="FAULT",
    help="WORKPLACE:START:SIZE\\[:PERIODS]: its output falls by SIZE (a share of plan).")]
ShortfallOption = Annotated[list[str] | None, typer.Option(
    "--shortfall", metavar="FAULT", help="PRODUCT:START:SIZE\\[:PERIODS]: its makers fall short by SIZE.")]
DriftOption = Annotated[list[str] | None, typer.Option(
    "--drift", metavar="FAULT",
    help="WORKPLACE\\[/PRODUCT]:START:SIZE\\[:PERIODS]: its output falls by SIZE more each "
         "period.")]
NoiseOption = Annotated[float, typer.Option("--noise", min=0, max=1,
                                            help="Each figure's coefficient of variation.")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, max=2**63 - 1)]
StockOption = Annotated[float, typer.Option("--stock-periods", min=0, max=1000,
                                            help="Inputs held at the start, in periods of planned use.")]
SpareOption = Annotated[float, typer.Option(
    "--spare", min=0, max=1, help="Spare capacity to make up what a workplace owes, a share of plan.")]
BundleOption = Annotated[Path | None, typer.Option(
    "--bundle", help="The plan's economy, to know which inputs are goods (their stocks are reported).")]
ServerOption = Annotated[str | None, typer.Option("--server",
                                                  help="A running server, e.g. http://127.0.0.1:8000.")]
RoundOption = Annotated[int | None, typer.Option("--round", min=1, max=2**31 - 1,
                                                 help="The round on --server.")]
TokenOption = Annotated[str | None, typer.Option(
    "--token", envvar=TOKEN_VARIABLE, show_default=False,
    help=f"Your bearer token; better given as {TOKEN_VARIABLE}.")]
UploadFlag = Annotated[bool, typer.Option("--upload", help="File the reports through the API.")]
WorkplaceOption = Annotated[list[str] | None, typer.Option(
    "--workplace", metavar="PRODUCER", help="Upload only this producer's reports (repeatable).")]


@app.command("simulate-execution")
def simulate_execution(targets: TargetsArgument = None, out_dir: OutOption = Path("simulated"),
                       periods: PeriodsOption = None, plan_periods: PlanPeriodsOption = None,
                       start: StartOption = None, every: EveryOption = None, faults_file: FaultsOption = None,
                       breakdown: BreakdownOption = None, shortfall: ShortfallOption = None,
                       drift: DriftOption = None, noise: NoiseOption = 0.05, seed: SeedOption = 0,
                       stock_periods: StockOption = 1.0, spare: SpareOption = 0.1,
                       bundle: BundleOption = None,
                       server: ServerOption = None, round_id: RoundOption = None, token: TokenOption = None,
                       upload: UploadFlag = False, workplace: WorkplaceOption = None,
                       json: JsonFlag = False) -> None:
    """Carry out an adopted plan with simulated workplaces, noise and injected faults; write the
    reports and the truth of what was injected."""
    if (server is None) != (round_id is None):
        raise BadInput(["--server and --round go together"])
    if upload and server is None:
        raise BadInput(["--upload files the reports on a round: give --server and --round"])
    if server is not None and not token:
        raise BadInput([f"--server needs a bearer token: --token or {TOKEN_VARIABLE}"])
    if targets is None and server is None:
        raise BadInput(["give a targets file, or a round with --server and --round"])
    view: dict[str, Any] | None = None
    if server is not None and round_id is not None and token:
        round_plans, view = _round_plans(server, token, round_id)
        if not (view.get("reports") or {}).get("executing_since"):
            raise BadInput([f"round {round_id} is not in execution (it is at {view.get('step')})"])
    plans = read_targets(_read(targets), str(targets)) if targets is not None else round_plans
    cadence, first, execution_periods = _calendar(view, start, every)
    periods = periods or (_begun(first, cadence) if view else execution_periods) or 1
    plan_periods = plan_periods or (execution_periods if view else periods)
    faults = read_faults(_read(faults_file), str(faults_file)) if faults_file else []
    faults += _option_faults(FaultKind.BREAKDOWN, breakdown or [], "--breakdown")
    faults += _option_faults(FaultKind.SHORTFALL, shortfall or [], "--shortfall")
    faults += _option_faults(FaultKind.DRIFT, drift or [], "--drift")
    if len(plans) * periods > MAX_REPORTS:
        raise BadInput([f"{len(plans):,} workplaces x {periods:,} periods is more than {MAX_REPORTS:,} "
                        "report files: fewer --periods"])
    simulation = simulate(plans, faults, periods=periods, plan_periods=max(plan_periods, 1), noise=noise,
                          seed=seed, stock_periods=stock_periods, spare=spare)
    labels = [period.label for period in _periods(first, cadence, periods)]
    stocked = _goods(bundle)
    written = _write(out_dir, simulation, labels, stocked)
    truth = simulation.truth() | {"period_labels": labels,
                                  "faults": [fault | {"start_period": labels[fault["start"]]}
                                             for fault in simulation.truth()["faults"]]}
    (out_dir / "truth.json").write_text(jsonlib.dumps(truth, indent=1) + "\n")
    filed, refused = 0, list[dict[str, str]]()
    if upload and server is not None and round_id is not None and token:
        filed, refused = _upload(server, token, round_id, written, set(workplace or []))
    warnings = [] if bundle else ["no --bundle: stocks are reported for resources only (which inputs "
                                  "are goods is not in the targets)"]
    if json:
        emit({"out": str(out_dir), "workplaces": len(plans), "reports": len(written), "periods": labels,
              "truth": truth, "uploaded": filed, "refused": refused}, warnings, None)
    else:
        warn(warnings)
        _print(simulation, labels, out_dir, len(written), filed, refused)
    if refused:
        raise BadInput([f"{each['producer']} {each['period']}: {each['reason']}" for each in refused])


def _calendar(view: dict[str, Any] | None, start: str | None,
              every: Cadence | None) -> tuple[Cadence, date, int]:
    """The cadence, the first day and the periods of the execution (the round's when on a server)."""
    if view is not None:
        cadence = Cadence(view["report_every"])
        first = date.fromisoformat(view["reports"]["executing_since"])
        deadline = next((step["deadline"] for step in view.get("steps", [])
                         if step["step"] == "execution"), None)
        last = datetime.fromisoformat(deadline).date() if deadline else first
        return cadence, first, len(list(periods_from(first, max(last, first), cadence)))
    try:
        first = date.fromisoformat(start) if start else date(2026, 1, 5)
    except ValueError:
        raise BadInput([f"--start {start!r}: a day such as 2026-03-02"]) from None
    return every or Cadence.WEEK, first, 0


def _begun(first: date, cadence: Cadence) -> int:
    return max(len(list(periods_from(first, date.today(), cadence))), 1)


def _periods(first: date, cadence: Cadence, count: int) -> list[Period]:
    found: list[Period] = []
    day = first
    while len(found) < count:
        period = period_of(day, cadence)
        found.append(period)
        day = period.end + timedelta(days=1)
    return found


def _goods(bundle: Path | None) -> dict[str, bool]:
    if bundle is None:
        return {}
    from commonplan.cli.common import load
    from commonplan.economy.model import Kind

    economy = load(bundle).economy
    return {product: int(kind) == Kind.GOOD
            for product, kind in zip(economy.products.ids.to_pylist(), economy.products.kinds.tolist(),
                                     strict=True)}


def _write(out_dir: Path, simulation: Any, labels: list[str],
           stocked: dict[str, bool]) -> list[tuple[str, str, Path]]:
    """Every report as a CSV file; (producer, period, path) of each."""
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for workplace, producer in enumerate(simulation.producers):
            folder = out_dir / f"{workplace + 1:05d}-{_slug(producer)}"
            folder.mkdir(exist_ok=True)
            for t, label in enumerate(labels):
                path = folder / f"{label}.csv"
                path.write_text(_report_csv(simulation.report(workplace, t, stocked)))
                written.append((producer, label, path))
    except OSError as error:
        raise BadInput([f"--out {out_dir}: {error.strerror}"]) from None
    return written


def _upload(server: str, token: str, round_id: int, written: list[tuple[str, str, Path]],
            only: set[str]) -> tuple[int, list[dict[str, str]]]:
    """File the reports on the round, workplace by workplace, as ``report upload`` does."""
    councils = _councils(server, token, round_id)
    filed, refused = 0, list[dict[str, str]]()
    for producer, label, path in written:
        if only and producer not in only:
            continue
        council = councils.get(producer)
        if council is None:
            refused.append({"producer": producer, "period": label,
                            "reason": "no workplace council claims it"})
            continue
        try:
            call(server, token, "POST", f"/rounds/{round_id}/reports.csv",
                 data={"council": str(council), "period": label},
                 files={"file": (path.name, path.read_bytes(), "text/csv")})
            filed += 1
        except BadInput as error:
            refused.append({"producer": producer, "period": label, "reason": "; ".join(error.lines)})
    return filed, refused


def _print(simulation: Any, labels: list[str], out_dir: Path, reports: int, filed: int,
           refused: list[dict[str, str]]) -> None:
    out.print(f"Simulated {len(simulation.producers)} workplaces over {len(labels)} periods ({labels[0]} "
              f"to "
              f"{labels[-1]}), seed {simulation.seed}, noise {simulation.noise:g}: {reports} reports in "
              f"{out_dir}, the faults in {out_dir / 'truth.json'}.", markup=False, soft_wrap=True)
    if simulation.faults:
        table = Table(title="Faults injected")
        for column in ("kind", "workplace", "product", "from", "periods", "size"):
            table.add_column(column)
        for fault in simulation.faults:
            table.add_row(fault.kind.value, fault.workplace, fault.product, labels[fault.start],
                          "to the end" if fault.periods is None else str(fault.periods), f"{fault.size:.0%}")
        out.print(table)
    if filed or refused:
        out.print(f"Uploaded {filed} reports; {len(refused)} refused.", markup=False)
