"""Every bad input of SPEC section 1 is reported as ``FILE:ROW:COLUMN: message``, all in one run.

Rows count the header as row 1; each test checks the exact places reported, so a cell reported
twice, or a problem hiding another, fails too.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonplan.economy.bundle import read_bundle, read_needs
from commonplan.economy.problems import BundleError, Problem
from tests.factories import BAKERY, lines_of, problems_of, write_tables, write_zip


def places(problems: list[Problem]) -> list[tuple[str, int | None, str | None]]:
    return sorted(((p.file, p.row, p.column) for p in problems), key=repr)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# Where the bundle is


def test_a_missing_bundle_path_is_reported_by_its_name(tmp_path):
    problem = only(problems_of(tmp_path / "nowhere"))
    assert problem.file == str(tmp_path / "nowhere")
    assert problem.row is None and problem.column is None
    assert "no such file or folder" in problem.message


def test_a_file_that_is_neither_a_folder_nor_a_zip_is_reported(tmp_path):
    (tmp_path / "economy.txt").write_text("products,techniques\n")
    assert lines_of(tmp_path / "economy.txt") == [
        f"{tmp_path / 'economy.txt'}: is neither a folder nor a zip file"]


def test_a_corrupt_zip_is_reported(tmp_path):
    whole = write_zip(tmp_path / "whole.zip", BAKERY).read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) // 2])
    problem = only(problems_of(tmp_path / "cut.zip"))
    assert problem.file == str(tmp_path / "cut.zip")
    assert "cannot read the zip file" in problem.message


def test_a_zip_whose_member_is_damaged_is_reported(tmp_path):
    whole = bytearray(write_zip(tmp_path / "whole.zip", {"products.csv": "id,kind\n" * 50,
                                                         **BAKERY}).read_bytes())
    whole[60:70] = b"\xff" * 10  # inside the first member's data: its checksum fails
    (tmp_path / "damaged.zip").write_bytes(bytes(whole))
    problem = only(problems_of(tmp_path / "damaged.zip"))
    assert "cannot read the zip file" in problem.message


def test_a_zip_with_no_bundle_inside_is_reported(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("README.txt", "nothing here")
        archive.writestr("a/b/products.csv", "id,kind\n")  # two folders down: not a bundle
    problem = only(problems_of(tmp_path / "empty.zip"))
    assert problem.file == str(tmp_path / "empty.zip")
    assert "holds no bundle" in problem.message


def test_a_zip_with_tables_in_two_top_level_folders_is_reported(tmp_path):
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        for folder in ("first/", "second/"):
            for name, text in BAKERY.items():
                archive.writestr(folder + name, text)
    problem = only(problems_of(tmp_path / "two.zip"))
    assert "several top-level folders" in problem.message


# Which tables there are


def test_a_missing_required_table_is_reported_by_its_file_name(make_bundle):
    problem = only(problems_of(make_bundle({"inputs.csv": None})))
    assert (problem.file, problem.row, problem.column) == ("inputs.csv", None, None)
    assert "missing" in problem.message


def test_every_missing_required_table_is_reported(tmp_path):
    folder = write_tables(tmp_path / "b", {"needs.csv": BAKERY["needs.csv"]})
    assert places(problems_of(folder)) == places(
        [Problem(f"{name}.csv", "") for name in ("inputs", "products", "techniques")])


def test_a_missing_optional_table_means_no_rows(make_bundle):
    economy = read_bundle(make_bundle({"needs.csv": None, "resources.csv": None})).economy
    assert len(economy.needs) == 0


def test_a_table_both_as_csv_and_as_parquet_is_reported(make_bundle):
    folder = make_bundle()
    pq.write_table(pa.table({"id": ["bread"], "kind": ["good"]}), folder / "products.parquet")
    problem = only(problems_of(folder))
    assert problem.file == "products.csv"
    assert "products.csv and products.parquet" in problem.message


# Headers


def test_a_misspelt_column_is_reported_in_the_header_row(make_bundle):
    techniques = BAKERY["techniques.csv"].replace("capacity", "capacty")
    problem = only(problems_of(make_bundle({"techniques.csv": techniques})))
    assert (problem.file, problem.row, problem.column) == ("techniques.csv", 1, "capacty")
    assert "unknown column 'capacty'" in problem.message


def test_a_missing_required_column_is_reported_by_name(make_bundle):
    problem = only(problems_of(make_bundle({"inputs.csv": "technique,product\nbake,wheat\n"})))
    assert (problem.file, problem.row) == ("inputs.csv", 1)
    assert "missing required column 'quantity'" in problem.message


def test_a_column_given_twice_is_reported(make_bundle):
    problem = only(problems_of(make_bundle({"resources.csv": "product,available,available\n"
                                                              "land,1,2\n"})))
    assert (problem.file, problem.row, problem.column) == ("resources.csv", 1, "available")
    assert "twice" in problem.message


def test_an_empty_file_is_reported_as_empty(make_bundle):
    problem = only(problems_of(make_bundle({"needs.csv": ""})))
    assert str(problem) == "needs.csv: is empty: a header row is required"


def test_an_empty_required_file_is_reported_as_empty(make_bundle):
    assert lines_of(make_bundle({"techniques.csv": b""})) == [
        "techniques.csv: is empty: a header row is required"]


def test_an_optional_table_with_only_a_header_has_no_rows(make_bundle):
    loaded = read_bundle(make_bundle({"needs.csv": "product,quantity\n",
                                      "resources.csv": "product,available\n"}))
    assert len(loaded.economy.needs) == 0
    assert len(loaded.warnings) == 2  # labour and land are now unlimited


def test_a_products_table_with_only_a_header_leaves_every_reference_unknown(make_bundle):
    problems = problems_of(make_bundle({"products.csv": "id,kind\n"}))
    assert ("techniques.csv", 2, "output") in places(problems)
    assert {p.file for p in problems} == {"techniques.csv", "inputs.csv", "resources.csv",
                                          "needs.csv"}
    assert all("unknown product" in p.message for p in problems)


# Rows and cells


def test_a_row_with_too_many_or_too_few_fields_is_reported_by_row(make_bundle):
    inputs = "technique,product,quantity\nbake,wheat,0.5,9\nbake,labour\ngrow,labour,1\n"
    problems = problems_of(make_bundle({"inputs.csv": inputs}))
    assert [str(p) for p in problems] == ["inputs.csv:2: has 4 fields, the header has 3",
                                          "inputs.csv:3: has 2 fields, the header has 3"]


def test_invalid_utf8_is_reported_with_its_row_and_column(make_bundle):
    products = BAKERY["products.csv"].encode().replace(b"Wheat", b"Wh\xe9at")
    problem = only(problems_of(make_bundle({"products.csv": products})))
    assert (problem.file, problem.row, problem.column) == ("products.csv", 3, "name")
    assert "UTF-8" in problem.message


def test_invalid_utf8_far_into_a_large_file_is_reported_with_its_row(make_bundle):
    rows = "".join(f"extra{i},Extra,kg,good,\n" for i in range(30_000))
    products = BAKERY["products.csv"] + rows + "last,\xc4pfel,kg,good,\n"
    problem = only(problems_of(make_bundle({"products.csv": products.encode("latin-1")})))
    assert (problem.file, problem.row, problem.column) == ("products.csv", 30_007, "name")


def test_invalid_utf8_in_the_header_is_reported_in_row_1(make_bundle):
    problem = only(problems_of(make_bundle({"needs.csv": b"product,quant\xffity\nbread,1\n"})))
    assert (problem.file, problem.row, problem.column) == ("needs.csv", 1, None)


def test_text_where_a_number_belongs_is_reported_and_quoted(make_bundle):
    inputs = BAKERY["inputs.csv"].replace("bake,wheat,0.5", "bake,wheat,half")
    assert lines_of(make_bundle({"inputs.csv": inputs})) == [
        "inputs.csv:2:quantity: 'half' is not a number"]


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e999", "-1e999"])
def test_a_number_that_is_not_finite_is_reported_once(make_bundle, value):
    inputs = BAKERY["inputs.csv"].replace("grow,labour,1", f"grow,labour,{value}")
    assert lines_of(make_bundle({"inputs.csv": inputs})) == [
        "inputs.csv:4:quantity: is not a finite number"]


def test_negative_quantities_yields_capacities_and_availabilities_are_reported(make_bundle):
    problems = problems_of(make_bundle({
        "inputs.csv": BAKERY["inputs.csv"].replace("bake,labour,0.2", "bake,labour,-0.2"),
        "techniques.csv": BAKERY["techniques.csv"].replace("grow,wheat,2,100", "grow,wheat,-2,-100"),
        "resources.csv": "product,available\nlabour,-1\nland,-1e-3\n",
        "needs.csv": "product,quantity\nbread,-5\n",
    }))
    assert places(problems) == places([
        Problem("inputs.csv", "", 3, "quantity"), Problem("techniques.csv", "", 3, "yield"),
        Problem("techniques.csv", "", 3, "capacity"), Problem("resources.csv", "", 2, "available"),
        Problem("resources.csv", "", 3, "available"), Problem("needs.csv", "", 2, "quantity")])
    assert [p.message for p in problems] == [
        "must be > 0, not -2", "must be >= 0, not -100", "must be >= 0, not -0.2", "must be >= 0, not -1",
        "must be >= 0, not -0.001", "must be >= 0, not -5"]


def test_a_yield_of_zero_is_reported(make_bundle):
    techniques = BAKERY["techniques.csv"].replace("bake,bread,1,", "bake,bread,0,")
    assert lines_of(make_bundle({"techniques.csv": techniques})) == [
        "techniques.csv:2:yield: must be > 0, not 0"]


def test_zero_quantities_and_capacities_are_allowed(make_bundle):
    techniques = BAKERY["techniques.csv"].replace("grow,wheat,2,100", "grow,wheat,2,0")
    inputs = BAKERY["inputs.csv"].replace("grow,land,0.1", "grow,land,0")
    read_bundle(make_bundle({"techniques.csv": techniques, "inputs.csv": inputs}))


def test_a_blank_required_number_is_reported(make_bundle):
    problems = problems_of(make_bundle({
        "inputs.csv": BAKERY["inputs.csv"].replace("grow,land,0.1", "grow,land,"),
        "resources.csv": "product,available\nlabour, \n",
        "needs.csv": "product,quantity,priority\nbread,,1\n",
    }))
    assert sorted(map(str, problems)) == ["inputs.csv:5:quantity: a number is required",
                                          "needs.csv:2:quantity: a number is required",
                                          "resources.csv:2:available: a number is required"]


def test_blank_yield_capacity_and_priority_take_their_defaults(make_bundle):
    economy = read_bundle(make_bundle({
        "techniques.csv": "id,output,yield,capacity\nbake,bread,,\ngrow,wheat,2,\ntend,park,,\n",
        "needs.csv": "product,quantity,priority\nbread,3,\n",
    })).economy
    assert economy.techniques.yields.tolist() == [1.0, 2.0, 1.0]
    assert economy.techniques.capacities.tolist() == [float("inf")] * 3
    assert economy.needs.priorities.tolist() == [1]


# Ids


def test_unknown_ids_are_reported_in_every_table_that_refers_to_them(make_bundle):
    problems = problems_of(make_bundle({
        "techniques.csv": BAKERY["techniques.csv"] + "mill,flour,1,,\n",
        "inputs.csv": BAKERY["inputs.csv"] + "knead,labour,1\nbake,salt,1\n",
        "resources.csv": BAKERY["resources.csv"] + "water,5\n",
        "needs.csv": BAKERY["needs.csv"] + "cake,1,1\n",
    }))
    assert places(problems) == places([
        Problem("techniques.csv", "", 5, "output"), Problem("inputs.csv", "", 7, "technique"),
        Problem("inputs.csv", "", 8, "product"), Problem("resources.csv", "", 4, "product"),
        Problem("needs.csv", "", 5, "product")])
    messages = {str(p) for p in problems}
    assert "techniques.csv:5:output: unknown product 'flour'" in messages
    assert "inputs.csv:7:technique: unknown technique 'knead'" in messages


def test_ids_are_compared_exactly(make_bundle):
    inputs = BAKERY["inputs.csv"].replace("bake,wheat", "bake,Wheat")
    assert lines_of(make_bundle({"inputs.csv": inputs})) == [
        "inputs.csv:2:product: unknown product 'Wheat'"]


def test_duplicate_ids_are_reported_with_the_first_row(make_bundle):
    problems = problems_of(make_bundle({
        "products.csv": BAKERY["products.csv"] + "wheat,Other wheat,kg,good,\n",
        "techniques.csv": BAKERY["techniques.csv"] + "bake,bread,1,,\n",
    }))
    assert sorted(map(str, problems)) == [
        "products.csv:7:id: id 'wheat' appears again (first at row 3)",
        "techniques.csv:5:id: id 'bake' appears again (first at row 2)"]


def test_a_product_and_a_technique_may_share_an_id(make_bundle):
    techniques = BAKERY["techniques.csv"].replace("bake,", "bread,")
    inputs = BAKERY["inputs.csv"].replace("bake,", "bread,")
    read_bundle(make_bundle({"techniques.csv": techniques, "inputs.csv": inputs}))


def test_an_empty_id_is_reported(make_bundle):
    problems = problems_of(make_bundle({
        "products.csv": BAKERY["products.csv"] + ",Nothing,kg,good,\n",
        "techniques.csv": BAKERY["techniques.csv"] + ",bread,1,,\n",
    }))
    assert sorted(map(str, problems)) == ["products.csv:7:id: empty id",
                                          "techniques.csv:5:id: empty id"]


def test_a_bad_kind_is_reported(make_bundle):
    products = BAKERY["products.csv"].replace("land,Land,ha,resource", "land,Land,ha,nature")
    assert lines_of(make_bundle({"products.csv": products})) == [
        "products.csv:5:kind: 'nature' is not a kind (good, service, labour or resource)"]


def test_a_bad_boolean_is_reported(make_bundle):
    products = BAKERY["products.csv"].replace("park,Park,visit,service,true",
                                              "park,Park,visit,service,yes")
    assert lines_of(make_bundle({"products.csv": products})) == [
        "products.csv:6:public: 'yes' is not true or false"]


def test_a_priority_must_be_a_whole_number_of_at_least_1(make_bundle):
    needs = "product,quantity,priority\nbread,1,0\nbread,1,-1\nbread,1,1.5\nbread,1,high\nbread,1,3\n"
    problems = problems_of(make_bundle({"needs.csv": needs}))
    assert places(problems) == [("needs.csv", row, "priority") for row in (2, 3, 4, 5)]
    assert {p.message for p in problems} == {"must be a whole number of at least 1"}


def test_a_huge_priority_is_reported_not_a_crash(make_bundle):
    needs = "product,quantity,priority\nbread,1,123456789012345678901234567890\n"
    assert lines_of(make_bundle({"needs.csv": needs})) == [
        "needs.csv:2:priority: must be at most 9007199254740992"]


def test_huge_whole_numbers_in_parquet_are_read_without_a_crash(make_bundle):
    folder = make_bundle({"needs.csv": None})
    pq.write_table(pa.table({"product": ["bread", "bread"], "quantity": [2**62 + 1, 1],
                             "priority": [1, 2**62 + 1]}), folder / "needs.parquet")
    assert lines_of(folder) == [
        "needs.parquet:2:quantity: 4.61168601842739e+18 is too large: at most 1e+15, so that a solve keeps "
        "its accuracy (change the unit)",
        "needs.parquet:3:priority: must be at most 9007199254740992"]


# What may refer to what


def test_labour_or_a_resource_as_the_output_of_a_technique_is_reported(make_bundle):
    techniques = BAKERY["techniques.csv"] + "train,labour,1,,\nquarry,land,1,,\n"
    problems = problems_of(make_bundle({"techniques.csv": techniques}))
    assert [str(p) for p in problems] == [
        "techniques.csv:5:output: 'labour' is a labour product; technique 'train' cannot make it "
        "(a labour product is never the output of a technique)",
        "techniques.csv:6:output: 'land' is a resource product; technique 'quarry' cannot make it "
        "(a resource product is never the output of a technique)"]


def test_a_resources_row_naming_a_good_is_reported(make_bundle):
    resources = BAKERY["resources.csv"] + "bread,10\n"
    assert lines_of(make_bundle({"resources.csv": resources})) == [
        "resources.csv:4:product: 'bread' is a good, not labour or a resource: only those have an "
        "availability"]


def test_a_needs_row_naming_labour_is_reported(make_bundle):
    needs = BAKERY["needs.csv"] + "labour,10,1\n"
    assert lines_of(make_bundle({"needs.csv": needs})) == [
        "needs.csv:5:product: 'labour' is labour, not a good or service: only those are needed"]


def test_a_good_used_as_an_input_or_needed_without_a_technique_is_reported(make_bundle):
    problems = problems_of(make_bundle({
        "products.csv": BAKERY["products.csv"] + "salt,Salt,kg,good,\nmusic,Music,hour,service,\n",
        "inputs.csv": BAKERY["inputs.csv"] + "bake,salt,0.01\n",
        "needs.csv": BAKERY["needs.csv"] + "music,5,2\n",
    }))
    assert [str(p) for p in problems] == [
        "products.csv:7:id: 'salt' is used as an input but no technique makes it",
        "products.csv:8:id: 'music' is needed but no technique makes it"]


def test_a_good_nobody_uses_or_needs_may_have_no_technique(make_bundle):
    read_bundle(make_bundle({"products.csv": BAKERY["products.csv"] + "gold,Gold,g,good,\n"}))


def test_a_duplicate_technique_and_product_pair_in_inputs_is_reported(make_bundle):
    inputs = BAKERY["inputs.csv"] + "bake,wheat,0.1\n"
    assert lines_of(make_bundle({"inputs.csv": inputs})) == [
        "inputs.csv:7:product: (technique, product) pair ('bake', 'wheat') appears again (first at row 2)"]


def test_a_second_resources_row_for_one_product_is_reported(make_bundle):
    resources = BAKERY["resources.csv"] + "labour,20\n"
    assert lines_of(make_bundle({"resources.csv": resources})) == [
        "resources.csv:4:product: a second row for product 'labour' (first at row 2)"]


def test_several_needs_rows_for_one_product_and_priority_add_up(make_bundle):
    economy = read_bundle(make_bundle({"needs.csv": BAKERY["needs.csv"] + "bread,2,1\n"})).economy
    assert economy.needs.total(len(economy.products))[0] == 17


# Productiveness


def test_a_technique_consuming_more_of_its_output_than_it_makes_is_not_productive(make_bundle):
    inputs = BAKERY["inputs.csv"] + "bake,bread,2\n"
    problem = only(problems_of(make_bundle({"inputs.csv": inputs})))
    assert (problem.file, problem.row, problem.column) == ("products.csv", 2, "id")
    assert "not productive" in problem.message and "'bread'" in problem.message
    assert "'wheat'" not in problem.message


def test_a_two_product_loop_consuming_more_than_it_makes_is_named_by_its_products(make_bundle):
    inputs = BAKERY["inputs.csv"].replace("bake,wheat,0.5", "bake,wheat,3") + "grow,bread,1\n"
    problem = only(problems_of(make_bundle({"inputs.csv": inputs})))
    assert "not productive" in problem.message
    assert "'bread', 'wheat'" in problem.message
    assert "'park'" not in problem.message


def test_a_technique_making_exactly_what_it_consumes_is_not_productive(make_bundle):
    inputs = BAKERY["inputs.csv"] + "tend,park,1\n"
    problem = only(problems_of(make_bundle({"inputs.csv": inputs})))
    assert "'park'" in problem.message


def test_a_productive_economy_with_an_unproductive_alternative_technique_is_fine(make_bundle):
    loaded = read_bundle(make_bundle({
        "techniques.csv": BAKERY["techniques.csv"] + "waste,bread,1,,\n",
        "inputs.csv": BAKERY["inputs.csv"] + "waste,bread,2\nwaste,labour,1\n",
    }))
    assert len(loaded.economy.techniques) == 4


# Metadata


def test_an_unknown_key_in_economy_toml_is_reported(make_bundle):
    toml = BAKERY["economy.toml"] + 'colour = "red"\n'
    problem = only(problems_of(make_bundle({"economy.toml": toml})))
    assert problem.file == "economy.toml"
    assert "unknown key 'colour'" in problem.message


def test_invalid_toml_is_reported(make_bundle):
    problem = only(problems_of(make_bundle({"economy.toml": "name = \n"})))
    assert problem.file == "economy.toml"
    assert "not valid TOML" in problem.message


# All in one run


def test_several_problems_in_several_files_are_all_reported_in_one_run(make_bundle):
    problems = problems_of(make_bundle({
        "products.csv": BAKERY["products.csv"].replace("good,false", "goods,false"),
        "techniques.csv": BAKERY["techniques.csv"].replace("grow,wheat,2", "grow,wheat,two"),
        "inputs.csv": BAKERY["inputs.csv"] + "bake,wheat,1\n",
        "resources.csv": "product,availble\nland,1\n",
        "needs.csv": BAKERY["needs.csv"] + "ghost,1,1\nbread,1,0\n",
        "economy.toml": "nam = 'x'\n",
    }))
    assert places(problems) == places([
        Problem("products.csv", "", 2, "kind"), Problem("techniques.csv", "", 3, "yield"),
        Problem("inputs.csv", "", 7, "product"), Problem("resources.csv", "", 1, "availble"),
        Problem("resources.csv", "", 1, None), Problem("needs.csv", "", 5, "product"),
        Problem("needs.csv", "", 6, "priority"), Problem("economy.toml", "")])


def test_a_bundle_error_prints_one_line_per_problem(make_bundle):
    folder = make_bundle({"needs.csv": BAKERY["needs.csv"] + "ghost,1,1\nbread,x,1\n"})
    with pytest.raises(BundleError) as caught:
        read_bundle(folder)
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]
    assert len(caught.value.problems) == 2


# Parquet rows


def test_a_parquet_problem_is_reported_at_the_record_number_plus_1(make_bundle):
    folder = make_bundle({"techniques.csv": None})
    pq.write_table(pa.table({"id": ["bake", "grow", "tend"], "output": ["bread", "wheat", "park"],
                             "yield": [1.0, float("nan"), -1.0],
                             "capacity": pa.array([None, 5, -3], pa.int64())}),
                   folder / "techniques.parquet")
    assert sorted(map(str, problems_of(folder))) == [
        "techniques.parquet:3:yield: is not a finite number",
        "techniques.parquet:4:capacity: must be >= 0, not -3",
        "techniques.parquet:4:yield: must be > 0, not -1"]


def test_a_bad_parquet_file_is_reported(make_bundle):
    folder = make_bundle({"needs.csv": None, "needs.parquet": b"PAR1 this is not parquet"})
    problem = only(problems_of(folder))
    assert problem.file == "needs.parquet"
    assert "is not a readable Parquet file" in problem.message


# A needs table given on its own (requirements --needs FILE)


def test_a_separate_needs_file_is_checked_and_its_problems_name_that_file(make_bundle, tmp_path):
    economy = read_bundle(make_bundle()).economy
    needs = tmp_path / "demand.csv"
    needs.write_text("product,quantity,priority\nbread,1,1\nghost,2,1\nlabour,3,1\nbread,-1,x\n")
    with pytest.raises(BundleError) as caught:
        read_needs(needs, economy)
    file = str(needs)
    assert places(caught.value.problems) == places([
        Problem(file, "", 3, "product"), Problem(file, "", 4, "product"),
        Problem(file, "", 5, "quantity"), Problem(file, "", 5, "priority")])


def test_a_separate_needs_file_naming_a_good_nobody_makes_is_reported(make_bundle, tmp_path):
    folder = make_bundle({"products.csv": BAKERY["products.csv"] + "gold,Gold,g,good,\n"})
    needs = tmp_path / "demand.csv"
    needs.write_text("product,quantity\nbread,1\ngold,1\n")
    with pytest.raises(BundleError) as caught:
        read_needs(needs, read_bundle(folder).economy)
    assert [str(p) for p in caught.value.problems] == [
        f"{needs}:3:product: 'gold' is needed but no technique makes it"]


def test_a_separate_needs_file_with_a_bad_header_or_no_file_is_reported(make_bundle, tmp_path):
    economy = read_bundle(make_bundle()).economy
    (tmp_path / "bad.csv").write_text("product,amount\nbread,1\n")
    with pytest.raises(BundleError) as caught:
        read_needs(tmp_path / "bad.csv", economy)
    assert {(p.file, p.row) for p in caught.value.problems} == {(str(tmp_path / "bad.csv"), 1)}
    with pytest.raises(BundleError) as caught:
        read_needs(tmp_path / "none.csv", economy)
    assert [str(p) for p in caught.value.problems] == [f"{tmp_path / 'none.csv'}: no such file"]


def test_a_separate_needs_file_may_be_parquet(make_bundle, tmp_path: Path):
    economy = read_bundle(make_bundle()).economy
    pq.write_table(pa.table({"product": ["park", "bread"], "quantity": [2.0, 3.0],
                             "priority": pa.array([1, 2], pa.int32())}), tmp_path / "n.parquet")
    needs = read_needs(tmp_path / "n.parquet", economy)
    assert needs.products.tolist() == [4, 0]
    assert needs.priorities.tolist() == [1, 2]


def test_a_part_must_be_a_part_of_the_economy_and_a_blank_one_is_consumption(make_bundle):
    needs = ("product,quantity,priority,part\nbread,1,1,Investment\nbread,1,1,\nbread,1,1,savings\n"
             "park,1,1, public services \n")
    assert lines_of(make_bundle({"needs.csv": needs})) == [
        "needs.csv:4:part: 'savings' is not a part of the economy (consumption, investment, public services)"]
    economy = read_bundle(make_bundle({"needs.csv": needs.replace("savings", "consumption")})).economy
    assert economy.needs.part_of_rows().tolist() == [1, 0, 0, 2]
    assert read_bundle(make_bundle()).economy.needs.parts is None  # no column: all consumption
