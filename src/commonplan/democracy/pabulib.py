"""Participatory budgets as Pabulib publishes them (the ``.pb`` format of pabulib.org): sections
META, PROJECTS and VOTES, each a header row then rows separated by semicolons. Pure: the text in,
the projects' costs, the approval ballots and the budget out, ready for budgets.equal_shares."""

from __future__ import annotations

import csv
from fractions import Fraction
from typing import NamedTuple

SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibBudget(NamedTuple):
    costs: dict[str, int]
    ballots: list[list[str]]
    budget: int


def whole(text: str, where: str) -> int:
    """A whole amount written as "75000" or "75000.0"; ValueError naming ``where`` otherwise."""
    try:
        amount = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{where}: {text!r} is not an amount") from None
    if amount.denominator != 1:
        raise ValueError(f"{where}: {text!r} is not a whole amount")
    return int(amount)


def parse_pabulib(text: str) -> PabulibBudget:
    """The budget in a ``.pb`` file's ``text`` (approval ballots: the ``vote`` column)."""
    section, header, meta, costs, ballots = "", None, {}, {}, []
    for number, row in enumerate(csv.reader(text.splitlines(), delimiter=";"), 1):
        if row and row[0] in SECTIONS:
            section, header = row[0], None
        elif header is None:
            header = row
        elif section == "META":
            meta[row[0]] = row[1]
        elif section == "PROJECTS":
            costs[row[header.index("project_id")]] = whole(row[header.index("cost")], f"row {number}: cost")
        else:
            vote = row[header.index("vote")]
            ballots.append(vote.split(",") if vote else [])
    if "budget" not in meta:
        raise ValueError("META: no budget")
    return PabulibBudget(costs, ballots, whole(meta["budget"], "META: budget"))
