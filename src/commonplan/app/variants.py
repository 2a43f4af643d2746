"""A plan variant: the one place where the arms of the planning cycle meet. The needs (the
bundle's or learned from records), the tiers a priorities ballot chose, the shares of work a
shares ballot chose and the budget projects a budget ballot funded become one plan, by
:func:`plan_variant`, whichever interface asks (``commonplan plan --priorities --shares
--projects``, a job of the API or the pages, the worker, the demo).

The choices are checked against the economy by :func:`checked_choices` before any job
starts: a ballot result naming a product the economy lacks is refused, naming it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from commonplan.app import documents
from commonplan.app.computations import Computed
from commonplan.democracy.refusals import Refusal
from commonplan.economy.model import PART_LABELS, Economy, Needs, Part

if TYPE_CHECKING:
    from commonplan.planning.plan import Plan, Progress
    from commonplan.planning.shares import SharedPlan

MAX_TIER = 99


@dataclass(frozen=True)
class Project:
    """A funded budget project: the products it needs, met at priority ``tier`` as needs of the
    public services."""

    id: str
    name: str
    tier: int
    needs: Mapping[str, float]


@dataclass(frozen=True)
class Choices:
    """What the people chose for a plan variant: voted ``tiers`` (product id to priority), the
    ``shares`` of work per part (None: no share limits) and the funded ``projects``."""

    tiers: Mapping[str, int] = field(default_factory=dict)
    shares: Mapping[str, float] | None = None
    projects: Sequence[Project] = ()

    @property
    def empty(self) -> bool:
        return not self.tiers and self.shares is None and not self.projects


def produced_ids(economy: Economy) -> set[str]:
    """The ids of the goods and services ``economy`` makes: what a need may name."""
    return set(economy.products.ids.take(economy.produced).to_pylist())


def checked_choices(produced: Collection[str], choices: Choices) -> Choices:
    """``choices`` if they fit an economy making ``produced`` (product ids); a Refusal naming
    the field and what is wrong."""
    produced = set(produced)
    unknown = sorted(set(choices.tiers) - produced)
    if unknown:
        raise Refusal("invalid_request", "the voted priorities name products this economy does not "
                      f"make: {_some(unknown)}", field="priorities")
    for product, tier in choices.tiers.items():
        _check_tier(tier, f"the priority of {product!r}", "priorities")
    if choices.shares is not None:
        _check_shares(choices.shares)
    seen: set[str] = set()
    for project in choices.projects:
        where = f"project {project.id!r}"
        if project.id in seen:
            raise Refusal("invalid_request", f"{where} is given twice", field="projects")
        seen.add(project.id)
        _check_tier(project.tier, f"the tier of {where}", "projects")
        lacking = sorted(set(project.needs) - produced)
        if lacking:
            raise Refusal("invalid_request", f"{where} needs products this economy does not make: "
                          f"{_some(lacking)}", field="projects")
        for product, quantity in project.needs.items():
            if not _number(quantity) or not math.isfinite(quantity) or quantity < 0:
                raise Refusal("invalid_request", f"{where}: the quantity of {product!r}, {quantity!r}, "
                              "is not a finite number >= 0", field="projects")
    return choices


def _check_tier(tier: object, what: str, field_name: str) -> None:
    if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= MAX_TIER:
        raise Refusal("invalid_request", f"{what}, {tier!r}, is not a whole number from 1 to "
                      f"{MAX_TIER}", field=field_name)


def _check_shares(shares: Mapping[str, float]) -> None:
    wrong = sorted(set(shares) ^ set(PART_LABELS))
    if wrong:
        raise Refusal("invalid_request", f"the shares must give one share for each part "
                      f"({', '.join(PART_LABELS)}); not so for: {', '.join(wrong)}", field="shares")
    values = list(shares.values())
    if not all(_number(v) and math.isfinite(v) and v >= 0 for v in values) or not math.isclose(
            math.fsum(values), 1.0, abs_tol=1e-9):
        raise Refusal("invalid_request", f"the shares must be numbers >= 0 summing to 1, not {dict(shares)}",
                      field="shares")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _some(names: Sequence[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(repr(name) for name in names[:shown]) + more


def variant_needs(economy: Economy, choices: Choices, needs: Needs | None = None) -> Needs:
    """``needs`` (default: the bundle's) with the voted tiers applied and the funded projects'
    needs added as rows of the public services at their tiers."""
    base = economy.needs if needs is None else needs
    position = {product: index for index, product in enumerate(economy.products.ids.to_pylist())}
    voted = np.zeros(len(position), np.int64)  # 0: nobody voted on the product
    for product, tier in choices.tiers.items():
        voted[position[product]] = tier
    row_tiers = voted[base.products]
    priorities = np.where(row_tiers > 0, row_tiers, base.priorities)
    rows = [(position[product], float(quantity), project.tier)
            for project in choices.projects for product, quantity in project.needs.items() if quantity > 0]
    added = np.array([row[0] for row in rows], np.int64)
    return Needs(np.concatenate([base.products.astype(np.int64), added]),
                 np.concatenate([base.quantities, [row[1] for row in rows]]),
                 np.concatenate([priorities, [row[2] for row in rows]]).astype(np.int64),
                 np.concatenate([base.part_of_rows(),
                                 np.full(len(rows), Part.PUBLIC_SERVICES, np.int8)]).astype(np.int8))


def learned_needs(economy: Economy, quantities: Mapping[str, float]) -> tuple[Needs, list[str]]:
    """The economy's needs with the consumption of each product learned from people's records
    (``commonplan needs``: product to quantity) replaced by what was learned, at the priority
    the economy's needs give that product (its most urgent row; 1 when it has none); the
    consumption of products the records do not cover, and every investment and public services
    row, kept. Products the economy does not make are left out, named in the warnings."""
    position = {product: index for index, product in enumerate(economy.products.ids.to_pylist())}
    produced = produced_ids(economy)
    unknown = sorted(product for product in quantities if product not in produced)
    base = economy.needs
    priority = np.full(len(position), np.iinfo(np.int64).max)
    np.minimum.at(priority, base.products, base.priorities)
    learned = [(position[p], float(q)) for p, q in quantities.items() if p in produced and q > 0]
    added = np.array([row[0] for row in learned], np.int64)
    covered = np.zeros(len(position), bool)
    covered[added] = True
    keep = (base.part_of_rows() != Part.CONSUMPTION) | ~covered[base.products]
    tiers = np.where(priority[added] == np.iinfo(np.int64).max, 1, priority[added])
    needs = Needs(np.concatenate([base.products[keep].astype(np.int64), added]),
                  np.concatenate([base.quantities[keep], [row[1] for row in learned]]),
                  np.concatenate([base.priorities[keep], tiers]).astype(np.int64),
                  np.concatenate([base.part_of_rows()[keep],
                                  np.full(len(added), Part.CONSUMPTION, np.int8)]).astype(np.int8))
    warnings = [f"{len(unknown):,} products of the learned needs are not made by this economy and "
                f"are left out: {_some(unknown)}"] if unknown else []
    return needs, warnings


def plan_variant(economy: Economy, choices: Choices, needs: Needs | None = None, *,
                 method: str = "lp", progress: Progress | None = None) -> Computed[Plan]:
    """The plan variant for ``choices`` (checked here too): the plan of the variant's needs,
    within the voted shares of work when there are any (planning.shares), with its SPEC
    document and a ``"variant"`` section saying what was chosen and what it claimed."""
    from commonplan.planning import make_plan
    from commonplan.planning.shares import plan_within_shares

    checked_choices(produced_ids(economy), choices)
    wanted = variant_needs(economy, choices, needs)
    shared: SharedPlan | None = None
    if choices.shares is not None:
        shared = plan_within_shares(economy, wanted, [choices.shares[p.label] for p in Part],
                                    method=method, progress=progress)
        plan = shared.plan
    else:
        plan = make_plan(economy, wanted, method, progress)
    document = documents.plan_document(economy, plan)
    document["variant"] = variant_section(choices, shared)
    if shared is not None and shared.limiting:
        named = ", ".join(part.label for part in shared.limiting)
        document["explanation"] += f" The shares of work limit: {named}."
    return Computed(plan, document, list(plan.warnings))


def choices_from_documents(priorities: Any = None, shares: Any = None, projects: Any = None) -> Choices:
    """Choices from JSON documents as people hold them: a priorities ballot's result
    (``{"tiers": {product: tier}}``, the API's ballot with that ``result``, or the mapping
    itself), a shares ballot's result (likewise with ``"shares"``), and the funded projects
    (a list of ``{"id", "name", "tier", "needs": {product: quantity}}``, or ``{"projects":
    [...], "funded": [ids]}`` keeping only the funded ones). Refused, naming the field, when a
    document is none of these."""
    tiers = _unwrapped(priorities, "tiers", "priorities") if priorities is not None else {}
    share = _unwrapped(shares, "shares", "shares") if shares is not None else None
    return Choices(tiers, share, _projects(projects) if projects is not None else ())


def _unwrapped(document: Any, key: str, field_name: str) -> dict[str, Any]:
    if isinstance(document, dict) and isinstance(document.get("result"), dict):
        document = document["result"]
    if isinstance(document, dict) and key in document:
        document = document[key]
    if not isinstance(document, dict):
        raise Refusal("invalid_request", f"expected {{product or part: value}} or a ballot result "
                      f"with {key!r}, not {type(document).__name__}", field=field_name)
    return document


def _projects(document: Any) -> list[Project]:
    funded = None
    if isinstance(document, dict):
        funded = document.get("funded")
        document = document.get("projects")
    if not isinstance(document, list):
        raise Refusal("invalid_request", "expected a list of projects, or {\"projects\": [...], "
                      "\"funded\": [ids]}", field="projects")
    found = []
    for number, item in enumerate(document, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(
                item.get("needs"), dict) or "tier" not in item:
            raise Refusal("invalid_request", f"project {number}: expected {{\"id\": text, \"name\": "
                          "text, \"tier\": number, \"needs\": {product: quantity}}", field="projects")
        if funded is None or item["id"] in funded:
            found.append(Project(item["id"], str(item.get("name") or item["id"]), item["tier"],
                                 item["needs"]))
    return found


def choices_from_options(options: Mapping[str, Any]) -> Choices:
    """The choices a job was stored with (app.jobs.job_options): its voted ``tiers``,
    ``shares`` and ``projects``, each absent when not chosen."""
    projects = [Project(p["id"], p.get("name", p["id"]), p["tier"], p["needs"])
                for p in options.get("projects", ())]
    return Choices(options.get("tiers", {}), options.get("shares"), projects)


def variant_section(choices: Choices, shared: SharedPlan | None) -> dict[str, Any]:
    """What the variant was computed from, and each part's share, budget and claim (hours)."""
    section: dict[str, Any] = {
        "voted_tiers": len(choices.tiers),
        "projects": [{"id": p.id, "name": p.name, "tier": p.tier} for p in choices.projects]}
    if shared is not None:
        section["parts"] = {
            part.label: {"share": float(shared.shares[part]), "budget_hours": float(shared.budgets[part]),
                         "claimed_hours": float(shared.claimed[part]),
                         "limits": part in shared.limiting,
                         "fulfilment": {str(int(tier)): float(shared.met[part, k])
                                        for k, tier in enumerate(shared.plan.tiers)
                                        if shared.claims[part, k] > 0}}
            for part in Part}
    return section
