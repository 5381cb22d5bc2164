"""The scoping rule: own agency, partner shares, handling codes; Python and SQL agree on every record."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.model import create_table_sql
from crystal_palace.web.accounts import Shares, User
from crystal_palace.web.scoping import sql_filter, visible

SHARES = Shares(agencies={("PL", "CBZC"): frozenset({"H0", "H1"})}, records=frozenset({"sz-it-h2"}))
ANALYST = User("alice", "analyst", "NL", "Politie", frozenset({"H0", "H1", "H2"}), shares=SHARES)


def record(country, agency, code, id_="sz-x"):
    return {"id": id_, "country": country, "agency": agency, "handling_code": code}


@pytest.mark.parametrize("rec,expected", [
    (record("NL", "Politie", "H0"), True),          # own agency
    (record("NL", "Politie", "H2"), True),
    (record("NL", "Politie", "H3"), False),         # own agency, but not cleared for H3
    (record("NL", "FIOD", "H0"), False),            # another agency of the same country
    (record("PL", "CBZC", "H1"), True),             # a partner shares H0-H1 with Politie
    (record("PL", "CBZC", "H2"), False),            # ... but not H2
    (record("IT", "DCSA", "H2", "sz-it-h2"), True),  # shared one by one
    (record("IT", "DCSA", "H2", "sz-it-other"), False),
    (record("IT", "DCSA", "H3", "sz-it-h2"), False),  # shared, but above the user's clearance
])
def test_visible(rec, expected):
    assert visible(ANALYST, rec) is expected


def test_admin_sees_everything_and_a_user_without_shares_only_his_agency():
    admin = User("root", "admin", "EU", "Ops", frozenset())
    assert visible(admin, record("IT", "DCSA", "H3"))
    plain = User("bob", "viewer", "NL", "Politie", frozenset({"H0"}))
    assert visible(plain, record("NL", "Politie", "H0")) and not visible(plain, record("PL", "CBZC", "H0"))


@pytest.mark.parametrize("missing", ["country", "agency", "handling_code"])
def test_a_record_without_a_scope_field_is_an_error_not_a_leak(missing):
    rec = record("NL", "Politie", "H0", "sz-1")
    rec[missing] = None
    with pytest.raises(InvalidInput) as caught:
        visible(ANALYST, rec)
    assert caught.value.field == missing and caught.value.record == "sz-1"


@pytest.mark.parametrize("user", [
    ANALYST,
    User("bob", "viewer", "NL", "Politie", frozenset({"H0"})),
    User("carl", "analyst", "PL", "CBZC", frozenset()),
    User("root", "admin", "EU", "Ops", frozenset()),
    User("dora", "analyst", "IT", "DCSA", frozenset({"H0", "H1", "H2", "H3"}),
         shares=Shares(agencies={("NL", "Politie"): frozenset({"H0"}), ("PL", "CBZC"): frozenset({"H3"})})),
])
def test_sql_filter_selects_exactly_the_visible_records_of_a_store_table(user):
    con = duckdb.connect()
    con.execute(create_table_sql("duckdb", "seizures"))  # the store's own schema
    rows = []
    places = [("NL", "Politie"), ("NL", "FIOD"), ("PL", "CBZC"), ("IT", "DCSA")]
    for n, ((country, agency), code) in enumerate(itertools.product(places, ["H0", "H1", "H2", "H3"])):
        rid = "sz-it-h2" if (country, code) == ("IT", "H2") else f"sz-{n}"
        rows.append(record(country, agency, code, rid))
        con.execute("INSERT INTO seizures (id, country, agency, source, handling_code, created_at, updated_at,"
                    " content_hash, seized_on) VALUES (?, ?, ?, 'test', ?, now(), now(), 'h', DATE '2025-01-01')",
                    [rid, country, agency, code])
    condition, params = sql_filter(user, alias="s")
    selected = {r[0] for r in con.execute(f"SELECT s.id FROM seizures s WHERE {condition}", params).fetchall()}
    expected = {r["id"] for r in rows if visible(user, r)}
    assert selected == expected
    assert expected or not user.handling_codes  # the check must not pass vacuously


def test_sql_filter_placeholder_for_psycopg():
    condition, params = sql_filter(ANALYST, placeholder="%s")
    assert "?" not in condition and condition.count("%s") == len(params)
