"""The demo's planning round: a district federation runs a whole round on the built-in economy,
through the same use cases as the server (app.acts, app.rounds) on a temporary SQLite database.

Three workplaces elect their delegates to the Riverside district; the district opens a round; a
consumer council sends its shops' records (simulated shoppers whose sales, scaled to the
economy's own consumption of eight foods, leave shelves empty some days); the needs are learned
from them; the delegates vote the priorities by group, the shares of work and a participatory
budget whose funded projects need the economy's products; two plan variants are computed; the
round's own plan ballot adopts one; the adopted plan is frozen by its hash and the open books
are checked. Every vote is drawn from a fixed seed, so the demo prints the same each time.
"""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from rich import box
from rich.console import Console
from rich.table import Table

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import found
from commonplan.app.acts.councils import create_office, found_council, join_council, set_producer
from commonplan.app.acts.reports import REPORTER
from commonplan.app.acts.rounds import attach_ballot, open_round
from commonplan.app.groups import economy_groups
from commonplan.app.rounds import learn_round_needs, round_view, send_round_records, start_variant
from commonplan.app.uploads import store_builtin
from commonplan.cli.demo_execution import Workplace, carry_out
from commonplan.cli.demo_stage import DemoClock, Stage
from commonplan.economy.model import Economy, Part
from commonplan.needs.simulate import Shoppers, simulate
from commonplan.store.accounts import set_role
from commonplan.store.books import OpenBooks, verify_books
from commonplan.store.database import open_database, sessions
from commonplan.store.models import Job, Member, Round

SECRET = b"commonplan demo round: not real!"  # the demo's keys; a server keeps its own secret
FOODS = 8  # the consumption needs the shops' records cover
RATED = ("Farms", "Food", "Hospitals", "Housing", "Educational", "Utilities")  # groups put to the vote
# the district's workplaces, each the producer (an industry of the built-in economy) it says it is
WORKPLACES = {"Riverside farm": "Grain farming", "Riverside bakery": "Bread and bakery product manufacturing",
              "Riverside clinic": "Hospitals"}
SEED = 2017


def run_round(console: Console, planned: Economy) -> None:
    """Run the round on ``planned`` (the built-in economy with its labour force) and print it."""
    console.rule("[bold]A planning round, step by step")
    with tempfile.TemporaryDirectory() as folder:
        clock = DemoClock()
        stage = Stage(sessions(open_database(f"sqlite:///{Path(folder) / 'demo.db'}")),
                      OpenBooks(SECRET, clock=clock, random_bytes=random.Random(SEED).randbytes), clock)
        district, delegates, shoppers, consumers, workplaces = _councils(stage)
        with stage.sessions() as session, session.begin():
            economy = store_builtin(session, delegates[0]).id
        held = stage.act(open_round, delegates[0], district, economy_id=economy, period="2017",
                         days={"needs": 7, "votes": 7, "variants": 3, "adoption": 7, "targets": 7})
        console.print(f"The Riverside district (3 delegates, elected by their workplaces) opens round "
                      f"{held.id} for 2017 on the built-in economy.")
        foods = _send_records(stage, shoppers[0], held.id, consumers, planned)
        with stage.sessions() as session:
            learn_round_needs(session, stage.books, stage, delegates[1], held.id)
        _print_learned(console, stage, held.id, foods)
        stage.advance(delegates[0], held.id)
        _vote(console, stage, district, delegates, economy, held.id)
        stage.advance(delegates[1], held.id)
        variants = [_variant(stage, delegates[0], held.id, priorities=True),
                    _variant(stage, delegates[1], held.id, priorities=False)]
        clock.past(held.deadlines["variants"])  # every delegate had the step's whole time to add one
        stage.advance(delegates[2], held.id)
        _adopt(console, stage, delegates, held.id, variants)
        carry_out(console, stage, held.id, delegates, workplaces)
        _check(console, stage)


def _councils(stage: Stage) -> tuple[int, list[Member], list[Member], int, list[Workplace]]:
    """The district, its three delegates (each elected by a workplace of two, which says which
    producer it is; the delegate is its reporter too), a consumer council of three shoppers under
    it, and the workplaces."""
    founder = stage.members(1, "founder")[0]
    district = stage.act(found_council, founder, name="Riverside district", level="district",
                         reference_rate=40.0).id
    delegates, workplaces = [], []
    for name, producer in WORKPLACES.items():
        workers = stage.members(2, name.split()[1])
        council = stage.act(found_council, workers[0], name=name, level="workplace", reference_rate=40.0,
                            parent_id=district).id
        stage.act(join_council, workers[1], council)
        stage.act(set_producer, workers[0], council, producer)
        with stage.sessions() as session, session.begin():  # the server operator's act (commonplan role)
            reporter = set_role(session, workers[0].email, REPORTER)
        workplaces.append(Workplace(name, producer, council, reporter))
        seat = stage.act(create_office, workers[0], council, title="Delegate to the district",
                         kind="delegate").id
        candidate = stage.books.pseudonym(workers[0].id)
        stage.ballot(workers[0], council, "election", {"candidates": [candidate]},
                     [(worker, [candidate]) for worker in workers], office=seat)
        delegates.append(workers[0])
    shoppers = stage.members(3, "shopper")
    consumers = stage.act(found_council, shoppers[0], name="Northside shoppers", level="consumer",
                          reference_rate=40.0, parent_id=district).id
    for shopper in shoppers[1:]:
        stage.act(join_council, shopper, consumers)
    return district, delegates, shoppers, consumers, workplaces


def _send_records(stage: Stage, shopper: Member, round_id: int, consumers: int,
                  planned: Economy) -> dict[str, str]:
    """The shops' purchases, stock and requests of the eight largest food needs, the simulated
    sales scaled so a year of them is the economy's own consumption of each (million USD)."""
    ids, names = planned.products.ids.to_pylist(), planned.products.names
    needs = planned.needs
    order = np.argsort(-needs.quantities, kind="stable")
    food = [int(needs.products[r]) for r in order if needs.part_of_rows()[r] == Part.CONSUMPTION
            and ids[needs.products[r]].startswith(("311", "1111", "1112"))]
    chosen = list(dict.fromkeys(food))[:FOODS]
    purchases, stock, requests, truth = simulate(Shoppers(products=FOODS, stores=4, days=180, rows=40_000,
                                                          seed=SEED))
    rename = dict(zip(truth.products, (ids[p] for p in chosen), strict=True))
    yearly = needs.total(len(ids))[chosen]
    scale = {rename[p]: yearly[k] / (truth.history[k] * 365 / 180) for k, p in enumerate(truth.products)}
    for kind, table in (("purchases", purchases), ("stock", stock), ("requests", requests)):
        products = [rename[p] for p in table.column("product").to_pylist()]
        table = table.set_column(table.schema.get_field_index("product"), "product", pa.array(products))
        if kind != "stock":
            quantities = table.column("quantity").to_pylist()
            scaled = [q * scale[p] for q, p in zip(quantities, products, strict=True)]
            table = table.set_column(table.schema.get_field_index("quantity"), "quantity", pa.array(scaled))
        sink = io.BytesIO()
        pa_csv.write_csv(table, sink)
        with stage.sessions() as session, session.begin():
            send_round_records(session, stage.books, shopper, round_id, consumers, kind=kind,
                               filename=f"northside-{kind}.csv", content=sink.getvalue())
    return {ids[p]: (names[p].as_py() if names is not None else None) or ids[p] for p in chosen}


def _print_learned(console: Console, stage: Stage, round_id: int, foods: dict[str, str]) -> None:
    with stage.sessions() as session:
        view = round_view(session, found(session, Round, round_id, "round"), stage.clock.now)
    learned = view["learned"] or {}
    table = Table("food", "store-days empty", "hidden by empty shelves, million USD", box=box.SIMPLE,
                  title="What the Northside shops' records say (4 shops, 180 days)", title_justify="left")
    short = {item["product"]: item["figure"] for item in learned.get("short", [])}
    hidden = {item["product"]: item["figure"] for item in learned.get("hidden", [])}
    for product, name in foods.items():
        table.add_row(name, f"{short.get(product, 0):,.0f}", f"{hidden.get(product, 0):,.0f}")
    console.print(table)


def _vote(console: Console, stage: Stage, district: int, delegates: list[Member], economy: int,
          round_id: int) -> None:
    """The delegates vote the priorities by group, the shares and the budget; attached to the round."""
    votes = random.Random(SEED)
    with stage.sessions() as session:
        groups = [group.name for group in economy_groups(session, delegates[0], economy)]
    rated = [name for name in groups if name.startswith(RATED)]
    ratings = [(d, {name: 1 if votes.random() < 0.5 else 2 for name in rated}) for d in delegates]
    priorities = stage.ballot(delegates[0], district, "priorities", {"groups": rated, "economy": economy},
                              ratings)
    shares = stage.ballot(delegates[1], district, "shares", {}, [
        (d, {"consumption": c, "investment": i, "public services": round(1 - c - i, 6)})
        for d, (c, i) in zip(delegates, ((0.6, 0.2), (0.55, 0.25), (0.65, 0.15)), strict=True)])
    projects = {"clinic": 60, "library": 30, "bridge": 50}
    project_needs = {  # million USD of each product
        "clinic": {"name": "A community clinic", "tier": 1, "needs": {"233210": 1500.0, "622000": 2000.0}},
        "library": {"name": "A public library", "tier": 2, "needs": {"233262": 300.0, "611B00": 200.0}},
        "bridge": {"name": "A river bridge", "tier": 2, "needs": {"2332C0": 800.0}}}
    budget = stage.ballot(delegates[2], district, "budget", {"projects": projects, "budget": 100,
                                                             "project_needs": project_needs},
                          list(zip(delegates, (["clinic", "library"], ["clinic", "bridge"], ["clinic"]),
                                   strict=True)))
    for ballot in (priorities, shares, budget):
        stage.act(attach_ballot, delegates[0], round_id, ballot.id)
    tiers = priorities.result["group_tiers"] if priorities.result else {}
    console.print("Priorities voted by group (lower median of 3): " + ", ".join(
        f"{name} {tier}" for name, tier in tiers.items()))
    console.print("Shares of work voted: " + ", ".join(
        f"{part} {share:.0%}" for part, share in (shares.result or {})["shares"].items()))
    funded = (budget.result or {}).get("funded", [])
    console.print("Budget of 100 by equal shares: funded " + ", ".join(
        str(project_needs[p]["name"]) for p in funded) + ".")


def _variant(stage: Stage, member: Member, round_id: int, *, priorities: bool) -> tuple[int, dict[str, Any]]:
    """A plan variant of the round, computed at once: its job and result."""
    with stage.sessions() as session:
        job = start_variant(session, stage.books, stage, member, round_id, method="lp", priorities=priorities)
    with stage.sessions() as session:
        done = found(session, Job, job.id, "job")
        return done.id, dict(done.result or {})


def _adopt(console: Console, stage: Stage, delegates: list[Member], round_id: int,
           variants: list[tuple[int, dict[str, Any]]]) -> None:
    with stage.sessions() as session:
        plan_ballot = found(session, Round, round_id, "round").ballots["plan"]
    table = Table("variant", "computed from", "labour, billion hours", "fulfilment by priority",
                  box=box.SIMPLE, title="The round's plan variants", title_justify="left")
    for (job, result), label in zip(variants, ("the voted priorities, shares and budget",
                                               "the table's priorities"), strict=True):
        table.add_row(f"plan {job}", label, f"{result.get('labour_hours', 0) / 1e9:,.1f}",
                      ", ".join(f"{t}: {s:.1%}" for t, s in result.get("fulfilment", {}).items()))
    console.print(table)
    choices = ([variants[0][0]], [variants[0][0]], [variants[1][0]])
    for delegate, choice in zip(delegates, choices, strict=True):
        stage.act(cast_ballot, delegate, plan_ballot, choice)
    close_ballot(stage.sessions, stage.books, delegates[0], plan_ballot)
    held = stage.advance(delegates[0], round_id)
    console.print(f"Adopted by the round's own plan ballot (3 delegates, approval): plan "
                  f"{held.adopted_job_id}, frozen by its SHA-256 {held.plan_sha256[:16]}…; the round "
                  "moves on to its targets.")


def _check(console: Console, stage: Stage) -> None:
    with stage.sessions() as session:
        verdict = verify_books(session, stage.books.log.public_key.hex(), workers=1)
    console.print(f"Open books: {verdict.size} signed entries; check: "
                  f"{'every entry, signature and head holds' if verdict.ok else verdict.reason}.")
