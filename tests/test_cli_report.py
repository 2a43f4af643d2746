"""``commonplan report`` against a running server: a workplace's reporter sends the week's CSV
report and reads it back named; every problem of a bad file named by row and column with exit
code 2; another workplace's reporter refused with exit code 2; the reports missing listed."""

from __future__ import annotations

import pytest

from tests.commands import check_provenance_and_warnings, one_document, run
from tests.rest import served_round_in_execution


@pytest.fixture
def world(tmp_path, monkeypatch):
    with served_round_in_execution(tmp_path, monkeypatch) as (_, world):
        yield world


def upload(capfd, world, path, token: str, *more: str) -> tuple[int, str, str]:
    return run(capfd, "report", "upload", path, "--round", world["round"], "--workplace", world["bakery"],
               "--period", world["week"], "--server", world["server"], "--token", token, *more)


def test_a_reporter_sends_the_weeks_report_and_reads_it_named(capfd, world, tmp_path):
    path = tmp_path / "week.csv"
    path.write_text("section,product,quantity\noutput,bread,14\ninput,wheat,7\nlabour,labour,2.8\n")
    code, out, err = upload(capfd, world, path, world["tokens"][0])
    assert (code, err) == (0, "")
    assert f"Report of Workplace 0 (Bakery) for {world['week']}, version 1: filed." in out
    assert "made" in out and "Bread" in out and "loaf" in out
    code, out, _ = upload(capfd, world, path, world["tokens"][0], "--json")
    document = one_document(out)
    check_provenance_and_warnings(document, None)
    assert (code, document["report"]["changed"], document["report"]["version"]) == (0, False, 1)
    path.write_text("section,product,quantity\noutput,bread,15\nlabour,labour,3\n")
    code, out, _ = upload(capfd, world, path, world["tokens"][0])
    assert (code, "version 2: filed, correcting version 1." in out) == (0, True)


def test_a_bad_file_is_named_by_row_and_column_and_another_workplace_refused(capfd, world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("section,product,quantity\noutput,cake,1\nlabour,labour,-2\n")
    code, out, err = upload(capfd, world, path, world["tokens"][0])
    assert (code, out) == (2, "")
    assert "bad.csv:2:product: unknown product 'cake'" in err
    assert "bad.csv:3:quantity: the quantity must be >= 0, not -2" in err
    assert "Traceback" not in err
    path.write_text("section,product,quantity\noutput,bread,1\n")
    code, _, err = upload(capfd, world, path, world["tokens"][1])  # the Farm's reporter
    assert code == 2 and "not_a_member" in err
    code, _, err = upload(capfd, world, tmp_path / "none.csv", world["tokens"][0])
    assert code == 2 and "none.csv" in err


def test_the_reports_missing_are_listed_by_workplace(capfd, world):
    code, out, _ = run(capfd, "report", "missing", "--round", world["round"], "--server", world["server"],
                       "--token", world["tokens"][0], "--json")
    rows = {row["producer"]: row for row in one_document(out)["workplaces"]}
    assert (code, sorted(rows)) == (0, ["Bakery", "Farm", "Parks office"])
    code, out, _ = run(capfd, "report", "missing", "--round", world["round"], "--server", world["server"],
                       "--token", world["tokens"][0])
    assert code == 0 and "Workplace 0" in out and "(no council)" in out
