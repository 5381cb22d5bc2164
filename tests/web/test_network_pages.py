"""The network page: a scoped network of the store, drawn by Cytoscape from /network.json."""

from __future__ import annotations

import pytest

pytest.importorskip("crystal_palace.workflows.analysis")

from crystal_palace.interfaces.api.app import create_app  # noqa: E402
from crystal_palace.web.settings import WebSettings  # noqa: E402
from crystal_palace.web.testing import authed  # noqa: E402


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from crystal_palace.demo import generate
    from crystal_palace.store.backend import open_store

    db = tmp_path_factory.mktemp("network") / "store.duckdb"
    data = generate(seizures=60, seed=3)
    store = open_store(str(db))
    store.write_frames(data.tables)
    store.close()
    return create_app(WebSettings(auth_required=True, db=str(db))), data


def test_an_analyst_sees_only_his_agencys_part_of_the_network(demo_app):
    app, data = demo_app
    admin = authed(app).get("/network.json").json()
    analyst_client = authed(app, role="analyst", country="PL", agency="KGP", handling_codes=["H0", "H1"])
    analyst = analyst_client.get("/network.json").json()
    nodes = {e["data"]["id"] for e in analyst["elements"] if "source" not in e["data"]}
    all_nodes = {e["data"]["id"] for e in admin["elements"] if "source" not in e["data"]}
    mine = {r.id for t in ("seizures", "samples", "actors", "production_sites") if t in data.tables
            for r in data.tables[t].itertuples() if (r.country, r.agency) == ("PL", "KGP") and r.handling_code in
            ("H0", "H1")}
    assert nodes and nodes < all_nodes
    assert nodes <= mine  # nothing of another agency, nothing above H1
    for edge in (e["data"] for e in analyst["elements"] if "source" in e["data"]):
        assert edge["source"] in nodes and edge["target"] in nodes  # no edge to a record he may not see


def test_the_page_lists_central_records_and_loads_the_drawing_from_files(demo_app):
    app, _ = demo_app
    page = authed(app).get("/network")
    assert page.status_code == 200 and "Records that tie the network together" in page.text
    assert '<script src="/static/vendor/cytoscape.min.js" defer></script>' in page.text
    assert 'data-src="/network.json"' in page.text
    chemist = authed(app, role="chemist")
    assert chemist.get("/network").status_code == 403 and chemist.get("/network.json").status_code == 403


def test_no_store_is_explained(tmp_path):
    app = create_app(WebSettings(auth_required=True, db=str(tmp_path / "missing.duckdb")))
    page = authed(app).get("/network")
    assert page.status_code == 200 and "no such store" in page.text


def test_reports_list_the_visible_operations_and_count_visible_records(demo_app):
    app, data = demo_app
    admin = authed(app)
    listing = admin.get("/reports")
    operations = data.tables["operations"]
    assert listing.status_code == 200 and all(name in listing.text for name in operations["name"])
    first = operations.iloc[0]
    report = admin.get(f"/reports/{first['id']}")
    assert report.status_code == 200 and 'data-testid="report"' in report.text and first["name"] in report.text
    outsider = authed(app, role="analyst", country="FR", agency="OFAST")  # owns no operation
    assert first["name"] not in outsider.get("/reports").text
    assert outsider.get(f"/reports/{first['id']}").status_code == 404
    assert admin.get("/reports/op-nonexistent").status_code == 404


def test_seizures_table_is_filtered_in_sql_by_the_scoping_rule(demo_app):
    import re

    app, data = demo_app
    seizures = data.tables["seizures"]
    analyst = authed(app, role="analyst", country="PL", agency="KGP", handling_codes=["H0", "H1"])
    page = analyst.get("/seizures")
    mine = seizures[(seizures.country == "PL") & (seizures.agency == "KGP") & seizures.handling_code.isin(["H0", "H1"])]
    assert page.status_code == 200 and f"{len(mine)} seizures that you may see" in page.text
    shown = set(re.findall(r'href="/records/seizures/([^"]+)"', page.text))
    assert shown == set(mine.id)
    admin = authed(app).get("/seizures", params={"country": "PL"})
    assert f"{int((seizures.country == 'PL').sum())} seizures that you may see in PL" in admin.text
    assert authed(app).get("/seizures", params={"country": "Poland"}).status_code == 422


def test_timeline_shows_only_visible_events_by_month(demo_app):
    import re

    app, data = demo_app
    seizures = data.tables["seizures"]
    analyst = authed(app, role="analyst", country="PL", agency="KGP", handling_codes=["H0", "H1"])
    page = analyst.get("/timeline")
    assert page.status_code == 200 and 'data-testid="timeline"' in page.text and "<progress" in page.text
    linked = set(re.findall(r'href="/records/seizures/([^"]+)"', page.text))
    mine = seizures[(seizures.country == "PL") & (seizures.agency == "KGP") & seizures.handling_code.isin(["H0", "H1"])]
    assert linked == set(mine.id)
