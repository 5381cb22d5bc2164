"""The detections table: checks that name the record, field and reason; first detections with their records."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import COCAINE, MDMA, detection, table

from crystal_palace.exceptions import InvalidInput
from crystal_palace.warn.detections import EU, first_detections, records_of, require_detections


def test_require_detections_normalises_a_good_table():
    out = require_detections(table(detection("b", date="2024-02-01", country="pl", quantity="2.5"),
                                   detection("a", date="2024-01-31", quantity="")))
    assert list(out["record_id"]) == ["a", "b"]  # date order
    assert out["country"].tolist() == ["PL", "PL"]
    assert out["date"].dtype.kind == "M" and pd.isna(out.loc[0, "quantity"]) and out.loc[1, "quantity"] == 2.5
    assert set(out.columns) >= {"smiles", "analysis"}


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"inchikey": "not-a-key"}, "inchikey", "is not an InChIKey"),
    ({"country": "Poland"}, "country", "two-letter"),
    ({"country": "EU"}, "country", "two-letter"),
    ({"date": "31.02.2024"}, "date", "is not a date"),
    ({"quantity": "lots"}, "quantity", "is not a number"),
    ({"quantity": -3}, "quantity", "negative"),
    ({"record_type": "rumour"}, "record_type", "is not one of"),
    ({"record_id": ""}, "record_id", "empty"),
])
def test_a_bad_row_is_named_with_its_field_and_reason(change, field, reason):
    rows = [detection("r1"), {**detection("r2"), **change}, detection("r3", inchikey="bad")]
    with pytest.raises(InvalidInput) as caught:
        require_detections(table(*rows))
    error = caught.value
    assert error.field == field and reason in error.reason
    assert error.record == (change.get("record_id") or "r2") or error.record == "row 2"
    assert "more problem" in error.reason  # the bad r3 is counted, not dropped silently


def test_duplicate_record_ids_and_missing_columns_are_refused():
    with pytest.raises(InvalidInput, match="appears more than once"):
        require_detections(table(detection("r1"), detection("r1")))
    with pytest.raises(InvalidInput, match="lacks column") as caught:
        require_detections(table(detection("r1")).drop(columns=["agency"]))
    assert caught.value.field == "agency"


def test_first_detections_per_country_and_in_the_eu_with_the_records_behind():
    data = require_detections(table(
        detection("pl-1", date="2024-01-10"), detection("pl-2", date="2024-01-10"),
        detection("pl-3", date="2024-03-01"),
        detection("nl-1", country="NL", date="2024-02-05"), detection("de-1", country="DE", date="2024-02-20"),
        detection("c-1", COCAINE, "IT", "2024-01-01", substance="Cocaine", family="tropane")))
    found = {(f.inchikey, f.country): f for f in first_detections(data)}
    eu = found[(MDMA, EU)]
    assert eu.date == pd.Timestamp("2024-01-10") and eu.record_ids == ("pl-1", "pl-2") and eu.first_countries == ("PL",)
    assert found[(MDMA, "PL")].countries_before == ()
    assert found[(MDMA, "NL")].countries_before == ("PL",) and found[(MDMA, "NL")].record_ids == ("nl-1",)
    assert found[(MDMA, "DE")].countries_before == ("NL", "PL")
    assert found[(COCAINE, EU)].substance == "Cocaine" and len(found) == 6
    assert list(records_of(data, eu.record_ids)["record_id"]) == ["pl-1", "pl-2"]


def test_first_detections_of_an_empty_table():
    assert first_detections(require_detections(table(detection("x")).iloc[0:0])) == []
