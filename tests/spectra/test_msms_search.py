import numpy as np
import pytest
from ms_entropy import calculate_entropy_similarity

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.library import SpectralLibrary, build_library
from crystal_palace.spectra.model import make_spectrum
from crystal_palace.spectra.msms_search import search_msms

PH = 1.007276
# fentanyl [M+H]+ and two analogues (fragments from the MS/MS set's HighResNPS entries), plus a cathinone
LIBRARY = [
    ("fentanyl", 337.2274, [(105.0699, 300), (188.1434, 999), (216.1383, 120)]),
    ("acetylfentanyl", 323.2118, [(105.0699, 250), (188.1434, 999), (202.1226, 100)]),
    ("para-fluorofentanyl", 355.2180, [(105.0699, 280), (188.1434, 999), (234.1289, 90)]),
    ("mephedrone", 178.1226, [(145.0886, 999), (160.1121, 400), (119.0855, 150)]),
]


def library():
    spectra = [make_spectrum([p[0] for p in peaks], [p[1] for p in peaks],
                             {"name": name, "precursormz": str(mz)}, record=name) for name, mz, peaks in LIBRARY]
    build_library(spectra, "mini-msms", kind="msms")
    return SpectralLibrary.open("mini-msms"), spectra


def test_identity_equals_the_pairwise_entropy_similarity_reference():
    lib, spectra = library()
    query = make_spectrum([105.07, 188.1436, 216.1380, 150.0], [280, 999, 140, 20],
                          {"precursormz": "337.2276"})
    (hit,) = search_msms(lib, query, method="identity", top=1)
    assert hit.index == 0
    reference = calculate_entropy_similarity(np.column_stack([query.mz, query.intensities]).astype(np.float32),
                                             np.column_stack([spectra[0].mz, spectra[0].intensities]).astype(
                                                 np.float32), ms2_tolerance_in_da=0.02)
    assert hit.score == pytest.approx(float(reference), abs=1e-4)


def test_hybrid_finds_an_analogue_the_identity_search_cannot():
    lib, _ = library()
    # a methyl-fentanyl: the piperidine fragment shifts by 14.016, the phenethyl fragment does not
    query = make_spectrum([105.0699, 202.1590, 230.1540], [300, 999, 110], {"precursormz": "351.2431"})
    assert search_msms(lib, query, method="identity") == []
    hits = search_msms(lib, query, method="hybrid", top=3)
    assert hits[0].index in (0, 1, 2) and hits[0].score > 0.3
    assert 3 not in {h.index for h in hits}
    assert hits[0].precursor_mz_delta == pytest.approx(lib.precursor_mzs[hits[0].index] - 351.2431)


def test_neutral_loss_and_open_modes_and_exclude():
    lib, spectra = library()
    open_hits = search_msms(lib, spectra[1], method="open", top=4)
    assert open_hits[0].index == 1
    assert 1 not in {h.index for h in search_msms(lib, spectra[1], method="open", exclude=frozenset({1}))}
    assert search_msms(lib, spectra[3], method="neutral_loss", top=1)[0].index == 3


def test_bad_method_and_missing_precursor():
    lib, spectra = library()
    with pytest.raises(InvalidInput, match="unknown MS/MS search method"):
        search_msms(lib, spectra[0], method="cosine")
    with pytest.raises(InvalidInput) as caught:
        search_msms(lib, make_spectrum([100.0], [1.0], record="q1"))
    assert caught.value.field == "precursor_mz" and caught.value.record == "q1"


def test_min_matched_drops_hits_sharing_a_single_fragment():
    lib, _ = library()
    query = make_spectrum([105.0699, 150.0], [999, 500], {"precursormz": "300.2"})
    assert search_msms(lib, query, method="open", top=3)  # 105.07 alone matches the fentanyls
    assert search_msms(lib, query, method="open", top=3, min_matched=2) == []
