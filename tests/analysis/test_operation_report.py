from __future__ import annotations

import pytest

from crystal_palace.analysis.operation import report, to_html
from crystal_palace.exceptions import InvalidInput


def test_results_by_country_and_in_total(records) -> None:
    result = report(records, "crystal bridge")
    assert result["operation"] == {"id": "op-1", "name": "Crystal Bridge", "started_on": "2026-03-01",
                                   "ended_on": "2026-03-05", "countries": ["PL", "NL", "IT"]}
    rows = {r["country"]: r for r in result["countries"]}
    assert rows["PL"]["seizures"] == 1  # sz-4 is not part of the operation
    amphetamine, mdma = "KWTSXDURSIMDCE-UHFFFAOYSA-N", "SHXWCVYOXRDMCX-UHFFFAOYSA-N"
    assert rows["PL"]["quantities"] == [
        {"substance": "amphetamine", "inchikey": amphetamine, "quantity": 2.0, "unit": "kg"},
        {"substance": "MDMA", "inchikey": mdma, "quantity": 1000.0, "unit": "tablets"}]
    # the Dutch record says "amfetamine": one substance by its InChIKey, named as most records name it
    assert rows["NL"]["quantities"] == [{"substance": "amphetamine", "inchikey": amphetamine, "quantity": 0.5,
                                         "unit": "kg"}]
    assert (rows["PL"]["arrests"], rows["PL"]["sites_dismantled"], rows["PL"]["sites_recorded"]) == (3, 1, 0)
    assert (rows["NL"]["arrests"], rows["NL"]["sites_dismantled"], rows["NL"]["sites_recorded"]) == (2, 0, 1)
    assert rows["IT"]["seizures"] == 1 and not rows["IT"]["reported"]
    totals = result["totals"]
    assert (totals["seizures"], totals["arrests"], totals["sites_dismantled"], totals["sites_recorded"]) == (3, 5, 1, 1)
    assert {"substance": "amphetamine", "inchikey": amphetamine, "quantity": 2.5, "unit": "kg"} in totals["quantities"]
    assert any("ss-4" in n and "no usable quantity" in n for n in result["notes"])
    assert any(n.startswith("IT reported no outcome") for n in result["notes"])


def test_unknown_operation_lists_the_known_ones(records) -> None:
    with pytest.raises(InvalidInput, match=r"known: Crystal Bridge"):
        report(records, "Storm")


def test_html_report_escapes_values(records) -> None:
    records["operations"][0]["name"] = "Crystal <Bridge>"
    html = to_html(report(records, "op-1"))
    assert "<h1>Operation Crystal &lt;Bridge&gt;</h1>" in html and "<Bridge>" not in html
    assert "amphetamine: 2.500 kg" in html and "MDMA: 1000 tablets" in html
