"""A hostile user at the command line: each hostile command line exits 2 naming the culprit,
prints no traceback, harms no file the user had, and stays within bounded memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from commonplan.economy.bundle import read_bundle
from tests.commands import one_document, run
from tests.factories import BAKERY, write_tables

MEMORY_LIMIT = 2 << 30  # address space of a refused command: far below what its request would take
SOURCE = Path(__file__).parents[1] / "src"


def bounded(*argv: object, cwd: Path) -> tuple[int, str, str]:
    """``commonplan ARGV`` in a process limited to MEMORY_LIMIT of address space: exit code,
    stdout and stderr (timings belong in benchmarks, not tests)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    env.pop("COMMONPLAN_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", "from commonplan.cli.main import main; main()",
                           *map(str, argv)], capture_output=True, text=True, cwd=cwd, env=env,
                          preexec_fn=limit, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (or ``root`` itself) with its content and modification time."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {str(path.relative_to(root.parent)): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in files}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "bakery", BAKERY)


def refused(capfd, argv: list[object], *culprits: str) -> str:
    """Run ARGV in-process; it must exit 2 naming every culprit, with no traceback; its stderr."""
    code, _out, err = run(capfd, *argv)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    for culprit in culprits:
        assert culprit in err
    return err


# Sizes: checked before anything is allocated, in a process that could not allocate them anyway


@pytest.mark.parametrize(("argv", "culprit"), [
    (["generate", "--products", 10**12, "--out", "g"], "--products 1000000000000: at most 5,000,000"),
    (["generate", "--products", 0, "--out", "g"], "--products 0: must be at least 1"),
    (["generate", "--products", -5, "--out", "g"], "--products -5: must be at least 1"),
    (["generate", "--products", 10, "--inputs-per-product", 10**11, "--out", "g"],
     "--inputs-per-product 100000000000: at most 1,000"),
    (["generate", "--products", 10, "--inputs-per-product", 0, "--out", "g"],
     "--inputs-per-product 0: must be at least 1"),
    (["generate", "--products", 5_000_000, "--inputs-per-product", 1000, "--out", "g"],
     "= 5,000,000,000 inputs: at most 100,000,000"),
    (["plan", "bakery", "--periods", 10**9], "--periods 1000000000: at most 1,000"),
    (["plan", "bakery", "--periods", 0], "--periods 0: must be at least 1"),
    (["needs", "--purchases", "p.csv", "--stock", "s.csv", "--out", "n.csv", "--horizon-days", 10**12],
     "--horizon-days 1000000000000: at most 3,660"),
    (["needs", "--purchases", "p.csv", "--stock", "s.csv", "--out", "n.csv", "--horizon-days", -1],
     "--horizon-days -1: must be at least 1"),
])
def test_a_size_beyond_its_maximum_is_refused_at_once_within_bounded_memory(bundle, argv, culprit):
    code, out, err = bounded(*argv, cwd=bundle.parent)
    assert (code, out) == (2, ""), err
    assert culprit in err and "Traceback" not in err
    assert not (bundle.parent / "g").exists() and not (bundle.parent / "n.csv").exists()


def test_a_multi_period_plan_too_large_for_memory_is_refused_after_reading_the_bundle(capfd, tmp_path):
    from commonplan.economy.bundle import write_bundle
    from commonplan.economy.synthetic import generate

    large = write_bundle(generate(3_000, seed=1), tmp_path / "large")
    code, out, err = run(capfd, "plan", large, "--periods", 1000, "--json")
    assert code == 2 and "--periods 1,000: 1,000 periods x (" in err and "plan fewer periods" in err
    assert one_document(out)["errors"][0]["message"].startswith("--periods 1,000")


def test_a_non_number_size_is_a_usage_error_naming_the_option(capfd):
    err = refused(capfd, ["generate", "--products", "lots", "--out", "g"], "--products")
    assert "lots" in err


# Outputs: nothing a user had is overwritten without --force, nor half-written with it


def test_generate_over_an_existing_bundle_is_refused_and_leaves_it_untouched(capfd, bundle):
    before = snapshot(bundle)
    refused(capfd, ["generate", "--products", 10, "--out", bundle], f"--out {bundle}", "--force")
    assert snapshot(bundle) == before


def test_generate_over_a_file_is_refused_even_with_force(capfd, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    before = snapshot(notes)
    for force in ([], ["--force"]):
        refused(capfd, ["generate", "--products", 10, "--out", notes, *force], f"--out {notes}: is a file")
    assert snapshot(notes) == before


@pytest.mark.parametrize("theirs", ["thesis.docx", "purchases.csv", "notes.parquet"])
def test_generate_never_replaces_a_folder_holding_other_files_even_with_force(capfd, bundle, theirs):
    """Tables of the user's that are not a bundle's (a CSV of their own) are theirs, not ours."""
    (bundle / theirs).write_bytes(b"years of work")
    before = snapshot(bundle)
    refused(capfd, ["generate", "--products", 10, "--out", bundle, "--force"], theirs)
    assert snapshot(bundle) == before


def test_generate_with_force_replaces_a_bundle_whole_and_leaves_no_temporary_files(capfd, bundle):
    code, _out, err = run(capfd, "generate", "--products", 10, "--out", bundle, "--force")
    assert code == 0, err
    assert len(read_bundle(bundle).economy.products) == 18  # 10 products, 4 labour, 4 resources
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["bakery"]


def test_generate_into_a_new_or_empty_folder_needs_no_force(capfd, tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        code, _out, err = run(capfd, "generate", "--products", 5, "--out", folder)
        assert code == 0, err
        assert read_bundle(folder).economy.inputs.nnz > 0


def test_a_write_that_fails_with_force_leaves_the_old_bundle_whole(capfd, bundle, monkeypatch):
    import commonplan.economy.bundle as bundles

    def half_written(economy, folder, **options):
        (Path(folder) / "products.csv").write_text("id,kind\nhalf,good\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundles, "write_bundle", half_written)
    before = snapshot(bundle)
    refused(capfd, ["generate", "--products", 10, "--out", bundle, "--force"], "No space left on device")
    assert snapshot(bundle) == before
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["bakery"]


def test_import_bea_over_an_existing_bundle_is_refused_before_reading_anything(capfd, bundle):
    before = snapshot(bundle)
    refused(capfd, ["import-bea", "--use", "use.csv", "--make", "make.csv", "--out", bundle],
            f"--out {bundle}: the folder holds a bundle already")
    assert snapshot(bundle) == before


@pytest.mark.parametrize("option", ["--out", "--variants-out"])
def test_needs_over_an_existing_file_is_refused(capfd, tmp_path, option):
    kept = tmp_path / "kept.csv"
    kept.write_text("product,quantity,priority\nbread,1,1\n")
    before = snapshot(kept)
    outputs = {"--out": tmp_path / "new.csv", "--variants-out": tmp_path / "new-variants.csv"}
    outputs[option] = kept
    refused(capfd, ["needs", "--purchases", "p.csv", "--stock", "s.csv",
                    *(part for pair in outputs.items() for part in pair)],
            f"{option} {kept}: the file exists")
    assert snapshot(kept) == before


def test_plan_by_producer_over_a_file_or_a_bundle_folder_is_refused(capfd, bundle, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("mine\n")
    before = snapshot(bundle.parent)
    refused(capfd, ["plan", bundle, "--by-producer", targets], f"--by-producer {targets}: the file exists")
    for force in ([], ["--force"]):
        refused(capfd, ["plan", bundle, "--by-producer", bundle, *force],
                f"--by-producer {bundle}: is a folder")
    assert snapshot(bundle.parent) == before


def test_plan_by_producer_with_force_replaces_the_file(capfd, bundle, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("mine\n")
    code, _out, err = run(capfd, "plan", bundle, "--by-producer", targets, "--force")
    assert code == 0, err
    assert targets.read_text().startswith('"producer","technique"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bakery", "targets.csv"]


def test_ledger_copy_over_an_existing_file_is_refused(capfd, tmp_path):
    copy = tmp_path / "copy.jsonl"
    copy.write_text("{}\n")
    before = snapshot(copy)
    refused(capfd, ["ledger-copy", "--out", copy, "--database", f"sqlite:///{tmp_path / 'db.sqlite'}"],
            f"--out {copy}: the file exists")
    assert snapshot(copy) == before


# verify and ledger-copy read a database; they never create one


@pytest.mark.parametrize("command", [["verify"], ["verify", "--json"],
                                     ["ledger-copy", "--out", "copy.jsonl"]])
def test_reading_the_books_of_a_missing_database_creates_nothing(capfd, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "missing.db"
    err = refused(capfd, [*command, "--database", f"sqlite:///{missing}"], str(missing), "no such database")
    assert list(tmp_path.iterdir()) == []
    assert "nothing was created" in err


def test_verify_with_no_database_option_does_not_create_the_default_one(capfd, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(capfd, ["verify", "--json"], "commonplan.db")
    assert list(tmp_path.iterdir()) == []


def test_verify_of_a_file_that_is_no_database_is_bad_input(capfd, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    before = snapshot(junk)
    refused(capfd, ["verify", "--database", f"sqlite:///{junk}"], "not a commonplan database")
    assert snapshot(junk) == before


def test_verify_of_an_unreachable_server_is_bad_input(capfd):
    refused(capfd, ["verify", "--database", "postgresql+psycopg://nobody@127.0.0.1:1/none"], "--database")


# --json: one document on every outcome


@pytest.mark.parametrize("argv", [
    ["values", "--json"],
    ["validate", "nowhere", "--json"],
    ["plan", "nowhere", "--json", "--method", "guess"],
    ["requirements", "nowhere", "--json", "--bogus"],
    ["verify", "--json", "--database", "sqlite:///nowhere.db"],
    ["needs", "--purchases", "p.csv", "--stock", "s.csv", "--out", "n.csv", "--json"],
])
def test_json_prints_one_failure_document_on_every_failure(capfd, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capfd, *argv)
    assert code == 2 and "Traceback" not in err
    document = one_document(out)
    assert document["ok"] is False and document.get("exit_code", 2) == 2
    assert document["errors"] and all(error["message"] for error in document["errors"])
    assert list(tmp_path.iterdir()) == []


# Tables the readers cannot parse: the file and the cause named, in bundles and records alike

PRODUCTS = BAKERY["products.csv"]
LATIN = (PRODUCTS + "cafe,Caf\u00e9,cup,good,\n").encode("latin-1")
UNREADABLE_TABLES = {
    "semicolons": (PRODUCTS.replace(",", ";").encode(),
                   "products.csv:1: one column found ('id;name;unit;kind;public'): the delimiter must be "
                   "a comma, not a semicolon"),
    "tabs": (PRODUCTS.replace(",", "\t").encode(), "the delimiter must be a comma, not a tab"),
    "utf-16": (PRODUCTS.encode("utf-16"),
               "products.csv: is UTF-16 (or UTF-32) text, not UTF-8: save it as UTF-8"),
    "utf-16 without a mark": (PRODUCTS.encode("utf-16-le"), "products.csv: is UTF-16"),
    "latin-1": (LATIN, f"products.csv:7:name: is not UTF-8 (byte 0xE9 at offset {LATIN.index(0xE9)}; "
                       "Latin-1 or Windows-1252?): save it as UTF-8"),
    "binary": (bytes(range(256)) * 8, "products.csv: holds binary data (byte 0x00 at offset 0)"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE_TABLES))
def test_a_bundle_table_in_another_format_is_named_with_its_cause(capfd, bundle, case):
    content, culprit = UNREADABLE_TABLES[case]
    (bundle / "products.csv").write_bytes(content)
    for argv in (["validate", bundle], ["plan", bundle], ["values", bundle, "--json"]):
        refused(capfd, argv, culprit)


def test_a_utf8_byte_order_mark_is_no_problem(capfd, bundle):
    (bundle / "products.csv").write_bytes(b"\xef\xbb\xbf" + PRODUCTS.encode())
    assert run(capfd, "validate", bundle)[0] == 0


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_truncated_parquet_table_is_named(capfd, bundle, cut):
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    pq.write_table(pa_csv.read_csv(bundle / "inputs.csv"), bundle / "inputs.parquet")
    (bundle / "inputs.csv").unlink()
    data = (bundle / "inputs.parquet").read_bytes()
    (bundle / "inputs.parquet").write_bytes(data[:int(len(data) * cut)])
    refused(capfd, ["validate", bundle],
            "inputs.parquet: is not a readable Parquet file (truncated or corrupt?)")


def zipped(path: Path, members: dict[str, bytes | str], *, compression: int = 8) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_zip_that_is_not_a_zip_is_named(capfd, tmp_path):
    fake = tmp_path / "bundle.zip"
    fake.write_bytes(b"PK\x03\x04 but nothing else")
    refused(capfd, ["validate", fake], f"{fake}: cannot read the zip file")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = zipped(tmp_path / "bomb.zip", {**BAKERY, "inputs.csv": "technique,product,quantity\n"
                                          + " " * (1 << 30)})
    code, out, err = bounded("validate", bomb, cwd=tmp_path)
    assert (code, out) == (2, "") and "Traceback" not in err
    assert f"{bomb}: member 'inputs.csv' would unpack" in err and "refused as a zip bomb" in err


def test_a_zip_member_climbing_out_of_the_zip_is_refused(capfd, tmp_path):
    sneaky = zipped(tmp_path / "sneaky.zip", {**BAKERY, "../../evil.csv": "x"})
    refused(capfd, ["validate", sneaky], "member '../../evil.csv' has an absolute path or '..' in its path")


RECORDS = "date,store,product,quantity\n2024-01-01,s1,bread,2\n2024-01-02,s1,bread,3\n"


@pytest.mark.parametrize(("content", "culprit"), [
    (RECORDS.replace(",", ";").encode(), "purchases.csv:1: one column found ('date;store;product;quantity'): "
                                         "the delimiter must be a comma, not a semicolon"),
    (RECORDS.encode("utf-16"), "purchases.csv: is UTF-16"),
    ((RECORDS + "2024-01-03,s\u00e9,bread,1\n").encode("latin-1"),
     "purchases.csv:4:store: is not UTF-8 (byte 0xE9"),
    (bytes(range(256)) * 8, "purchases.csv: holds binary data"),
    (b"PAR1 not really", "purchases.parquet: is not a readable Parquet file"),
])
def test_records_the_needs_readers_cannot_parse_are_named_with_their_cause(capfd, tmp_path, content, culprit):
    name = "purchases.parquet" if content.startswith(b"PAR1") else "purchases.csv"
    (tmp_path / name).write_bytes(content)
    (tmp_path / "stock.csv").write_text("date,store,product,on_hand\n2024-01-01,s1,bread,2\n")
    err = refused(capfd, ["needs", "--purchases", tmp_path / name, "--stock", tmp_path / "stock.csv",
                          "--out", tmp_path / "needs.csv"])
    assert culprit in err.replace(f"{tmp_path}/", "")
    assert not (tmp_path / "needs.csv").exists()


# Numbers a solve could not honour are refused by validate, and messages name the culprit


@pytest.mark.parametrize(("table", "row", "culprit"), [
    ("inputs.csv", "bake,labour,1e-300\n", "inputs.csv:7:quantity: 1e-300 is too small"),
    ("inputs.csv", "tend,land,5e-324\n", "inputs.csv:7:quantity: 4.94065645841247e-324 is too small"),
    ("inputs.csv", "tend,wheat,1e13\n", "inputs.csv:7:quantity: 10000000000000 is too large: at most 1e+12"),
    ("techniques.csv", "dig,wheat,1e-5,,\n", "techniques.csv:5:yield: 1e-05 is too small"),
    ("techniques.csv", "dig,wheat,1,1e16,\n", "techniques.csv:5:capacity: 1e+16 is too large: at most 1e+15"),
    ("needs.csv", "bread,1e300,1\n", "needs.csv:5:quantity: 1e+300 is too large"),
    ("resources.csv", "land,1e-13\n", "resources.csv:3:available: 1e-13 is too small"),
])
def test_numbers_beyond_what_a_solve_honours_are_refused_by_every_command(capfd, bundle, table, row, culprit):
    path = bundle / table
    if table == "resources.csv":
        path.write_text("product,available\nlabour,1000\n" + row)
    else:
        path.write_text(path.read_text() + row)
    for argv in (["validate", bundle], ["plan", bundle, "--json"], ["values", bundle, "--json"]):
        refused(capfd, argv, culprit)


def test_problem_messages_name_the_culprits_value(capfd, bundle):
    (bundle / "products.csv").write_text(PRODUCTS + "bread,Again,loaf,good,\n")
    (bundle / "techniques.csv").write_text(BAKERY["techniques.csv"] + "mine,labour,1,,\n")
    refused(capfd, ["validate", bundle], "products.csv:7:id: id 'bread' appears again (first at row 2)",
            "techniques.csv:5:output: 'labour' is a labour product; technique 'mine' cannot make it")


# SPEC section 3: every map lists every id of its kind, zeros included, in file order

PRODUCT_IDS = ["bread", "wheat", "labour", "land", "park"]
PRODUCED, PRIMARY, TECHNIQUES = ["bread", "wheat", "park"], ["labour", "land"], ["bake", "grow", "tend"]
PERIODS_BUNDLE = Path(__file__).parent / "planning" / "data" / "bakery-periods"


def _plan_maps(document: dict, ids: dict[str, list[str]]) -> None:
    assert list(document["activity"]) == ids["techniques"]
    assert list(document["net_output"]) == ids["products"]
    assert list(document["use"]) == ids["primary"]
    assert list(document["capacity_prices"]) in ([], ids["techniques"])
    assert list(document["shadow_prices"]) in ([], ids["primary"])


@pytest.mark.parametrize("method", ["lp", "harmony"])
def test_every_map_of_plan_lists_every_id_zeros_included(capfd, bundle, method):
    (bundle / "needs.csv").write_text("product,quantity,priority\npark,1,1\n")  # bread and wheat: 0
    code, out, err = run(capfd, "plan", bundle, "--method", method, "--json")
    assert code == 0, err
    document = one_document(out)
    _plan_maps(document, {"techniques": TECHNIQUES, "products": PRODUCT_IDS, "primary": PRIMARY})
    assert document["net_output"]["bread"] == 0 and document["activity"]["bake"] == 0
    if method == "lp":
        assert list(document["shadow_prices"]) == PRIMARY and list(document["capacity_prices"]) == TECHNIQUES


def test_every_map_of_a_multi_period_plan_lists_every_id_in_every_period(capfd):
    economy = read_bundle(PERIODS_BUNDLE).economy
    ids = {"techniques": economy.techniques.ids.to_pylist(), "products": economy.products.ids.to_pylist(),
           "primary": economy.products.ids.take(economy.primary).to_pylist()}
    code, out, err = run(capfd, "plan", PERIODS_BUNDLE, "--periods", 2, "--json")
    assert code == 0, err
    document = one_document(out)
    for period in [document, *document["periods"]]:
        _plan_maps(period, ids)
        assert list(period["investment"]) == list(period["capacity"]) == ids["techniques"]


def test_every_map_of_values_and_requirements_lists_every_id_zeros_included(capfd, bundle):
    (bundle / "needs.csv").write_text("product,quantity,priority\npark,1,1\n")
    code, out, _err = run(capfd, "values", bundle, "--json")
    assert code == 0 and list(one_document(out)["values"]) == PRODUCED
    code, out, _err = run(capfd, "requirements", bundle, "--json")
    document = one_document(out)
    assert list(document["activity"]) == TECHNIQUES and list(document["use"]) == PRIMARY
    assert list(document["gross_output"]) == PRODUCED and document["activity"]["bake"] == 0
