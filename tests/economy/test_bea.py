"""Importing BEA make and use tables: checked against a dense computation straight from the CSVs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commonplan.economy.bea import DEFAULT_HOURLY_COMPENSATION, BeaTableError, import_bea, part_of_final_use
from commonplan.economy.model import Economy, Kind, Part

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "bea2017"
DETAIL_USE = DATA / "Detail_Use_2017_producer_prices_before_redefinitions.csv"
DETAIL_MAKE = DATA / "Detail_Make_2017_before_redefinitions.csv"
SUMMARY_USE = DATA / "Summary_Use_2017_producer_prices_before_redefinitions.csv"
SUMMARY_MAKE = DATA / "Summary_Make_2017_before_redefinitions.csv"
NOT_PRODUCTS = {"S00401", "S00402", "S00300", "S00900", "Used", "Other"}  # the data README

needs_data = pytest.mark.skipif(not DETAIL_USE.is_file(), reason=f"no BEA data in {DATA}")
needs_analysis = pytest.mark.skipif(
    importlib.util.find_spec("commonplan.analysis.values") is None
    or importlib.util.find_spec("commonplan.analysis.requirements") is None,
    reason="labour values and gross requirements are not written yet",
)


def dense_reference(level: str, h: float = DEFAULT_HOURLY_COMPENSATION) -> dict[str, object]:
    """A, l and y computed densely with pandas, straight from the CSVs and the code lists."""
    use = pd.read_csv(DATA / f"{level}_Use_2017_producer_prices_before_redefinitions.csv",
                      index_col=0)
    make = pd.read_csv(DATA / f"{level}_Make_2017_before_redefinitions.csv", index_col=0)
    commodity_list = pd.read_csv(DATA / f"{level}_CommodityCodeName_2017.csv").iloc[:, 1]
    industries = list(pd.read_csv(DATA / f"{level}_IndustryCodeName_2017.csv").iloc[:, 1])
    all_commodities = list(commodity_list)
    commodities = [code for code in all_commodities if code not in NOT_PRODUCTS]
    cells = make.loc[industries, all_commodities]
    g = cells.sum(axis=1).to_numpy()
    q = cells.sum(axis=0)[commodities].to_numpy()
    b = use.loc[commodities, industries].to_numpy() / g
    d = make.loc[industries, commodities].to_numpy() / q
    a = b @ d
    compensation = use.loc["V00100" if level == "Detail" else "V001", industries].to_numpy()
    labour = 1e6 / h * (compensation / g) @ d
    final = [column for column in use.columns if column.startswith("F")]
    y = use.loc[commodities, final].sum(axis=1).to_numpy()
    return {"commodities": commodities, "a": a, "l": labour, "y": y, "q": q,
            "hours": compensation.sum() * 1e6 / h}


def coefficients(economy: Economy) -> tuple[np.ndarray, np.ndarray]:
    """The importer's A (produced x techniques) and labour row, dense."""
    dense = economy.inputs.toarray()
    labour = list(economy.products.ids.to_pylist()).index("labour")
    return np.delete(dense, labour, axis=0), dense[labour]


@pytest.fixture(scope="module")
def detail() -> tuple[Economy, list[str]]:
    if not DETAIL_USE.is_file():
        pytest.skip(f"no BEA data in {DATA}")
    return import_bea(DETAIL_USE, DETAIL_MAKE)


@needs_data
def test_detail_tables_give_one_technique_per_commodity(detail: tuple[Economy, list[str]]) -> None:
    economy, _ = detail
    expected = dense_reference("Detail")["commodities"]
    ids = economy.products.ids.to_pylist()
    assert ids == [*expected, "labour"]
    assert len(expected) == 398
    assert economy.techniques.ids.to_pylist() == expected
    assert list(economy.techniques.outputs) == list(range(398))
    assert np.all(economy.techniques.yields == 1)
    assert np.all(np.isinf(economy.techniques.capacities))
    assert not NOT_PRODUCTS & set(ids)


@needs_data
def test_products_are_goods_or_services_by_code_in_million_dollars(
    detail: tuple[Economy, list[str]],
) -> None:
    economy, _ = detail
    ids = economy.products.ids.to_pylist()
    units = economy.products.units.to_pylist()
    for position, code in enumerate(ids[:-1]):
        kind = Kind.GOOD if code[0] in "123" else Kind.SERVICE
        assert economy.products.kinds[position] == kind, code
        assert units[position] == "million USD"
    assert economy.products.kinds[-1] == Kind.LABOUR
    assert units[-1] == "hours"
    assert economy.products.names[0].as_py() == "Oilseed farming"


@needs_data
def test_detail_coefficients_and_labour_equal_a_dense_computation_from_the_csvs(
    detail: tuple[Economy, list[str]],
) -> None:
    economy, _ = detail
    reference = dense_reference("Detail")
    a, labour = coefficients(economy)
    np.testing.assert_allclose(a, np.maximum(reference["a"], 0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(labour, reference["l"], rtol=1e-12)


@needs_data
def test_summary_tables_work_too() -> None:
    economy, warnings = import_bea(SUMMARY_USE, SUMMARY_MAKE)
    reference = dense_reference("Summary")
    assert economy.techniques.ids.to_pylist() == reference["commodities"]
    assert len(economy.techniques) == 71
    a, labour = coefficients(economy)
    np.testing.assert_allclose(a, np.maximum(reference["a"], 0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(labour, reference["l"], rtol=1e-12)
    assert sum("negative direct requirement" in warning for warning in warnings) == int(
        (reference["a"] < 0).sum()
    )
    assert economy.products.names[0].as_py() == "Farms"


@needs_data
def test_the_27_negative_coefficients_of_the_detail_table_are_reported_and_set_to_zero(
    detail: tuple[Economy, list[str]],
) -> None:
    economy, warnings = detail
    reference = dense_reference("Detail")
    listed = [warning for warning in warnings if "negative direct requirement" in warning]
    assert len(listed) == 27
    commodities = reference["commodities"]
    for i, c in zip(*np.nonzero(reference["a"] < 0), strict=True):
        assert any(f"of {commodities[i]} per unit of {commodities[c]} " in warning
                   for warning in listed)
    assert economy.inputs.data.min() > 0


@needs_data
def test_needs_are_the_positive_net_final_demand(detail: tuple[Economy, list[str]]) -> None:
    economy, _ = detail
    y = dense_reference("Detail")["y"]
    np.testing.assert_allclose(economy.needs.total(len(economy.products))[:-1],
                               np.maximum(y, 0), rtol=1e-12)
    assert np.all(economy.needs.quantities > 0)
    assert np.all(economy.needs.priorities == 1)


@pytest.mark.parametrize(("code", "part"), [
    ("F01000", Part.CONSUMPTION), ("F02E00", Part.INVESTMENT), ("F030", Part.INVESTMENT),
    ("F04000", None), ("F050", None), ("F06C00", Part.PUBLIC_SERVICES), ("F10S", Part.INVESTMENT),
    ("F07C", Part.PUBLIC_SERVICES)])
def test_each_final_use_serves_a_part_of_the_economy(code: str, part: Part | None) -> None:
    assert part_of_final_use(code) == part


@needs_data
def test_needs_are_divided_among_the_parts_as_the_domestic_final_uses(
        detail: tuple[Economy, list[str]]) -> None:
    economy, _ = detail
    ids = economy.products.ids.to_pylist()
    needs = economy.needs
    rows = {(ids[p], int(part)): q for p, part, q in zip(needs.products, needs.part_of_rows(),
                                                         needs.quantities, strict=True)}
    # hospitals (622000): bought by households and by governments, never invested in
    assert ("622000", Part.CONSUMPTION) in rows and ("622000", Part.INVESTMENT) not in rows
    # construction of manufacturing structures (233230) is investment alone
    assert {part for code, part in rows if code == "233230"} == {Part.INVESTMENT}
    assert {int(part) for part in needs.part_of_rows()} == {0, 1, 2}


@needs_data
def test_inputs_are_sparse_without_explicit_zeros(detail: tuple[Economy, list[str]]) -> None:
    economy, _ = detail
    assert economy.inputs.format == "csc"
    assert economy.inputs.shape == (399, 398)
    assert np.all(economy.inputs.data != 0)


@needs_data
def test_the_economy_states_its_source_and_hourly_compensation(
    detail: tuple[Economy, list[str]],
) -> None:
    info = detail[0].info
    assert info.period == "2017"
    assert "Bureau of Economic Analysis" in info.source
    assert "useeior" in info.source
    assert "35.28 USD per hour" in info.description
    assert "Employer Costs for Employee Compensation" in info.description


@needs_data
def test_labour_is_inversely_proportional_to_the_hourly_compensation(
    detail: tuple[Economy, list[str]],
) -> None:
    economy, _ = import_bea(DETAIL_USE, DETAIL_MAKE, hourly_compensation=70.56)
    _, halved = coefficients(economy)
    _, labour = coefficients(detail[0])
    np.testing.assert_allclose(halved, labour / 2, rtol=1e-12)
    assert "70.56 USD per hour" in economy.info.description


@needs_data
def test_the_imported_economy_writes_a_bundle_that_reads_back(
    detail: tuple[Economy, list[str]], tmp_path: Path,
) -> None:
    from commonplan.economy.bundle import read_bundle, write_bundle

    write_bundle(detail[0], tmp_path / "us")
    loaded = read_bundle(tmp_path / "us").economy
    assert loaded.products.ids.to_pylist() == detail[0].products.ids.to_pylist()
    np.testing.assert_allclose(loaded.inputs.toarray(), detail[0].inputs.toarray(), rtol=1e-15)
    assert loaded.info == detail[0].info


# --- bad input -------------------------------------------------------------------------------


@needs_data
def test_a_use_table_without_the_compensation_row_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    use = tmp_path / "use.csv"
    lines = DETAIL_USE.read_text().splitlines(keepends=True)
    use.write_text("".join(line for line in lines if not line.startswith("V00100,")))
    with pytest.raises(BeaTableError, match=r"use\.csv.*V00100"):
        import_bea(use, DETAIL_MAKE)


@pytest.mark.parametrize("content", ["hello, world\n", "", "\x00\xff\xfe garbage", "a,b\nc,d\n"])
def test_a_garbage_file_is_refused_naming_the_file(tmp_path: Path, content: str) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(content.encode("latin-1"))
    make = tmp_path / "make.csv"
    make.write_text(",C1,T008\nI1,1,1\n")
    with pytest.raises(BeaTableError, match=r"garbage\.csv"):
        import_bea(garbage, make)
    with pytest.raises(BeaTableError, match=r"garbage\.csv"):
        import_bea(tiny_use(tmp_path), garbage)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(BeaTableError, match=r"nowhere\.csv: no such file"):
        import_bea(tmp_path / "nowhere.csv", tiny_make(tmp_path))


def test_a_non_number_in_a_cell_is_refused_naming_file_row_and_column(tmp_path: Path) -> None:
    use = tmp_path / "use.csv"
    use.write_text(tiny_use(tmp_path).read_text().replace("C2,5,", "C2,five,"))
    with pytest.raises(BeaTableError, match=r"use\.csv:3:I1: not a number"):
        import_bea(use, tiny_make(tmp_path))


def test_swapped_make_and_use_tables_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BeaTableError, match=r"use\.csv: not a make table"):
        import_bea(tiny_make(tmp_path), tiny_use(tmp_path))


@needs_data
def test_tables_of_different_levels_are_refused_as_mismatched() -> None:
    with pytest.raises(BeaTableError, match="do not describe the same"):
        import_bea(DETAIL_USE, SUMMARY_MAKE)


def test_a_nonpositive_hourly_compensation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BeaTableError, match="hourly compensation"):
        import_bea(tiny_use(tmp_path), tiny_make(tmp_path), hourly_compensation=0)


# --- a table small enough to check by hand ----------------------------------------------------


def tiny_use(folder: Path) -> Path:
    path = folder / "use.csv"
    path.write_text(
        ",I1,I2,T001,F010,F040,NA\n"
        "C1,10,20,30,80,-10,100\n"
        "C2,5,0,5,95,0,100\n"
        "Used,1,0,1,-1,0,0\n"
        "V001,50,30,80,,,\n"
        "T008,100,60,160,,,\n"
    )
    return path


def tiny_make(folder: Path) -> Path:
    path = folder / "make.csv"
    path.write_text(",C1,C2,Used,T008\nI1,90,9,1,100\nI2,0,60,0,60\nT007,90,69,1,160\n")
    return path


def test_a_hand_computed_table_gives_the_textbook_coefficients(tmp_path: Path) -> None:
    economy, warnings = import_bea(tiny_use(tmp_path), tiny_make(tmp_path), hourly_compensation=1)
    g, q = np.array([100.0, 60.0]), np.array([90.0, 69.0])
    b = np.array([[10, 20], [5, 0]]) / g
    d = np.array([[90, 9], [0, 60]]) / q
    a, labour = coefficients(economy)
    np.testing.assert_allclose(a, b @ d, rtol=1e-15)
    np.testing.assert_allclose(labour, 1e6 * np.array([0.5, 0.5]) @ d, rtol=1e-15)
    assert economy.products.ids.to_pylist() == ["C1", "C2", "labour"]
    np.testing.assert_allclose(economy.needs.quantities, [70, 95])
    assert warnings == []
    assert economy.products.names.to_pylist() == [None, None, "Labour"]


def test_a_name_column_in_the_use_table_names_the_products(tmp_path: Path) -> None:
    use = tmp_path / "use.csv"
    rows = tiny_use(tmp_path).read_text().splitlines()
    names = ["Name", "Wheat", "Bread", "Used goods", "Compensation", "Total"]
    use.write_text("\n".join(
        f"{row.split(',', 1)[0]},{name},{row.split(',', 1)[1]}"
        for row, name in zip(rows, names, strict=True)
    ) + "\n")
    economy, _ = import_bea(use, tiny_make(tmp_path))
    assert economy.products.names.to_pylist() == ["Wheat", "Bread", "Labour"]


def test_a_table_saved_by_excel_reads_the_same(tmp_path: Path) -> None:
    plain, _ = import_bea(tiny_use(tmp_path), tiny_make(tmp_path))
    use = tmp_path / "excel_use.csv"
    text = tiny_use(tmp_path).read_text().replace("C2,5,0,5,95,0,100", 'C2,5,...,5,95,,"1,00"')
    rows = text.splitlines()
    rows = [f"{row.split(',', 1)[0]},{name},{row.split(',', 1)[1]}"
            for row, name in zip(rows, ["", "Caf\u00e9", "Bread", "Used", "Pay", "Total"],
                                 strict=True)]
    use.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    economy, _ = import_bea(use, tiny_make(tmp_path))
    np.testing.assert_array_equal(economy.inputs.toarray(), plain.inputs.toarray())
    assert economy.products.names.to_pylist()[0] == "Caf\u00e9"


# --- labour values and gross requirements of the BEA economy ----------------------------------


@needs_data
@needs_analysis
def test_labour_values_equal_a_dense_l_times_the_leontief_inverse(
    detail: tuple[Economy, list[str]],
) -> None:
    from commonplan.analysis.values import labour_values

    economy, _ = detail
    a, labour = coefficients(economy)
    expected = np.linalg.solve((np.eye(len(labour)) - a).T, labour)
    values = labour_values(economy)
    assert list(values.products) == list(range(len(labour)))
    np.testing.assert_allclose(values.hours, expected, rtol=1e-9)


@needs_data
@needs_analysis
def test_the_labour_of_the_final_demand_is_its_value(detail: tuple[Economy, list[str]]) -> None:
    from commonplan.analysis.requirements import gross_requirements
    from commonplan.analysis.values import labour_values

    economy, _ = detail
    y = economy.needs.total(len(economy.products))
    values = labour_values(economy)
    requirements = gross_requirements(economy)
    labour = list(economy.primary).index(len(economy.products) - 1)
    assert requirements.use[labour] == pytest.approx(values.hours @ y[values.products], rel=1e-9)


# --- the built-in economy and the demo --------------------------------------------------------


def test_the_builtin_bundle_reads_back_without_problems() -> None:
    from commonplan.economy.builtin import builtin_bundle_path, builtin_reference
    from commonplan.economy.bundle import read_bundle

    loaded = read_bundle(builtin_bundle_path())
    economy = loaded.economy
    assert (len(economy.products), len(economy.techniques)) == (399, 398)
    assert loaded.warnings == [
        "labour product 'labour' has no row in resources: its availability is unlimited"
    ]
    assert economy.info.period == "2017"
    assert "35.28" in economy.info.description
    reference = builtin_reference()
    assert reference["final_demand_million_usd"] == pytest.approx(economy.needs.quantities.sum())
    assert reference["negative_coefficients"] == 27


@needs_data
def test_the_build_script_reproduces_the_shipped_bundle(tmp_path: Path) -> None:
    from commonplan.economy.builtin import builtin_bundle_path

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_us2017.py"
    spec = importlib.util.spec_from_file_location("build_us2017", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(DATA, tmp_path)
    shipped = builtin_bundle_path()
    built = sorted(path.name for path in tmp_path.iterdir())
    assert built == sorted(path.name for path in shipped.iterdir() if path.name != "README.md")
    for name in built:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


@needs_data
def test_the_builtin_bundle_holds_the_imported_detail_economy(
    detail: tuple[Economy, list[str]],
) -> None:
    from commonplan.economy.builtin import builtin_bundle_path
    from commonplan.economy.bundle import read_bundle

    shipped = read_bundle(builtin_bundle_path()).economy
    assert shipped.products.ids.to_pylist() == detail[0].products.ids.to_pylist()
    np.testing.assert_allclose(shipped.inputs.toarray(), detail[0].inputs.toarray(), rtol=1e-15)
    assert shipped.info == detail[0].info


@needs_analysis
def test_the_demo_prints_the_size_the_top_products_and_the_agreement_with_the_tables() -> None:
    from rich.console import Console

    from commonplan.cli.demo import run_demo

    console = Console(record=True, width=120)
    run_demo(console)
    text = console.export_text()
    assert "input coefficients" in text and "85,830" in text
    assert "Private households" in text
    assert "gross output, million USD" in text and "+2.13%" in text
    assert "labour, billion hours" in text and "+1.44%" in text
