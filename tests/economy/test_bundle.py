"""Reading and writing bundles (SPEC section 1): folders, zips, CSV and Parquet read the same."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonplan.economy.bundle import economy_tables, read_bundle, write_bundle
from commonplan.economy.model import Economy, EconomyInfo, Kind
from tests.factories import BAKERY, lines_of, write_tables, write_zip

TABLE_NAMES = ("products", "techniques", "inputs", "resources", "needs")


def same_economy(a: Economy, b: Economy) -> bool:
    """Equal tables (ids, kinds, numbers, optional columns, in order) and equal metadata."""
    first, second = economy_tables(a), economy_tables(b)
    return first.keys() == second.keys() and all(first[k].equals(second[k]) for k in first) \
        and a.info == b.info


def expected_sha256(folder: Path, names: list[str]) -> str:
    """SHA-256 of ``sha256sum``-style lines of the named files, sorted by name."""
    lines = "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n"
                    for name in sorted(names))
    return hashlib.sha256(lines.encode()).hexdigest()


# The bakery as read


def test_the_bakery_reads_into_its_products_techniques_and_inputs(make_bundle):
    loaded = read_bundle(make_bundle())
    economy = loaded.economy
    assert economy.products.ids.to_pylist() == ["bread", "wheat", "labour", "land", "park"]
    assert [Kind(k) for k in economy.products.kinds] == [Kind.GOOD, Kind.GOOD, Kind.LABOUR,
                                                          Kind.RESOURCE, Kind.SERVICE]
    assert economy.products.names.to_pylist() == ["Bread", "Wheat", "Work", "Land", "Park"]
    assert economy.products.public.tolist() == [False, False, False, False, True]
    assert economy.techniques.ids.to_pylist() == ["bake", "grow", "tend"]
    assert economy.techniques.outputs.tolist() == [0, 1, 4]
    assert economy.techniques.yields.tolist() == [1.0, 2.0, 1.0]
    assert economy.techniques.capacities.tolist() == [np.inf, 100.0, np.inf]
    assert economy.techniques.producers.to_pylist() == ["Bakery", "Farm", "Parks office"]
    assert economy.inputs.toarray().tolist() == [[0, 0, 0], [0.5, 0, 0], [0.2, 1, 0.01],
                                                 [0, 0.1, 0], [0, 0, 0]]
    assert economy.available.tolist() == [np.inf, np.inf, 1000.0, 50.0, np.inf]
    assert economy.needs.products.tolist() == [0, 0, 4]
    assert economy.needs.quantities.tolist() == [10.0, 5.0, 100.0]
    assert economy.needs.priorities.tolist() == [1, 2, 1]
    assert economy.info == EconomyInfo(name="Bakery", period="2025")
    assert loaded.warnings == []


def test_a_labour_or_resource_product_without_a_resources_row_is_unlimited_with_a_warning(
        make_bundle):
    loaded = read_bundle(make_bundle({"resources.csv": "product,available\nlabour,1000\n"}))
    assert loaded.economy.available[3] == np.inf
    assert loaded.warnings == ["resource product 'land' has no row in resources: its "
                               "availability is unlimited"]


def test_an_unknown_table_file_is_ignored_with_a_warning(make_bundle):
    plain = read_bundle(make_bundle())
    loaded = read_bundle(make_bundle({"notes.csv": "anything,at,all\n1,2\n",
                                      "README.md": "# not a table, not mentioned\n"}))
    assert loaded.warnings == ["notes: not a table of the bundle; ignored"]
    assert loaded.sha256 == plain.sha256


# CSV details


def test_csv_quoting_keeps_a_quoted_comma_a_quoted_quote_and_a_quoted_newline(make_bundle):
    products = BAKERY["products.csv"].replace("Bread,loaf", '"Bread, ""white""",loaf').replace(
        "Wheat,kg", '"Wheat\nfrom the hills",kg')
    names = read_bundle(make_bundle({"products.csv": products})).economy.products.names
    assert names.to_pylist()[:2] == ['Bread, "white"', "Wheat\nfrom the hills"]


def test_a_problem_after_a_quoted_newline_is_reported_at_its_row(make_bundle):
    products = BAKERY["products.csv"].replace("Wheat,kg", '"Wheat\nfrom\nthe hills",kg').replace(
        "land,Land,ha,resource", "land,Land,ha,rock")
    assert lines_of(make_bundle({"products.csv": products})) == [
        "products.csv:5:kind: 'rock' is not a kind (good, service, labour or resource)"]


def test_a_utf8_byte_order_mark_is_skipped(make_bundle):
    plain = read_bundle(make_bundle()).economy
    with_bom = {name: "\ufeff" + text for name, text in BAKERY.items() if name.endswith(".csv")}
    assert same_economy(read_bundle(make_bundle(with_bom)).economy, plain)


def test_windows_line_ends_read_the_same(make_bundle):
    plain = read_bundle(make_bundle()).economy
    crlf = {name: text.replace("\n", "\r\n") for name, text in BAKERY.items()
            if name.endswith(".csv")}
    assert same_economy(read_bundle(make_bundle(crlf)).economy, plain)


def test_columns_may_come_in_any_order(make_bundle):
    plain = read_bundle(make_bundle()).economy
    shuffled = {}
    for name, text in BAKERY.items():
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text)))
            stream = io.StringIO()
            csv.writer(stream, lineterminator="\n").writerows([row[::-1] for row in rows])
            shuffled[name] = stream.getvalue()
    assert same_economy(read_bundle(make_bundle(shuffled)).economy, plain)


def test_public_may_be_written_in_any_case(make_bundle):
    products = ("id,kind,public\na,good,TRUE\nb,good,False\nc,good,tRuE\nd,good,\n"
                "e,good,  true \n")
    economy = read_bundle(make_bundle({"products.csv": products, "techniques.csv": "id,output\n",
                                       "inputs.csv": "technique,product,quantity\n",
                                       "resources.csv": None, "needs.csv": None})).economy
    assert economy.products.public.tolist() == [True, False, True, False, True]


def test_decimal_numbers_may_use_exponents(make_bundle):
    inputs = BAKERY["inputs.csv"].replace("grow,land,0.1", "grow,land,1e-3").replace(
        "bake,labour,0.2", "bake,labour,+2.5E-1")
    economy = read_bundle(make_bundle({"inputs.csv": inputs})).economy
    assert economy.inputs[3, 1] == 1e-3
    assert economy.inputs[2, 0] == 0.25


def test_optional_columns_may_be_left_out(make_bundle):
    economy = read_bundle(make_bundle({
        "products.csv": "id,kind\nbread,good\nwheat,good\nlabour,labour\nland,resource\n"
                        "park,service\n",
        "techniques.csv": "id,output\nbake,bread\ngrow,wheat\ntend,park\n",
        "needs.csv": "product,quantity\nbread,15\n",
        "economy.toml": None,
    })).economy
    assert economy.products.names is None and economy.techniques.producers is None
    assert economy.techniques.yields.tolist() == [1.0, 1.0, 1.0]
    assert economy.needs.priorities.tolist() == [1]
    assert economy.info == EconomyInfo()


def test_a_bundle_whose_tables_have_only_headers_is_an_empty_economy(make_bundle):
    economy = read_bundle(make_bundle({
        "products.csv": "id,kind\n", "techniques.csv": "id,output\n",
        "inputs.csv": "technique,product,quantity\n", "resources.csv": None, "needs.csv": None,
    })).economy
    assert (len(economy.products), len(economy.techniques), economy.inputs.shape) == (0, 0, (0, 0))


def test_economy_toml_may_start_with_a_byte_order_mark(make_bundle):
    info = read_bundle(make_bundle({"economy.toml": "\ufeff" + BAKERY["economy.toml"]})).economy.info
    assert info == EconomyInfo(name="Bakery", period="2025")


# Zips and the content hash


def test_a_zip_with_tables_at_its_root_reads_like_the_folder_with_the_same_hash(make_bundle,
                                                                                tmp_path):
    folder = read_bundle(make_bundle())
    zipped = read_bundle(write_zip(tmp_path / "bakery.zip", BAKERY))
    assert same_economy(zipped.economy, folder.economy)
    assert zipped.sha256 == folder.sha256


def test_a_zip_with_tables_in_one_top_level_folder_reads_like_the_folder(make_bundle, tmp_path):
    folder = read_bundle(make_bundle())
    path = write_zip(tmp_path / "bakery.zip", {**BAKERY, "README.txt": "about"}, folder="bakery/")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("__MACOSX/bakery/._products.csv", "resource fork")
        archive.writestr("LICENSE", "free")
    zipped = read_bundle(path)
    assert same_economy(zipped.economy, folder.economy)
    assert zipped.sha256 == folder.sha256


def test_the_hash_is_sha256_of_sha256sum_lines_of_the_tables_and_metadata(make_bundle):
    folder = make_bundle({"notes.csv": "ignored\n"})
    names = [*(f"{name}.csv" for name in TABLE_NAMES), "economy.toml"]
    assert read_bundle(folder).sha256 == expected_sha256(folder, names)


def test_the_hash_changes_when_any_table_or_the_metadata_changes(make_bundle):
    hashes = {read_bundle(make_bundle()).sha256,
              read_bundle(make_bundle({"needs.csv": BAKERY["needs.csv"] + "bread,1,3\n"})).sha256,
              read_bundle(make_bundle({"economy.toml": 'name = "Other"\n'})).sha256,
              read_bundle(make_bundle({"economy.toml": None})).sha256}
    assert len(hashes) == 4


# Parquet


def csv_tables(tables: dict[str, str]) -> dict[str, pa.Table]:
    """The bundle's CSV tables as Arrow tables of strings, as in the file."""
    return {name.removesuffix(".csv"): pa_csv.read_csv(
        io.BytesIO(text.encode()), convert_options=pa_csv.ConvertOptions(
            column_types={column: pa.string() for column in text.split("\n", 1)[0].split(",")},
            strings_can_be_null=False))
        for name, text in tables.items() if name.endswith(".csv")}


def as_parquet(folder: Path, tables: dict[str, pa.Table]) -> Path:
    for name, table in tables.items():
        (folder / f"{name}.csv").unlink()
        pq.write_table(table, folder / f"{name}.parquet")
    return folder


def test_parquet_tables_of_strings_read_the_same_as_csv(make_bundle):
    plain = read_bundle(make_bundle()).economy
    parquet = as_parquet(make_bundle(), csv_tables(BAKERY))
    assert same_economy(read_bundle(parquet).economy, plain)


def test_parquet_tables_with_typed_columns_read_the_same_as_csv(make_bundle):
    plain = read_bundle(make_bundle()).economy
    typed = {
        "products": pa.table({"id": ["bread", "wheat", "labour", "land", "park"],
                              "name": ["Bread", "Wheat", "Work", "Land", "Park"],
                              "unit": ["loaf", "kg", "hour", "ha", "visit"],
                              "kind": pa.array(["good", "good", "labour", "resource",
                                                "service"]).dictionary_encode(),
                              "public": [False, None, None, None, True]}),
        "techniques": pa.table({"id": ["bake", "grow", "tend"], "output": ["bread", "wheat", "park"],
                                "yield": pa.array([1, 2, 1], pa.int32()),
                                "capacity": pa.array([None, 100.0, None], pa.float64()),
                                "producer": ["Bakery", "Farm", "Parks office"]}),
        "inputs": pa.table({"technique": ["bake", "bake", "grow", "grow", "tend"],
                            "product": ["wheat", "labour", "labour", "land", "labour"],
                            "quantity": [0.5, 0.2, 1.0, 0.1, 0.01]}),
        "resources": pa.table({"product": pa.array(["labour", "land"], pa.large_string()),
                               "available": pa.array([1000, 50], pa.int64())}),
        "needs": pa.table({"product": ["bread", "bread", "park"], "quantity": [10.0, 5.0, 100.0],
                           "priority": pa.array([1, 2, 1], pa.int8())}),
    }
    assert same_economy(read_bundle(as_parquet(make_bundle(), typed)).economy, plain)


def test_a_bundle_may_mix_csv_and_parquet_tables(make_bundle):
    plain = read_bundle(make_bundle()).economy
    mixed = as_parquet(make_bundle(), {"inputs": csv_tables(BAKERY)["inputs"]})
    assert same_economy(read_bundle(mixed).economy, plain)


def test_parquet_ids_stored_as_numbers_are_read_as_text(make_bundle):
    folder = as_parquet(make_bundle({"resources.csv": None, "needs.csv": None}), {
        "products": pa.table({"id": [1, 2], "kind": ["good", "labour"]}),
        "techniques": pa.table({"id": [1], "output": [1]}),
        "inputs": pa.table({"technique": [1], "product": [2], "quantity": [0.5]}),
    })
    economy = read_bundle(folder).economy
    assert economy.products.ids.to_pylist() == ["1", "2"]
    assert economy.inputs.toarray().tolist() == [[0.0], [0.5]]


# Writing back


def test_a_bundle_written_as_csv_reads_back_the_same(make_bundle, tmp_path):
    original = read_bundle(make_bundle()).economy
    again = read_bundle(write_bundle(original, tmp_path / "out")).economy
    assert same_economy(again, original)
    assert again.techniques.capacities[0] == np.inf  # a blank capacity stays unlimited


def test_a_bundle_written_as_parquet_reads_back_the_same(make_bundle, tmp_path):
    original = read_bundle(make_bundle()).economy
    folder = write_bundle(original, tmp_path / "out", format="parquet")
    assert sorted(p.name for p in folder.iterdir()) == [
        "economy.toml", *sorted(f"{name}.parquet" for name in TABLE_NAMES)]
    assert same_economy(read_bundle(folder).economy, original)


def test_tricky_text_and_metadata_survive_a_round_trip(make_bundle, tmp_path):
    products = BAKERY["products.csv"].replace("Bread,loaf", '"Bread, ""white""\non rye",loaf')
    toml = ('name = "The \\"Bakery\\""\nperiod = "2025-Q1"\n'
            'description = "two\\nlines \\\\ ok\\r\\t\\u0001\\u007f é 🍞"\n'
            "source = 'made up, for tests'\n")
    original = read_bundle(make_bundle({"products.csv": products, "economy.toml": toml})).economy
    assert original.info.description == "two\nlines \\ ok\r\t\x01\x7f é 🍞"
    for format in ("csv", "parquet"):
        folder = write_bundle(original, tmp_path / format, format=format)
        assert same_economy(read_bundle(folder).economy, original)


def test_an_economy_without_optional_parts_writes_no_optional_columns(make_bundle, tmp_path):
    original = read_bundle(make_bundle({
        "products.csv": "id,kind\nbread,good\nlabour,labour\n",
        "techniques.csv": "id,output\nbake,bread\n",
        "inputs.csv": "technique,product,quantity\nbake,labour,0.2\n",
        "resources.csv": None, "needs.csv": None, "economy.toml": None})).economy
    folder = write_bundle(original, tmp_path / "out")
    assert (folder / "products.csv").read_text().splitlines()[0] == '"id","kind"'
    assert not (folder / "economy.toml").exists()
    assert same_economy(read_bundle(folder).economy, original)


# A property: any small economy survives CSV -> read -> write (CSV and Parquet) -> read


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return stream.getvalue()


names = st.one_of(st.none(), st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"),
                                                   include_characters=',"\n'), max_size=6))
# 0, or a positive amount in the range validation accepts (1e-12 to 1e15, docs/bundle.md)
amounts = st.one_of(st.just(0.0), st.floats(1e-12, 1e6))


@st.composite
def small_bundles(draw) -> dict[str, str]:
    goods = draw(st.integers(1, 5))
    kinds = ["good"] * goods + ["labour"] + draw(st.lists(st.just("resource"), max_size=2))
    ids = draw(st.lists(st.text("abcxyz_-é ,", min_size=1, max_size=5), min_size=len(kinds),
                        max_size=len(kinds), unique=True))
    products = [[i, draw(names), draw(names), kind, draw(st.sampled_from(["", "true", "False"]))]
                for i, kind in zip(ids, kinds, strict=True)]
    makes = list(range(goods)) + draw(st.lists(st.integers(0, goods - 1), max_size=3))
    techniques = [[f"t{k}", ids[p], draw(st.floats(0.5, 4)), draw(st.one_of(st.none(), amounts)),
                   draw(names)] for k, p in enumerate(makes)]
    inputs = []
    for k in range(len(makes)):  # produced inputs below yield / goods: every choice is productive
        for p in draw(st.sets(st.integers(0, len(kinds) - 1), max_size=3)):
            bound = techniques[k][2] / goods * 0.9 if p < goods else 10.0
            inputs.append([f"t{k}", ids[p], draw(st.one_of(st.just(0.0), st.floats(1e-15, bound)))])
    resources = [[ids[p], draw(amounts)] for p in range(goods, len(kinds)) if draw(st.booleans())]
    needs = [[ids[draw(st.integers(0, goods - 1))], draw(amounts), draw(st.integers(1, 3))]
             for _ in range(draw(st.integers(0, 4)))]
    toml_name = draw(st.sampled_from(['"x"', '"an \\\\ \\"economy\\""', "'literal'"]))
    return {
        "products.csv": csv_text(["id", "name", "unit", "kind", "public"], products),
        "techniques.csv": csv_text(["id", "output", "yield", "capacity", "producer"], techniques),
        "inputs.csv": csv_text(["technique", "product", "quantity"], inputs),
        "resources.csv": csv_text(["product", "available"], resources),
        "needs.csv": csv_text(["product", "quantity", "priority"], needs),
        "economy.toml": f"name = {toml_name}\n",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_bundles())
def test_any_small_economy_reads_back_the_same_after_writing_it(tables):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        original = read_bundle(write_tables(root / "in", tables)).economy
        for format in ("csv", "parquet"):
            again = read_bundle(write_bundle(original, root / format, format=format)).economy
            assert same_economy(again, original)


def test_a_stray_byte_in_a_large_table_is_found_a_part_at_a_time(tmp_path, monkeypatch):
    """Naming where a file breaks UTF-8 never reads it whole (memory stays bounded)."""
    from commonplan.economy.source import BundleFile
    from commonplan.economy.tables import utf8_problem

    table = tmp_path / "products.csv"
    rows = b"".join(b"p%d,Product %d,good\n" % (k, k) for k in range(200_000))
    table.write_bytes(b"id,name,kind\n" + rows + b"last,Caf\xe9,good\n")
    monkeypatch.setattr(type(table), "read_bytes", lambda _self: pytest.fail("read whole"))
    problem = utf8_problem(BundleFile("products.csv", path=table))
    assert (problem.row, problem.column) == (200_002, "name")
    assert f"byte 0xE9 at offset {13 + len(rows) + 8}" in problem.message


def test_the_parts_of_needs_survive_a_round_trip(make_bundle, tmp_path):
    needs = "product,quantity,priority,part\nbread,10,1,investment\npark,100,2,public services\n"
    original = read_bundle(make_bundle({"needs.csv": needs})).economy
    for format in ("csv", "parquet"):
        again = read_bundle(write_bundle(original, tmp_path / format, format=format)).economy
        assert again.needs.part_of_rows().tolist() == [1, 2]
