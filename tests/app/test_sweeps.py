"""Sweeps on Dask (app.sweeps): every scenario's outcome equals the same scenario planned alone,
the outcomes come back in the grid's order with progress, and what cannot run is refused before
any task starts."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import numpy as np
import pytest
from distributed import LocalCluster

from commonplan.app.sweeps import Cluster, SchedulerUnreachable, run_scenario, sweep
from commonplan.democracy.refusals import Refusal
from commonplan.economy.model import Economy, Needs
from commonplan.economy.synthetic import generate
from commonplan.errors import InputError
from commonplan.planning.sweeps import Outcome, Priorities, grid
from tests.factories import planned_bakery


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local cluster of two worker processes, shared by this module's sweeps."""
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def economy() -> Economy:
    return generate(200, seed=3)


def same(outcome: Outcome, alone: Outcome) -> None:
    """The outcome of a sweep is what the scenario planned alone gives, to rounding."""
    assert outcome.scenario == alone.scenario
    assert outcome.status == alone.status and outcome.error is None
    assert outcome.fulfilment == pytest.approx(alone.fulfilment, abs=1e-9)
    assert outcome.labour_hours == pytest.approx(alone.labour_hours, rel=1e-9)


def test_a_sweeps_outcomes_equal_each_scenario_planned_alone(scheduler, economy):
    scenarios = grid(methods=["lp", "harmony"], capacity=[0.7, 1.0, 1.3])
    seen: list[float] = []
    told: list[tuple[str, str | None, int]] = []
    result = sweep(economy, scenarios, cluster=Cluster(scheduler),
                   progress=lambda fraction, _: seen.append(fraction),
                   started=lambda *args: told.append(args))
    assert [o.scenario for o in result.outcomes] == scenarios
    for outcome, scenario in zip(result.outcomes, scenarios, strict=True):
        same(outcome, run_scenario(economy, scenario))
    assert seen == pytest.approx([k / 6 for k in range(1, 7)])
    assert told == [(scheduler, result.dashboard, 2)] and result.workers == 2
    assert result.dashboard is not None and result.dashboard.startswith("http")
    # the scan says something: more capacity meets more of the needs
    first_short = [o.fulfilment["2"] for o in result.outcomes[:3]]
    assert first_short == sorted(first_short) and first_short[0] < first_short[-1]


def test_voted_priorities_and_shares_reach_every_scenario(scheduler):
    economy = planned_bakery(1100.0)  # bread (priority 1) takes 1000 hours, grain (2) 200
    grain_first = Priorities("grain first", {"grain": 1, "bread": 2})
    scenarios = grid(priorities=[grain_first], labour=[1.0, 0.5])
    result = sweep(economy, scenarios, cluster=Cluster(scheduler))
    assert [o.fulfilment for o in result.outcomes] == [
        {"1": pytest.approx(1.0), "2": pytest.approx(0.9)},   # 200 hours of grain, 900 of bread
        {"1": pytest.approx(1.0), "2": pytest.approx(0.35)}]  # 550 hours: grain, then 350 of bread
    assert result.document()["scenarios"][1]["scenario"]["labour_scale"] == 0.5


def test_a_sweep_of_shares_needs_a_labour_force_and_is_refused_before_any_task():
    bakery = planned_bakery(1000.0)
    unlimited = dataclasses.replace(bakery, available=np.full(len(bakery.products), np.inf))
    with pytest.raises(InputError, match="labour force"):
        sweep(unlimited, grid(consumption=[0.5]), cluster=Cluster("tcp://127.0.0.1:9", connect_seconds=0.5))


def test_a_plan_that_raises_is_a_failed_outcome_saying_why_and_the_sweep_returns(scheduler):
    bakery = planned_bakery(1000.0)
    broken = Needs(np.array([99]), np.array([1.0]), np.array([1]))  # a product the economy lacks
    result = sweep(bakery, grid(capacity=[0.5, 1.0]), needs=broken, cluster=Cluster(scheduler))
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert all(o.error and o.error.startswith("IndexError") for o in result.outcomes)
    assert result.document()["scenarios"][0]["fulfilment"] == {}


def test_an_unknown_method_is_refused_before_any_task():
    with pytest.raises(InputError, match="--method: must be among lp, harmony, not simplex"):
        sweep(planned_bakery(1000.0), grid(methods=["simplex"]),
              cluster=Cluster("tcp://127.0.0.1:9", connect_seconds=0.5))


def test_priorities_naming_an_unknown_product_are_refused_before_any_task():
    with pytest.raises(Refusal, match="'cake'"):
        sweep(planned_bakery(1000.0), grid(priorities=[Priorities("cake", {"cake": 1})]),
              cluster=Cluster("tcp://127.0.0.1:9", connect_seconds=0.5))


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "no-such-host.invalid:8786", "::::"])
def test_an_unreachable_scheduler_is_an_error_naming_it(address):
    with pytest.raises(SchedulerUnreachable, match="--scheduler") as refused:
        sweep(planned_bakery(1000.0), grid(), cluster=Cluster(address, connect_seconds=0.5))
    assert isinstance(refused.value, InputError)
