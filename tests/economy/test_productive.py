"""The productiveness certificate and the groups of products named when there is none."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.analysis.values import labour_values
from commonplan.economy.assemble import economy_from
from commonplan.economy.build import build_economy, rows_table
from commonplan.economy.choice import technique_system
from commonplan.economy.model import EconomyInfo
from commonplan.economy.productive import groups_at_fault, productive_choice


def _economy(loops: dict[str, list[tuple[str, float]]], extra: dict[str, list] | None = None):
    """Goods a, b, c, ... each made by one technique t-<good> from the listed inputs and work."""
    goods = sorted(loops)
    techniques = [{"id": f"t-{g}", "output": g} for g in goods]
    inputs = [{"technique": f"t-{g}", "product": p, "quantity": q}
              for g in goods for p, q in loops[g]]
    for product, rows in (extra or {}).items():
        techniques.append({"id": f"alt-{product}", "output": product})
        inputs += [{"technique": f"alt-{product}", "product": p, "quantity": q} for p, q in rows]
    inputs += [{"technique": t["id"], "product": "work", "quantity": 1} for t in techniques]
    products = [{"id": "work", "kind": "labour"}] + [{"id": g, "kind": "good"} for g in goods]
    return products, techniques, inputs


def _unchecked(products, techniques, inputs):
    """The economy the rows describe, before the productiveness check."""
    tables = {"products": rows_table("products", products),
              "techniques": rows_table("techniques", techniques), "inputs": rows_table("inputs", inputs)}
    return economy_from(tables, EconomyInfo(), [])


def test_only_the_loop_that_consumes_more_than_it_makes_is_named():
    economy = _unchecked(*_economy({
        "a": [("b", 0.5)], "b": [("a", 0.5)],  # productive loop
        "c": [("d", 2.0)], "d": [("c", 0.6)],  # 2 x 0.6 > 1: not productive
        "e": [("c", 1.0), ("a", 1.0)],  # downstream of both, in no loop
    }))
    system = technique_system(economy)
    assert productive_choice(system) is None
    groups = groups_at_fault(system)
    assert [economy.products.ids.take(group).to_pylist() for group in groups] == [["c", "d"]]


def test_a_productive_alternative_rescues_an_unproductive_loop():
    products, techniques, inputs = _economy({"c": [("d", 2.0)], "d": [("c", 0.6)]},
                                            extra={"d": [("c", 0.1)]})
    economy = build_economy(products=products, techniques=techniques, inputs=inputs)
    certificate = productive_choice(technique_system(economy))
    chosen = economy.techniques.ids.take(certificate.choice[economy.produced]).to_pylist()
    assert chosen == ["t-c", "alt-d"]


def test_labour_listed_first_or_last_gives_the_same_values():
    products, techniques, inputs = _economy({"a": [("b", 0.5)], "b": [("a", 0.25)]})
    first = labour_values(build_economy(products=products, techniques=techniques, inputs=inputs))
    last = labour_values(build_economy(products=products[1:] + products[:1],
                                       techniques=techniques, inputs=inputs))
    np.testing.assert_allclose(first.hours, last.hours, rtol=1e-12)
    np.testing.assert_allclose(first.hours, [12 / 7, 10 / 7], rtol=1e-12)  # v = 1 + A^T v


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-15, 3.0)), min_size=4, max_size=4),
       st.one_of(st.just(0.0), st.floats(1e-15, 1.5)))  # 0 or in the range validation accepts
def test_the_certificate_agrees_with_the_spectral_radius(cells, alternative):
    a = np.array(cells).reshape(2, 2)
    products, techniques, inputs = _economy(
        {"a": [("a", a[0, 0]), ("b", a[1, 0])], "b": [("a", a[0, 1]), ("b", a[1, 1])]},
        extra={"b": [("b", alternative)]})
    economy = _unchecked(products, techniques, inputs)
    alt = np.array([[a[0, 0], 0.0], [a[1, 0], alternative]])
    radius = min(max(abs(np.linalg.eigvals(m))) for m in (a, alt))
    certified = productive_choice(technique_system(economy)) is not None
    if abs(radius - 1) > 1e-6:
        assert certified == (radius < 1)
