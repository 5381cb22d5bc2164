import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.hrms import Feature, explain_fragment, load_adducts, parse_formula, screen_features

MDMA_MH = 194.11756  # C11H15NO2 + H+


def test_adduct_table_masses():
    adducts = load_adducts()
    assert adducts["[M+H]+"].mz(193.110279) == pytest.approx(MDMA_MH, abs=2e-5)
    assert adducts["[M+2H]2+"].mz(193.110279) == pytest.approx((193.110279 + 2 * 1.007276) / 2)
    assert adducts["[M-H]-"].mz(193.110279) == pytest.approx(192.103003, abs=2e-5)


def test_screening_finds_mdma_and_its_isomers_with_fragment_evidence():
    (result,) = screen_features([Feature(MDMA_MH, "f1", fragments=[163.0754, 135.0441, 105.0699])], ppm=5)
    names = [c["name"] for c in result["candidates"]]
    assert "MDMA" in names
    mdma = next(c for c in result["candidates"] if c["name"] == "MDMA")
    assert mdma["adduct"] == "[M+H]+" and abs(mdma["ppm_error"]) < 1
    assert mdma["fragments_explained"] == 3
    assert [f["formula"] for f in mdma["fragments"]] == ["C10H11O2", "C8H7O2", "C8H9"]
    assert all(c["formula"] == "C11H15NO2" for c in result["candidates"] if c["adduct"] == "[M+H]+")


def test_sodium_adduct_and_tolerance():
    (hit,) = screen_features([Feature(193.110279 + 22.989221, "na")], adducts=["[M+Na]+"], ppm=3)
    assert any(c["name"] == "MDMA" and c["adduct"] == "[M+Na]+" for c in hit["candidates"])
    (miss,) = screen_features([Feature(MDMA_MH + 0.01, "off")], ppm=5)
    assert miss["candidates"] == []


def test_explain_fragment_respects_the_parent_formula():
    parent = parse_formula("C11H16NO2")
    assert explain_fragment(163.0754, parent) == {"C": 10, "H": 11, "O": 2}
    assert explain_fragment(163.0754, parse_formula("C11H16N")) is None


@pytest.mark.parametrize(("kwargs", "field"), [({"ion_mode": "neutral"}, "ion_mode"),
                                               ({"adducts": ["[M+Xe]+"]}, "adducts"), ({"ppm": 0}, "ppm")])
def test_bad_options(kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        screen_features([Feature(MDMA_MH, "f")], **kwargs)
    assert caught.value.field == field


def test_bad_feature_names_its_record():
    with pytest.raises(InvalidInput) as caught:
        screen_features([Feature(-5.0, "row 3")])
    assert caught.value.record == "row 3"
