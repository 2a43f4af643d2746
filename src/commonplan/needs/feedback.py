"""Feedback from shortages and surpluses: the "marketing" rule of Cockshott and Cottrell
('Towards a New Socialism', ch. 8): where shelves run empty or waiting lists grow, the target
is raised; where stock piles up, it is lowered.  Every adjustment carries its reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signals:
    """What the shops saw of one product: the share of store-days that ended empty, requests in
    the last four weeks and the four before, and days of demand left on the shelf (None where
    the stock records only list empty days)."""

    shortage_share: float
    recent_requests: float
    earlier_requests: float
    days_of_cover: float | None


@dataclass(frozen=True)
class Adjustment:
    """A change to one product's target and why."""

    product: str
    factor: float
    before: float
    after: float
    reason: str


@dataclass(frozen=True)
class FeedbackRule:
    """The rule's settings: shortages above ``shortage_share`` raise the target by ``gain`` times
    their share (at most ``most_raise``); a growing waiting list raises it by its growth over the
    horizon's demand (at most ``most_raise``); more than ``surplus_days`` of cover lowers it by
    ``surplus_cut``."""

    shortage_share: float = 0.05
    gain: float = 0.5
    most_raise: float = 0.25
    surplus_days: float = 90.0
    surplus_cut: float = 0.1

    def adjust(self, product: str, target: float, signals: Signals, horizon_days: int
               ) -> tuple[float, list[Adjustment]]:
        """The adjusted target and the adjustments made, in order."""
        adjustments: list[Adjustment] = []
        if signals.shortage_share >= self.shortage_share:
            factor = 1 + min(self.gain * signals.shortage_share, self.most_raise)
            reason = (f"shelves ended empty on {signals.shortage_share:.0%} of store-days: "
                      f"target raised {factor - 1:.1%}")
            target = self._apply(adjustments, product, target, factor, reason)
        growth = signals.recent_requests - signals.earlier_requests
        if growth > 0 and target > 0:
            four_weeks = target * 28 / max(horizon_days, 1)
            factor = 1 + min(growth / max(four_weeks, 1e-12), self.most_raise)
            reason = (f"waiting list grew from {signals.earlier_requests:g} to "
                      f"{signals.recent_requests:g} requested in four weeks: target raised {factor - 1:.1%}")
            target = self._apply(adjustments, product, target, factor, reason)
        if signals.days_of_cover is not None and signals.days_of_cover > self.surplus_days:
            factor = 1 - self.surplus_cut
            reason = (f"shelves held {signals.days_of_cover:.0f} days of demand on average (chronic "
                      f"surplus above {self.surplus_days:g}): target lowered {self.surplus_cut:.0%}")
            target = self._apply(adjustments, product, target, factor, reason)
        return target, adjustments

    @staticmethod
    def _apply(adjustments: list[Adjustment], product: str, target: float, factor: float,
               reason: str) -> float:
        adjustments.append(Adjustment(product, factor, target, target * factor, reason))
        return target * factor
