"""FollowTheMoney entities to and from actor and link records.

An actor record keeps the common FtM properties in columns (what linkage reads) and every other
property in ``properties`` (a JSON object of lists). Extra values of a column property (a second phone)
stay in ``properties`` under the same name, so nothing is lost either way. Links between actors become
FtM relationship entities (``Directorship``, ``Ownership``, ``Family``, ``Associate``, ``UnknownLink``...).

Exported entities carry a ``crystal_palace`` object beside ``id``, ``schema`` and ``properties``: the
record's provenance (country, agency, source, handling code, reference, times), the values of columns
that the schema has no FtM property for (a person's ``city``) and, for links, their type, score and
method. FtM tools ignore it; a Crystal Palace import reads it back, which
is what makes export -> import -> export an identity. ``Phone`` is Crystal Palace's own schema (FtM keeps
phone numbers as a property of a person or company); a strict FtM consumer may skip it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

ACTOR_PROPERTIES: dict[str, dict[str, str]] = {
    "Person": {"name": "name", "first_name": "firstName", "last_name": "lastName", "birth_date": "birthDate",
               "nationality": "nationality", "id_number": "idNumber", "phone": "phone", "email": "email",
               "address": "address"},
    "Company": {"name": "name", "registration_number": "registrationNumber", "id_number": "idNumber",
                "phone": "phone", "email": "email", "address": "address"},
    "Organization": {"name": "name", "registration_number": "registrationNumber", "phone": "phone",
                     "email": "email", "address": "address"},
    "LegalEntity": {"name": "name", "registration_number": "registrationNumber", "phone": "phone",
                    "email": "email", "address": "address"},
    "Address": {"address": "full", "city": "city", "postal_code": "postalCode", "name": "name"},
    "Vehicle": {"name": "name", "registration_number": "registrationNumber"},
    "BankAccount": {"name": "name", "iban": "iban"},
    "Phone": {"name": "name", "phone": "number"},
}
"""Column -> FtM property, per actor schema."""

RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "Directorship": ("director", "organization"), "Ownership": ("owner", "asset"),
    "Family": ("person", "relative"), "Associate": ("person", "associate"),
    "Employment": ("employee", "employer"), "Membership": ("member", "organization"),
    "Representation": ("agent", "client"), "UnknownLink": ("subject", "object"),
}
"""FtM relationship schema -> (property of the link's start, property of its end)."""

LINK_SCHEMA = {"director_of": "Directorship", "owns": "Ownership", "holds_account": "Ownership",
               "drives": "Ownership", "family": "Family", "associate": "Associate", "employed_by": "Employment",
               "member_of": "Membership", "represents": "Representation"}
"""Crystal Palace link type -> FtM schema (anything else is an ``UnknownLink`` with the type as role)."""

SCHEMA_LINK = {"Directorship": "director_of", "Ownership": "owns", "Family": "family", "Associate": "associate",
               "Employment": "employed_by", "Membership": "member_of", "Representation": "represents"}

ACTOR_COLUMNS = ("name", "first_name", "last_name", "birth_date", "nationality", "id_number", "phone", "email",
                 "address", "city", "postal_code", "registration_number", "iban")
"""The actor columns that FtM properties fill."""

PROVENANCE = ("ref", "country", "agency", "source", "handling_code", "created_at", "updated_at")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value != ""


def actor_to_entity(record: Mapping[str, Any]) -> dict[str, Any]:
    """One actor record as an FtM entity dict (with the ``crystal_palace`` provenance object)."""
    schema = str(record["schema"])
    properties: dict[str, list[str]] = {}
    for column, prop in ACTOR_PROPERTIES.get(schema, {}).items():
        value = record.get(column)
        if _present(value):
            properties.setdefault(prop, []).append(str(value))
    extra = record.get("properties")
    if _present(extra):
        for prop, values in json.loads(str(extra)).items():
            properties.setdefault(prop, []).extend(str(v) for v in values)
    block = _provenance(record)
    mapped = ACTOR_PROPERTIES.get(schema, {})
    unmapped = {c: str(record[c]) for c in ACTOR_COLUMNS if c not in mapped and _present(record.get(c))}
    if unmapped:  # e.g. a person's city: no FtM property of that schema holds it
        block["columns"] = unmapped
    return {"id": record["id"], "schema": schema, "properties": properties, "crystal_palace": block}


def link_to_entity(record: Mapping[str, Any]) -> dict[str, Any]:
    """One link between two actors as an FtM relationship entity."""
    kind = str(record["type"])
    schema = LINK_SCHEMA.get(kind, "UnknownLink")
    start, end = RELATIONSHIPS[schema]
    properties: dict[str, list[str]] = {start: [str(record["from_id"])], end: [str(record["to_id"])]}
    if schema == "UnknownLink" or kind not in SCHEMA_LINK.values():
        properties["role"] = [kind]
    if _present(record.get("explanation")):
        properties["summary"] = [str(record["explanation"])]  # Interval's free text
    block = _provenance(record)
    block.update({"type": kind, "score": None if not _present(record.get("score")) else float(record["score"]),
                  "method": record.get("method") if _present(record.get("method")) else None})
    return {"id": record["id"], "schema": schema, "properties": properties, "crystal_palace": block}


def _provenance(record: Mapping[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for name in PROVENANCE:
        value = record.get(name)
        if value is not None and _present(value):
            block[name] = value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)
    return block


def entity_to_actor(entity: Mapping[str, Any]) -> dict[str, Any]:
    """Column values of an actor record from an FtM entity (provenance and ids are the caller's)."""
    schema = str(entity["schema"])
    properties = {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
                  for k, vs in (entity.get("properties") or {}).items()}
    values: dict[str, Any] = {"schema": schema}
    for column, prop in ACTOR_PROPERTIES[schema].items():
        found = properties.get(prop)
        if found:
            values[column] = found[0]
            rest = found[1:]
            if rest:
                properties[prop] = rest
            else:
                del properties[prop]
    if properties:
        values["properties"] = json.dumps(properties, ensure_ascii=False, sort_keys=True)
    for column, value in ((entity.get("crystal_palace") or {}).get("columns") or {}).items():
        if column in ACTOR_COLUMNS and column not in values:
            values[column] = value
    return values


def entity_to_link(entity: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Column values of a link record from an FtM relationship entity, or ``(values, reason)`` if unusable.

    ``from_id`` and ``to_id`` hold the FtM ids of the ends; the caller maps them to record ids.
    """
    schema = str(entity["schema"])
    start, end = RELATIONSHIPS[schema]
    properties = entity.get("properties") or {}
    block = entity.get("crystal_palace") or {}
    ends = [properties.get(start) or [], properties.get(end) or []]
    if not ends[0] or not ends[1]:
        missing = start if not ends[0] else end
        return {}, f"relationship without {missing!r}"
    role = (properties.get("role") or [None])[0]
    kind = block.get("type") or (role if schema == "UnknownLink" and role else SCHEMA_LINK.get(schema, "unknown_link"))
    values: dict[str, Any] = {"type": kind, "from_id": str(ends[0][0]), "to_id": str(ends[1][0]),
                              "score": block.get("score"), "method": block.get("method") or "ftm-import",
                              "explanation": (properties.get("summary") or properties.get("description")
                                              or [None])[0]}
    return values, None
