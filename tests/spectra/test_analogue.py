import pytest

from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.spectra.analogue import estimate_site, family_hint, load_scaffolds
from crystal_palace.spectra.model import make_spectrum

FENTANYL = {42: 277, 57: 222, 77: 199, 91: 163, 96: 126, 105: 232, 132: 141, 146: 665, 189: 377, 202: 118, 245: 999}


def shifted(moves):
    """Fentanyl's ions, with those in ``moves`` moved to their new m/z."""
    peaks = {moves.get(mz, mz): i for mz, i in FENTANYL.items()}
    return make_spectrum(list(peaks), list(peaks.values()), {"name": "analogue"})


def test_family_hint_is_a_score_weighted_vote():
    hint = family_hint([("fentanyl_analogue", 0.8), ("phenethylamine", 0.9), ("fentanyl_analogue", 0.7),
                        (None, 0.99), ("none", 0.9)])
    assert hint.family == "fentanyl_analogue" and hint.support == pytest.approx(1.5 / 2.4)
    assert family_hint([(None, 1.0)]) is None


@pytest.mark.parametrize(("moves", "site", "shift"), [
    ({245: 231, 57: 43}, "E", -14),                      # acetyl instead of propionyl
    ({245: 263, 189: 207, 146: 164}, "D", 18),             # fluoro on the anilide ring
    ({245: 259, 189: 203, 146: 160, 96: 110}, "C", 14),    # methyl on the piperidine ring
    ({105: 119, 91: 105}, "A", 14),                        # methyl on the phenethyl ring
])
def test_site_of_a_single_modification(moves, site, shift):
    estimate = estimate_site(shifted(moves), "fentanyl_analogue")
    assert (estimate.site, estimate.shift) == (site, shift)
    assert estimate.scaffold == "fentanyl" and estimate.runner_up is not None


def test_family_without_scaffold_gives_none():
    assert estimate_site(shifted({}), "synthetic_cathinone") is None


def test_scaffold_file_errors_are_collected(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scaffolds:\n  - family: x\n    scaffold: x\n    smiles: C\n    sites: {A: a}\n"
                    "    ions: [{mz: 10, sites: [B], weight: 1}]\n  - family: y\n")
    with pytest.raises(InvalidReferenceData) as caught:
        load_scaffolds(str(path))
    assert len(caught.value.problems) == 2 and "undefined sites ['B']" in str(caught.value)
