"""The web application in a real browser: log in, identify (typed and dropped file), scoping, audit."""

from __future__ import annotations

import pytest
from rdkit import Chem

MDMA = "CNC(C)Cc1ccc2OCOc2c1"
pytestmark = pytest.mark.slow


def log_in(page, server, username, password):
    page.goto(server.url + "/")
    assert page.locator("input[name=password]").is_visible()  # the login form, answering 401
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def test_login_page(page, server, screenshots):
    response = page.goto(server.url + "/login")
    assert response.status == 200 and page.title().startswith("Log in")
    assert response.headers["x-frame-options"] == "DENY" and "script-src 'self'" in response.headers[
        "content-security-policy"]
    page.screenshot(path=str(screenshots / "01-login.png"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong user name or password" in page.inner_text("main")
    assert page.console_errors == []


def test_admin_logs_in_and_identifies_a_structure(page, server, screenshots):
    log_in(page, server, "admin", server.admin_password)
    assert "admin" in page.inner_text("header") and "NL · Politie" in page.inner_text("header")
    page.screenshot(path=str(screenshots / "02-home.png"))
    page.click("nav >> text=Identify")
    page.fill("#query", MDMA)  # the live depiction comes as the user types
    page.wait_for_selector("#preview img")
    page.screenshot(path=str(screenshots / "03-identify-preview.png"))
    page.click("#identify-button")
    verdict = page.wait_for_selector("[data-testid=verdict]")
    text = verdict.inner_text()
    assert "MDMA" in text and "phenethylamine" in text and "Legal status" in text
    assert page.locator("table.legal tbody tr").count() >= 3  # one row per jurisdiction
    assert page.locator("[data-testid=verdict] figure img").count() == 1  # the structure, atoms highlighted
    page.screenshot(path=str(screenshots / "04-identify-verdict.png"), full_page=True)
    assert page.console_errors == []  # no CSP violation, no script error


def test_drop_a_mol_file(page, server, tmp_path, screenshots):
    log_in(page, server, "admin", server.admin_password)
    page.goto(server.url + "/identify")
    mol = tmp_path / "seized.mol"
    mol.write_text(Chem.MolToMolBlock(Chem.MolFromSmiles("CNC(C)C(=O)c1ccc(C)cc1")))
    page.set_input_files("input[type=file]", str(mol))
    page.click("#identify-button")
    verdict = page.wait_for_selector("[data-testid=verdict]")
    assert "Mephedrone" in verdict.inner_text() or "mephedrone" in verdict.inner_text().lower()
    page.screenshot(path=str(screenshots / "05-identify-mol-file.png"), full_page=True)
    assert page.console_errors == []


def test_an_analyst_cannot_open_another_agencys_restricted_record(page, server, screenshots):
    log_in(page, server, "anna", server.analyst_password)
    own = page.goto(server.url + "/records/seizures/sz-nl-0001")
    assert own.status == 200 and "Venlo" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "06-record-own-agency.png"))
    other = page.goto(server.url + "/records/seizures/sz-pl-0001")
    assert other.status == 404 and "Gdansk" not in page.content()
    assert "that you may see" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "07-record-other-agency-refused.png"))
    assert page.goto(server.url + "/audit").status == 403  # analysts do not read the audit trail
    page.goto(server.url + "/seizures")
    table = page.inner_text("[data-testid=seizures]")
    assert "Venlo" in table and "Gdansk" not in table  # the listing is scoped too
    page.screenshot(path=str(screenshots / "12-seizures-analyst.png"), full_page=True)


def test_admin_reads_the_audit_trail(page, server, screenshots):
    log_in(page, server, "admin", server.admin_password)
    page.goto(server.url + "/audit")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() > 5
    assert "sz-pl-0001" in page.inner_text("table.audit")  # anna's refused attempt is on record
    page.screenshot(path=str(screenshots / "08-audit.png"), full_page=True)


MANIFEST = """product,cas,quantity,unit,consignee
Piperonyl methyl ketone,4676-39-5,200,kg,ACME BV
Safrole,94-59-7,100,l,ACME BV
Sodium chloride,7647-14-5,1000,kg,Salt SA
"""


def test_screen_a_manifest(page, server, tmp_path, screenshots):
    pytest.importorskip("crystal_palace.workflows.precursors")
    log_in(page, server, "anna", server.analyst_password)
    page.click("nav >> text=Screen a manifest")
    manifest = tmp_path / "order.csv"
    manifest.write_text(MANIFEST)
    page.set_input_files("input[type=file]", str(manifest))
    page.click("#screen-button")
    result = page.wait_for_selector("[data-testid=manifest-result]")
    text = result.inner_text()
    assert "order.csv: 3 rows" in text and "MDMA" in text and "ACME BV" in text
    assert page.locator("tr.risk-scheduled").count() == 2
    page.screenshot(path=str(screenshots / "09-manifest.png"), full_page=True)
    assert page.console_errors == []


def test_open_the_network(page, server, screenshots):
    pytest.importorskip("crystal_palace.workflows.analysis")
    log_in(page, server, "admin", server.admin_password)
    page.click("nav >> text=Network")
    page.wait_for_selector("#network-canvas[data-drawn]", timeout=60_000)
    assert int(page.get_attribute("#network-canvas", "data-drawn")) > 20
    assert page.locator("#network-canvas canvas").count() >= 1  # Cytoscape drew it
    page.screenshot(path=str(screenshots / "10-network.png"), full_page=True)
    assert page.console_errors == []  # Cytoscape runs under the strict CSP


def test_open_a_report(page, server, screenshots):
    pytest.importorskip("crystal_palace.workflows.analysis")
    log_in(page, server, "admin", server.admin_password)
    page.click("nav >> text=Reports")
    page.click("table.operations a >> nth=0")
    report = page.wait_for_selector("[data-testid=report]")
    assert "total" in report.inner_text()
    page.screenshot(path=str(screenshots / "11-report.png"), full_page=True)
    page.click("nav >> text=Timeline")
    page.click("[data-testid=timeline] summary >> nth=0")  # open the newest month
    assert page.locator("[data-testid=timeline] details[open] tr").count() >= 1
    page.screenshot(path=str(screenshots / "13-timeline.png"), full_page=True)
    assert page.console_errors == []


def test_acknowledge_an_alert_in_place(page, server, screenshots):
    pytest.importorskip("crystal_palace.workflows.warn")
    log_in(page, server, "anna", server.analyst_password)
    page.click("nav >> text=Alerts")
    first = page.locator("[data-testid=alerts] tbody tr").first
    row_id = first.get_attribute("id")
    first.locator("button").click()  # htmx posts with the session's CSRF header and swaps the row
    page.wait_for_selector(f"#{row_id} >> text=by anna")
    page.screenshot(path=str(screenshots / "14-alerts.png"), full_page=False)
    assert page.console_errors == []
