"""``commonplan simulate-execution``: from a targets download it writes one report per workplace
and period that ``report upload`` accepts, and truth.json with the faults injected; the same
seed writes the same files; bad targets, faults or options are named with exit code 2; from a
round on a running server it simulates the periods begun and files a workplace's reports through
the API."""

from __future__ import annotations

import json

import pytest

from tests.commands import check_provenance_and_warnings, one_document, run
from tests.rest import served_round_in_execution

TARGETS = ("producer,section,technique,product,name,unit,quantity,from,others\n"
           "Farm,output,t-wheat,wheat,Wheat,kg,100,,\n"
           "Farm,resource,,land,Land,ha,10,,\n"
           "Farm,labour,,labour,Labour,h,50,,\n"
           "Mill,output,t-flour,flour,Flour,kg,80,,\n"
           "Mill,input,,wheat,Wheat,kg,100,Farm,\n"
           "Mill,labour,,labour,Labour,h,20,,\n")


@pytest.fixture
def targets(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(TARGETS)
    return path


def test_a_targets_download_becomes_a_report_per_workplace_and_period_and_the_truth(capfd, tmp_path, targets):
    out_dir = tmp_path / "out"
    options = ("--periods", 4, "--start", "2026-03-02", "--breakdown", "Mill:1:0.5:2", "--shortfall",
               "wheat:2:0.3", "--seed", 5)
    code, out, err = run(capfd, "simulate-execution", targets, "--out", out_dir, *options)
    assert code == 0, err
    assert "Simulated 2 workplaces over 4 periods (2026-W10 to 2026-W13)" in out and "breakdown" in out
    assert sorted(path.name for path in (out_dir / "00002-Mill").iterdir()) == [
        "2026-W10.csv", "2026-W11.csv", "2026-W12.csv", "2026-W13.csv"]
    mill = (out_dir / "00002-Mill" / "2026-W11.csv").read_text().splitlines()
    assert mill[0] == "section,product,quantity" and mill[1].startswith("output,flour,")
    assert float(mill[1].split(",")[2]) < 0.7 * 20  # broken down: half the plan, give or take the noise
    truth = json.loads((out_dir / "truth.json").read_text())
    assert [(f["kind"], f["start_period"], f["size"]) for f in truth["faults"]] == [
        ("breakdown", "2026-W11", 0.5), ("shortfall", "2026-W12", 0.3)]
    farm = (out_dir / "00001-Farm" / "2026-W10.csv").read_text()
    assert "stock,land," in farm  # a resource's stock is reported
    again = tmp_path / "again"
    code, _, _ = run(capfd, "simulate-execution", targets, "--out", again, *options, "--json")
    assert code == 0
    assert (again / "00002-Mill" / "2026-W11.csv").read_text() == "\n".join(mill) + "\n"


def test_a_fault_file_and_json_output(capfd, tmp_path, targets):
    faults = tmp_path / "faults.json"
    faults.write_text('[{"kind": "drift", "workplace": "Farm", "start": 1, "size": 0.1}]')
    code, out, _ = run(capfd, "simulate-execution", targets, "--out", tmp_path / "o", "--periods", 3,
                       "--every", "day", "--faults", faults, "--json")
    document = one_document(out)
    check_provenance_and_warnings(document, None)
    assert code == 0 and document["reports"] == 6 and document["periods"][0] == "2026-01-05"
    assert document["truth"]["faults"][0]["kind"] == "drift"
    assert any("--bundle" in warning for warning in document["warnings"])


def test_bad_targets_faults_and_options_are_named_with_exit_code_2(capfd, tmp_path, targets):
    bad = tmp_path / "bad.csv"
    bad.write_text("producer,section,product,quantity\nMill,outptu,flour,x\n")
    code, out, err = run(capfd, "simulate-execution", bad, "--out", tmp_path / "o")
    assert (code, out) == (2, "")
    assert "bad.csv:2:section" in err and "bad.csv:2:quantity" in err and "Traceback" not in err
    code, _, err = run(capfd, "simulate-execution", targets, "--out", tmp_path / "o", "--periods", 3,
                       "--breakdown", "Brewery:7:2")
    assert code == 2 and "unknown workplace 'Brewery'" in err and "start 7" in err and "(0, 1]" in err
    code, _, err = run(capfd, "simulate-execution", targets, "--out", tmp_path / "o", "--drift", "Farm")
    assert code == 2 and "--drift 'Farm'" in err
    faults = tmp_path / "faults.csv"
    faults.write_text("kind,start,size\nfire,0,0.5\n")
    code, _, err = run(capfd, "simulate-execution", targets, "--out", tmp_path / "o", "--faults", faults)
    assert code == 2 and "faults.csv:2:kind" in err
    code, _, err = run(capfd, "simulate-execution", tmp_path / "none.csv", "--out", tmp_path / "o")
    assert code == 2 and "none.csv" in err
    code, _, err = run(capfd, "simulate-execution", "--out", tmp_path / "o")
    assert code == 2 and "--server" in err
    code, _, err = run(capfd, "simulate-execution", targets, "--upload")
    assert code == 2 and "--server and --round" in err


@pytest.fixture
def world(tmp_path, monkeypatch):
    with served_round_in_execution(tmp_path, monkeypatch) as (_, world):
        yield world


def test_a_round_on_a_server_is_simulated_and_a_workplaces_reports_filed(capfd, world, tmp_path):
    code, out, err = run(capfd, "simulate-execution", "--server", world["server"], "--round", world["round"],
                         "--token", world["tokens"][0], "--out", tmp_path / "o", "--upload", "--workplace",
                         "Bakery", "--breakdown", "Bakery:0:0.4", "--json")
    assert code == 0, err
    document = one_document(out)
    assert document["periods"] == [world["week"]] and document["uploaded"] == 1 and document["refused"] == []
    code, out, _ = run(capfd, "report", "missing", "--round", world["round"], "--server", world["server"],
                       "--token", world["tokens"][0], "--json")
    rows = {row["producer"]: row for row in one_document(out)["workplaces"]}
    assert rows["Bakery"]["reported"] == 1 and rows["Farm"]["reported"] == 0
    code, _, err = run(capfd, "simulate-execution", "--server", world["server"], "--round", world["round"],
                       "--token", world["tokens"][0], "--out", tmp_path / "p", "--upload",
                       "--workplace", "Farm")
    assert code == 2 and "Farm" in err and "not_a_member" in err
