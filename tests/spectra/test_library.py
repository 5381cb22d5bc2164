import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.paths import spectral_library_dir
from crystal_palace.spectra.library import (
    SpectralLibrary,
    delete_library,
    import_library,
    list_libraries,
)


def test_import_reopen_and_list(mini_ei_msp):
    info = import_library(mini_ei_msp, "mini")
    assert info.kind == "ei" and info.count == 3
    lib = SpectralLibrary.open("mini")
    assert lib.count == 3 and lib.record(1)["name"] == "Mephedrone"
    assert lib.record(0)["cas"] == "437-38-7"
    spectrum = lib.spectrum(0)
    assert spectrum.mz.tolist()[-1] == 245 and spectrum.intensities.max() == pytest.approx(999)
    assert [e["name"] for e in list_libraries()] == ["mini"]
    delete_library("mini")
    assert list_libraries() == []


def test_existing_library_needs_replace(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    with pytest.raises(InvalidInput, match="already exists"):
        import_library(mini_ei_msp, "mini")
    assert import_library(mini_ei_msp, "mini", replace=True).count == 3


def test_a_bad_record_in_the_middle_leaves_no_library(mini_ei_msp, tmp_path):
    text = mini_ei_msp.read_text()
    bad = tmp_path / "bad.msp"
    bad.write_text(text.replace("91 120", "91 -120"))  # record 2 of 3
    with pytest.raises(InvalidInput) as caught:
        import_library(bad, "broken")
    assert caught.value.field == "intensity" and "bad.msp#2 'Mephedrone'" in caught.value.record
    root = spectral_library_dir("broken").parent
    assert not spectral_library_dir("broken").exists()
    assert list(root.iterdir()) == []  # no temporary folder left either


def test_a_failed_replace_keeps_the_old_library(mini_ei_msp, tmp_path):
    import_library(mini_ei_msp, "mini")
    truncated = tmp_path / "cut.msp"
    truncated.write_text(mini_ei_msp.read_text()[:-40])
    with pytest.raises(InvalidInput, match="truncated"):
        import_library(truncated, "mini", replace=True)
    assert SpectralLibrary.open("mini").count == 3


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a b"])
def test_bad_names(mini_ei_msp, name):
    with pytest.raises(InvalidInput):
        import_library(mini_ei_msp, name)


def test_unknown_library_says_which_exist(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    with pytest.raises(InvalidInput, match=r"imported: mini"):
        SpectralLibrary.open("other")


def test_msms_library_needs_precursors(tmp_path):
    path = tmp_path / "m.msp"
    path.write_text("Name: a\nPrecursorMZ: 200.1\nNum Peaks: 1\n100.1 5\n\nName: b\nNum Peaks: 1\n90.1 5\n")
    with pytest.raises(InvalidInput) as caught:
        import_library(path, "m", kind="msms")
    assert caught.value.field == "precursor_mz" and "m.msp#2 'b'" in caught.value.record
