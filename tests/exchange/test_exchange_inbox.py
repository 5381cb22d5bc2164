"""Received records with provenance, idempotent import, and retraction that leaves nothing behind."""

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.inbox import DuckDBFile, Inbox
from crystal_palace.exchange.retract import Retraction, make_retraction

HEADER = {"package_id": "pkg-1", "sender": "PL-CBSP", "handling": "H2", "expires": "2030-01-01T00:00:00+00:00"}
RECORDS = [{"id": "pl-person-1", "type": "Person", "name": "Jan Kowalski"},
           {"id": "pl-phone-1", "type": "Phone", "number": "+48601234567", "handling": "H1"},
           {"id": "pl-person-2", "type": "Person", "name": "Anna Nowak"}]


def text_cells(db):
    """Every text value in every table of the database: what 'no table holds it' is checked against."""
    columns = db.query("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE data_type IN ('VARCHAR', 'TEXT')")
    cells = set()
    for c in columns:
        for row in db.query(f'SELECT "{c["column_name"]}" AS v FROM "{c["table_name"]}"'):
            if row["v"] is not None:
                cells.add(str(row["v"]))
    return cells


def holds(cells, value):
    return any(value in cell for cell in cells)


@pytest.fixture
def db(tmp_path):
    database = DuckDBFile(tmp_path / "inbox.duckdb")
    yield database
    database.close()


def test_import_with_provenance_is_idempotent(db):
    inbox = Inbox(db)
    report = inbox.import_records(HEADER, RECORDS)
    assert report.stored == 3 and report.repeated == 0
    again = inbox.import_records(HEADER, RECORDS)
    assert again.stored == 0 and again.repeated == 3
    rows = {r["record_id"]: r for r in inbox.received()}
    assert rows["pl-person-1"]["package_id"] == "pkg-1" and rows["pl-person-1"]["sender"] == "PL-CBSP"
    assert rows["pl-person-1"]["handling"] == "H2" and rows["pl-phone-1"]["handling"] == "H1"


def test_import_all_or_nothing(db):
    inbox = Inbox(db)
    with pytest.raises(InvalidInput, match="no 'id'"):
        inbox.import_records(HEADER, [RECORDS[0], {"type": "Person"}])
    assert inbox.received() == []


def test_retraction_removes_records_links_and_derived_links(db):
    inbox = Inbox(db)
    inbox.import_records(HEADER, RECORDS)
    direct = inbox.add_link("it-person-7", "pl-person-1", score=0.93, basis="clk")
    derived = inbox.add_link("it-case-3", "it-person-7", basis="case member", derived_from=direct)
    inbox.add_link("it-case-4", "it-case-3", basis="same case", derived_from=derived)
    kept = inbox.add_link("it-person-8", "pl-person-2", score=0.9, basis="clk")
    removed = inbox.retract("PL-CBSP", make_retraction(["pl-person-1", "pl-phone-1"], reason="wrong person"),
                            package_id="pkg-r")
    assert removed == {"exchange_links": 3, "exchange_received": 2}
    cells = text_cells(db)
    for value in ("pl-person-1", "pl-phone-1", "Jan Kowalski", direct, derived):
        assert not holds(cells, value), value
    assert holds(cells, "pl-person-2") and holds(cells, kept)


def test_only_the_sender_may_retract(db):
    inbox = Inbox(db)
    inbox.import_records(HEADER, RECORDS)
    with pytest.raises(InvalidInput, match="NL-POLITIE cannot retract records that came from PL-CBSP"):
        inbox.retract("NL-POLITIE", Retraction(("pl-person-1",)))
    assert len(inbox.received()) == 3


def test_retraction_content():
    with pytest.raises(InvalidInput, match="nothing to retract"):
        make_retraction(["  "])
    with pytest.raises(InvalidInput, match="retract"):
        Retraction.from_content({"retract": []})
    r = make_retraction(["a", "a", "b"], packages=["p"], reason="x")
    assert Retraction.from_content(r.to_content()) == r
