"""Map data: seizures and production sites as a GeoJSON FeatureCollection (RFC 7946).

Coordinates are WGS 84 longitude, latitude (in that order, as RFC 7946 requires; the store keeps
``lat`` and ``lon``). A coordinate outside its range is an error naming the record; a record without
coordinates is not a feature but is listed in the collection's ``without_coordinates`` member (a
foreign member, allowed by RFC 7946 section 6.1), so a map never hides that records are missing.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crystal_palace.analysis.timeline import as_date
from crystal_palace.exceptions import InvalidInput

Records = Mapping[str, Sequence[Mapping[str, Any]]]

MAPPED: tuple[tuple[str, str, str], ...] = (
    ("seizures", "seizure", "seized_on"),
    ("production_sites", "site", "dismantled_on"),
)
"""``(table, feature kind, date column)`` of the records that go on the map."""


def _coordinate(value: Any, field: str, record: str, limit: float) -> float | None:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{value!r} is not a number", field=field, record=record) from None
    if not -limit <= number <= limit:
        raise InvalidInput(f"{number} is outside -{limit:g}..{limit:g}", field=field, record=record)
    return number


def feature_collection(records: Records, *, ids: Collection[str] | None = None) -> dict[str, Any]:
    """Seizures and production sites with coordinates as GeoJSON Point features (optionally only ``ids``)."""
    substances: dict[str, list[dict[str, Any]]] = {}
    for row in records.get("seizure_substances", ()):
        substances.setdefault(str(row.get("seizure_id")), []).append(
            {"substance": row.get("substance"), "inchikey": row.get("inchikey"), "quantity": row.get("quantity"),
             "unit": row.get("unit"), "form": row.get("form")})
    wanted = set(ids) if ids is not None else None
    features, without = [], []
    for table, kind, date_column in MAPPED:
        for record in records.get(table, ()):
            record_id = str(record.get("id"))
            if wanted is not None and record_id not in wanted:
                continue
            lat = _coordinate(record.get("lat"), "lat", record_id, 90)
            lon = _coordinate(record.get("lon"), "lon", record_id, 180)
            if lat is None or lon is None:
                without.append({"kind": kind, "id": record_id, "country": record.get("country")})
                continue
            day = as_date(record.get(date_column), field=date_column, record=record_id)
            properties: dict[str, Any] = {"id": record_id, "kind": kind, "ref": record.get("ref"),
                                          "country": record.get("country"), "agency": record.get("agency"),
                                          "date": day.isoformat() if day else None, "place": record.get("place")}
            if kind == "seizure":
                properties["substances"] = substances.get(record_id, [])
                properties["operation_id"] = record.get("operation_id")
            else:
                properties["site_type"] = record.get("site_type")
                properties["synthesis_route"] = record.get("synthesis_route")
            features.append({"type": "Feature", "id": record_id,
                             "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties})
    return {"type": "FeatureCollection", "features": features, "without_coordinates": without}
