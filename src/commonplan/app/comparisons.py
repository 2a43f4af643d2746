"""The plan variants of a plan ballot, summarised for the ballot page and the API's ballot view
(planning.compare), for the variants the viewer may read (store.access.readable_among).

A finished job never changes, so the comparison of a set of jobs is computed once and kept (the
last :data:`KEPT` sets, in memory): a page view of a ballot on a 10^5-product economy reads the
plans' results and the bundle's products and techniques tables only the first time. The names
of an economy are kept likewise, by its bundle's content hash (:func:`names_of_economy`), for
every page that shows products by name (a job's charts, the plans compared).
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.economy.bundle import TABLES, choose_table_files
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.source import open_bundle
from commonplan.economy.tables import Table, parse_ids, parse_text, read_table
from commonplan.planning.compare import Comparison, Names, compare, text_column
from commonplan.store.access import readable_among
from commonplan.store.models import Job, JobState, Member, StoredEconomy

KEPT = 32  # comparisons kept in memory
NAMES_KEPT = 8  # economies' names kept in memory (a 10^5-product economy's take about 30 MB)
_kept: OrderedDict[tuple[tuple[int, str], ...], Comparison] = OrderedDict()
_names: OrderedDict[str, Names] = OrderedDict()
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
    """The product names, units and kinds, and the technique outputs and producers, of the
    economies (the first economy naming an id wins)."""
    products: dict[str, tuple[str, str]] = {}
    outputs: dict[str, str] = {}
    kinds: dict[str, str] = {}
    producers: dict[str, str] = {}
    for economy_id in reversed(economy_ids):
        names = names_of_economy(db, economy_id)
        products |= names.products
        outputs |= names.outputs
        kinds |= names.kinds
        producers |= names.producers
    return Names(products, outputs, kinds, producers)


def names_of_economy(db: Session, economy_id: int) -> Names:
    """The names of a stored economy, read from its bundle once per content hash (the bundle,
    a deferred column, is not even loaded when the names are kept); none for an unknown id."""
    stored = db.get(StoredEconomy, economy_id)
    if stored is None:
        return Names({}, {})
    key = stored.bundle_sha256
    with _lock:
        if key in _names:
            _names.move_to_end(key)
            return _names[key]
    names = names_of_bundle(stored.bundle)
    with _lock:
        _names[key] = names
        while len(_names) > NAMES_KEPT:
            _names.popitem(last=False)
    return names


def names_of_bundle(bundle: bytes) -> Names:
    """The products table's names, units and kinds and the techniques table's outputs and
    producers of a stored bundle (accepted at upload, so readable; a table that is not yields
    no names)."""
    problems: list[Problem] = []
    tables = tables_of_bundle(bundle, ("products", "techniques"))
    products, techniques = tables.get("products"), tables.get("techniques")
    named: dict[str, tuple[str, str]] = {}
    kinds: dict[str, str] = {}
    if products is not None:
        ids = parse_ids(products, "id", problems).to_pylist()
        labels, units = (text_column(parse_text(products, column), len(ids)) for column in ("name", "unit"))
        named = {product: (label, unit) for product, label, unit in zip(ids, labels, units, strict=True)}
        kinds = dict(zip(ids, text_column(parse_text(products, "kind"), len(ids)), strict=True))
    made: dict[str, str] = {}
    producers: dict[str, str] = {}
    if techniques is not None:
        technique_ids = parse_ids(techniques, "id", problems).to_pylist()
        made = dict(zip(technique_ids, parse_ids(techniques, "output", problems).to_pylist(), strict=True))
        producers = {technique: producer for technique, producer in zip(
            technique_ids, text_column(parse_text(techniques, "producer"), len(technique_ids)), strict=True)
            if producer}
    return Names(named, made, {product: kind.strip().lower() for product, kind in kinds.items()}, producers)


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
