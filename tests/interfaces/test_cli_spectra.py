"""crystal-palace spectra import/list/search/suspects/convert, and the /v1/spectra API."""

import json

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.interfaces.cli.main import app
from crystal_palace.web.testing import authed

runner = CliRunner()

LIBRARY = """Name: Fentanyl
SMILES: CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1
Num Peaks: 10
42 277; 57 222; 77 199; 91 163; 105 232;
132 141; 146 665; 189 377; 202 118; 245 999;

Name: Cocaine
Num Peaks: 9
42 250; 68 180; 77 200; 82 999; 94 300; 105 420; 182 850; 198 180; 303 200
"""
QUERY = "Name: seized\nNum Peaks: 5\n57 200; 105 250; 146 640; 189 390; 245 999\n"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def files(tmp_path):
    lib, query = tmp_path / "lib.msp", tmp_path / "query.msp"
    lib.write_text(LIBRARY)
    query.write_text(QUERY)
    return lib, query


def test_import_list_search_json(files, tmp_path):
    lib, query = files
    imported = run("spectra", "import", lib, "--name", "mini")
    assert imported.exit_code == 0, imported.output
    assert "imported 2 ei spectra as library 'mini'" in imported.stderr
    listed = run("spectra", "list", "--format", "json")
    assert [e["name"] for e in json.loads(listed.stdout)] == ["mini"]
    found = run("spectra", "search", query, "--library", "mini", "--format", "json", "--top", "1",
                "--plot", tmp_path / "plots")
    assert found.exit_code == 0, found.output
    (result,) = json.loads(found.stdout)
    assert result["query"] == "seized"
    (hit,) = result["hits"]
    assert hit["name"] == "Fentanyl" and hit["inchikey"] == "PJMPHNIQZUBGLI-UHFFFAOYSA-N"
    assert 0.8 < hit["score"] <= 1.0 and hit["family"] == "fentanyl_analogue"
    assert (tmp_path / "plots").is_dir() and result["plot"].endswith(".svg")


def test_search_text_output(files):
    lib, query = files
    run("spectra", "import", lib, "--name", "mini")
    found = run("spectra", "search", query, "--library", "mini", "--no-legal", "--report", query.parent / "r.html")
    assert found.exit_code == 0
    html = (query.parent / "r.html").read_text()
    assert "<svg" in html and "Fentanyl" in html and "fentanyl_analogue" in html
    assert "1. MF" in found.stdout and "Fentanyl  (fentanyl_analogue)" in found.stdout
    assert "family hint  fentanyl_analogue" in found.stdout


def test_malformed_library_is_one_line_naming_the_record_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.msp"
    bad.write_text(LIBRARY.replace("Num Peaks: 9", "Num Peaks: 12"))
    result = run("spectra", "import", bad, "--name", "bad")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "bad.msp#2 'Cocaine'" in result.stderr and "truncated" in result.stderr
    assert json.loads(run("spectra", "list", "--format", "json").stdout) == []


def test_unknown_library_and_wrong_encoding(files, tmp_path):
    _, query = files
    assert "no spectral library called 'nope'" in run("spectra", "search", query, "--library", "nope").stderr
    latin = tmp_path / "latin.msp"
    latin.write_bytes(LIBRARY.replace("Cocaine", "Cocaína").encode("latin-1"))
    result = run("spectra", "import", latin, "--name", "latin")
    assert result.exit_code == 1 and "not valid utf-8" in result.stderr and "latin.msp#2 (line 7)" in result.stderr
    assert run("spectra", "import", latin, "--name", "latin", "--encoding", "latin-1").exit_code == 0


def test_suspects_and_convert(tmp_path, files):
    result = run("spectra", "suspects", "--mz", "194.11756", "--format", "json")
    assert result.exit_code == 0, result.output
    (feature,) = json.loads(result.stdout)
    assert any(c["name"] == "MDMA" and c["adduct"] == "[M+H]+" for c in feature["candidates"])
    assert "MDMA" in run("spectra", "suspects", "--mz", "194.11756").stdout
    assert run("spectra", "suspects").exit_code != 0
    lib, _ = files
    converted = run("spectra", "convert", lib, tmp_path / "lib.mgf")
    assert converted.exit_code == 0 and (tmp_path / "lib.mgf").read_text().count("BEGIN IONS") == 2


# -- API --------------------------------------------------------------------------------------------------

def test_api_import_search_and_errors():
    client = authed(create_app(), raise_server_exceptions=False)
    imported = client.post("/v1/spectra/libraries", json={"name": "mini", "text": LIBRARY})
    assert imported.status_code == 200 and imported.json()["count"] == 2
    assert [e["name"] for e in client.get("/v1/spectra/libraries").json()] == ["mini"]
    body = {"library": "mini", "top": 1, "plot": True, "legal": False,
            "spectra": [{"name": "seized", "peaks": [[57, 200], [146, 640], [189, 390], [245, 999]]}]}
    found = client.post("/v1/spectra/search", json=body)
    assert found.status_code == 200, found.text
    (result,) = found.json()
    assert result["hits"][0]["name"] == "Fentanyl" and result["svg"].startswith("<svg")
    bad = client.post("/v1/spectra/search", json={**body, "spectra": [{"name": "neg", "peaks": [[57, -1]]}]})
    assert bad.status_code == 422 and "negative intensity" in bad.json()["error"]
    assert client.post("/v1/spectra/search", json={**body, "library": "nope"}).status_code == 422
    broken = client.post("/v1/spectra/libraries", json={"name": "broken", "text": LIBRARY[:-30]})
    assert broken.status_code == 422 and "truncated" in broken.json()["error"]
    assert [e["name"] for e in client.get("/v1/spectra/libraries").json()] == ["mini"]


def test_api_suspects():
    client = authed(create_app(), raise_server_exceptions=False)
    response = client.post("/v1/spectra/suspects", json={"features": [{"mz": 194.11756, "name": "f1",
                                                                        "fragments": [163.0754]}]})
    assert response.status_code == 200
    (feature,) = response.json()
    mdma = next(c for c in feature["candidates"] if c["name"] == "MDMA")
    assert mdma["fragments_explained"] == 1
    assert client.post("/v1/spectra/suspects", json={"features": [], "ppm": 5}).status_code == 422
