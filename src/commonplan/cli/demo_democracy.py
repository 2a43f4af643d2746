"""The demo's second part: a council sets the priorities and adopts the plan, on open books.

Nine members of a council (their votes drawn from a fixed seed, so the demo prints the same each
time) vote the shares of work, move some needs between priority tiers, and choose between the
plan as the tables give it and the plan for their priorities and shares (app.variants: each
part's needs within its share of the labour force); every step is counted by the same
rules the server uses (``commonplan.democracy``) and recorded in a Merkle log whose signatures
and head are then checked (``commonplan.ledger``). Nothing is stored: the service keeps these
acts in its database (``commonplan serve``, docs/democracy.md).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from commonplan.app.variants import Choices, plan_variant
from commonplan.democracy.elections import approval
from commonplan.democracy.priorities import aggregate_tiers
from commonplan.democracy.shares import aggregate_shares
from commonplan.economy.model import Economy
from commonplan.ledger import (
    Entry,
    MerkleTree,
    canonical,
    derive_signer,
    sign_entry,
    sign_head,
    verify_record,
)
from commonplan.planning.plan import Plan

MEMBERS = 9
RATED = 4  # the largest needs of priority 2 the council rates
LEANINGS = (0.6, 0.8, 0.3, 0.1)  # the chance a member rates each of them priority 1
SEED = "2017" * 16  # the public lottery's seed (ties), published with the count
SECRET = b"commonplan demo: not a real key!"  # the demo's keys; a server keeps its own secret
WHEN = "2017-12-31T12:00:00Z"


def people_decide(console: Console, economy: Economy, plan: Plan) -> None:
    """Print the council's votes, the plan it adopts, and the check of the open books."""
    votes = random.Random(2017)
    console.rule("[bold]The people decide")
    shares = aggregate_shares([_proposal(votes) for _ in range(MEMBERS)])
    console.print("Shares of work voted (per-share median of 9 proposals): " + ", ".join(
        f"{category} {share:.0%}" for category, share in shares.items()))
    rated = _largest_second_tier(economy)
    ratings = [{product: 1 if votes.random() < leaning else 2
                for product, leaning in zip(rated, LEANINGS, strict=True)} for _ in range(MEMBERS)]
    tiers = aggregate_tiers(ratings, rated)
    table = Table("need (largest of priority 2)", "ratings 1 / 2", "priority voted (lower median)",
                  box=box.SIMPLE)
    names = economy.products.names.to_pylist() if economy.products.names is not None else None
    ids = economy.products.ids.to_pylist()
    for product, tier in tiers.items():
        first = sum(rating[product] == 1 for rating in ratings)
        name = names[ids.index(product)] if names else product
        table.add_row(name, f"{first} / {MEMBERS - first}", str(tier))
    console.print(table)
    computed = plan_variant(economy, Choices(tiers, shares))
    variant = computed.result
    console.print(_parts(computed.document["variant"]["parts"]))
    console.print("The plan for these priorities and shares: " + _fulfilment(variant))
    choices = ["as the tables give", "as the council voted"]
    adopted = approval(choices, [[choices[1]]] * 6 + [[choices[0]]] * 2 + [choices] * 1, SEED).elected[0]
    chosen = variant if adopted == choices[1] else plan
    console.print(f"Adopted by approval vote ({MEMBERS} members): the plan {adopted}.")
    entries = _open_books(shares, tiers, adopted, chosen)
    _check(console, entries)


def _parts(parts: dict[str, dict[str, Any]]) -> Table:
    """Each part's share of work, its budget and what the plan's needs of it claim."""
    table = Table("part", "share voted", "budget, billion hours", "claimed", "met, by priority",
                  title="The shares of work as limits (needs valued at labour values)",
                  title_justify="left", box=box.SIMPLE)
    for part, figures in parts.items():
        met = ", ".join(f"{tier}: {share:.1%}" for tier, share in figures["fulfilment"].items())
        table.add_row(part, f"{figures['share']:.0%}", f"{figures['budget_hours'] / 1e9:,.1f}",
                      f"{figures['claimed_hours'] / 1e9:,.1f}" + (" (all)" if figures["limits"] else ""),
                      met or "nothing needed")
    return table


def _proposal(votes: random.Random) -> dict[str, float]:
    consumption, investment = votes.uniform(0.5, 0.7), votes.uniform(0.15, 0.3)
    return {"consumption": consumption, "investment": investment,
            "public services": 1 - consumption - investment}


def _largest_second_tier(economy: Economy) -> list[str]:
    needs = economy.needs
    second = needs.priorities > 1
    order = np.argsort(-needs.quantities[second], kind="stable")[:RATED]
    ids = economy.products.ids.to_pylist()
    return [ids[int(position)] for position in needs.products[second][order]]


def _fulfilment(plan: Plan) -> str:
    return ", ".join(f"priority {int(tier)} met at {share:.1%}"
                     for tier, share in zip(plan.tiers, plan.fulfilment, strict=True))


def _open_books(shares: dict[str, float], tiers: dict[str, int], adopted: str, plan: Plan) -> list[Entry]:
    """The council's acts as signed entries: the log's key, the council's key, then the acts."""
    log, council = derive_signer(SECRET, "log"), derive_signer(SECRET, "council:1")
    plan_sha256 = hashlib.sha256(canonical({"fulfilment": [float(x) for x in plan.fulfilment],
                                            "labour_hours": float(plan.labour_hours)})).hexdigest()
    acts: list[tuple[str, str, dict[str, Any]]] = [
        ("key", "log", {"holder": "log", "key": log.public_key.hex()}),
        ("key", "log", {"holder": "council:1", "key": council.public_key.hex()}),
        ("ballot closed", "council:1", {"kind": "shares", "result": shares}),
        ("ballot closed", "council:1", {"kind": "priorities", "result": tiers}),
        ("plan adopted", "council:1", {"plan": adopted, "plan_sha256": plan_sha256}),
    ]
    signers = {"log": log, "council:1": council}
    return [sign_entry(index, kind, actor, act, WHEN, signers[actor], actor, actor != "log")
            for index, (kind, actor, act) in enumerate(acts)]


def _check(console: Console, entries: list[Entry]) -> None:
    log = derive_signer(SECRET, "log")
    tree = MerkleTree(entry.leaf_hash() for entry in entries)
    head = sign_head(tree.size, tree.root(), WHEN, log)
    verdict = verify_record(entries, [head], log.public_key.hex())
    console.print(f"Open books: {tree.size} signed entries, root {head.root[:16]}…; "
                  f"check: {'every signature and the signed head hold' if verdict.ok else verdict.reason}.")
