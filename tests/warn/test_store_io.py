"""Detections from a store's seizures and samples, and alerts kept in the store."""

from __future__ import annotations

import pandas as pd
import pytest

import crystal_palace
from crystal_palace.store.backend import open_store
from crystal_palace.warn.alerts import AlertTable
from crystal_palace.warn.detections import require_detections
from crystal_palace.warn.engine import detect
from crystal_palace.warn.signals import WarnSettings
from crystal_palace.warn.store_io import read_detections

MDMA = "SHXWCVYOXRDMCX-UHFFFAOYSA-N"
NEW = "ZMJIUWPWADQNLC-UHFFFAOYSA-N"


def records(table: str, rows: list[dict[str, object]]):
    """A store frame from rows (provenance filled in)."""
    from crystal_palace.store.frames import record_frame

    stamp = pd.Timestamp("2024-05-01 12:00:00")
    full = [{"source": "test.csv", "handling_code": "H2", "created_at": stamp, "updated_at": stamp, **r} for r in rows]
    return record_frame(table, {k: [r.get(k) for r in full] for k in {k for r in full for k in r}})


def frames():
    """Two seizures in two countries, a sample repeating one of their substances and one naming a new one."""
    return {
        "seizures": records("seizures", [
            {"id": "sz-1", "country": "PL", "agency": "CLKP", "seized_on": "2024-03-01"},
            {"id": "sz-2", "country": "NL", "agency": "NFI", "seized_on": "2024-04-02"}]),
        "seizure_substances": records("seizure_substances", [
            {"id": "ss-1", "seizure_id": "sz-1", "inchikey": MDMA, "substance": "ecstasy", "quantity": 120.0,
             "unit": "tablets", "country": "PL", "agency": "CLKP"},
            {"id": "ss-2", "seizure_id": "sz-2", "inchikey": MDMA, "quantity": 3.5, "unit": "g", "country": "NL",
             "agency": "NFI"}]),
        "samples": records("samples", [
            {"id": "sa-1", "seizure_id": "sz-1", "inchikey": MDMA, "taken_on": "2024-03-03", "country": "PL",
             "agency": "CLKP"},
            {"id": "sa-2", "seizure_id": "sz-2", "inchikey": NEW, "taken_on": "2024-04-05", "country": "NL",
             "agency": "NFI"}]),
    }


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "store.duckdb"
    with open_store(path) as store:
        store.write_frames(frames())
    return path


def test_detections_from_seizure_substances_and_new_samples(store_path):
    with open_store(store_path) as store:
        table = require_detections(read_detections(store))
    assert list(table["record_id"]) == ["ss-1", "ss-2", "sa-2"]  # sa-1 repeats ss-1's substance
    first = table.iloc[0]
    assert (first["substance"], first["family"], first["country"], first["quantity"], first["unit"]) == \
        ("ecstasy", "phenethylamine", "PL", 120.0, "tablets")
    assert table.iloc[1]["substance"] == "MDMA" and table.iloc[1]["smiles"]  # the library fills the gaps
    sample = table.iloc[2]
    assert (sample["record_type"], sample["family"], str(sample["date"].date())) == ("sample", "unknown", "2024-04-05")


def test_alerts_are_kept_in_the_store_once(store_path):
    settings = WarnSettings(period="month", analogues=False, warmup_days=0)
    run = crystal_palace.warn_run(db=store_path, since="2024-01-01", settings=settings)
    assert run.detections == 3 and {a.kind for a in run.new} == {"new_substance", "spread"}
    again = crystal_palace.warn_run(db=store_path, since="2024-01-01", settings=settings)
    assert again.new == [] and again.repeated == len(run.new)
    with open_store(store_path) as store:
        rows = store.query("SELECT key, kind FROM warn_alerts ORDER BY key")
        assert len(rows) == len(run.new)
        table = AlertTable(store)
        table.add(run.new)  # the same alerts again: nothing added
        assert table.count() == len(run.new)


def test_acknowledge_in_the_store(store_path):
    with open_store(store_path) as store:
        table = AlertTable(store)
        found = detect(require_detections(read_detections(store)), WarnSettings(analogues=False, warmup_days=0),
                       since="2024-01-01", until="2024-04-30")
        new = table.add(found.alerts)
    assert {a.kind for a in new} == {"new_substance", "spread"}
    key = next(a.key for a in new if a.kind == "spread")
    done = crystal_palace.acknowledge_alert(key, by="focal point", db=store_path)
    assert done["acknowledged"] is True and done["record_ids"] == ["ss-2"]
    assert [a["key"] for a in crystal_palace.list_alerts(db=store_path, acknowledged=True)] == [key]
    with open_store(store_path) as store:  # both changes are in the store's audit trail
        actions = [(r["actor"], r["action"], r["target"]) for r in store.query(
            "SELECT actor, action, target FROM audit WHERE action LIKE 'warn-%' ORDER BY occurred_at, action")]
    assert ("focal point", "warn-acknowledge", key) in actions and any(a[1] == "warn-alerts" for a in actions)
