"""The Markov-chain run lengths of a CUSUM reproduce the published tables (Montgomery,
Introduction to Statistical Quality Control, Table 9.3, after Hawkins 1993: k = 1/2), the alarm's
own H gives an in-control ARL above the issue's 500 with margin, and the standardised residuals
the alarm sums are close to standard normal in control, so that the computed ARL is the one
measured."""

from __future__ import annotations

import numpy as np
import pytest

from commonplan.execution import forecast as watched
from commonplan.execution.runlength import (
    arl_one_sided,
    arl_two_sided,
    decision_interval,
    quantile,
    survival,
)


@pytest.mark.parametrize(("h", "shift", "published", "printed"), [
    (4, 0.0, 168, 0.5), (5, 0.0, 465, 0.5), (4, 1.0, 8.38, 0.005), (5, 1.0, 10.4, 0.05),
    (4, 2.0, 3.34, 0.005), (5, 2.0, 4.01, 0.005), (5, 0.5, 38.0, 0.05), (4, 3.0, 2.19, 0.005)])
def test_the_two_sided_arl_is_montgomerys_table_9_3(h, shift, published, printed):
    assert abs(arl_two_sided(h, 0.5, shift) - published) <= printed


def test_the_one_sided_in_control_arl_is_twice_the_two_sided():
    assert arl_one_sided(5, 0.5) == pytest.approx(930, abs=1)
    assert arl_one_sided(5, 0.5, 1.0, head_start=2.5) < arl_one_sided(5, 0.5, 1.0)  # a head start is faster


def test_the_alarms_h_keeps_false_alarms_rarer_than_one_in_500_and_the_textbook_delays():
    assert arl_two_sided(watched.CUSUM_H, watched.CUSUM_K) >= 600
    assert decision_interval(watched.CUSUM_K, 500) < watched.CUSUM_H
    one = survival(watched.CUSUM_H, watched.CUSUM_K, [1.0] * 300)
    two = survival(watched.CUSUM_H, watched.CUSUM_K, [-2.0] * 300)
    assert quantile(one, 0.5) <= 10 and quantile(two, 0.5) <= 4


def test_the_survival_of_a_step_sums_to_the_arl():
    left = survival(4, 0.5, [1.0] * 2000)
    assert 1 + left.sum() == pytest.approx(arl_one_sided(4, 0.5, 1.0), rel=1e-9)


def test_in_control_the_standardised_residuals_are_close_to_standard_normal_from_few_reports():
    rng = np.random.default_rng(11)
    figures = []
    for known in (5, 10, 30):  # moving ranges known
        for _ in range(4000):
            ranges = rng.standard_normal(known + 1)
            sigma = np.abs(np.diff(ranges)).mean() / watched.D2
            df = watched.MR_DF * (len(ranges) - 1)
            figures.append(watched.standardised(rng.standard_normal(), sigma, df))
    tail = np.mean(np.abs(figures) > 2.5)
    assert 0.006 <= tail <= 0.0124 + 0.003  # a standard normal's share beyond 2.5 is 0.0124; no heavier


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="h > 0"):
        arl_one_sided(0, 0.5)
    with pytest.raises(ValueError, match="positive standard deviation"):
        watched.Noise(0.0, 3.0)
