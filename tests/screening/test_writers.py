"""Output rows: JSON lines keep everything; CSV flattens the main fields and carries input columns."""

import csv
import io
import json

from crystal_palace.screening.writers import FLAT_FIELDS, csv_fieldnames, flatten, format_header, format_rows

ROW = {
    "row": 1, "record": "line 1", "query": "CNC(C)Cc1ccc2OCOc2c1", "input_type": "smiles",
    "structure": {"smiles": "CNC(C)Cc1ccc2c(c1)OCO2", "inchikey": "SHXWCVYOXRDMCX-UHFFFAOYSA-N",
                  "formula": "C11H15NO2"},
    "identity": {"id": "mdma", "name": "MDMA", "match_level": "exact", "controlled_under": ["UN1971-I", "EU-NPS"]},
    "family": "phenethylamine", "family_evidence": "rule aryl_ethylamine",
    "analogues": [{"name": "MDA", "similarity": 0.71}], "legal": [], "errors": [],
    "input": {"smiles": "x", "Sample": "S1"},
}


def test_flatten_main_fields_and_carried_columns():
    flat = flatten(ROW)
    assert flat["identity_name"] == "MDMA" and flat["controlled_under"] == "UN1971-I|EU-NPS"
    assert flat["top_analogue"] == "MDA" and flat["top_analogue_similarity"] == 0.71
    assert flat["input_smiles"] == "x" and flat["Sample"] == "S1"


def test_flatten_an_error_row_and_a_mol_block_query():
    row = {"row": 2, "record": "record 2 (x)", "query": "x\n  RDKit\n\n  0  0\nM  END\n", "input_type": "mol",
           "structure": None, "identity": None, "family": None, "analogues": [],
           "errors": [{"field": "mol", "reason": "broken"}, {"field": "line", "reason": "too long"}]}
    flat = flatten(row)
    assert flat["errors"] == "mol: broken; line: too long"
    assert "\n" not in flat["query"] and "record 2" in flat["query"]


def test_csv_text_has_one_line_per_row_under_its_header():
    names = csv_fieldnames(["smiles", "Sample"])
    assert names[: len(FLAT_FIELDS)] == list(FLAT_FIELDS)
    text = format_header("csv", names) + format_rows([ROW, ROW], "csv", names)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 and rows[0]["identity_name"] == "MDMA" and rows[0]["Sample"] == "S1"


def test_jsonl_keeps_everything():
    (line,) = format_rows([ROW], "jsonl", []).splitlines()
    assert json.loads(line) == ROW
    assert format_header("jsonl", []) == ""
