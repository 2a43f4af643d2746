"""A plan ballot's variants read once: the bundle's names and the plans' results are read on the
first view of a set of plans, and kept (a finished job never changes)."""

from __future__ import annotations

from commonplan.app import comparisons
from commonplan.app.comparisons import names_of_bundle
from tests.factories import BAKERY, zipped


def test_a_stored_bundle_gives_the_names_and_units_of_its_products_and_what_each_technique_makes():
    names = names_of_bundle(zipped(BAKERY))
    assert names.products["bread"] == ("Bread", "loaf") and names.products["labour"] == ("Work", "hour")
    assert names.outputs == {"bake": "bread", "grow": "wheat", "tend": "park"}
    assert names.product("nothing").name == "nothing"


def test_a_bundle_that_is_not_a_zip_gives_no_names_rather_than_an_error():
    assert names_of_bundle(b"not a zip").products == {}


class FakeJob:
    def __init__(self, job_id: int, economy_id: int, net: dict[str, float]) -> None:
        self.id, self.economy_id, self.result = job_id, economy_id, {"net_output": net, "labour_hours": 1.0}
        self.updated_at = "2030-01-01 12:00:00"


class FakeSession:
    """Hands out the one stored bundle and counts how often it was asked for."""

    def __init__(self) -> None:
        self.reads = 0

    def get(self, _table: type, _key: int) -> object:
        self.reads += 1
        return type("Stored", (), {"bundle": zipped(BAKERY), "bundle_sha256": "bakery"})()


def test_the_comparison_of_a_set_of_plans_is_computed_once_and_kept(monkeypatch):
    monkeypatch.setattr(comparisons, "_kept", type(comparisons._kept)())
    session = FakeSession()
    jobs = [FakeJob(1, 1, {"bread": 1.0}), FakeJob(2, 1, {"bread": 2.0})]
    first = comparisons.comparison_of(session, jobs)  # type: ignore[arg-type]
    again = comparisons.comparison_of(session, jobs)  # type: ignore[arg-type]
    assert again is first and session.reads == 1
    assert first.differences[0].product.name == "Bread"
    for job_id in range(3, 3 + comparisons.KEPT):  # the oldest sets are forgotten beyond KEPT
        comparisons.comparison_of(session, [FakeJob(job_id, 1, {"bread": 1.0})])  # type: ignore[list-item]
    assert not any(job_id in (1, 2) for key in comparisons._kept for job_id, _ in key)
    assert len(comparisons._kept) == comparisons.KEPT


def test_the_same_job_numbers_of_another_database_are_compared_afresh(monkeypatch):
    monkeypatch.setattr(comparisons, "_kept", type(comparisons._kept)())
    session = FakeSession()
    here, there = FakeJob(1, 1, {"bread": 1.0}), FakeJob(1, 1, {"bread": 9.0})
    there.updated_at = "2030-02-01 12:00:00"  # job 1 of another database (another app in the process)
    assert comparisons.comparison_of(session, [here]) is not comparisons.comparison_of(session, [there])


def test_a_bundle_gives_the_kind_of_each_product_and_the_workplace_of_each_technique():
    names = names_of_bundle(zipped(BAKERY))
    assert names.kinds["labour"] == "labour" and names.kinds["bread"] == "good"
    assert names.producers == {"bake": "Bakery", "grow": "Farm", "tend": "Parks office"}


def test_an_economys_names_are_read_once_per_bundle_and_not_at_all_when_kept(monkeypatch):
    monkeypatch.setattr(comparisons, "_names", type(comparisons._names)())
    reads = []

    class Stored:
        bundle_sha256 = "bakery"

        @property
        def bundle(self) -> bytes:
            reads.append(1)
            return zipped(BAKERY)

    session = type("Session", (), {"get": lambda self, _table, key: Stored() if key == 1 else None})()
    first = comparisons.names_of_economy(session, 1)  # type: ignore[arg-type]
    assert comparisons.names_of_economy(session, 1) is first and len(reads) == 1
    assert first.product("bread").label == "Bread (loaf)"
    assert comparisons.names_of_economy(session, 2).products == {}  # type: ignore[arg-type]
