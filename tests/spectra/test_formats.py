"""MGF, JCAMP-DX and mzML readers, the writers, and choosing the format by extension."""

import base64
import struct

import numpy as np
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.formats import detect_format, read_spectra, write_spectra
from crystal_palace.spectra.mgf import load_from_mgf
from crystal_palace.spectra.model import make_spectrum
from crystal_palace.spectra.mzml import load_from_mzml, save_as_mzml_minimal

MGF = """# exported
BEGIN IONS
TITLE=Fentanyl [M+H]+
PEPMASS=337.2274 12000
CHARGE=1+
SMILES=CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1
105.0699 30
188.1434 999
END IONS

BEGIN IONS
TITLE=second
PEPMASS=200.1
99.5 10
END IONS
"""

JCAMP = """##TITLE=Cocaine
##JCAMP-DX=4.24
##DATA TYPE=MASS SPECTRUM
##CAS REGISTRY NO=50-36-2
##MOLFORM=C17 H21 N O4
##NPOINTS=4
##PEAK TABLE=(XY..XY)
82,999 182,850
303,200 105,420
##END=
##TITLE=Second block
##DATA TYPE=MASS SPECTRUM
##XYDATA=(X++(Y..Y))
40 10 0 30
##END=
"""


def test_mgf(tmp_path):
    path = tmp_path / "q.mgf"
    path.write_text(MGF)
    first, second = load_from_mgf(path)
    assert first.name == "Fentanyl [M+H]+" and first.precursor_mz == pytest.approx(337.2274)
    assert first.get("smiles").startswith("CCC(=O)") and first.mz.tolist() == [105.0699, 188.1434]
    assert second.precursor_mz == pytest.approx(200.1)


def test_mgf_truncated_block(tmp_path):
    path = tmp_path / "q.mgf"
    path.write_text(MGF.rsplit("END IONS", 1)[0])
    with pytest.raises(InvalidInput) as caught:
        load_from_mgf(path)
    assert caught.value.field == "END IONS" and "q.mgf#2" in caught.value.record


def test_jcamp_peak_table_and_xydata(tmp_path):
    path = tmp_path / "c.jdx"
    path.write_text(JCAMP)
    cocaine, second = read_spectra(path)
    assert cocaine.name == "Cocaine" and cocaine.get("cas") == "50-36-2"
    assert cocaine.mz.tolist() == [82, 105, 182, 303]
    assert second.mz.tolist() == [40, 42]  # y values at 40, 41, 42; the zero at 41 is no peak


def test_jcamp_compressed_and_truncated_are_refused(tmp_path):
    path = tmp_path / "c.jdx"
    path.write_text(JCAMP.replace("82,999 182,850", "82A99J"))
    with pytest.raises(InvalidInput, match="compressed ASDF"):
        read_spectra(path)
    path.write_text(JCAMP.split("##END=")[0])
    with pytest.raises(InvalidInput) as caught:
        read_spectra(path)
    assert caught.value.field == "##END" and "c.jdx#1" in caught.value.record


def test_mzml_round_trip_zlib_64bit(tmp_path):
    spectra = [make_spectrum([105.07, 188.14], [30, 999], {"name": "fentanyl", "precursor_mz": "337.2274"}),
               make_spectrum([41.0, 58.0], [10, 100], {"name": "ei"})]
    path = tmp_path / "run.mzML"
    save_as_mzml_minimal(spectra, path)
    msms, ei = load_from_mzml(path)
    assert msms.precursor_mz == pytest.approx(337.2274) and msms.mz.tolist() == pytest.approx([105.07, 188.14])
    assert ei.precursor_mz is None and ei.metadata["ms level"] == "1"
    assert [s.name for s in load_from_mzml(path, ms_level=2)] == ["fentanyl"]


def _array(values, dtype, accession):
    raw = base64.b64encode(struct.pack(f"<{len(values)}{dtype}", *values)).decode()
    precision = "MS:1000521" if dtype == "f" else "MS:1000523"
    return (f'<binaryDataArray><cvParam accession="{precision}"/><cvParam accession="MS:1000576"/>'
            f'<cvParam accession="{accession}"/><binary>{raw}</binary></binaryDataArray>')


def mzml(body_params, mz=(50.0, 60.0), intensity=(5.0, 10.0)):
    return ('<?xml version="1.0"?><mzML xmlns="http://psi.hupo.org/ms/mzml"><run><spectrumList>'
            f'<spectrum id="scan=7" index="0">{body_params}<binaryDataArrayList>'
            f'{_array(mz, "f", "MS:1000514")}{_array(intensity, "d", "MS:1000515")}'
            '</binaryDataArrayList></spectrum></spectrumList></run></mzML>')


def test_mzml_32bit_uncompressed(tmp_path):
    path = tmp_path / "a.mzML"
    path.write_text(mzml('<cvParam accession="MS:1000127"/>'))
    (s,) = load_from_mzml(path)
    assert s.mz.tolist() == [50.0, 60.0] and s.intensities.tolist() == [5.0, 10.0]


def test_mzml_profile_negative_and_broken_xml(tmp_path):
    path = tmp_path / "a.mzML"
    path.write_text(mzml('<cvParam accession="MS:1000128"/>'))
    with pytest.raises(InvalidInput) as caught:
        load_from_mzml(path)
    assert "centroid" in caught.value.reason and "'scan=7'" in caught.value.record
    path.write_text(mzml("", intensity=(5.0, -1.0)))
    with pytest.raises(InvalidInput) as caught:
        load_from_mzml(path)
    assert caught.value.field == "intensity" and "scan=7" in caught.value.record
    path.write_text(mzml("")[:-40])
    with pytest.raises(InvalidInput) as caught:
        load_from_mzml(path)
    assert caught.value.field == "xml"


def test_format_by_extension_and_writers(tmp_path):
    assert detect_format("x.MSP") == "msp" and detect_format("x.mzML") == "mzml" and detect_format("x.dx") == "jcamp"
    with pytest.raises(InvalidInput, match="extension"):
        detect_format("x.raw")
    spectra = [make_spectrum(np.array([41.0, 58.0]), np.array([10.0, 100.0]), {"name": "a", "precursor_mz": "100"})]
    for suffix in (".msp", ".mgf"):
        out = tmp_path / f"out{suffix}"
        assert write_spectra(spectra, out) == 1
        (back,) = read_spectra(out)
        assert back.name == "a" and back.precursor_mz == pytest.approx(100.0)
    with pytest.raises(InvalidInput):
        write_spectra(spectra, tmp_path / "out.jdx")
