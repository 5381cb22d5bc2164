"""The spectra workflows end to end: import, search with verdicts and plots, suspect screening."""

from pathlib import Path

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import make_spectrum

MINI = """Name: Fentanyl
SMILES: CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1
Num Peaks: 10
42 277; 57 222; 77 199; 91 163; 105 232;
132 141; 146 665; 189 377; 202 118; 245 999;

Name: Mephedrone
InChIKey: PADFFXXWOJUYSZ-UHFFFAOYSA-N
Num Peaks: 8
42 60; 58 999; 65 50; 91 120; 119 180; 120 20; 160 5; 177 3

Name: Cocaine
Num Peaks: 9
42 250; 68 180; 77 200; 82 999; 94 300; 105 420; 182 850; 198 180; 303 200
"""


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))


@pytest.fixture
def library(tmp_path) -> str:
    path = tmp_path / "mini.msp"
    path.write_text(MINI)
    info = crystal_palace.import_library(path, "mini")
    assert info["count"] == 3 and info["kind"] == "ei"
    return "mini"


def test_search_hits_carry_identity_family_and_legal_status(library, tmp_path):
    query = make_spectrum([57, 105, 146, 189, 245, 246], [200, 250, 640, 390, 999, 170], {"name": "seized powder"})
    (result,) = crystal_palace.search_spectra(query, library, top=2, plot_dir=tmp_path / "plots")
    assert result["query"] == "seized powder" and result["kind"] == "ei"
    best = result["hits"][0]
    assert best["name"] == "Fentanyl" and best["score"] > 0.7 and best["match_factor"] >= 800  # entropy sim.
    assert best["identity"]["name"] == "Fentanyl" and best["family"] == "fentanyl_analogue"
    assert any(v["jurisdiction"] == "UN" and v["controlled"] for v in best["legal"])
    assert best["inchikey"] == "PJMPHNIQZUBGLI-UHFFFAOYSA-N"  # filled in from the structure
    assert Path(result["plot"]).read_text().startswith("<svg")
    assert result["analogue"]["family_hint"]["family"] == "fentanyl_analogue"


def test_hits_resolved_by_inchikey_and_by_known_name(library):
    results = crystal_palace.search_spectra(
        [make_spectrum([58, 91, 119], [999, 120, 180], {"name": "q1"}),
         make_spectrum([82, 182, 303], [999, 850, 200], {"name": "q2"})], library, top=1, legal=False)
    assert results[0]["hits"][0]["family"] == "synthetic_cathinone"
    assert results[1]["hits"][0]["identity"]["name"] == "Cocaine"


def test_search_from_a_file_and_bad_queries_are_reported_per_query(library, tmp_path):
    path = tmp_path / "q.msp"
    path.write_text("Name: ok\nNum Peaks: 3\n82 999; 182 850; 303 200\n\nName: far\nNum Peaks: 1\n70000 5\n")
    ok, far = crystal_palace.search_spectra(path, library, identify_hits=False)
    assert ok["hits"][0]["name"] == "Cocaine" and not ok["errors"]
    assert far["hits"] == [] and far["errors"][0]["field"] == "peaks" and "q.msp#2 'far'" in far["errors"][0]["record"]


def test_search_option_errors(library):
    query = make_spectrum([58], [1], {"name": "q"})
    with pytest.raises(InvalidInput, match="top"):
        crystal_palace.search_spectra(query, library, top=0)
    with pytest.raises(InvalidInput, match="EI search method"):
        crystal_palace.search_spectra(query, library, method="hybrid")
    with pytest.raises(InvalidInput, match="no spectral library called 'nope'"):
        crystal_palace.search_spectra(query, "nope")


def test_list_libraries(library):
    assert [lib["name"] for lib in crystal_palace.list_spectral_libraries()] == ["mini"]


def test_suspect_screen_from_csv_and_values(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("name,mz,rt,fragments\nf1,194.11756,3.2,163.0754 135.0441\nf2,100.0,1.0,\n")
    f1, f2 = crystal_palace.suspect_screen(path)
    assert f1["query"] == "f1" and f1["retention_time"] == 3.2
    mdma = next(c for c in f1["candidates"] if c["name"] == "MDMA")
    assert mdma["fragments_explained"] == 2
    assert f2["candidates"] == []
    (plain,) = crystal_palace.suspect_screen([194.11756])
    assert any(c["name"] == "MDMA" for c in plain["candidates"])
    bad = tmp_path / "bad.csv"
    bad.write_text("name,mz\nx,abc\n")
    with pytest.raises(InvalidInput) as caught:
        crystal_palace.suspect_screen(bad)
    assert "bad.csv, line 2" in caught.value.record


def test_suspect_screen_from_an_mgf_with_an_msms_library(tmp_path):
    mgf = tmp_path / "q.mgf"
    mgf.write_text("BEGIN IONS\nTITLE=unknown\nPEPMASS=194.11756\n163.0754 100\n135.0441 40\n105.0699 20\nEND IONS\n")
    lib = tmp_path / "ref.msp"
    lib.write_text("Name: MDMA\nInChIKey: SHXWCVYOXRDMCX-UHFFFAOYSA-N\nPrecursorMZ: 194.1176\nNum Peaks: 3\n"
                   "163.0754 100\n135.0441 45\n105.0699 15\n")
    crystal_palace.import_library(lib, "ref", kind="msms")
    (result,) = crystal_palace.suspect_screen(mgf, msms_library="ref")
    mdma = next(c for c in result["candidates"] if c["name"] == "MDMA")
    assert mdma["library_similarity"] > 0.9 and mdma["fragments_explained"] == 3
