"""A Dask worker killed mid-sweep (issue 18, item 6): a scheduler and two workers run as processes
of their own, as on a real cluster; one worker is killed (SIGKILL, no goodbye) while it plans a
scenario, and every outcome still arrives, equal to the scenario planned alone in this process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client

from commonplan.app.sweeps import Cluster, run_scenario, sweep
from commonplan.economy.synthetic import generate
from commonplan.planning.sweeps import grid

SRC = Path(__file__).resolve().parents[2] / "src"
DASK = Path(sys.executable).with_name("dask")  # the command-line of dask[distributed], beside python
pytestmark = pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed beside python")


def started(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``dask ARGS`` as a process of its own (its output in ``log``), single-threaded BLAS, the
    scheduler giving a task up only after three workers died running it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "3"}
    with log.open("wb") as output:
        return subprocess.Popen([str(DASK), *args], env=env, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, subprocess.Popen[bytes]]]]:
    """A scheduler and two workers (``one``, ``two``; no nanny to bring a killed one back), each
    a process; the scheduler's address and the processes by name."""
    file = tmp_path / "scheduler.json"
    processes = [started("scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                         "--scheduler-file", str(file), log=tmp_path / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = {name: started("worker", "--scheduler-file", str(file), "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1", "--name", name,
                                 log=tmp_path / f"worker-{name}.log") for name in ("one", "two")}
        processes += workers.values()
        with Client(scheduler_file=str(file), timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler_info()["address"]
        yield address, {"scheduler": processes[0], **workers}
    finally:
        for process in reversed(processes):
            process.kill()
            process.wait(timeout=30)


def test_a_worker_killed_mid_sweep_loses_no_outcome(cluster):
    address, workers = cluster
    economy = generate(400, seed=5)
    scenarios = grid(methods=["lp", "harmony"], capacity=[0.6, 0.8, 1.0, 1.2])
    killed: list[list[str]] = []
    with Client(address, timeout=30) as monitor:
        victim = next(worker for worker, info in monitor.scheduler_info(n_workers=-1)["workers"].items()
                      if info["name"] == "one")

        def kill_when_busy(fraction: float, message: str) -> None:
            """After the first outcome, kill worker one while it holds a scenario."""
            if killed:
                return
            busy = monitor.processing(workers=[victim]).get(victim, [])
            if busy:
                workers["one"].send_signal(signal.SIGKILL)
                workers["one"].wait(timeout=30)
                killed.append(list(busy))

        result = sweep(economy, scenarios, cluster=Cluster(address), progress=kill_when_busy)
        left = monitor.scheduler_info(n_workers=-1)["workers"]
    assert killed, "worker one never held a scenario after the first outcome"
    assert [info["name"] for info in left.values()] == ["two"]
    assert [o.scenario for o in result.outcomes] == scenarios
    for outcome, scenario in zip(result.outcomes, scenarios, strict=True):
        alone = run_scenario(economy, scenario)
        assert outcome.error is None and outcome.status == alone.status
        assert outcome.fulfilment == pytest.approx(alone.fulfilment, abs=1e-9)
        assert outcome.labour_hours == pytest.approx(alone.labour_hours, rel=1e-9)


def test_a_lost_scheduler_keeps_the_outcomes_done_and_fails_the_others_saying_why(cluster):
    address, processes = cluster
    economy = generate(500, seed=2)
    scenarios = grid(capacity=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4])  # five each at least

    def kill_the_scheduler(fraction: float, message: str) -> None:
        if processes["scheduler"].poll() is None:
            processes["scheduler"].send_signal(signal.SIGKILL)

    result = sweep(economy, scenarios, cluster=Cluster(address), progress=kill_the_scheduler)
    done = [o for o in result.outcomes if o.error is None]
    lost = [o for o in result.outcomes if o.error is not None]
    assert done and lost and len(done) + len(lost) == len(scenarios)
    assert all(o.status == "failed" and "connection to the scheduler was lost" in (o.error or "")
               for o in lost)
    for outcome in done:
        alone = run_scenario(economy, outcome.scenario)
        assert outcome.fulfilment == pytest.approx(alone.fulfilment, abs=1e-9)
