"""A workplace's report checked like a bundle: every breach named by where it is, the figures in
one canonical form whatever their order (the same figures, the same SHA-256), outputs only of
products the workplace has targets for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.execution.reports import (
    MAX_LINES,
    RawLine,
    ReportError,
    Targets,
    check_report,
    from_sections,
    read_csv,
    sha256_of,
)

KINDS = {"bread": "good", "wheat": "good", "labour": "labour", "land": "resource", "park": "service"}
BAKERY = Targets(frozenset({"bread"}), frozenset({"wheat"}), frozenset({"labour"}))
quantities = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


def lines_of(text: str) -> list[RawLine]:
    return read_csv(text, "report.csv")


@given(st.permutations([("output", "bread"), ("input", "wheat"), ("input", "land"),
                        ("labour", "labour"), ("stock", "wheat"), ("stock", "bread")]),
       st.lists(quantities, min_size=6, max_size=6))
def test_the_same_figures_in_any_order_have_one_canonical_form(order, figures):
    given_lines = [RawLine(section, product, figure, row) for row, ((section, product), figure)
                   in enumerate(zip(order, figures, strict=True), start=2)]
    checked = check_report(given_lines, KINDS, BAKERY)
    ordered = sorted(given_lines, key=lambda line: (line.section, line.product))
    as_text = [RawLine(line.section, line.product, str(line.quantity), line.row) for line in ordered]
    again = check_report(as_text, KINDS, BAKERY)
    assert checked.document == again.document
    assert sha256_of(checked.document) == sha256_of(again.document)
    assert checked.labour_hours == pytest.approx(dict(zip(order, figures, strict=True))[("labour", "labour")])


@given(st.lists(st.tuples(st.sampled_from(["output", "labour"]), st.floats(max_value=-1e-9, min_value=-1e9)),
                min_size=1, max_size=5))
def test_every_negative_quantity_is_named_by_its_row(negatives):
    lines = [RawLine(section, "bread" if section == "output" else "labour", figure, row)
             for row, (section, figure) in enumerate(negatives, start=2)]
    lines = list({(line.section): line for line in lines}.values())  # one line per section and product
    with pytest.raises(ReportError) as refused:
        check_report(lines, KINDS, BAKERY)
    assert {(problem.row, problem.column) for problem in refused.value.problems} == {
        (line.row, "quantity") for line in lines}


def test_a_csv_report_reads_its_columns_in_any_order_and_refuses_unknown_ones():
    lines = lines_of("quantity,section,product,unit\n1.5,output,bread,loaf\n\n2,labour,labour,hour\n")
    assert [(line.section, line.product, line.quantity, line.row) for line in lines] == [
        ("output", "bread", "1.5", 2), ("labour", "labour", "2", 4)]
    with pytest.raises(ReportError) as refused:
        lines_of("section,product,qty,extra\noutput,bread,1,2\n")
    assert [str(problem) for problem in refused.value.problems] == [
        "report.csv:1: the column 'quantity' is missing",
        "report.csv:1:qty: unknown column 'qty' (columns: section, product, quantity, name, unit)",
        "report.csv:1:extra: unknown column 'extra' (columns: section, product, quantity, name, unit)"]
    with pytest.raises(ReportError, match=r"report\.csv:3: 2 fields where the header has 3"):
        lines_of("section,product,quantity\noutput,bread,1\nlabour,labour\n")


def test_each_section_takes_products_of_its_kinds():
    bad = [RawLine("labour", "bread", 1, 2), RawLine("output", "labour", 1, 3),
           RawLine("stock", "park", 1, 4), RawLine("output", "land", 1, 5), RawLine("input", "labour", 1, 6)]
    with pytest.raises(ReportError) as refused:
        check_report(bad, KINDS, BAKERY)
    assert [problem.message for problem in refused.value.problems] == [
        "'bread' is a good: a labour is a labour",
        "'labour' is a labour: an output is a good or a service",
        "'park' is a service: a stock is a good or a resource",
        "'land' is a resource: an output is a good or a service",
        "'labour' is a labour: an input is a good or a resource or a service"]


def test_an_output_without_a_target_is_refused_an_input_without_one_warned():
    with pytest.raises(ReportError, match="no output target for 'park'"):
        check_report([RawLine("output", "park", 1, 2)], KINDS, BAKERY)
    checked = check_report(from_sections({"inputs": [{"product": "land", "quantity": 2}],
                                          "labour": [{"product": "labour", "quantity": 0}]}), KINDS, BAKERY)
    assert checked.warnings == ("'land' is used as an input but is not among the workplace's input targets",)
    assert checked.document == {"outputs": [], "inputs": [{"product": "land", "quantity": 2.0}],
                                "labour": [{"product": "labour", "quantity": 0.0}], "stocks": []}


def test_a_report_is_not_empty_and_not_endless():
    with pytest.raises(ReportError, match="at least one line"):
        check_report([], KINDS, BAKERY)
    with pytest.raises(ReportError, match=f"at most {MAX_LINES} lines"):
        check_report([RawLine("stock", "wheat", 1, row) for row in range(MAX_LINES + 1)], KINDS, BAKERY)
    for figure, said in (("nan", "finite"), ("inf", "finite"), (True, "not true or false"), ("", "missing"),
                         (1e308, "at most 1e\\+15")):
        with pytest.raises(ReportError, match=said):
            check_report([RawLine("stock", "wheat", figure, 2)], KINDS, BAKERY)
