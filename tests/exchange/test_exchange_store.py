"""Received records in the store (DuckDB and PostgreSQL): provenance, idempotence, and a retraction that
leaves no trace of the record or of any link derived from it in any table."""

import uuid

import psycopg
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.package import PartyKeys
from crystal_palace.exchange.store_inbox import StoreInbox
from crystal_palace.store.backend import open_store
from crystal_palace.workflows.exchange import pack, retract, unpack

PG = "postgresql://127.0.0.1:5432/test"
PL = PartyKeys.generate("PL-CBSP")
IT = PartyKeys.generate("IT-DCSA")
NL = PartyKeys.generate("NL-POLITIE")
RECORDS = [
    {"id": "ac-pl-person-1", "schema": "Person", "properties": {"firstName": ["Zbigniew"],
                                                                "lastName": ["Wrzesniewski"],
                                                                "birthDate": ["1979-04-02"]}},
    {"id": "ac-pl-phone-1", "schema": "Phone", "properties": {"number": ["+48601999888"]}, "handling": "H1"},
    {"id": "ac-pl-person-2", "schema": "Person", "first_name": "Anna", "last_name": "Nowacka"},
    {"id": "pl-note-1", "type": "Note", "text": "seen at the port of Gdynia"},
]
AUDIT_TABLES = {"audit", "exchange_audit", "imports"}


def pg_available():
    try:
        psycopg.connect(PG, connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request, tmp_path):
    if request.param == "duckdb":
        opened = open_store(tmp_path / "it.duckdb")
        yield opened
        opened.close()
        return
    if not pg_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    schema = f"exchange_test_{uuid.uuid4().hex[:10]}"
    opened = open_store(f"{PG}?schema={schema}")
    yield opened
    opened.close()
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def cells(store, skip=()):
    """Every text value of every table of the store's schema (lists and JSON included, as text)."""
    schema = "main" if store.dialect == "duckdb" else store.query("SELECT current_schema() AS s")[0]["s"]
    columns = store.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?",
                          (schema,))
    found = {}
    for c in columns:
        if c["table_name"] in skip:
            continue
        rows = store.query(f'SELECT CAST("{c["column_name"]}" AS TEXT) AS v FROM "{c["table_name"]}"')
        found.setdefault(c["table_name"], set()).update(str(r["v"]) for r in rows if r["v"] is not None)
    return found


def holding(found, value):
    return sorted(table for table, values in found.items() if any(value in v for v in values))


def test_received_records_enter_the_store_with_provenance(store):
    package = pack(RECORDS, sender=PL, recipient=IT.public, handling="H2", audit=False)
    first = unpack(package, recipient=IT, trusted=[PL.public], store=store, audit=False)
    again = unpack(package, recipient=IT, trusted=[PL.public], store=store, audit=False)
    assert first.imported.stored == 4 and again.imported.repeated == 4 and again.imported.stored == 0
    actors = {r["ref"]: r for r in store.query("SELECT * FROM actors")}
    assert set(actors) == {"ac-pl-person-1", "ac-pl-phone-1", "ac-pl-person-2"}
    person = actors["ac-pl-person-1"]
    assert person["first_name"] == "Zbigniew" and person["birth_date"] == "1979-04-02"
    assert person["agency"] == "PL-CBSP" and person["country"] == "PL"
    assert person["source"] == f"exchange:{package['header']['package_id']}" and person["handling_code"] == "H2"
    assert actors["ac-pl-phone-1"]["handling_code"] == "H1" and actors["ac-pl-phone-1"]["phone"] == "+48601999888"
    assert person["id"] != "ac-pl-person-1"  # our own id, derived from the sender's country, party and id


def test_retraction_leaves_nothing_in_any_table(store):
    unpack(pack(RECORDS, sender=PL, recipient=IT.public, audit=False), recipient=IT, trusted=[PL.public],
           store=store, audit=False)
    inbox = StoreInbox(store, party="IT-DCSA", country="IT")
    received = inbox.local_id("ac-pl-person-1")
    ours = "ac-it-local-7"
    direct = inbox.add_link(ours, received, score=0.94, basis="exchange hit")
    derived = inbox.add_link(ours, "ac-it-case-3", basis="same case as the hit", derived_from=direct)
    kept = inbox.add_link(ours, inbox.local_id("ac-pl-person-2"), score=0.9, basis="exchange hit")
    before = cells(store)
    assert holding(before, "Wrzesniewski") and holding(before, derived)

    withdrawal = retract(["ac-pl-person-1", "ac-pl-phone-1", "pl-note-1"], sender=PL, recipient=IT.public,
                         reason="identity corrected", audit=False)
    done = unpack(withdrawal, recipient=IT, trusted=[PL.public], store=store, audit=False)
    assert done.removed["actors"] == 2 and done.removed["links"] == 2

    after = cells(store)
    for value in ("Wrzesniewski", "Zbigniew", "+48601999888", "Gdynia"):  # the records' content: nowhere
        assert holding(after, value) == [], value
    records_and_links = cells(store, skip=AUDIT_TABLES)  # the audit trail may name what was removed
    for value in (received, "ac-pl-person-1", "ac-pl-phone-1", "pl-note-1", direct, derived):
        assert holding(records_and_links, value) == [], value
    assert holding(after, "Nowacka") and holding(after, kept)


def test_only_the_sender_may_retract(store):
    unpack(pack(RECORDS, sender=PL, recipient=IT.public, audit=False), recipient=IT, trusted=[PL.public],
           store=store, audit=False)
    forged = retract(["ac-pl-person-1"], sender=NL, recipient=IT.public, audit=False)
    with pytest.raises(InvalidInput, match="NL-POLITIE cannot retract records that came from PL-CBSP"):
        unpack(forged, recipient=IT, trusted=[PL.public, NL.public], store=store, audit=False)
    assert len(store.query("SELECT id FROM actors")) == 3


def write_people(store, people, country, agency):
    from crystal_palace.store.frames import record_frame
    from crystal_palace.store.ids import record_ids

    now = store.now()
    ids = record_ids("ac", [country] * len(people), [agency] * len(people), [p["id"] for p in people])
    frame = record_frame("actors", {
        "id": ids, "ref": [p["id"] for p in people], "country": country, "agency": agency, "source": "test",
        "handling_code": "H2", "created_at": [now] * len(people), "updated_at": [now] * len(people),
        "schema": "Person", "first_name": [p["given_name"] for p in people],
        "last_name": [p["surname"] for p in people], "birth_date": [p["date_of_birth"] for p in people],
        "address": [p["address"] for p in people], "city": [p["suburb"] for p in people],
        "postal_code": [p["postcode"] for p in people], "id_number": [p["id_number"] for p in people]})
    store.write_frames({"actors": frame})
    return dict(zip([p["id"] for p in people], ids, strict=True))


@pytest.mark.slow
def test_encode_in_two_processes_from_two_stores_and_match(tmp_path):
    """Each agency encodes its own store (DuckDB here, PostgreSQL there) in its own process."""
    import json
    import subprocess
    import sys

    from crystal_palace.exchange.keys import ExchangeSecret
    from crystal_palace.exchange.population import corrupt, population
    from crystal_palace.workflows.exchange import match_encodings

    if not pg_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    people = population(90, seed=12)
    pl_url = f"duckdb://{tmp_path / 'pl.duckdb'}"
    schema = f"exchange_test_{uuid.uuid4().hex[:10]}"
    it_url = f"{PG}?schema={schema}"
    try:
        with open_store(tmp_path / "pl.duckdb") as pl_store:
            pl_ids = write_people(pl_store, people[:60], "PL", "CBSP")
        with open_store(it_url) as it_store:
            it_ids = write_people(it_store, [dict(p, id=p["id"].replace("-dup", "")) for p in
                                             corrupt(people[30:], errors=1, seed=13)], "IT", "DCSA")
        ExchangeSecret.generate().save(tmp_path / "s.hex")
        for side, url in (("pl", pl_url), ("it", it_url)):
            done = subprocess.run([sys.executable, "-m", "crystal_palace.interfaces.cli.main", "exchange", "encode",
                                   url, "--secret", str(tmp_path / "s.hex"), "--out", str(tmp_path / f"{side}.enc"),
                                   "--mapping", str(tmp_path / f"{side}.map"), "--audit", str(tmp_path / "a.jsonl")],
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        report = match_encodings(tmp_path / "pl.enc", tmp_path / "it.enc", threshold=0.8, audit=False)
        pl_map = json.loads((tmp_path / "pl.map").read_text())
        it_map = json.loads((tmp_path / "it.map").read_text())
        hits = {(pl_map[p["a"]], it_map[p["b"]]) for p in report.pairs}
        expected = {(pl_ids[f"p{n}"], it_ids[f"p{n}"]) for n in range(30, 60)}
        assert hits == expected
    finally:
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_received_h2_records_are_not_passed_on_from_the_store(store):
    from crystal_palace.exchange.store_inbox import export_records

    unpack(pack(RECORDS, sender=PL, recipient=IT.public, handling="H2", audit=False), recipient=IT,
           trusted=[PL.public], store=store, audit=False)
    local = StoreInbox(store, party="IT-DCSA", country="IT").local_id("ac-pl-person-1")
    (entity,) = export_records(store, [local])
    assert entity["received_from"] == "PL-CBSP" and entity["properties"]["lastName"] == ["Wrzesniewski"]
    with pytest.raises(InvalidInput, match="without PL-CBSP's permission"):
        pack([entity], sender=IT, recipient=NL.public, audit=False)
    assert pack([entity], sender=IT, recipient=PL.public, audit=False)["header"]["recipient"] == "PL-CBSP"
    with pytest.raises(InvalidInput, match="no actor"):
        export_records(store, ["ac-nobody"])
