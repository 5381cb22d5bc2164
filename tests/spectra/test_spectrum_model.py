import math

import numpy as np
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import make_spectrum


def test_peaks_are_sorted_and_zero_intensities_dropped():
    s = make_spectrum([105.0, 77.0, 51.0], [10.0, 0.0, 5.0], {"Name": "x", "PrecursorMZ": "150.1"}, record="r1")
    assert s.mz.tolist() == [51.0, 105.0]
    assert s.intensities.tolist() == [5.0, 10.0]
    assert s.name == "x" and s.precursor_mz == pytest.approx(150.1)


def test_aliases_of_different_formats_are_read_alike():
    mgf = make_spectrum([1.0], [1.0], {"TITLE": "a", "PEPMASS": "200.5 1234"})
    assert mgf.name == "a" and mgf.precursor_mz == pytest.approx(200.5)
    assert make_spectrum([1.0], [1.0], {"RI": "1850"}).retention_index == 1850.0
    assert make_spectrum([1.0], [1.0], {"RI": "n/a"}).retention_index is None


@pytest.mark.parametrize(("mz", "intensity", "field", "words"), [
    ([50.0, 60.0], [1.0, -2.0], "intensity", "negative intensity -2 at m/z 60"),
    ([50.0, math.nan], [1.0, 2.0], "mz", "not a finite number"),
    ([50.0, 60.0], [1.0, math.inf], "intensity", "not a finite number"),
    ([0.0], [1.0], "mz", "not positive"),
    ([], [], "peaks", "no peaks"),
    ([50.0], [0.0], "peaks", "no peaks"),
    ([50.0, 60.0], [1.0], "peaks", "2 m/z values but 1 intensities"),
])
def test_bad_peaks_name_record_field_and_reason(mz, intensity, field, words):
    with pytest.raises(InvalidInput) as caught:
        make_spectrum(mz, intensity, record="lib.msp#3 'X'")
    assert caught.value.record == "lib.msp#3 'X'"
    assert caught.value.field == field
    assert words in caught.value.reason


def test_with_metadata_copies():
    s = make_spectrum(np.array([1.0]), np.array([2.0]), {"name": "a"})
    t = s.with_metadata(SMILES="C")
    assert t.get("smiles") == "C" and s.get("smiles") is None
