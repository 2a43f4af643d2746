"""The forecast of a target's fulfilment and its alarm: reports on plan forecast the target met
with an interval around it, more output never forecasts less, the interval narrows as the
execution goes on, a steady shortfall is forecast and raises an alarm below plan within a few
reports, and steady reports on plan raise none."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.execution.forecast import forecast

figures = st.floats(min_value=0, max_value=50, allow_nan=False)


@given(st.integers(2, 60), st.data())
def test_reports_on_plan_forecast_the_target_met_within_the_interval(periods, data):
    elapsed = data.draw(st.integers(0, periods))
    result = forecast(10.0 * periods, periods, [10.0] * elapsed)
    assert result.fulfilment == pytest.approx(1.0)
    assert result.low <= 1.0 <= result.high
    assert (result.periods_reported, result.periods_left) == (elapsed, periods - elapsed)
    assert result.alarms == ()


@given(st.lists(figures, min_size=1, max_size=30), st.integers(0, 29), st.floats(0.1, 10))
def test_more_output_in_a_period_never_forecasts_less(outputs, which, more):
    index = which % len(outputs)
    raised = [*outputs[:index], outputs[index] + more, *outputs[index + 1:]]
    periods = 40
    assert forecast(400, periods, raised).fulfilment >= forecast(400, periods, outputs).fulfilment - 1e-9


def test_the_interval_narrows_as_the_execution_goes_on():
    noise = np.random.default_rng(7).normal(0, 1, 50)
    widths = [(lambda f: f.high - f.low)(forecast(520, 52, list(10 + noise[:k]))) for k in (5, 20, 50)]
    assert widths[0] > widths[1] > widths[2] > 0


def test_a_steady_shortfall_is_forecast_and_raises_an_alarm_below_plan():
    noise = np.random.default_rng(3).normal(0, 1, 40)
    outputs = list(10 + noise[:20]) + list(8 + noise[20:])  # two sigmas short from period 20 on
    result = forecast(10 * 52, 52, outputs)
    first = next(alarm for alarm in result.alarms if alarm.index >= 20)
    assert first.below and first.index - 20 < 8
    assert result.high < 0.95  # the target will be missed, and the forecast says so
    assert result.level == pytest.approx(8, abs=0.7)


def test_a_missing_report_is_forecast_not_taken_as_nothing_and_widens_the_interval():
    full = forecast(100, 10, [10.0] * 5)
    gap = forecast(100, 10, [10.0, None, None, 10.0, 10.0])
    assert (gap.periods_reported, gap.reported, gap.periods_left) == (3, 30.0, 7)
    assert gap.fulfilment == pytest.approx(full.fulfilment) == pytest.approx(1.0)
    assert gap.high - gap.low > full.high - full.low


def test_a_target_is_positive_and_its_periods_bounded():
    with pytest.raises(ValueError, match="positive quantity"):
        forecast(0, 10, [])
    with pytest.raises(ValueError, match="11 periods reported of 10"):
        forecast(10, 10, [1.0] * 11)


# -- the noise an earlier run teaches -------------------------------------------------------------


def test_the_noise_carried_over_is_the_mean_moving_range_relative_to_the_output():
    from commonplan.execution.forecast import D2, MR_DF, noise_of

    noise = noise_of([10, 12, None, 10, 12, 10], plan=22.0)  # ranges 2, 2, 2 (across None: none)
    assert noise is not None
    assert noise.sd == pytest.approx(2 / D2 / (54 / 5) * 22) and noise.df == pytest.approx(3 * MR_DF)
    assert noise_of([10, None, 12], plan=1.0) is None  # no two ranges
    assert noise_of([0, 0, 0, 0], plan=1.0) is None  # nothing made: no scale to carry over


@given(st.lists(st.floats(0.5, 1e6), min_size=3, max_size=40), st.floats(1e-3, 1e3), st.floats(1e-3, 1e6))
def test_the_noise_carried_over_is_relative_to_the_plan_and_not_to_the_units(outputs, scale, plan):
    """Outputs counted in other units (times ``scale``) teach the same noise; a plan ``scale``
    times larger carries over ``scale`` times its standard deviation."""
    from commonplan.execution.forecast import noise_of

    once, rescaled = noise_of(outputs, plan), noise_of([y * scale for y in outputs], plan)
    larger = noise_of(outputs, plan * scale)
    assert once is not None and rescaled is not None and larger is not None
    assert rescaled.sd == pytest.approx(once.sd, rel=1e-9) and rescaled.df == once.df
    assert larger.sd == pytest.approx(once.sd * scale, rel=1e-9)
