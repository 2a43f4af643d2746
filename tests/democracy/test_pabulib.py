"""Pabulib's .pb format read as published: costs, approval ballots and the budget; a malformed
amount named with its row."""

from __future__ import annotations

import pytest

from commonplan.democracy.pabulib import parse_pabulib

PB = """META
key;value
description;A small budget
budget;10.0
PROJECTS
project_id;cost;name
1;6;Oven
2;5.0;Garden
VOTES
voter_id;vote
a;1,2
b;
c;2
"""


def test_a_budget_is_read_with_its_costs_ballots_and_money():
    budget = parse_pabulib(PB)
    assert budget.costs == {"1": 6, "2": 5} and budget.budget == 10
    assert budget.ballots == [["1", "2"], [], ["2"]]


@pytest.mark.parametrize(("text", "culprit"), [
    (PB.replace("2;5.0;Garden", "2;5.5;Garden"), "row 8: cost: '5.5' is not a whole amount"),
    (PB.replace("budget;10.0", "budget;lots"), "META: budget: 'lots' is not an amount"),
    (PB.replace("budget;10.0\n", ""), "META: no budget"),
])
def test_a_malformed_file_is_refused_naming_the_culprit(text, culprit):
    with pytest.raises(ValueError, match=culprit):
        parse_pabulib(text)
