"""Watching many targets at once gives, target by target, exactly the forecast and the alarms of
execution.forecast (to 1e-9 relative), whatever the reports, the gaps and the noise carried
over."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.execution.forecast import Noise, forecast
from commonplan.execution.watching import Watch, forecast_many


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, abs(b)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.data())
def test_each_targets_figures_equal_the_forecast_of_that_target_alone(targets, periods, data):
    elapsed = data.draw(st.integers(0, periods))
    scale = data.draw(st.sampled_from([1e-3, 1.0, 1e4]))  # the figures' scale: stated relative to it
    sizes = [data.draw(st.floats(0.5, 2.0)) * scale * periods for _ in range(targets)]
    cell = st.one_of(st.none(), st.floats(0, 3).map(lambda share: share * scale))
    table = [[data.draw(cell) for _ in range(targets)] for _ in range(elapsed)]
    carried = data.draw(st.lists(st.one_of(st.none(), st.tuples(st.floats(0.01, 1), st.floats(0.5, 60))),
                                 min_size=targets, max_size=targets))
    noise_sd = np.array([math.nan if c is None else c[0] * scale for c in carried])
    noise_df = np.array([math.nan if c is None else c[1] for c in carried])
    outputs = np.array([[math.nan if v is None else v for v in row] for row in table])
    outputs = outputs.reshape(elapsed, targets)
    many = forecast_many(sizes, periods, outputs, noise_sd=noise_sd, noise_df=noise_df)
    for column, size in enumerate(sizes):
        noise = None if carried[column] is None else Noise(carried[column][0] * scale, carried[column][1])
        alone = forecast(size, periods, [row[column] for row in table], noise=noise)
        got = many[column]
        for field in ("fulfilment", "low", "high", "level", "level_sd", "reported"):
            assert close(getattr(got, field), getattr(alone, field)), field
        assert (got.periods_reported, got.periods_left) == (alone.periods_reported, alone.periods_left)
        assert [(a.index, a.below) for a in got.alarms] == [(a.index, a.below) for a in alone.alarms]
        assert all(close(a.statistic, b.statistic) for a, b in zip(got.alarms, alone.alarms, strict=True))


def test_a_watch_refuses_more_periods_than_there_are_and_targets_not_positive():
    watch = Watch(np.array([10.0]), 1)
    watch.update(np.array([1.0]))
    with pytest.raises(ValueError, match="2 periods reported of 1"):
        watch.update(np.array([1.0]))
    with pytest.raises(ValueError, match="positive"):
        Watch(np.array([0.0]), 3)


def test_a_steady_shortfall_raises_the_alarm_below_plan_for_that_target_only():
    noise = np.random.default_rng(3).normal(0, 1, (40, 3))
    outputs = 10 + noise
    outputs[20:, 1] -= 2
    result = forecast_many([520.0] * 3, 52, outputs)
    assert result[1].alarms and result[1].alarms[0].below and result[1].alarms[0].index >= 20


def test_the_watch_finds_a_breakdown_the_simulator_injected_soon_after_its_start_and_not_before():
    from commonplan.execution.plans import WorkplacePlan
    from commonplan.execution.simulation import Fault, FaultKind, simulate

    plans = [WorkplacePlan(f"W{w}", outputs={f"p{w}": 100.0 * 60}) for w in range(200)]
    simulation = simulate(plans, [Fault(FaultKind.BREAKDOWN, 30, 0.2, "W7")], periods=60, noise=0.05, seed=4)
    watch = Watch(np.full(200, 100.0 * 60), 60)
    found: dict[int, list[tuple[int, bool]]] = {}
    for t in range(60):
        raised, below, _ = watch.update(simulation.outputs[t])
        for target, low in zip(raised.tolist(), below.tolist(), strict=True):
            found.setdefault(target, []).append((t, low))
    first = found[7][0]
    assert first[1] and 30 <= first[0] <= 34  # 4 sigmas short: within a few reports
    false = sum(len(alarms) for target, alarms in found.items() if target != 7)
    assert false <= 40  # 199 targets x 60 reports in control: 12,000 / ARL0 630, fewer while sigma is new
