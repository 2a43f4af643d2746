"""Sweeps on Dask: the scenarios of a sensitivity scan (planning.sweeps) planned side by side on
a ``dask.distributed`` cluster, a local one by default or a running scheduler at an address.

One task per scenario, each the same plan use case as ``commonplan plan`` (``app.variants.
plan_variant``): no second planner. The economy is scattered to every worker once (not pickled
into every task); the outcomes are gathered as they complete, with progress, and returned in
the grid's order. A worker that dies takes its tasks with it; the scheduler runs them again
elsewhere (the economy is on every worker), and gives a task up as failed only after
:data:`ALLOWED_FAILURES` workers died running it (a task that kills every worker it touches,
by exhausting memory, must not take the cluster down one worker after another).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commonplan.app.variants import Choices, checked_choices, plan_variant, produced_ids
from commonplan.errors import InputError
from commonplan.planning.sweeps import Outcome, Scenario, failed, outcome_of, scaled_economy

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

    from commonplan.economy.model import Economy, Needs
    from commonplan.planning.plan import Progress

ALLOWED_FAILURES = 3  # workers that may die running one task before it is given up (Dask's default)
CONNECT_SECONDS = 10.0  # how long to try a scheduler's address before saying it is unreachable


class SchedulerUnreachable(InputError):
    """The scheduler address given answers not (or is no address): the user can fix it."""


@dataclass(frozen=True)
class Cluster:
    """Where a sweep runs: the ``scheduler`` at an address (``tcp://host:8786``), or, when None,
    a local cluster of ``workers`` processes of one thread each with its dashboard at
    ``dashboard`` (``:8787``; ``:0`` a free port)."""

    scheduler: str | None = None
    workers: int = 2
    dashboard: str = ":8787"
    connect_seconds: float = CONNECT_SECONDS


@dataclass(frozen=True)
class Sweep:
    """A sweep's outcomes in the grid's order, the scheduler that ran it, its dashboard's
    address (None when it has none) and the number of workers it had at the start."""

    outcomes: list[Outcome]
    scheduler: str
    dashboard: str | None
    workers: int

    def document(self) -> dict[str, Any]:
        """The sweep as JSON (without provenance and warnings)."""
        return {"scheduler": self.scheduler, "dashboard": self.dashboard, "workers": self.workers,
                "scenarios": [outcome.document() for outcome in self.outcomes]}


def checked_scenarios(economy: Economy, scenarios: Sequence[Scenario]) -> None:
    """Refuse, before any task starts, scenarios the plan use case would refuse for all: an
    unknown method, voted priorities naming products the economy lacks, shares of work without
    a labour force."""
    from commonplan.planning import METHODS
    from commonplan.planning.shares import labour_force

    unknown = sorted({scenario.method for scenario in scenarios} - set(METHODS))
    if unknown:
        raise InputError(f"--method: must be among {', '.join(METHODS)}, not {', '.join(unknown)}")
    produced = produced_ids(economy)
    for scenario in scenarios:
        checked_choices(produced, choices_of(scenario))
    if any(scenario.shares is not None for scenario in scenarios):
        labour_force(economy)


def choices_of(scenario: Scenario) -> Choices:
    """The people's choices a scenario plans for."""
    tiers = scenario.priorities.tiers if scenario.priorities is not None else {}
    return Choices(tiers, scenario.shares)


def run_scenario(economy: Economy, scenario: Scenario, needs: Needs | None = None) -> Outcome:
    """One scenario planned alone: the task each worker runs, and the reference a sweep's
    outcome must equal; timed where it ran (wall, and the CPU time of the thread that planned
    it: a worker's own threads, its heartbeats and transfers, are not the plan's)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    computed = plan_variant(scaled_economy(economy, scenario), choices_of(scenario), needs,
                            method=scenario.method)
    return dataclasses.replace(outcome_of(scenario, computed.result), seconds=time.perf_counter() - wall,
                               cpu_seconds=time.thread_time() - cpu)


def warm() -> None:
    """Import the planner (numpy, scipy, HiGHS, every method's solver) ahead of the first
    scenario, so that a worker pays for its imports when it starts, not in the first sweep."""
    from commonplan.analysis import values
    from commonplan.planning import METHODS, shares

    del values, shares
    for method in METHODS.values():
        method.solver()


def dask_setup(worker: object) -> None:
    """Dask's hook for a preloaded module: ``dask worker --preload commonplan.app.sweeps``
    (and every worker of a local cluster) warms up when it starts (:func:`warm`)."""
    warm()


def sweep(economy: Economy, scenarios: Sequence[Scenario], *, needs: Needs | None = None,
          cluster: Cluster = Cluster(), progress: Progress | None = None,
          started: Callable[[str, str | None, int], None] | None = None) -> Sweep:
    """Plan every scenario on ``cluster``, one task each, the economy scattered once. Calls
    ``started(scheduler, dashboard, workers)`` once the cluster is up (to show its dashboard
    while the sweep runs) and ``progress(fraction, message)`` as outcomes arrive. A scenario
    whose task fails is an outcome ``failed`` with the reason; SchedulerUnreachable when the
    scheduler does not answer."""
    from distributed import as_completed

    checked_scenarios(economy, scenarios)
    with _client(cluster) as client:
        info = client.scheduler_info(n_workers=-1)
        address, workers, dashboard = str(info["address"]), len(info["workers"]), _dashboard(client)
        if started is not None:
            started(address, dashboard, workers)
        held = client.scatter(economy, broadcast=True, hash=False)
        held_needs = client.scatter(needs, broadcast=True, hash=False) if needs is not None else None
        token = uuid.uuid4().hex[:8]  # a sweep's own keys: several sweeps may share a scheduler
        futures = {client.submit(run_scenario, held, scenario, held_needs, pure=False,
                                 key=f"scenario-{scenario.number}-{token}"): scenario
                   for scenario in scenarios}
        outcomes: dict[int, Outcome] = {}
        for future in as_completed(futures, loop=client.loop):
            scenario = futures[future]
            outcomes[scenario.number] = (future.result() if future.status == "finished"
                                         else failed(scenario, _reason(future, client)))
            if progress is not None:
                progress(len(outcomes) / len(scenarios), f"{len(outcomes)} of {len(scenarios)}")
    return Sweep([outcomes[scenario.number] for scenario in scenarios], address, dashboard, workers)


def _reason(future: Future[Any], client: Client) -> str:
    """Why a task failed, in one line: its error, or why it was cancelled."""
    if future.status == "cancelled":
        lost = client.status != "running"
        return "the task was cancelled" + (": the connection to the scheduler was lost" if lost else "")
    error = future.exception()
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


@contextmanager
def _client(cluster: Cluster) -> Iterator[Client]:
    """A client of the scheduler at ``cluster.scheduler``, or of a local cluster started for the
    sweep and stopped after it."""
    from distributed import Client

    if cluster.scheduler is not None:
        try:
            client = Client(cluster.scheduler, timeout=cluster.connect_seconds, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            raise SchedulerUnreachable(f"--scheduler {cluster.scheduler!r}: no Dask scheduler answers "
                                       f"there ({str(error).splitlines()[0] if str(error) else error!r})"
                                       ) from None
        with client:
            yield client
        return
    with local_cluster(cluster) as local, Client(local, set_as_default=False) as client:
        yield client


@contextmanager
def local_cluster(cluster: Cluster) -> Iterator[LocalCluster]:
    """A local cluster of ``cluster.workers`` processes of one thread each, the planner imported
    as each starts, no statistical profiler (it samples every thread every 10 ms: CPU taken from
    the plans), a task given up after :data:`ALLOWED_FAILURES` workers died running it."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=cluster.workers, threads_per_worker=1, processes=True,
                         dashboard_address=cluster.dashboard, silence_logs=logging.CRITICAL,
                         preload=[__name__]) as local:
        yield local


def _dashboard(client: Client) -> str | None:
    """The address of the scheduler's dashboard (None when it serves none: bokeh is missing)."""
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):
        return None
    return str(link) if link else None
