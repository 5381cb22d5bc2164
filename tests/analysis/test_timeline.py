from __future__ import annotations

import pytest

from crystal_palace.analysis.timeline import timeline
from crystal_palace.exceptions import InvalidInput


def test_events_in_time_order_with_undated_records_apart(records) -> None:
    result = timeline(records)
    events = result["events"]
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    assert events[0] == {"date": "2025-12-01", "kind": "seizure", "id": "sz-4", "country": "PL",
                         "description": "Łódź: 200 tablets MDMA"}
    same_day = [(e["kind"], e["id"]) for e in events if e["date"] == "2026-03-04"]
    assert same_day == [("seizure", "sz-3"), ("site dismantled", "ps-1")]
    assert result["undated"] == [{"kind": "sample taken", "id": "sa-2", "country": "NL"}]
    assert ("operation ended", "op-1") in [(e["kind"], e["id"]) for e in events]


def test_filter_by_records_and_dates(records) -> None:
    result = timeline(records, ids={"sz-1", "sz-2", "sz-4"}, start="2026-01-01", end="2026-03-02")
    assert [e["id"] for e in result["events"]] == ["sz-1"]


def test_a_bad_date_names_the_record(records) -> None:
    records["seizures"][0]["seized_on"] = "yesterday"
    with pytest.raises(InvalidInput) as error:
        timeline(records)
    assert (error.value.record, error.value.field) == ("sz-1", "seized_on")
