"""``commonplan demo``: the whole planning cycle on the built-in economy, the council's votes and
its open books included, runs and says what it found."""

from __future__ import annotations

import io

from rich.console import Console

from commonplan.cli.demo import run_demo


def test_the_demo_plans_the_year_and_a_council_adopts_a_plan_on_open_books():
    printed = io.StringIO()
    run_demo(Console(file=printed, width=120))
    text = printed.getvalue()
    assert "A plan for the year" in text and "Priority 1 is met at 100.0%" in text
    assert "The people decide" in text and "Adopted by approval vote" in text
    assert "every signature and the signed head hold" in text
