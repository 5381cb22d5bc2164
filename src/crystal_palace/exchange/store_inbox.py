"""Received records in the seizure-intelligence store (DuckDB or PostgreSQL), and retraction through it.

When the records of a package are FollowTheMoney actor entities (or flat actor records with a
``schema`` such as ``Person``, ``Phone``, ``Vehicle``, ``BankAccount``), they become ``actors`` records of
the store, next to our own, so that linkage, the graph and reports use them. Their provenance says
where they came from: ``agency`` is the sending party, ``source`` is ``exchange:<package id>``, ``ref`` is
the sender's id, ``handling_code`` the package's (or the record's own) code. Their store id is derived
from the sender's country, party and id (:func:`crystal_palace.store.ids.record_id`), so a record
received twice is one record, and it never collides with one of ours.

``exchange_received`` keeps, per package, the sender's id and our ``local_id``; the store is told that
this column holds record ids (``register_reference``), so :meth:`Store.delete_records` clears it too.
Links to received records are ordinary ``links`` records (type ``exchange_hit``); a link derived from
another link points at that link's id, the store's convention. A retraction therefore calls
``delete_records`` on the local ids: the records, every link with one of them at either end, every link
derived from those, and their ``exchange_received`` rows go in one transaction, on either backend.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.inbox import ImportReport, Inbox, _naive, _now
from crystal_palace.exchange.retract import Retraction


def _country(header: Mapping[str, Any]) -> str:
    """The sender's country: the header's provenance, else the party name's prefix (``PL-CBSP`` -> PL)."""
    given = str((header.get("provenance") or {}).get("country") or "").upper()
    if len(given) == 2 and given.isalpha():
        return given
    prefix = str(header.get("sender", "")).split("-", 1)[0].upper()
    return prefix if len(prefix) == 2 and prefix.isalpha() else "XX"


def actor_values(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """Actor column values of a received record, or None when it is not an actor."""
    from crystal_palace.store.ftm import ACTOR_COLUMNS, ACTOR_PROPERTIES, entity_to_actor

    schema = record.get("schema")
    if schema not in ACTOR_PROPERTIES:
        return None
    if isinstance(record.get("properties"), Mapping):  # an FtM entity
        return entity_to_actor(record)
    values = {c: record[c] for c in ACTOR_COLUMNS if record.get(c) not in (None, "")}
    return {"schema": schema, **{k: str(v) for k, v in values.items()}}


class StoreInbox(Inbox):
    """An :class:`~crystal_palace.exchange.inbox.Inbox` whose records and links live in the store."""

    def __init__(self, store: Any, *, party: str = "local", country: str = "XX") -> None:
        super().__init__(store)
        self.store = store
        self.party = party
        self.country = country
        store.register_reference("exchange_received", "local_id")
        store.register_reference("exchange_links", "from_id")
        store.register_reference("exchange_links", "to_id")

    def import_records(self, header: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> ImportReport:
        """Store actors in ``actors`` with provenance, every record in ``exchange_received``; all or nothing."""
        from crystal_palace.store.frames import record_frame
        from crystal_palace.store.ids import record_id

        package_id = str(header["package_id"])
        problems = [n for n, r in enumerate(records, start=1) if not isinstance(r, Mapping) or not r.get("id")]
        if problems:
            raise InvalidInput(f"records {problems[:10]} have no 'id'", field="records", record=package_id)
        country, sender = _country(header), str(header["sender"])
        report = ImportReport(package_id)
        actors: list[dict[str, Any]] = []
        rows: list[tuple[Any, ...]] = []
        now = self.store.now()
        with self.store.transaction():
            for record in records:
                rid = str(record["id"])
                handling = str(record.get("handling") or header["handling"])
                values = actor_values(record)
                local = record_id("ac", country, sender, rid) if values is not None else rid
                if self.db.query("SELECT 1 AS x FROM exchange_received WHERE record_id = ? AND package_id = ?",
                                 (rid, package_id)):
                    report.repeated += 1
                    continue
                if values is not None:
                    values.update({"id": local, "ref": rid, "country": country, "agency": sender,
                                   "source": f"exchange:{package_id}", "handling_code": handling,
                                   "created_at": now, "updated_at": now})
                    actors.append(values)
                rows.append((rid, package_id, local, sender, record.get("schema") or record.get("type"), handling,
                             _now(), _naive(header.get("expires")),
                             json.dumps(dict(record), ensure_ascii=False, default=str)))
                report.stored += 1
                report.record_ids.append(rid)
            if actors:
                keys = sorted({k for values in actors for k in values})
                columns = {k: [values.get(k) for values in actors] for k in keys}
                self.store.write_frames({"actors": record_frame("actors", columns)}, actor=self.party,
                                        action="exchange-import", target=package_id)
            for row in rows:
                self.db.execute("INSERT INTO exchange_received (record_id, package_id, local_id, sender, "
                                "record_type, handling, received_at, expires, content) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            self.log("received", package_id, {"sender": sender, "stored": report.stored,
                                              "repeated": report.repeated, "handling": header.get("handling")})
        return report

    def local_id(self, record_id: str) -> str:
        """Our store id of a received record (its id in ``actors``), from the sender's id."""
        rows = self.db.query("SELECT local_id FROM exchange_received WHERE record_id = ?", (record_id,))
        if not rows:
            raise InvalidInput(f"no received record {record_id!r}", field="record_id")
        return str(rows[0]["local_id"])

    def add_link(self, from_id: str, to_id: str, *, score: float | None = None, basis: str = "",
                 derived_from: str | None = None) -> str:
        """A ``links`` record (``exchange_hit``); with ``derived_from``, ``from_id`` becomes that link's id."""
        from crystal_palace.store.frames import record_frame
        from crystal_palace.store.ids import record_id

        start = derived_from or from_id
        link = record_id("ln", self.country, self.party, f"{start}\x1f{to_id}\x1f{basis}")
        now = self.store.now()
        frame = record_frame("links", {
            "id": [link], "ref": [link], "country": self.country, "agency": self.party, "source": "exchange",
            "handling_code": "H2", "created_at": [now], "updated_at": [now], "type": "exchange_hit",
            "from_id": [start], "to_id": [to_id], "score": [float("nan") if score is None else score],
            "method": "exchange", "explanation": basis or None})
        self.store.write_frames({"links": frame}, actor=self.party, action="exchange-link", target=link)
        return link

    def retract(self, sender: str, retraction: Retraction, *, package_id: str | None = None) -> dict[str, int]:
        """Remove the retracted records and all that derives from them through ``delete_records``."""
        ids = list(retraction.record_ids)
        held = self._held(sender, retraction, package_id, columns="record_id, package_id, local_id, sender")
        locals_ = sorted({str(h["local_id"]) for h in held})
        with self.store.transaction():
            removed = self.store.delete_records(locals_, actor=sender, reason=retraction.reason) if locals_ else {}
            self.log("retracted", package_id, {"sender": sender, "records": len(ids), "removed": removed,
                                               "reason": retraction.reason})
        return dict(removed)


ACTOR_FIELDS = {"given_name": "first_name", "surname": "last_name", "date_of_birth": "birth_date",
                "address": "address", "suburb": "city", "postcode": "postal_code", "id_number": "id_number",
                "phone": "phone", "iban": "iban", "plate": "registration_number"}
"""Encoding-schema field -> ``actors`` column, for encoding the store's actors."""


def actor_records(store: Any, *, schemata: Sequence[str] = ("Person", "Phone", "Vehicle", "BankAccount"),
                  where: str = "", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The store's actors as records for :func:`crystal_palace.encode_records` (``id`` = the store id).

    A person whose first and last name are missing but whose ``name`` is set is split at the last space.
    """
    marks = ", ".join("?" for _ in schemata)
    sql = f"SELECT * FROM actors WHERE schema IN ({marks})" + (f" AND ({where})" if where else "") + " ORDER BY id"
    records = []
    for row in store.query(sql, (*schemata, *params)):
        record: dict[str, Any] = {"id": row["id"], "schema": row["schema"]}
        for field, column in ACTOR_FIELDS.items():
            value = row.get(column)
            if value is not None and value == value and value != "":
                record[field] = value
        if row["schema"] == "Person" and "surname" not in record and row.get("name"):
            first, _, last = str(row["name"]).rpartition(" ")
            record.update({"given_name": first, "surname": last} if first else {"surname": last})
        records.append(record)
    return records


def export_records(store: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Actors of the store as FtM entities to pack, with their handling code and, for received ones, origin.

    A record that came in through an exchange carries ``received_from`` (the party that sent it), so that
    :func:`crystal_palace.workflows.exchange.pack` can refuse to pass an H2/H3 record on to a third party.
    """
    from crystal_palace.store.ftm import actor_to_entity

    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    rows = {r["id"]: r for r in store.query(f"SELECT * FROM actors WHERE id IN ({marks})", wanted)}
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise InvalidInput(f"no actor {missing[0]!r} in the store", field="ids", record=missing[0])
    out = []
    for record_id in wanted:
        row = rows[record_id]
        entity = actor_to_entity(row)
        entity["handling"] = row.get("handling_code")
        if str(row.get("source") or "").startswith("exchange:"):
            entity["received_from"] = row.get("agency")
        out.append(entity)
    return out
