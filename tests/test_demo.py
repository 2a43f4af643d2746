"""``commonplan demo``: the whole planning cycle on the built-in economy, the council's votes and
its open books included, runs and says what it found: down to the execution, whose blight the
watch sees, whose alerts climb to the district, and whose revision the district votes."""

from __future__ import annotations

import io
import re

from rich.console import Console

from commonplan.cli.demo import run_demo


def test_the_demo_plans_the_year_and_a_council_adopts_a_plan_on_open_books():
    printed = io.StringIO()
    run_demo(Console(file=printed, width=120))
    text = printed.getvalue()
    assert "A plan for the year" in text and "Priority 1 is met at 100.0%" in text
    assert "The people decide" in text and "Adopted by approval vote" in text
    assert "every signature and the signed head hold" in text
    # the round: the shops' records read, the votes, two variants, the adoption frozen, the books whole
    assert "A planning round, step by step" in text and "Bread and bakery product" in text
    assert "Priorities voted by group" in text and "Budget of 100 by equal shares: funded" in text
    assert "The round's plan variants" in text
    assert re.search(r"Adopted by the round's own plan ballot .*frozen\s+by its SHA-256 [0-9a-f]{16}", text)
    # the execution: the blight seen at the farm and, through the flour, at the bakery; each alert
    # climbed to the district (the workplace did not answer in 48 hours); the revision voted
    assert "Carrying out the plan" in text and "A blight cuts the farm's harvest by 40%" in text
    alerts = text[text.index("The alerts, ranked"):text.index("Revision 1 of the rest")]
    assert "Grain farming" in alerts and "Bread and bakery" in alerts
    assert alerts.count("acted (climbed 1x)") == alerts.count("million") >= 2
    assert re.search(r"It lowers a voted priority, so it went to the district's plan ballot: applied", text)
    assert "check: every entry, signature and head holds" in text
