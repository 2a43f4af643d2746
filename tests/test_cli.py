"""The ``commonplan`` command (SPEC section 3): exit codes, one line per problem, one JSON document.

Commands run in-process through ``main(argv)``; one test runs the installed console script.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from commonplan import __version__
from commonplan.cli.main import app
from commonplan.economy.bundle import read_bundle
from tests.commands import check_provenance_and_warnings, one_document, run
from tests.factories import BAKERY, lines_of, write_zip

COMMANDS = sorted(typer.main.get_command(app).commands)


# Version and help


def test_the_installed_console_script_prints_its_version():
    script = shutil.which("commonplan", path=str(Path(sys.executable).parent)) or \
        shutil.which("commonplan")
    assert script, "the commonplan console script is not installed"
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"commonplan {__version__}\n", "")


def test_the_commands_run_without_the_other_modules_are_those_the_first_module_registers():
    """``values`` and its neighbours start without importing the database or the server: the
    table of those commands in cli.main must name exactly what the first module registers."""
    from commonplan.cli.main import COMMAND_MODULES, FIRST_MODULE_COMMANDS

    done = subprocess.run([sys.executable, "-c", "import sys, typer.main\n"
                           f"import commonplan.cli.{COMMAND_MODULES[0]}\n"
                           "from commonplan.cli.common import app\n"
                           "print(' '.join(sorted(typer.main.get_command(app).commands)))\n"
                           "print('commonplan.store.database' in sys.modules)"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[:2] == [" ".join(sorted(FIRST_MODULE_COMMANDS)), "False"]


def test_version_prints_the_version(capfd):
    assert run(capfd, "--version") == (0, f"commonplan {__version__}\n", "")


def test_help_lists_every_command(capfd):
    code, out, _ = run(capfd, "--help")
    assert code == 0
    assert all(command in out for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_help(capfd, command):
    code, out, err = run(capfd, command, "--help")
    assert code == 0, err
    assert "Usage" in out and command in out


# Usage errors


@pytest.mark.parametrize("argv", [["values"], ["validate", "a", "b"], ["values", ".", "--bogus"],
                                  ["no-such-command"], ["generate", "--products", "0", "--out", "x"],
                                  ["requirements", ".", "--needs"]])
def test_a_usage_error_exits_with_2_and_no_traceback(capfd, argv):
    code, out, err = run(capfd, *argv)
    assert code == 2
    assert out == ""
    assert err.strip() and "Traceback" not in err


# validate


def test_validate_prints_ok_for_a_good_bundle(capfd, make_bundle):
    assert run(capfd, "validate", make_bundle()) == (0, "ok\n", "")


def test_validate_prints_warnings_on_stderr(capfd, make_bundle):
    code, out, err = run(capfd, "validate", make_bundle({"resources.csv": None}))
    assert (code, out) == (0, "ok\n")
    assert err.splitlines() == [
        "warning: labour product 'labour' has no row in resources: its availability is unlimited",
        "warning: resource product 'land' has no row in resources: its availability is unlimited"]


def test_validate_json_of_a_good_bundle_is_ok_with_its_hash(capfd, make_bundle):
    folder = make_bundle({"resources.csv": "product,available\nlabour,10\n"})
    code, out, err = run(capfd, "validate", folder, "--json")
    assert (code, err) == (0, "")
    document = one_document(out)
    assert document["ok"] is True and document["errors"] == []
    check_provenance_and_warnings(document, read_bundle(folder).sha256)
    assert document["warnings"] == [
        "resource product 'land' has no row in resources: its availability is unlimited"]


BAD_BUNDLES = {
    "a missing path": lambda make, tmp: tmp / "nowhere",
    "a missing table": lambda make, tmp: make({"techniques.csv": None}),
    "both csv and parquet": lambda make, tmp: make({"needs.parquet": b"PAR1"}),
    "a misspelt column": lambda make, tmp: make({"needs.csv": "product,quantity,priorty\n"}),
    "an empty file": lambda make, tmp: make({"inputs.csv": ""}),
    "invalid utf-8": lambda make, tmp: make({"products.csv": BAKERY["products.csv"].encode()
                                             .replace(b"Land", b"L\xe4nd")}),
    "a bad number": lambda make, tmp: make({"inputs.csv": BAKERY["inputs.csv"] + "tend,land,NaN\n"}),
    "a row too long": lambda make, tmp: make({"resources.csv": "product,available\nland,1,2\n"}),
    "an unproductive loop": lambda make, tmp: make({"inputs.csv": BAKERY["inputs.csv"]
                                                    + "grow,bread,9\n"}),
    "bad toml": lambda make, tmp: make({"economy.toml": "name = [\n"}),
    "a zip without a bundle": lambda make, tmp: write_zip(tmp / "x.zip", {"a.txt": "x"}),
    "a corrupt zip": lambda make, tmp: (tmp / "x.zip").write_bytes(b"PK\x03\x04broken") and tmp / "x.zip",
    "not a bundle": lambda make, tmp: (tmp / "x.txt").write_text("x") and tmp / "x.txt",
    "problems in several files": lambda make, tmp: make({
        "products.csv": BAKERY["products.csv"] + "x,X,kg,thing,\n",
        "techniques.csv": BAKERY["techniques.csv"] + "bake,bread,1,,\n",
        "inputs.csv": BAKERY["inputs.csv"] + "bake,wheat,-1\n",
        "needs.csv": BAKERY["needs.csv"] + "labour,1,1.5\n"}),
}


@pytest.fixture(params=sorted(BAD_BUNDLES))
def bad_bundle(request, make_bundle, tmp_path) -> Path:
    return BAD_BUNDLES[request.param](make_bundle, tmp_path)


def test_validate_of_a_bad_bundle_prints_every_problem_one_per_line_and_exits_2(capfd,
                                                                                bad_bundle):
    code, out, err = run(capfd, "validate", bad_bundle)
    assert (code, out) == (2, "")
    assert err.splitlines() == lines_of(bad_bundle)
    assert "Traceback" not in err


def test_validate_json_of_a_bad_bundle_lists_every_problem(capfd, bad_bundle):
    code, out, err = run(capfd, "validate", bad_bundle, "--json")
    assert (code, err) == (2, "")
    document = one_document(out)
    assert document["ok"] is False
    assert [f"{e['file']}:{e['row']}:{e['column']}: {e['message']}".replace(":None", "")
            for e in document["errors"]] == lines_of(bad_bundle)
    assert all(set(error) == {"file", "row", "column", "message"} for error in document["errors"])
    assert set(document["provenance"]) >= {"bundle_sha256", "commonplan_version"}
    assert isinstance(document["warnings"], list)


def test_validate_json_of_a_readable_bad_bundle_still_gives_its_hash(capfd, make_bundle):
    folder = make_bundle({"inputs.csv": BAKERY["inputs.csv"] + "bake,wheat,1\n"})
    good = read_bundle(make_bundle()).sha256
    document = one_document(run(capfd, "validate", folder, "--json")[1])
    assert document["errors"] == [{"file": "inputs.csv", "row": 7, "column": "product", "message":
                                   "(technique, product) pair ('bake', 'wheat') appears again "
                                   "(first at row 2)"}]
    assert len(document["provenance"]["bundle_sha256"]) == 64
    assert document["provenance"]["bundle_sha256"] != good


def test_validate_json_of_a_missing_path_has_no_hash(capfd, tmp_path):
    document = one_document(run(capfd, "validate", tmp_path / "nowhere", "--json")[1])
    assert document["errors"] == [{"file": str(tmp_path / "nowhere"), "row": None, "column": None,
                                   "message": "no such file or folder"}]
    assert document["provenance"]["bundle_sha256"] is None


@pytest.mark.parametrize("command", ["values", "requirements"])
def test_a_command_given_a_bad_bundle_prints_its_problems_and_exits_2(capfd, bad_bundle, command):
    code, out, err = run(capfd, command, bad_bundle, "--json")
    assert code == 2
    assert err.splitlines() == lines_of(bad_bundle)
    document = one_document(out)
    assert (document["ok"], document["exit_code"]) == (False, 2)
    assert [f"{e['file']}:{e['row']}:{e['column']}: {e['message']}".replace(":None", "")
            for e in document["errors"]] == lines_of(bad_bundle)


def test_an_internal_error_exits_with_1_in_one_line(capfd, make_bundle, monkeypatch):
    def broken(path):
        raise RuntimeError("something broke")

    monkeypatch.setattr("commonplan.economy.bundle.read_bundle", broken)
    monkeypatch.delenv("COMMONPLAN_DEBUG", raising=False)
    code, out, err = run(capfd, "values", make_bundle(), "--json")
    assert code == 1
    assert one_document(out)["errors"][0]["message"] == "internal error: RuntimeError: something broke"
    assert "internal error: RuntimeError: something broke" in err
    assert "Traceback" not in err


# values and requirements


def test_values_json_gives_hours_for_every_produced_product_in_file_order(capfd, make_bundle):
    folder = make_bundle({
        "products.csv": BAKERY["products.csv"] + "air,Air,m3,good,\n",
        "techniques.csv": BAKERY["techniques.csv"] + "breathe,air,1,,\n"})
    code, out, err = run(capfd, "values", folder, "--json")
    assert (code, err) == (0, "")
    document = one_document(out)
    assert document["unit"] == "hours"
    assert list(document["values"]) == ["bread", "wheat", "park", "air"]
    assert document["values"] == pytest.approx({"bread": 0.45, "wheat": 0.5, "park": 0.01,
                                                "air": 0.0})
    check_provenance_and_warnings(document, read_bundle(folder).sha256)


def test_values_without_json_prints_a_table(capfd, make_bundle):
    code, out, _ = run(capfd, "values", make_bundle())
    assert code == 0
    assert "Bread (loaf)" in out and "0.45" in out  # by name, for people


def test_values_json_of_a_zip_has_the_hash_of_the_folder(capfd, make_bundle, tmp_path):
    document = one_document(run(capfd, "values", write_zip(tmp_path / "b.zip", BAKERY), "--json")[1])
    assert document["provenance"]["bundle_sha256"] == read_bundle(make_bundle()).sha256


def test_requirements_json_lists_every_technique_and_primary_product(capfd, make_bundle):
    folder = make_bundle({"needs.csv": "product,quantity,priority\nbread,15,1\npark,100,3\n"})
    code, out, err = run(capfd, "requirements", folder, "--json")
    assert (code, err) == (0, "")
    document = one_document(out)
    assert list(document["activity"]) == ["bake", "grow", "tend"]
    assert document["activity"] == pytest.approx({"bake": 15, "grow": 3.75, "tend": 100})
    assert list(document["use"]) == ["labour", "land"]
    assert document["use"] == pytest.approx({"labour": 7.75, "land": 0.375})
    check_provenance_and_warnings(document, read_bundle(folder).sha256)


def test_requirements_with_no_needs_lists_zeros(capfd, make_bundle):
    document = one_document(run(capfd, "requirements", make_bundle({"needs.csv": None}),
                                "--json")[1])
    assert document["activity"] == {"bake": 0, "grow": 0, "tend": 0}
    assert document["use"] == {"labour": 0, "land": 0}


def test_requirements_needs_file_replaces_the_bundles_needs(capfd, make_bundle, tmp_path):
    needs = tmp_path / "demand.csv"
    needs.write_text("product,quantity,priority\nbread,2,1\nbread,2,5\n")
    code, out, err = run(capfd, "requirements", make_bundle(), "--needs", needs, "--json")
    assert (code, err) == (0, "")
    document = one_document(out)
    assert document["activity"] == pytest.approx({"bake": 4, "grow": 1, "tend": 0})


def test_requirements_warns_when_a_capacity_would_be_exceeded(capfd, make_bundle, tmp_path):
    needs = tmp_path / "demand.csv"
    needs.write_text("product,quantity\nbread,1000\n")  # grow would run 250 > 100
    code, out, _ = run(capfd, "requirements", make_bundle(), "--needs", needs, "--json")
    assert code == 0
    assert any("'grow'" in text for text in one_document(out)["warnings"])


def test_requirements_needs_file_problems_name_that_file_and_exit_2(capfd, make_bundle, tmp_path):
    needs = tmp_path / "demand.csv"
    needs.write_text("product,quantity\nbread,1\nghost,2\nbread,-1\n")
    code, out, err = run(capfd, "requirements", make_bundle(), "--needs", needs, "--json")
    assert code == 2
    assert [(e["row"], e["column"]) for e in one_document(out)["errors"]] == [(3, "product"), (4, "quantity")]
    assert err.splitlines() == [f"{needs}:3:product: unknown product 'ghost'",
                                f"{needs}:4:quantity: must be >= 0, not -1"]


def test_requirements_with_a_missing_needs_file_exits_2(capfd, make_bundle, tmp_path):
    code, out, err = run(capfd, "requirements", make_bundle(), "--needs", tmp_path / "no.csv")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"{tmp_path / 'no.csv'}: no such file"]
