"""The "Search a spectrum" page (present when the spectra workflow is installed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crystal_palace.web.testing import log_in, page_csrf

pytest.importorskip("crystal_palace.workflows.spectra")

LIBRARY = """Name: Fentanyl
SMILES: CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1
Num Peaks: 10
42 277; 57 222; 77 199; 91 163; 105 232;
132 141; 146 665; 189 377; 202 118; 245 999;

Name: Mephedrone
SMILES: CNC(C)C(=O)c1ccc(C)cc1
Num Peaks: 8
42 60; 58 999; 65 50; 91 120; 119 180; 120 20; 160 5; 177 3

"""
QUERY = b"""Name: seized powder
Num Peaks: 8
42 55; 58 990; 65 40; 91 130; 119 170; 120 25; 160 6; 177 4

"""


@pytest.fixture
def with_library(tmp_path, monkeypatch):
    from crystal_palace.workflows.spectra import import_library

    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))
    (tmp_path / "lib.msp").write_text(LIBRARY)
    import_library(tmp_path / "lib.msp", "mini")


def test_search_a_spectrum_shows_hits_identity_legal_and_the_plot(web_app, with_library):
    client = TestClient(web_app)
    log_in(client, "alice", "correct horse battery")
    page = client.get("/spectra")
    assert "mini (ei, 2 spectra)" in page.text
    csrf = page_csrf(client, "/spectra")
    result = client.post("/spectra", data={"csrf_token": csrf, "library": "mini"},
                         files={"file": ("powder.msp", QUERY)}, headers={"HX-Request": "true"})
    assert result.status_code == 200 and 'data-testid="spectrum-result"' in result.text
    assert "seized powder" in result.text and "Mephedrone" in result.text and "synthetic_cathinone" in result.text
    assert "UN" in result.text and 'src="data:image/svg+xml;base64,' in result.text
    bad = client.post("/spectra", data={"csrf_token": csrf, "library": "nope"}, files={"file": ("p.msp", QUERY)})
    assert bad.status_code == 422 and "imported libraries" in bad.text


def test_no_library_is_explained(web_app, tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "empty"))
    client = TestClient(web_app)
    log_in(client, "vera", "correct horse battery")
    assert "No spectral library is imported" in client.get("/spectra").text
