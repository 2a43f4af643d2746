"""Figures as people read them, on the pages and in the terminal alike: rounded to what a reader
can take in (the JSON and CSV downloads keep every digit)."""

from __future__ import annotations


def number(value: float | None) -> str:
    """A number as people read it in a table: 1,234,568 or 0.45 or 1.2e-07."""
    if value is None:
        return "n/a"
    if value == 0 or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) < 1e-3 else f"{value:,.4f}".rstrip("0").rstrip(".")


def percent(share: float) -> str:
    """A share (0.987) as a percentage to one decimal: 98.7%."""
    return f"{100 * share:.1f}%"
