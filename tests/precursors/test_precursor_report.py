"""The CSV and HTML outputs of a manifest screen."""

from __future__ import annotations

import csv
import io

from crystal_palace.precursors.report import CSV_COLUMNS, render_html, rows_csv
from crystal_palace.workflows.precursors import screen_manifest

TEXT = ("Product,CAS,Quantity,Unit,Consignee\n"
        "<script>alert(1)</script>,103-79-7,100,kg,<b>Acme</b>\n"
        "Caffeine,58-08-2,3,kg,Acme\n"
        "Unlabelled,50-00-1,1,kg,Acme\n")


def test_csv_has_one_line_per_row_with_the_path_written_out():
    result = screen_manifest(TEXT.encode(), name="m.csv", iupac_names=False)
    rows = list(csv.DictReader(io.StringIO(rows_csv(result["rows"]))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["risk"] for r in rows] == ["scheduled", "none", "unknown"]
    assert rows[0]["leads_to"] == "Amfetamine | Metamfetamine" and "Metamfetamine:" in rows[0]["estimates"]
    assert rows[2]["errors"].startswith("cas: CAS number '50-00-1' fails its check digit")


def test_html_escapes_what_the_manifest_says_and_lists_every_section():
    html = render_html(screen_manifest(TEXT.encode(), name="m.csv", iupac_names=False))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Acme</b>" not in html
    for heading in ("Summary", "Flagged rows", "Per consignee", "Per target drug", "Rows with problems"):
        assert f"<h2>{heading}</h2>" in html
    assert "molar yields assumed" in html
