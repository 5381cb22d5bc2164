from __future__ import annotations

import json

import pytest

from crystal_palace.analysis.geo import feature_collection
from crystal_palace.exceptions import InvalidInput


def test_geojson_points_are_lon_lat_and_records_without_coordinates_are_listed(records) -> None:
    collection = feature_collection(records)
    assert collection["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in collection["features"]}
    assert set(by_id) == {"sz-1", "sz-2", "sz-4", "ps-1"}
    assert by_id["sz-1"]["geometry"] == {"type": "Point", "coordinates": [21.01, 52.23]}
    assert by_id["sz-1"]["properties"]["substances"][0]["substance"] == "amphetamine"
    assert by_id["sz-2"]["properties"]["date"] == "2026-03-03"
    assert by_id["ps-1"]["properties"]["synthesis_route"] == "Leuckart"
    assert collection["without_coordinates"] == [{"kind": "seizure", "id": "sz-3", "country": "IT"}]
    json.dumps(collection)


def test_only_the_records_asked_for(records) -> None:
    assert [f["id"] for f in feature_collection(records, ids=["sz-2"])["features"]] == ["sz-2"]


@pytest.mark.parametrize(("field", "value", "reason"),
                         [("lat", 95.0, "outside -90..90"), ("lon", "east", "not a number")])
def test_bad_coordinates_name_the_record(records, field: str, value: object, reason: str) -> None:
    records["seizures"][1][field] = value
    with pytest.raises(InvalidInput) as error:
        feature_collection(records)
    assert (error.value.record, error.value.field) == ("sz-2", field) and reason in error.value.reason
