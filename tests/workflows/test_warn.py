"""The early-warning workflows: run (alerts stored once), list, acknowledge, report in three formats."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput
from crystal_palace.warn.simulate import simulate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A detections CSV with the scenario's events, and its simulation."""
    made = simulate(years=1.5, seed=5)
    path = tmp_path_factory.mktemp("warn") / "detections.csv"
    made.detections.assign(date=made.detections["date"].dt.date.astype(str)).to_csv(path, index=False)
    return path, made


def test_run_stores_alerts_once_and_lists_and_acknowledges_them(generated, tmp_path):
    path, made = generated
    alerts_db = tmp_path / "alerts.duckdb"
    new_substance = made.events[0]
    window = {"since": str(new_substance.start.date()), "until": str((new_substance.start
                                                                      + pd.Timedelta(weeks=6)).date())}
    first = crystal_palace.warn_run(str(path), alerts_db=alerts_db, period="week", **window)
    kinds = {a.kind for a in first.new}
    assert {"new_substance", "spread", "analogue"} <= kinds and first.repeated == 0
    assert all(a.record_ids for a in first.new)
    again = crystal_palace.warn_run(str(path), alerts_db=alerts_db, period="week", **window)
    assert again.new == [] and again.repeated == len(first.new)

    listed = crystal_palace.list_alerts(alerts_db=alerts_db, kind="new_substance")
    assert len(listed) == 1 and listed[0]["substance"] == "3-CEC" and listed[0]["record_ids"]
    record = listed[0]["record_ids"][0]
    assert record in set(made.detections["record_id"])  # every alert links to real records
    done = crystal_palace.acknowledge_alert(listed[0]["key"], by="focal point", alerts_db=alerts_db)
    assert done["acknowledged"] is True
    assert listed[0]["key"] not in {a["key"] for a in crystal_palace.list_alerts(alerts_db=alerts_db,
                                                                                acknowledged=False)}
    with pytest.raises(InvalidInput, match="no stored alert"):
        crystal_palace.acknowledge_alert("nope", alerts_db=alerts_db)


def test_report_formats(generated, tmp_path):
    path, made = generated
    at = str(made.events[0].start.date())
    html = crystal_palace.warn_report(str(path), alerts_db=tmp_path / "a.duckdb", period="month", at=at,
                                      out=tmp_path / "r.html")
    assert html.format == "html" and html.new_substances == 1 and (tmp_path / "r.html").read_text() == html.content
    assert "Formal notification: 3-CEC" in str(html.content)
    feed = crystal_palace.warn_report(str(path), alerts_db=tmp_path / "a.duckdb", period="week", at=at,
                                      format="json", out=tmp_path / "feed.json")
    assert isinstance(feed.content, dict) and feed.media_type == "application/feed+json"
    assert json.loads((tmp_path / "feed.json").read_text())["items"][0]["_crystal_palace"]["kind"]
    with pytest.raises(InvalidInput, match="unknown report format"):
        crystal_palace.warn_report(str(path), alerts_db=tmp_path / "a.duckdb", format="docx")


def test_pdf_report(generated, tmp_path):
    from crystal_palace.warn.pdf import available_renderer

    if available_renderer() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: a PDF renderer (weasyprint or chromium) must be installed")
        pytest.skip("no PDF renderer")
    path, made = generated
    pdf = crystal_palace.warn_report(str(path), alerts_db=tmp_path / "a.duckdb", period="month",
                                     at=str(made.events[0].start.date()), format="pdf", out=tmp_path / "r.pdf")
    assert isinstance(pdf.content, bytes) and pdf.content.startswith(b"%PDF-")
    assert (tmp_path / "r.pdf").stat().st_size == len(pdf.content)


def test_bad_sources_are_named(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        crystal_palace.warn_run(str(tmp_path / "missing.csv"), alerts_db=tmp_path / "a.duckdb")
    with pytest.raises(InvalidInput, match="no detections"):
        crystal_palace.warn_run(alerts_db=tmp_path / "a.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,inchikey,substance,family,country,agency,date,quantity,unit,record_type\n"
                   "r1,XXXX,MDMA,phenethylamine,PL,CLKP,2024-01-01,1,g,seizure\n")
    with pytest.raises(InvalidInput) as caught:
        crystal_palace.warn_run(str(bad), alerts_db=tmp_path / "a.duckdb")
    assert caught.value.record == "r1" and caught.value.field == "inchikey"
    with pytest.raises(InvalidInput, match="period"):
        crystal_palace.warn_run(str(bad), alerts_db=tmp_path / "a.duckdb", period="day")


def test_without_a_source_the_users_default_store_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path))
    with pytest.raises(InvalidInput, match="no detections"):
        crystal_palace.warn_run()  # no store yet: says so, never an empty "nothing found"
    crystal_palace.generate_demo(seizures=300, seed=3)  # into the default store, as `make run` does
    run = crystal_palace.warn_run(since="2000-01-01", period="month")
    assert run.new and all(alert.record_ids for alert in run.new)
    assert len(crystal_palace.list_alerts()) == len(run.new)  # kept in that store
    assert crystal_palace.warn_run(since="2000-01-01", period="month").new == []  # not repeated
