"""Pabulib's .pb format read as published: costs (exactly, decimals included), names, approval
ballots and money; a file that cannot be counted refused with every problem, each naming the
file, the line and the field."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from commonplan.democracy.pabulib import parse_pabulib
from commonplan.economy.problems import BundleError

PB = """META
key;value
description;A small budget
budget;10.0
vote_type;approval
PROJECTS
project_id;cost;name
1;6;Oven
2;5.0;"Garden; with a shed"
VOTES
voter_id;vote
a;1,2
b;
c;2
"""
WARSZAWA = Path(__file__).parent / "data" / "pabulib" / "Poland_Warszawa_2017_Grochow_Centrum.pb"


def test_a_budget_is_read_with_its_costs_names_ballots_and_money():
    budget = parse_pabulib(PB)
    assert budget.costs == {"1": 6, "2": 5} and budget.budget == 10
    assert budget.names == {"1": "Oven", "2": "Garden; with a shed"}
    assert budget.ballots == [["1", "2"], [], ["2"]]
    assert budget.meta["description"] == "A small budget"


def test_decimal_amounts_are_read_exactly():
    budget = parse_pabulib(WARSZAWA.read_text(encoding="utf-8"), WARSZAWA.name)
    assert budget.budget == Fraction("363734.88") and len(budget.ballots) == 826
    assert parse_pabulib(PB.replace("1;6;Oven", "1;5.5;Oven")).costs["1"] == Fraction(11, 2)


def problems(text: str) -> list[str]:
    with pytest.raises(BundleError) as refused:
        parse_pabulib(text, "city.pb")
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    (PB.replace("budget;10.0", "budget;lots"), ["city.pb:4:budget: 'lots' is not an amount"]),
    (PB.replace("budget;10.0\n", ""), ["city.pb:META: no budget (a row budget;AMOUNT)"]),
    (PB.replace("budget;10.0", "budget;-1"), ["city.pb:4:budget: the budget must be 0 or more, not '-1'"]),
    (PB.replace("1;6;Oven", "1;0;Oven"), ["city.pb:8:cost: project '1' must cost more than 0, not '0'"]),
    (PB.replace("1;6;Oven", "1;6,5;Oven"), ["city.pb:8:cost: '6,5' is not an amount"]),
    (PB.replace("1;6;Oven", "1;6"), ["city.pb:8: PROJECTS: 2 fields where the header has 3"]),
    (PB.replace("2;5.0;", "1;5.0;"), ["city.pb:9:project_id: project '1' is listed twice",
                                       "city.pb:12:vote: a vote for project '2', not in PROJECTS",
                                       "city.pb:14:vote: a vote for project '2', not in PROJECTS"]),
    (PB.replace("a;1,2", "a;1,7"), ["city.pb:12:vote: a vote for project '7', not in PROJECTS"]),
    (PB.replace("approval", "cumulative"),
     ["city.pb:5:vote_type: 'cumulative' ballots: commonplan counts approval ballots only"]),
    (PB.replace("project_id;cost;name", "project_id;price;name"),
     ["city.pb:7: PROJECTS: the header has no column cost"]),
    ("budget;10\n" + PB, ["city.pb:1: a .pb file starts with the section META, not 'budget;10'"]),
    (PB[PB.index("PROJECTS"):], ["city.pb:META: no section META"]),
    (PB[:PB.index("VOTES")], ["city.pb:VOTES: no section VOTES"]),
    ("", ["city.pb:META: no section META", "city.pb:PROJECTS: no section PROJECTS",
          "city.pb:VOTES: no section VOTES"]),
])
def test_a_malformed_file_is_refused_naming_the_file_line_and_field(text, expected):
    assert problems(text) == expected


def test_every_problem_of_a_file_is_named_at_once_and_a_quoted_line_break_keeps_the_count():
    text = (PB.replace("1;6;Oven", '1;x;"Oven\nand hob"').replace("budget;10.0", "budget;ten")
            .replace("c;2", "c;9"))
    assert problems(text) == ["city.pb:8:cost: 'x' is not an amount",
                              "city.pb:4:budget: 'ten' is not an amount",
                              "city.pb:15:vote: a vote for project '9', not in PROJECTS"]
