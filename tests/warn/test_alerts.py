"""Stored alerts: one per key, acknowledgement sticks, filters, clear errors."""

from __future__ import annotations

import datetime

import duckdb
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.warn.alerts import Alert, AlertTable, alert_key, open_alert_table


def make(kind: str = "spread", country: str = "PL", subject: str = "ZMJIUWPWADQNLC-UHFFFAOYSA-N",
         start: str = "2025-05-05") -> Alert:
    return Alert(key=alert_key(kind, subject, country), kind=kind, subject=subject, substance="3-CEC",
                 family="synthetic_cathinone", country=country, period="2025-W19",
                 period_start=datetime.date.fromisoformat(start), event_date=datetime.date.fromisoformat(start),
                 title="t", why="because", figures={"observed": 3, "countries": ["PL"]}, record_ids=["r1", "r2"])


def test_keys_are_stable_and_differ_by_what_the_alert_is_about():
    assert alert_key("spread", "K", "PL") == alert_key("spread", "K", "PL")
    assert len({alert_key("spread", "K", "PL"), alert_key("spread", "K", "NL"), alert_key("rise", "K", "PL")}) == 3


def test_an_alert_is_stored_once_and_comes_back_whole(tmp_path):
    path = tmp_path / "alerts.duckdb"
    with open_alert_table(path) as table:
        assert [a.country for a in table.add([make(), make(), make(country="NL")])] == ["PL", "NL"]
    with open_alert_table(path) as table:  # a new run, a new connection
        assert table.add([make(), make(country="DE")])[0].country == "DE"
        assert table.count() == 3
        (back,) = table.list(country="pl")
    assert back.figures == {"observed": 3, "countries": ["PL"]} and back.record_ids == ["r1", "r2"]
    assert back.fired_at is not None and back.acknowledged is False
    assert back.to_dict()["period_start"] == "2025-05-05"


def test_acknowledge_and_filter():
    table = AlertTable(":memory:")
    table.add([make(), make(country="NL", start="2025-06-02"), make(kind="rise", country="EU")])
    done = table.acknowledge(make().key, by="focal point", note="notified EUDA")
    assert done.acknowledged and done.acknowledged_by == "focal point" and done.note == "notified EUDA"
    assert {a.country for a in table.list(acknowledged=False)} == {"NL", "EU"}
    assert [a.country for a in table.list(kind="spread", since=datetime.date(2025, 6, 1))] == ["NL"]
    assert [a.kind for a in table.list(keys=[make(kind="rise", country="EU").key])] == ["rise"]
    with pytest.raises(InvalidInput, match="no stored alert"):
        table.acknowledge("spread-0000")
    with pytest.raises(InvalidInput, match="unknown alert kind"):
        table.list(kind="gossip")


def test_a_table_on_a_callers_connection_leaves_it_open():
    con = duckdb.connect(":memory:")
    with open_alert_table(con) as table:
        table.add([make()])
    assert con.execute("SELECT count(*) FROM warn_alerts").fetchone() == (1,)
