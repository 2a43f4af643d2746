"""``commonplan budget count``: a real Pabulib budget counted by each completion, a table with
names for people, ids and exact amounts with --json, and bad files refused with exit code 2
naming the file, the line and what is wrong."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from commonplan.democracy.budgets import COMPLETIONS
from tests.commands import check_provenance_and_warnings, one_document, run

PABULIB = Path(__file__).parent / "democracy" / "data" / "pabulib"  # README.md there: the source
TOULOUSE = PABULIB / "France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb"
WARSZAWA = PABULIB / "Poland_Warszawa_2017_Grochow_Centrum.pb"
# What pabutools funds on Toulouse by each completion (tests/democracy/test_budgets.py checks
# every completion on four real budgets against pabutools itself).
TOULOUSE_FUNDED = {"none": ["180", "184"], "add-one": ["182", "180", "184", "178"],
                   "add-one then greedy": ["182", "180", "184", "178", "186"]}


def test_the_table_names_the_funded_projects_with_costs_votes_and_the_total(capfd):
    code, out, err = run(capfd, "budget", "count", TOULOUSE)
    assert code == 0, err
    assert "Pépinière-jardin du quartier Reynerie-Bellefontaine" in out and "Guinguette Petit Bois" in out
    assert "75,000" in out and "395,500" in out and "total" in out
    summary = "5 of 10 projects funded, 395,500 of 400,000 EUR spent, 4,500 left; 93 voters"
    assert summary in " ".join(out.split())
    assert "add-one and greedy" in out


@pytest.mark.parametrize("completion", list(COMPLETIONS))
def test_json_keeps_the_ids_and_exact_figures_of_each_completion(capfd, completion):
    code, out, _ = run(capfd, "budget", "count", TOULOUSE, "--completion", completion, "--json")
    document = one_document(out)
    assert code == 0 and document["ok"] is True and document["completion"] == completion
    assert [row["project"] for row in document["funded"]] == TOULOUSE_FUNDED[completion]
    assert document["spent"] == sum(row["cost"] for row in document["funded"])
    assert document["budget"] == 400_000 and document["voters"] == 93
    assert document["method"] == COMPLETIONS[completion].method
    check_provenance_and_warnings(document, None)
    assert len(document["provenance"]["pb_sha256"]) == 64


def test_a_budget_in_decimals_is_counted_and_shown_exactly(capfd):
    code, out, _ = run(capfd, "budget", "count", WARSZAWA, "--json")
    document = one_document(out)
    assert code == 0 and Fraction(document["budget"]) == Fraction("363734.88")
    assert Fraction(document["left"]) == Fraction("363734.88") - document["spent"]
    code, out, _ = run(capfd, "budget", "count", WARSZAWA)
    assert code == 0 and "363,734.88 PLN" in out


PB = ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost;name\n1;6;Oven\n2;5;Garden\n"
      "VOTES\nvoter_id;vote\na;1,2\n")


@pytest.mark.parametrize(("text", "line"), [
    (PB.replace("1;6;Oven", "1;six;Oven"), "bad.pb:6:cost: 'six' is not an amount"),
    (PB.replace("a;1,2", "a;1,9"), "bad.pb:10:vote: a vote for project '9', not in PROJECTS"),
    (PB.replace("budget;10", "budget;-10"), "bad.pb:3:budget: the budget must be 0 or more, not '-10'"),
    (PB.replace("2;5;Garden", "2;5"), "bad.pb:7: PROJECTS: 2 fields where the header has 3"),
    (PB.replace("voter_id;vote", "voter_id;ranking"), "bad.pb:9: VOTES: the header has no column vote"),
    (PB.replace("budget;10\n", "budget;10\nvote_type;ordinal\n"),
     "bad.pb:4:vote_type: 'ordinal' ballots: commonplan counts approval ballots only"),
    (PB[:PB.index("VOTES")], "bad.pb:VOTES: no section VOTES"),
])
def test_a_malformed_file_exits_2_naming_the_file_the_line_and_what_is_wrong(capfd, tmp_path, text, line):
    bad = tmp_path / "bad.pb"
    bad.write_text(text, encoding="utf-8")
    code, out, err = run(capfd, "budget", "count", bad)
    assert (code, out) == (2, "")
    assert err.strip() == f"{tmp_path}/{line}"
    assert "Traceback" not in err
    code, out, _ = run(capfd, "budget", "count", bad, "--json")
    document = one_document(out)
    assert code == 2 and document["ok"] is False
    assert document["errors"][0]["file"] == str(bad) and document["errors"][0]["message"] in line


@pytest.mark.parametrize(("make", "message"), [
    (lambda path: path, ": no such file"),
    (lambda path: path.mkdir() or path, ": a folder, not a .pb file"),
    (lambda path: path.write_bytes(b"META\nkey;value\nbudget;\xff\n") and path, ":3: not UTF-8 text"),
])
def test_a_file_that_cannot_be_read_exits_2_naming_it(capfd, tmp_path, make, message):
    path = make(tmp_path / "x.pb")
    code, _, err = run(capfd, "budget", "count", path)
    assert (code, err.strip()) == (2, f"{path}{message}")


def test_an_unknown_completion_is_a_usage_error_naming_the_completions(capfd):
    code, _, err = run(capfd, "budget", "count", TOULOUSE, "--completion", "greedy")
    assert code == 2 and "'none', 'add-one', 'add-one then greedy'" in " ".join(err.split())
