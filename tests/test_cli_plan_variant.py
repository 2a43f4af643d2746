"""``commonplan plan --priorities --shares --projects``: a plan variant from ballot results on
the command line (app.variants), and bad choices refused with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands import one_document, run

SCARCE = {"resources.csv": "product,available\nlabour,5.5\nland,50\n"}


def written(folder: Path, name: str, document: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_voted_priorities_decide_what_is_met_when_labour_is_short(capfd, make_bundle, tmp_path):
    bundle = make_bundle(SCARCE)  # 15 loaves take 6.75 hours, 100 park visits 1 hour; 5.5 in all
    park_first = written(tmp_path, "result.json", {"id": 3, "result": {"tiers": {"park": 1, "bread": 2}}})
    code, out, err = run(capfd, "plan", bundle, "--priorities", park_first, "--json")
    assert code == 0, err
    document = one_document(out)
    assert document["fulfilment"] == {"1": pytest.approx(1.0), "2": pytest.approx(4.5 / 6.75)}
    assert document["variant"]["voted_tiers"] == 2
    bread_first = written(tmp_path, "bread.json", {"tiers": {"park": 2, "bread": 1}})
    document = one_document(run(capfd, "plan", bundle, "--priorities", bread_first, "--json")[1])
    assert document["fulfilment"]["1"] == pytest.approx(5.5 / 6.75)
    assert document["fulfilment"]["2"] == pytest.approx(0.0, abs=1e-7)


def test_shares_and_projects_reach_the_plan(capfd, make_bundle, tmp_path):
    bundle = make_bundle()  # 1000 hours; the needs (consumption) take 6.75 + 1 hours
    shares = written(tmp_path, "shares.json", {"shares": {"consumption": 0.004, "investment": 0.0,
                                                          "public services": 0.996}})
    projects = written(tmp_path, "projects.json", {
        "projects": [{"id": "garden", "name": "Community garden", "tier": 1, "needs": {"park": 50}},
                     {"id": "hall", "name": "Town hall", "tier": 1, "needs": {"park": 500}}],
        "funded": ["garden"]})
    code, out, err = run(capfd, "plan", bundle, "--shares", shares, "--projects", projects, "--json")
    assert code == 0, err
    document = one_document(out)
    parts = document["variant"]["parts"]
    assert parts["consumption"]["budget_hours"] == pytest.approx(4.0)
    assert parts["consumption"]["claimed_hours"] == pytest.approx(4.0)
    assert parts["consumption"]["limits"]
    assert parts["public services"]["fulfilment"] == {"1": pytest.approx(1.0)}
    assert document["variant"]["projects"] == [{"id": "garden", "name": "Community garden", "tier": 1}]
    code, out, err = run(capfd, "plan", bundle, "--shares", shares)
    assert code == 0 and "shares of work limit: consumption" in out


@pytest.mark.parametrize(("option", "document", "said"), [
    ("--priorities", {"tiers": {"cake": 1}}, "'cake'"),
    ("--priorities", ["bread"], "expected"),
    ("--shares", {"shares": {"consumption": 1}}, "investment"),
    ("--projects", [{"id": "pool", "tier": 1, "needs": {"water": 2}}], "'water'"),
    ("--projects", [{"id": "pool"}], "project 1"),
])
def test_bad_choices_exit_2_naming_the_option_and_what_is_wrong(capfd, make_bundle, tmp_path,
                                                                option, document, said):
    path = written(tmp_path, "choice.json", document)
    code, out, err = run(capfd, "plan", make_bundle(), option, path)
    assert code == 2 and out == ""
    assert option in err and said in err and "Traceback" not in err


def test_a_file_that_is_not_json_or_missing_exits_2(capfd, make_bundle, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{tiers", encoding="utf-8")
    code, _, err = run(capfd, "plan", make_bundle(), "--priorities", broken)
    assert code == 2 and "--priorities" in err and "not JSON" in err
    code, _, err = run(capfd, "plan", make_bundle(), "--shares", tmp_path / "absent.json")
    assert code == 2 and "--shares" in err and "cannot be read" in err


def test_shares_are_for_one_period(capfd, make_bundle, tmp_path):
    shares = written(tmp_path, "shares.json", {"consumption": 1, "investment": 0, "public services": 0})
    code, _, err = run(capfd, "plan", make_bundle(), "--shares", shares, "--periods", 2)
    assert code == 2 and "one period" in err
