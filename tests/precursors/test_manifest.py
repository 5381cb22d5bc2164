"""Manifest screening: columns found, each row identified and classed, unreadable rows kept, totals."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from crystal_palace.chemistry.opsin import opsin_available
from crystal_palace.exceptions import InvalidInput
from crystal_palace.precursors.manifest import parse_number, quantity_kg
from crystal_palace.precursors.manifest_io import detect_columns, read_manifest
from crystal_palace.workflows.precursors import screen_manifest

BY_OPSIN = "none" if opsin_available() else "unknown"  # names outside the reference data: parsed when Java is there
MANIFEST = """Goods description;CAS No.;HS code;Net weight;UoM;Shipper;Importer
Acetone technical grade;67-64-1;29141100;200;kg;ChemCo;Alpha BV
BMK methyl glycidate;80532-66-7;29189990;500;kg;ChemCo;Alpha BV
Sodium chloride;7647-14-5;25010091;1000;kg;SaltCo;Beta SA
Red phosphorus;7723-14-0;28047000;20;kg;ChemCo;Alpha BV
Ephedrine HCl;;29394100;10 kg;;PharmaX;Gamma
Mystery powder;12-34-5;;5;kg;X;Gamma
Safrole;94-59-7;;100;L;OilCo;Alpha BV
Caffeine;58-08-2;29393000;300;kg;Pharma;Beta SA
Ethyl acetate;64-17-5;;5;drums;X;Gamma
P2NP;705-60-2;29049000;1.000,5;kg;Z;Delta
Paracetamol;;29242930;;;;Beta SA
"""


@pytest.fixture(scope="module")
def result():
    return screen_manifest(MANIFEST.encode("cp1252"), name="order.csv")


def _row(result, product):
    return next(r for r in result["rows"] if r["product"] == product)


def test_columns_are_detected_from_customs_headers(result):
    assert result["columns"] == {"product": "Goods description", "cas": "CAS No.", "cn_code": "HS code",
                                 "quantity": "Net weight", "unit": "UoM", "consignor": "Shipper",
                                 "consignee": "Importer"}


def test_every_row_is_kept_in_order_with_its_line(result):
    assert [r["row"] for r in result["rows"]] == list(range(2, 13))


@pytest.mark.parametrize(("product", "risk"), [
    ("Acetone technical grade", "scheduled"), ("BMK methyl glycidate", "scheduled"), ("Sodium chloride", BY_OPSIN),
    ("Red phosphorus", "pre_precursor"), ("Ephedrine HCl", "scheduled"), ("Mystery powder", "unknown"),
    ("Safrole", "scheduled"), ("Caffeine", "none"), ("P2NP", "designer"), ("Paracetamol", "none")])
def test_risk_classes(result, product, risk):
    assert _row(result, product)["risk"] == risk


def test_unreadable_fields_are_reported_with_their_reason(result):
    mystery = _row(result, "Mystery powder")
    assert mystery["errors"] == [{"field": "cas", "reason": "CAS number '12-34-5' fails its check digit "
                                                            "(expected 0, found 5)"}]
    drums = _row(result, "Ethyl acetate")
    assert drums["errors"] == [{"field": "quantity", "reason": "unit 'drums' is not a mass or volume unit"}]
    assert "identifiers disagree" in drums["warnings"][0]  # CAS 64-17-5 is ethanol


def test_quantities_and_estimates(result):
    safrole = _row(result, "Safrole")
    assert safrole["quantity_kg"] == pytest.approx(110.0)  # 100 L at 1.10 g/mL
    glycidate = _row(result, "BMK methyl glycidate")
    estimates = {e["drug_id"]: e for e in glycidate["estimates"]}
    # 500 kg x 0.75 (routes.yaml: hydrolysis and decarboxylation) x 0.5 (reductive amination) x M(MA)/M(ester)
    assert estimates["metamfetamine"]["assumed_yield"] == pytest.approx(0.375)
    assert estimates["metamfetamine"]["estimate_kg"] == pytest.approx(500 * 0.375 * 149.12 / 192.08, rel=1e-3)
    assert _row(result, "P2NP")["quantity_kg"] == pytest.approx(1000.5)


def test_cn_code_of_a_scheduled_precursor_on_an_unknown_row_is_a_warning():
    text = "Product,CAS,CN code,Quantity\nFlavour base X,,29143100,5 kg\n"
    row = screen_manifest(text.encode(), name="m.csv", iupac_names=False)["rows"][0]
    assert row["risk"] == "unknown"
    assert any("1-Phenyl-2-propanone" in w for w in row["warnings"])


def test_totals_per_consignee_and_drug(result):
    totals = result["totals"]
    assert totals["by_risk"]["scheduled"] == 4 and totals["rows"] == 11
    alpha = next(c for c in totals["by_consignee"] if c["consignee"] == "Alpha BV")
    assert alpha["flagged_rows"] == 4 and alpha["flagged_kg"] == pytest.approx(830.0)
    drugs = {d["drug_id"]: d for d in totals["by_drug"]}
    assert drugs["metamfetamine"]["estimate_kg"] > 0 and drugs["metamfetamine"]["reagent_rows"] == 1  # red P
    assert "molar yields assumed" in totals["yield_assumption"]


def test_xlsx_with_a_title_row_above_the_header():
    wb = Workbook()
    ws = wb.active
    ws.append(["Order 2026-113"])
    ws.append(["Substance", "CAS number", "Quantity (kg)", "Customer"])
    ws.append(["Piperonal", "120-57-0", 25, "Acme"])
    ws.append(["Glycerol", "56-81-5", 50.5, "Acme"])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = screen_manifest(buffer.getvalue(), name="order.xlsx")
    assert [(r["row"], r["risk"], r["quantity_kg"]) for r in result["rows"]] == [(3, "scheduled", 25.0),
                                                                                (4, BY_OPSIN, 50.5)]


def test_a_file_without_identifying_columns_is_rejected():
    with pytest.raises(InvalidInput, match="no product name, CAS number or structure column"):
        read_manifest(b"colour,weight\nred,5\n", "x.csv")
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        read_manifest(b"not a zip", "x.xlsx")
    with pytest.raises(InvalidInput, match="unsupported manifest type"):
        read_manifest(b"", "x.pdf")


def test_structure_column_and_bad_structure():
    text = "name,smiles,qty,unit\nnew ester,CCCCCOC(=O)C1(C)OC1c1ccccc1,2,kg\nbroken,C1CC(,1,kg\n"
    rows = screen_manifest(text.encode(), name="lab.csv")["rows"]
    assert rows[0]["risk"] == "designer" and rows[0]["leads_to"] == ["Amfetamine", "Metamfetamine"]
    assert rows[1]["risk"] == "unknown" and rows[1]["errors"][0]["field"] == "structure"


def test_detect_columns_prefers_exact_names():
    assert detect_columns(["Quantity unit", "Quantity", "Product"]) == {"product": 2, "quantity": 1, "unit": 0}


@pytest.mark.parametrize(("text", "value"), [("1,000", 1000.0), ("1.000,5", 1000.5), ("2,5", 2.5), ("12", 12.0)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_quantity_units():
    assert quantity_kg("500", "g", None) == (0.5, None)
    assert quantity_kg("2", "t", None) == (2000.0, None)
    assert quantity_kg("10", "L", None)[1].startswith("a volume")
    assert quantity_kg("abc", "kg", None)[1] == "quantity 'abc' is not a number"
    assert quantity_kg("5", "", None)[1].startswith("no unit")
