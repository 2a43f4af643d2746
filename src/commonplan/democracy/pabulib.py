"""Participatory budgets as Pabulib publishes them (the ``.pb`` format of pabulib.org): sections
META, PROJECTS and VOTES, each a header row then rows separated by semicolons. Pure: the text in,
the projects' costs and names, the approval ballots and the budget out, ready for
budgets.equal_shares.

Amounts are read exactly (``363734.88`` is the Fraction 9093372/25, never a float). A file that
cannot be counted is refused with every problem found, each naming the file, its line and the
field (a BundleError of economy.problems: exit code 2 on the command line): a missing section or
column, a row of the wrong length, an amount that is not one, a cost of 0 or less, a project
listed twice, a vote for a project the file does not list, ballots other than approval.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from fractions import Fraction

from commonplan.democracy.budgets import Amount
from commonplan.economy.problems import BundleError, Problem

SECTIONS = ("META", "PROJECTS", "VOTES")
REQUIRED = {"META": ("key", "value"), "PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}
VOTE_TYPES = ("approval",)  # the ballots equal shares counts here
MAX_PROBLEMS = 50  # listed at most; a file with more is wrong throughout, and fifty say so


@dataclass(frozen=True)
class PabulibBudget:
    """A budget as published: ``costs`` and ``names`` by project id (in the file's order; a name
    is "" where the file gives none), each voter's approved ids, the ``budget`` and the META
    fields as written."""

    costs: dict[str, Amount]
    ballots: list[list[str]]
    budget: Amount
    names: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)


def amount(text: str) -> Amount:
    """An amount written as "75000", "75000.0" or "363734.88", exactly; ValueError otherwise."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not an amount") from None
    return value.numerator if value.denominator == 1 else value


@dataclass
class _Reader:
    """What has been read so far, and the problems found (each with its line and field)."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    costs: dict[str, Amount] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)  # every project id, its cost readable or not
    votes: list[tuple[int, str]] = field(default_factory=list)  # (line, the vote column)
    meta_line: dict[str, int] = field(default_factory=dict)  # the line of each META key

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, message, row=line, column=column))

    def row(self, section: str, header: list[str], line: int, row: list[str]) -> None:
        if len(row) != len(header):
            self.problem(line, None, f"{section}: {len(row)} fields where the header has {len(header)}")
            if section == "PROJECTS":  # listed all the same: no vote for it is called unknown
                self.listed.add(dict(zip(header, row, strict=False)).get("project_id", "").strip())
            return
        values = dict(zip(header, row, strict=True))
        if section == "META":
            self.meta[values["key"].strip()] = values["value"].strip()
        elif section == "PROJECTS":
            self.project(line, values)
        else:
            self.votes.append((line, values["vote"]))

    def project(self, line: int, values: dict[str, str]) -> None:
        project = values["project_id"].strip()
        if not project:
            self.problem(line, "project_id", "a project without an id")
        elif project in self.listed:
            self.problem(line, "project_id", f"project {project!r} is listed twice")
        self.listed.add(project)
        try:
            cost = amount(values["cost"])
        except ValueError as error:
            self.problem(line, "cost", str(error))
            return
        if cost <= 0:
            self.problem(line, "cost", f"project {project!r} must cost more than 0, not {values['cost']!r}")
        elif project and project not in self.costs:
            self.costs[project] = cost
            self.names[project] = values.get("name", "").strip()

    def ballots(self) -> list[list[str]]:
        ballots = []
        for line, vote in self.votes:
            approved = [project.strip() for project in vote.split(",") if project.strip()]
            for project in approved:
                if project not in self.listed:
                    self.problem(line, "vote", f"a vote for project {project!r}, not in PROJECTS")
            ballots.append(approved)
        return ballots

    def budget(self) -> Amount:
        where = self.meta_line.get("budget")
        if "budget" not in self.meta:
            self.problem(None, "META", "no budget (a row budget;AMOUNT)")
            return 0
        try:
            money = amount(self.meta["budget"])
        except ValueError as error:
            self.problem(where, "budget", str(error))
            return 0
        if money < 0:
            self.problem(where, "budget", f"the budget must be 0 or more, not {self.meta['budget']!r}")
        return money


def parse_pabulib(text: str, file: str = "<text>") -> PabulibBudget:
    """The budget in a ``.pb`` file's ``text``; BundleError listing every problem, each naming
    ``file``, its line and the field."""
    reader = _Reader(file)
    section, header, seen = "", None, []
    rows = csv.reader(text.splitlines(), delimiter=";")
    line, fatal = 1, False
    for row in rows:
        if row and row[0].strip() in SECTIONS and len(row) == 1:
            section, header = row[0].strip(), None
            seen.append(section)
        elif not any(cell.strip() for cell in row):
            pass  # a blank line
        elif not section:
            reader.problem(line, None, f"a .pb file starts with the section META, not {';'.join(row)[:80]!r}")
            fatal = True
            break
        elif header is None:
            header = [cell.strip() for cell in row]
            missing = [name for name in REQUIRED[section] if name not in header]
            if missing:
                reader.problem(line, None, f"{section}: the header has no column {', '.join(missing)}")
                fatal = True
                break
        else:
            if section == "META" and row:
                reader.meta_line.setdefault(row[0].strip(), line)
            reader.row(section, header, line, row)
        line = rows.line_num + 1
    if fatal:
        raise BundleError(reader.problems[:MAX_PROBLEMS])
    for name in SECTIONS:
        if name not in seen:
            reader.problem(None, name, f"no section {name}")
    vote_type = reader.meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        reader.problem(reader.meta_line.get("vote_type"), "vote_type",
                       f"{vote_type!r} ballots: commonplan counts {' and '.join(VOTE_TYPES)} ballots only")
    budget = reader.budget() if "META" in seen else 0
    ballots = reader.ballots()
    if reader.problems:
        raise BundleError(reader.problems[:MAX_PROBLEMS])
    return PabulibBudget(reader.costs, ballots, budget, reader.names, reader.meta)
