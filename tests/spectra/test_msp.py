import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.msp import load_from_msp, save_as_msp

NIST = """Name: Fentanyl analogue
Synon: first
Synon: second
Formula: C23H30N2O
CAS#: 90736-18-8;  NIST#: 248323
Num Peaks: 5
57 75; 105 68; 146 663;
189 342; 245 999;
"""

MONA = """Name: 2C-B
Precursor_type: [M+H]+
PrecursorMZ: 260.0281
Comments: "SMILES=COc1cc(CCN)c(OC)cc1Br" "InChIKey=YMHOBZXQZVXHBM-UHFFFAOYSA-N" "computed mass=259.02"
Num Peaks: 3
243.0015 100 "p-NH3"
228.9859 35
199.9832 12
"""


def write(tmp_path, text, name="x.msp", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_nist_flavour_packed_fields_and_multi_peak_lines(tmp_path):
    (s,) = load_from_msp(write(tmp_path, NIST))
    assert s.mz.tolist() == [57, 105, 146, 189, 245]
    assert s.get("cas") == "90736-18-8" and s.metadata["nist#"] == "248323"
    assert s.metadata["synon"] == "first|second"
    assert s.record.startswith("x.msp#1 'Fentanyl analogue'")


def test_mona_flavour_comments_and_annotations(tmp_path):
    (s,) = load_from_msp(write(tmp_path, MONA))
    assert s.get("smiles") == "COc1cc(CCN)c(OC)cc1Br"
    assert s.get("inchikey") == "YMHOBZXQZVXHBM-UHFFFAOYSA-N"
    assert s.precursor_mz == pytest.approx(260.0281)
    assert s.intensities.tolist() == [12, 35, 100]


def test_records_without_blank_line_between_them(tmp_path):
    spectra = load_from_msp(write(tmp_path, NIST.strip() + "\n" + MONA))
    assert [s.name for s in spectra] == ["Fentanyl analogue", "2C-B"]


def test_round_trip(tmp_path):
    spectra = load_from_msp(write(tmp_path, NIST + "\n" + MONA))
    out = tmp_path / "out.msp"
    assert save_as_msp(spectra, out) == 2
    again = load_from_msp(out)
    assert [s.name for s in again] == [s.name for s in spectra]
    for a, b in zip(spectra, again, strict=True):
        assert a.mz.tolist() == pytest.approx(b.mz.tolist())
        assert a.intensities.tolist() == pytest.approx(b.intensities.tolist())
        assert a.get("smiles") == b.get("smiles")


@pytest.mark.parametrize(("text", "field", "words", "record"), [
    (NIST.replace("189 342; 245 999;\n", ""), "Num Peaks", "truncated: 'Num Peaks' says 5", "#1 'Fentanyl analogue'"),
    (MONA + "\n" + NIST.replace("146 663", "146 -3"), "intensity", "negative intensity -3", "#2 'Fentanyl analogue'"),
    (NIST.replace("Num Peaks: 5\n57 75; 105 68; 146 663;\n189 342; 245 999;\n", "Num Peaks: 0\n"), "peaks",
     "no peaks", "#1"),
    (NIST.replace("105 68", "105 lots"), "peaks", "is not an 'm/z intensity' pair", "#1"),
    (NIST.replace("Num Peaks: 5", "Num Peaks: five"), "Num Peaks", "not a whole number", "#1"),
    ("Name: X\n10 20\n", "Num Peaks", "without a 'Num Peaks' line", "#1 'X'"),
    ("Name: X\n\n", "Num Peaks", "no 'Num Peaks' line", "#1 'X'"),
])
def test_malformed_records_name_record_and_field(tmp_path, text, field, words, record):
    with pytest.raises(InvalidInput) as caught:
        load_from_msp(write(tmp_path, text))
    assert caught.value.field == field
    assert words in caught.value.reason
    assert record in caught.value.record


def test_wrong_encoding_names_the_line_and_can_be_overridden(tmp_path):
    text = MONA + "\n" + NIST.replace("Fentanyl analogue", "Fentanyl análogo")
    path = write(tmp_path, text, encoding="latin-1")
    with pytest.raises(InvalidInput) as caught:
        load_from_msp(path)
    assert caught.value.field == "encoding"
    assert caught.value.record.startswith("x.msp#2") and "line 10" in caught.value.reason
    assert "0xe1" in caught.value.reason and "latin-1" in caught.value.reason
    assert load_from_msp(path, encoding="latin-1")[1].name == "Fentanyl análogo"


def test_missing_file(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        load_from_msp(tmp_path / "absent.msp")


def test_colon_pairs_on_one_line(tmp_path):
    (s,) = load_from_msp(write(tmp_path, "Name: a\nNum Peaks: 3\n41:10 58:999 91:120\n"))
    assert s.mz.tolist() == [41, 58, 91] and s.intensities.tolist() == [10, 999, 120]
