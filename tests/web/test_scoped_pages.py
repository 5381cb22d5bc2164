"""Every page that shows store records, or figures derived from them, applies the scoping rule.

An analyst of agency A (:data:`AGENCY_A`, cleared for every handling code) must not see agency B's
restricted seizure, its substance line, its actor or any figure counted from them, on any page; he does
see what B shares with A; an admin sees everything. The store is :func:`two_agency_store`.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("crystal_palace.workflows.analysis")

from crystal_palace.interfaces.api.app import create_app  # noqa: E402
from crystal_palace.web.settings import WebSettings  # noqa: E402
from crystal_palace.web.testing import AGENCY_A, AGENCY_B, authed, two_agency_store, use_test_accounts  # noqa: E402

ALL_CODES = ["H0", "H1", "H2", "H3"]
TOTAL = r'<tr class="total"><td>total</td><td>(\d+)</td>\s*<td>([^<]*)</td>'


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    db = tmp_path_factory.mktemp("scoped-pages") / "store.duckdb"
    ids = two_agency_store(db)
    app = create_app(WebSettings(auth_required=True, db=str(db)))
    use_test_accounts(app).share_agency(AGENCY_B, AGENCY_A, ["H0", "H1"], by="test")
    analyst = authed(app, role="analyst", country=AGENCY_A[0], agency=AGENCY_A[1], handling_codes=ALL_CODES)
    viewer = authed(app, role="viewer", country=AGENCY_A[0], agency=AGENCY_A[1], handling_codes=ALL_CODES)
    return {"ids": ids, "analyst": analyst, "viewer": viewer, "admin": authed(app), "app": app}


def _hidden(text, ids):
    """Nothing of B's restricted records in ``text``: ids, reference, place, quantity, name."""
    for marker in (ids["restricted"], ids["restricted_line"], ids["restricted_actor"], ids["link_restricted"],
                   "B-SECRET", "Geheimstad", "7777", "7.78 kg", "7.82 kg", "Piet Geheim"):
        assert marker not in text, marker


def test_network_page_and_json(scoped):
    ids = scoped["ids"]
    for who in ("analyst", "viewer"):
        page = scoped[who].get("/network")
        assert page.status_code == 200
        _hidden(page.text, ids)
        drawing = scoped[who].get("/network.json").json()
        nodes = {e["data"]["id"] for e in drawing["elements"] if "source" not in e["data"]}
        edges = {(e["data"]["source"], e["data"]["target"]) for e in drawing["elements"] if "source" in e["data"]}
        assert {ids["own"], ids["shared"], ids["own_actor"], ids["shared_actor"]} <= nodes
        assert ids["restricted"] not in nodes and ids["restricted_actor"] not in nodes
        assert all(a in nodes and b in nodes for a, b in edges)
        assert {ids["own"], ids["shared"]} in [set(e) for e in edges]  # the link to the shared seizure is drawn
    admin = scoped["admin"].get("/network.json").json()
    assert {ids["restricted"], ids["restricted_actor"]} <= {e["data"]["id"] for e in admin["elements"]}


def test_timeline(scoped):
    ids = scoped["ids"]
    page = scoped["analyst"].get("/timeline")
    linked = set(re.findall(r'href="/records/seizures/([^"]+)"', page.text))
    assert {ids["own"], ids["shared"]} <= linked and ids["restricted"] not in linked
    _hidden(page.text, ids)
    assert ids["restricted"] in scoped["admin"].get("/timeline").text


def test_reports_count_only_visible_records(scoped):
    ids = scoped["ids"]
    listing = scoped["analyst"].get("/reports")
    assert "Operation Scoping Test" in listing.text
    report = scoped["analyst"].get(f"/reports/{ids['operation']}")
    assert report.status_code == 200
    _hidden(report.text, ids)
    totals = re.search(TOTAL, report.text)
    assert totals and totals.group(1) == "2" and totals.group(2) == "Testamine 0.04 kg"  # 10 g own + 30 g shared
    admin = scoped["admin"].get(f"/reports/{ids['operation']}").text
    totals = re.search(TOTAL, admin)
    assert totals and totals.group(1) == "3" and totals.group(2) == "Testamine 7.82 kg"
    # B's analyst does not see A's operation (A owns it, and shares nothing with B)
    other = authed(scoped["app"], role="analyst", country=AGENCY_B[0], agency=AGENCY_B[1], handling_codes=ALL_CODES)
    assert other.get(f"/reports/{ids['operation']}").status_code == 404


def test_alerts_show_only_visible_records(scoped):
    ids = scoped["ids"]
    for who in ("analyst", "viewer"):
        page = scoped[who].get("/alerts")
        assert page.status_code == 200 and "Testamine found for the first time" in page.text
        assert ids["own_line"] in page.text and ids["shared_line"] in page.text
        _hidden(page.text, ids)
    assert ids["restricted_line"] in scoped["admin"].get("/alerts").text


def test_seizures_and_records(scoped):
    ids = scoped["ids"]
    page = scoped["analyst"].get("/seizures")
    shown = set(re.findall(r'href="/records/seizures/([^"]+)"', page.text))
    assert shown == {ids["own"], ids["shared"]}  # none of the demo agencies', none of B's restricted
    assert scoped["analyst"].get(f"/records/seizures/{ids['shared']}").status_code == 200
    refused = scoped["analyst"].get(f"/records/seizures/{ids['restricted']}")
    assert refused.status_code == 404  # the page repeats the id asked for, and nothing of the record
    assert "Geheimstad" not in refused.text and "B-SECRET" not in refused.text
    assert scoped["analyst"].get(f"/records/seizure_substances/{ids['restricted_line']}").status_code == 404
    assert scoped["admin"].get(f"/records/seizures/{ids['restricted']}").status_code == 200
    assert ids["restricted"] in scoped["admin"].get("/seizures", params={"country": "NL"}).text


def test_map_draws_outlines_and_only_visible_points(scoped):
    ids = scoped["ids"]
    page = scoped["analyst"].get("/map")
    assert page.status_code == 200 and 'data-testid="map"' in page.text
    assert len(re.findall(r'<path class="country', page.text)) >= 40  # the shipped outlines
    points = set(re.findall(r'<a href="/records/(?:seizures|production_sites)/([^"]+)"><circle', page.text))
    assert points == {ids["own"], ids["shared"]}
    _hidden(page.text, ids)
    assert re.search(r'class="country shade-[1-4]" d="[^"]+" data-country="PL"', page.text)  # shaded: A's seizure
    admin = scoped["admin"].get("/map")
    admin_points = set(re.findall(r'<a href="/records/(?:seizures|production_sites)/([^"]+)"><circle', admin.text))
    assert ids["restricted"] in admin_points and len(admin_points) > 3
    sites = scoped["admin"].get("/map", params={"kind": "site"}).text
    assert ids["own"] not in sites
    assert "no-store" in page.headers["cache-control"]
    chemist = authed(scoped["app"], role="chemist")
    assert chemist.get("/map").status_code == 403


def test_exchange_page_lists_only_visible_actors(scoped):
    ids = scoped["ids"]
    page = scoped["analyst"].get("/exchange")
    assert page.status_code == 200 and 'data-testid="exchange-actors"' in page.text
    listed = set(re.findall(r'name="ids" value="([^"]+)"', page.text))
    assert listed == {ids["own_actor"], ids["shared_actor"]}
    _hidden(page.text, ids)
    assert "no exchange keys" in page.text  # CRYSTAL_PALACE_EXCHANGE_KEYS is not set here
    assert ids["restricted_actor"] in scoped["admin"].get("/exchange").text
    assert scoped["viewer"].get("/exchange").status_code == 403


def test_alert_texts_quote_no_record_the_user_may_not_see(scoped):
    from crystal_palace.web.alert_pages import scoped_alerts

    ids = scoped["ids"]
    user = scoped["analyst"].user
    analyst = type(user)(user.username, user.role, user.country, user.agency, user.handling_codes,
                         shares=use_test_accounts(scoped["app"]).shares_for(user))
    db = str(scoped["app"].state.web.settings.db)
    alert = {"key": "k", "title": "t", "record_ids": [ids["shared_line"], ids["restricted_line"]],
             "why": f"first seen in {ids['shared_line']}, {ids['restricted_line']}; before that ss-0123456789abcdef"}
    [seen] = scoped_alerts([alert], analyst, db)
    # a hidden record id, and an id-shaped token that is no record of the store, are both withheld
    assert seen["why"] == f"first seen in {ids['shared_line']}, withheld; before that withheld"
    assert seen["record_ids"] == [ids["shared_line"]]
    assert scoped_alerts([alert], scoped["admin"].user, db) == [alert]
