"""Benchmark: every workplace's targets in a plan of 10^5 products and 10^4 workplaces, computed
and stored once, then one workplace's targets served over the API.

    python bench/targets.py [--products 100000] [--workplaces 10000] [--inputs-per-product 10]
                            [--requests 300] [--seed 0]

A synthetic economy (commonplan.economy.synthetic, 5% of products with a second technique) has
its techniques shared among the workplaces at random (a seeded draw: about 10 techniques each).
The activity is every technique's, drawn uniformly in [0.5, 2]: every technique runs, so every
workplace has targets and every input has its makers, the most the targets can hold. Measured:
the targets of every workplace (planning.targets), their documents with names
(app.targets.targets_documents), their storing in a SQLite database of the application
(app.targets.store_targets, one JSON per workplace), and then ``--requests`` requests of
``GET /rounds/{id}/targets/{producer}`` for workplaces drawn at random, through the whole
application (FastAPI's TestClient: authentication, the database read, the response model),
wall time per request. Target (issue 15): at most 50 ms per workplace's targets served; the
computation is part of the round's five minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyarrow as pa
from fastapi.testclient import TestClient

from commonplan.app.targets import store_targets, targets_documents
from commonplan.economy.synthetic import generate
from commonplan.server import create_app
from commonplan.store.models import Council, Job, Member, Round, StoredEconomy


def economy_of(products: int, workplaces: int, inputs: int, seed: int) -> tuple[object, np.ndarray]:
    economy = generate(products, inputs_per_product=inputs, seed=seed)
    rng = np.random.default_rng(seed)
    count = len(economy.techniques)
    names = pa.array([f"Workplace {k:05d}" for k in rng.integers(workplaces, size=count)], pa.string())
    techniques = dataclasses.replace(economy.techniques, producers=names)
    economy = dataclasses.replace(economy, techniques=techniques)
    return economy, rng.uniform(0.5, 2.0, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workplaces", type=int, default=10_000)
    parser.add_argument("--inputs-per-product", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    economy, activity = economy_of(args.products, args.workplaces, args.inputs_per_product, args.seed)
    print(f"economy: {len(economy.products):,} products, {len(economy.techniques):,} techniques, "
          f"{economy.inputs.nnz:,} inputs, generated in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    documents = targets_documents(economy, activity)
    computed = time.perf_counter() - start
    size = sum(len(json.dumps(document)) for document in documents)
    print(f"targets of {len(documents):,} workplaces computed with names in {computed:.1f} s "
          f"({size / 2**20:.0f} MiB of JSON; the largest workplace "
          f"{max(len(json.dumps(d)) for d in documents) / 1024:.0f} KiB)")

    stored, (median, p95, slowest) = serve(documents, args.requests, args.seed)
    print(f"stored in {stored:.1f} s (SQLite, one JSON per workplace)")
    print(f"one workplace's targets served, {args.requests} requests: median {median:.1f} ms, "
          f"95th percentile {p95:.1f} ms, slowest {slowest:.1f} ms (target: 50 ms)")


def serve(documents: list[dict], requests: int, seed: int) -> tuple[float, tuple[float, float, float]]:
    """Store ``documents`` as a round's targets in a new SQLite database of the application, then
    ask ``requests`` times for a workplace's targets drawn at random, through the whole
    application: the seconds the storing took, and the median, 95th percentile and slowest
    request in milliseconds."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'bench.db'}")
        with TestClient(app) as client:
            assert client.post("/members", json={"email": "b@example.org", "password": "a long password"}
                               ).status_code == 201
            token = client.post("/tokens", json={"email": "b@example.org", "password": "a long password"}
                                ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            with app.state.sessions() as db, db.begin():
                held = _round(db)
                start = time.perf_counter()
                store_targets(db, held, documents)
                round_id = held.id
            stored = time.perf_counter() - start
            rng = np.random.default_rng(seed + 1)
            asked = [documents[i]["producer"] for i in rng.integers(len(documents), size=requests)]
            client.get(f"/rounds/{round_id}/targets/{quote(asked[0])}", headers=headers)  # warm
            times = []
            for producer in asked:
                begin = time.perf_counter()
                answer = client.get(f"/rounds/{round_id}/targets/{quote(producer)}", headers=headers)
                times.append(1000 * (time.perf_counter() - begin))
                assert answer.status_code == 200 and answer.json()["producer"] == producer, answer.text
            times.sort()
            return stored, (statistics.median(times), times[int(0.95 * len(times))], times[-1])


def _round(db: object) -> Round:
    """A round at its targets, with the rows it refers to (the bundle is not read to serve)."""
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    member = db.get(Member, 1)
    assert member is not None
    economy = StoredEconomy(owner_id=member.id, name="synthetic", bundle_sha256="0" * 64, bundle=b"")
    council = Council(name="Economy", level="economy", reference_rate=30.0)
    db.add_all([economy, council])
    db.flush()
    job = Job(kind="plan", economy_id=economy.id, owner_id=member.id, state="done", result={})
    db.add(job)
    db.flush()
    held = Round(council_id=council.id, economy_id=economy.id, period="bench", step="targets",
                 deadlines={}, needs="economy", ballots={}, variants=[job.id], adopted_job_id=job.id,
                 plan_sha256="0" * 64, opened_by=member.id)
    db.add(held)
    db.flush()
    return held


if __name__ == "__main__":
    main()
