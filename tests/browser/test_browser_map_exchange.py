"""The map and the exchange page in a real browser: scoped points on shipped outlines, a match, an import."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def log_in(page, server, username, password):
    page.goto(server.url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def test_the_map_of_the_seizures_an_analyst_may_see(page, server, screenshots):
    pytest.importorskip("crystal_palace.workflows.analysis")
    log_in(page, server, "anna", server.analyst_password)
    page.click("nav >> text=Map")
    svg = page.wait_for_selector("[data-testid=map]")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 300  # laid out, visible
    assert page.locator("[data-testid=map] path.country").count() >= 40  # the vendored outlines, no request out
    points = page.locator("[data-testid=map] circle.point")
    assert points.count() >= 1
    owners = {row.split("\t")[0] for row in page.inner_text("[data-testid=map-countries] tbody").splitlines()}
    assert owners == {"NL"}  # anna (NL Politie, no partner shares) sees only her agency's records
    assert "sz-pl-0001" not in page.content()
    page.screenshot(path=str(screenshots / "16-map-analyst.png"), full_page=True)
    assert page.console_errors == []  # nothing loaded from elsewhere, nothing refused by the CSP


def test_the_admin_map_shows_every_country(page, server, screenshots):
    pytest.importorskip("crystal_palace.workflows.analysis")
    log_in(page, server, "admin", server.admin_password)
    page.goto(server.url + "/map")
    page.wait_for_selector("[data-testid=map]")
    owners = {row.split("\t")[0] for row in page.inner_text("[data-testid=map-countries] tbody").splitlines()}
    assert len(owners) >= 3 and "NL" in owners and "PL" in owners
    assert page.locator("[data-testid=map] path.country.shade-1, [data-testid=map] path.country.shade-2,"
                        " [data-testid=map] path.country.shade-3, [data-testid=map] path.country.shade-4").count() >= 3
    page.screenshot(path=str(screenshots / "17-map-admin.png"), full_page=True)
    assert page.console_errors == []


def test_exchange_match_and_import(page, server, tmp_path, screenshots):
    pytest.importorskip("crystal_palace.workflows.exchange")
    from crystal_palace.exchange.package import PartyKeys, PartyPublic, load_json
    from crystal_palace.workflows.exchange import pack

    log_in(page, server, "anna", server.analyst_password)
    page.click("nav >> text=Exchange")
    status = page.inner_text("[data-testid=exchange-status]")
    assert server.party in status and server.partner in status
    listed = page.locator("[data-testid=exchange-actors] input[name=ids]").count()
    assert listed >= 1
    page.screenshot(path=str(screenshots / "18-exchange.png"), full_page=True)

    chosen = page.locator("[data-testid=exchange-actors] input[name=ids]").first
    chosen.check()  # a package of one record for the partner: a plain form post with the CSRF field
    with page.expect_download() as download:
        page.click("#package-button")
    sent = tmp_path / "package-out.json"
    download.value.save_as(sent)
    header = json.loads(sent.read_text())["header"]
    assert header["sender"] == server.party and header["recipient"] == server.partner

    secret = "7a" * 32
    form = page.locator("[data-testid=encodings-form]")
    form.locator("input[name=secret]").fill(secret)
    with page.expect_download() as download:
        form.locator("button").click()
    ours = tmp_path / "encodings.json"
    download.value.save_as(ours)
    encoded = json.loads(ours.read_text())
    assert encoded["count"] >= 1 and encoded["format"].startswith("crystal-palace/clk")
    # the partner's side: the same people, as the partner would have encoded them (here: our own file)
    page.fill("#secret", secret)
    page.set_input_files("#encodings", str(ours))
    page.click("#match-button")
    summary = page.wait_for_selector("[data-testid=match-summary]")
    assert f"<strong>{encoded['count']}</strong>" in summary.inner_html()
    assert page.locator("[data-testid=matches] a[href^='/records/actors/']").count() == encoded["count"]
    page.screenshot(path=str(screenshots / "19-exchange-matches.png"), full_page=True)

    partner = PartyKeys.from_dict(load_json(server.folder / "partner" / f"{server.partner}.key", "key"))
    us = PartyPublic.from_dict(load_json(server.folder / "keys" / f"{server.party}.pub", "key"))
    package = pack([{"id": "pl-cbzc-1", "schema": "Person", "name": "Zbigniew Testowy", "first_name": "Zbigniew",
                     "last_name": "Testowy"}], sender=partner, recipient=us, handling="H1", audit=False)
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    page.set_input_files("#package", str(path))
    page.click("#import-button")
    result = page.wait_for_selector("[data-testid=import-result]")
    assert server.partner in result.inner_text() and "NL · Politie" in result.inner_text()
    page.screenshot(path=str(screenshots / "20-exchange-imported.png"), full_page=True)
    page.goto(server.url + "/exchange")
    assert "Zbigniew Testowy" in page.inner_text("[data-testid=received]")  # shared with anna's agency
    assert page.console_errors == []
