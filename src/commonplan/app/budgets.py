"""Counting a participatory budget published as a Pabulib ``.pb`` file, written once for every
interface (``commonplan budget count``): the file read and checked, the ballots counted by equal
shares and the completion chosen, and the SPEC-style document of what was funded.

Ties are broken by project id, as pabutools does, so a published budget counts the same here as
in the reference implementation (a council's own ballots use the public lottery instead).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from commonplan.app.computations import Computed
from commonplan.democracy.ballot_kinds import plain
from commonplan.democracy.budgets import DEFAULT_COMPLETION, BudgetOutcome, equal_shares
from commonplan.democracy.pabulib import PabulibBudget, parse_pabulib
from commonplan.economy.problems import BundleError, Problem

TIES = "by project id, as pabutools"


def read_pb(path: Path) -> PabulibBudget:
    """The budget in the ``.pb`` file at ``path``; BundleError naming the file (and line) if it
    cannot be read or counted."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BundleError([Problem(str(path), "no such file")]) from None
    except IsADirectoryError:
        raise BundleError([Problem(str(path), "a folder, not a .pb file")]) from None
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise BundleError([Problem(str(path), "not UTF-8 text", row=line)]) from None
    return parse_pabulib(text, str(path))


def count_pb(path: Path, completion: str = DEFAULT_COMPLETION) -> Computed[BudgetOutcome]:
    """The projects the budget at ``path`` funds by equal shares and ``completion``."""
    budget = read_pb(path)
    outcome = equal_shares(budget.costs, budget.ballots, budget.budget, seed="", completion=completion,
                           tie_break="lexicographic")
    return Computed(outcome, budget_document(budget, outcome, completion))


def budget_document(budget: PabulibBudget, outcome: BudgetOutcome, completion: str) -> dict[str, Any]:
    """What was funded, with ids, names and exact amounts (a fraction as "p/q")."""
    votes = Counter(project for ballot in budget.ballots for project in set(ballot))
    kept = next((r["endowment"] for r in outcome.rounds if r["rule"] == "equal shares"), None)
    rules = {r["project"]: r["rule"] for r in outcome.rounds}
    return {"completion": completion, "method": outcome.method, "ties": TIES,
            "description": budget.meta.get("description", ""), "currency": budget.meta.get("currency", ""),
            "voters": len(budget.ballots), "projects": len(budget.costs),
            "budget": plain(outcome.budget), "spent": plain(outcome.spent),
            "left": plain(outcome.budget - outcome.spent), "endowment": plain(kept),
            "funded": [{"project": project, "name": budget.names.get(project, ""),
                        "cost": plain(budget.costs[project]), "votes": votes[project],
                        "rule": rules.get(project, "equal shares")} for project in outcome.funded]}
