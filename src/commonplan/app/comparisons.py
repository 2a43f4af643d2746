"""The plan variants of a plan ballot, summarised for the ballot page and the API's ballot view
(planning.compare), for the variants the viewer may read (store.access.readable_among).

A finished job never changes, so the comparison of a set of jobs is computed once and kept (the
last :data:`KEPT` sets, in memory): a page view of a ballot on a 10^5-product economy reads the
plans' results and the bundle's products and techniques tables only the first time.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.economy.bundle import TABLES, choose_table_files
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.source import open_bundle
from commonplan.economy.tables import Table, parse_ids, parse_text, read_table
from commonplan.planning.compare import Comparison, Names, compare
from commonplan.store.access import readable_among
from commonplan.store.models import Job, JobState, Member, StoredEconomy

KEPT = 32  # comparisons kept in memory
_kept: OrderedDict[tuple[tuple[int, str], ...], Comparison] = OrderedDict()
_lock = threading.Lock()


def readable_plans(db: Session, plans: Sequence[int], me: Member) -> list[Job]:
    """The finished plan jobs of ``plans`` that ``me`` may read, in the ballot's order."""
    found = {job.id: job for job in db.scalars(select(Job).where(
        Job.id.in_(plans), Job.kind == "plan", Job.state == JobState.DONE))}
    return readable_among(me, [found[job] for job in plans if job in found])  # type: ignore[return-value]


def comparison_of(db: Session, jobs: Sequence[Job]) -> Comparison:
    """The comparison of ``jobs`` (finished plans), computed once per set of jobs."""
    key = tuple((job.id, str(job.updated_at)) for job in jobs)  # ids alone repeat across databases
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    names = names_of_economies(db, list(dict.fromkeys(job.economy_id for job in jobs)))
    made = compare([(job.id, job.result or {}) for job in jobs], names)
    with _lock:
        _kept[key] = made
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made


def names_of_economies(db: Session, economy_ids: Sequence[int]) -> Names:
    """The product names and units, and the technique outputs, of the economies (the first
    economy naming an id wins)."""
    products: dict[str, tuple[str, str]] = {}
    outputs: dict[str, str] = {}
    for economy_id in reversed(economy_ids):
        stored = db.get(StoredEconomy, economy_id)
        if stored is not None:
            names = names_of_bundle(stored.bundle)
            products |= names.products
            outputs |= names.outputs
    return Names(products, outputs)


def names_of_bundle(bundle: bytes) -> Names:
    """The products table's names and units and the techniques table's outputs of a stored
    bundle (accepted at upload, so readable; a table that is not yields no names)."""
    problems: list[Problem] = []
    tables = tables_of_bundle(bundle, ("products", "techniques"))
    products, techniques = tables.get("products"), tables.get("techniques")
    named: dict[str, tuple[str, str]] = {}
    if products is not None:
        ids = parse_ids(products, "id", problems).to_pylist()
        labels, units = (_texts(parse_text(products, column), len(ids)) for column in ("name", "unit"))
        named = {product: (label, unit) for product, label, unit in zip(ids, labels, units, strict=True)}
    made: dict[str, str] = {}
    if techniques is not None:
        made = dict(zip(parse_ids(techniques, "id", problems).to_pylist(),
                        parse_ids(techniques, "output", problems).to_pylist(), strict=True))
    return Names(named, made)


def tables_of_bundle(bundle: bytes, names: Sequence[str]) -> dict[str, Table]:
    """The named tables of a stored bundle (the zip as uploaded), read but not parsed; a table
    missing or unreadable is left out."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.zip"
        path.write_bytes(bundle)
        try:
            files = open_bundle(path)  # a zip's members are read into memory
        except BundleError:
            return {}
    problems: list[Problem] = []
    chosen = choose_table_files(files, names, problems)
    tables = {name: read_table(file, TABLES[name], problems) for name, file in chosen.items()}
    return {name: table for name, table in tables.items() if table is not None}


def _texts(column: Any, rows: int) -> list[str]:
    return [text or "" for text in column.to_pylist()] if column is not None else [""] * rows
