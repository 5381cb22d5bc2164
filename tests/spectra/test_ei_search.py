import numpy as np
import pytest

from crystal_palace.spectra.ei_search import (
    DEFAULT_RANK_BY,
    exhaustive_cosines,
    prepare_query,
    score_candidates,
    search_ei,
)
from crystal_palace.spectra.library import SpectralLibrary, build_ei_from_arrays, build_library, import_library
from crystal_palace.spectra.model import make_spectrum
from crystal_palace.spectra.weighting import NIST_IDENTITY, unit_bins


def synthetic(n, seed=1):
    rng = np.random.default_rng(seed)
    spectra = []
    for i in range(n):
        mass = int(rng.integers(150, 400))
        mz = np.unique(rng.integers(30, mass, size=int(rng.integers(40, 90))))
        spectra.append(make_spectrum(mz, np.exp(rng.normal(0, 1.4, mz.size)), {"name": f"c{i}",
                                                                                "retention_index": str(1000 + i)}))
    return spectra


def replicate(s, rng):
    keep = rng.random(s.mz.size) > 0.1
    return make_spectrum(s.mz[keep], s.intensities[keep] * np.exp(rng.normal(0, 0.25, keep.sum())), {"name": "q"})


def test_identical_spectrum_scores_near_999_and_ranks_first(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    lib = SpectralLibrary.open("mini")
    for i in range(lib.count):
        hits = search_ei(lib, lib.spectrum(i), top=3)
        assert hits[0].index == i
        assert hits[0].match_factor >= 990 and hits[0].cosine == pytest.approx(1.0, abs=1e-5)


def test_reverse_match_factor_ignores_impurity_peaks(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    lib = SpectralLibrary.open("mini")
    cocaine = lib.spectrum(2)
    mixed = make_spectrum(np.concatenate([cocaine.mz, [250.0, 271.0, 285.0]]),
                          np.concatenate([cocaine.intensities, [400.0, 600.0, 500.0]]), {"name": "mix"})
    (hit,) = search_ei(lib, mixed, top=1)
    assert hit.index == 2
    assert hit.reverse_match_factor >= 990 > 800 > hit.match_factor


def test_replicates_find_their_source_and_agree_with_exhaustive_search():
    spectra = synthetic(400)
    build_library(spectra, "syn", kind="ei")
    lib = SpectralLibrary.open("syn")
    rng = np.random.default_rng(7)
    for i in range(0, 400, 20):
        query = replicate(spectra[i], rng)
        hits = search_ei(lib, query, top=5)
        assert hits[0].index == i
        assert int(np.argmax(exhaustive_cosines(lib, query))) == i
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        by_mf = search_ei(lib, query, top=5, rank_by="match_factor")
        assert [h.match_factor for h in by_mf] == sorted((h.match_factor for h in by_mf), reverse=True)


def test_retention_index_window_and_exclude():
    spectra = synthetic(50)
    build_library(spectra, "syn", kind="ei")
    lib = SpectralLibrary.open("syn")
    query = spectra[10]
    assert search_ei(lib, query, top=1)[0].index == 10
    far = search_ei(lib, query, top=5, retention_index=1030, ri_window=5)
    assert {h.index for h in far} <= set(range(25, 36)) and all(abs(h.retention_index_delta) <= 5 for h in far)
    assert 10 not in {h.index for h in search_ei(lib, query, top=5, exclude=frozenset({10}))}


def test_arrays_builder_matches_text_import():
    spectra = synthetic(30)
    build_library(spectra, "text", kind="ei")
    text = SpectralLibrary.open("text")
    a = text.ei
    build_ei_from_arrays("arrays", np.asarray(a["indptr"]), np.asarray(a["bins"]), np.asarray(a["values"]),
                         [s.name for s in spectra])
    arrays = SpectralLibrary.open("arrays")
    for key in ("colptr", "rows", "weights"):
        assert np.array_equal(arrays.ei[key], a[key])
    assert arrays.weighting == NIST_IDENTITY


def test_inverted_index_holds_unit_normalised_weights():
    build_library(synthetic(20), "syn", kind="ei")
    a = SpectralLibrary.open("syn").ei
    norms = np.bincount(a["rows"], weights=a["weights"].astype(np.float64) ** 2)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_query_whose_heaviest_ions_are_in_no_library_spectrum_still_gets_hits(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    lib = SpectralLibrary.open("mini")
    # a derivative: cocaine's low-mass ions, but heavy ions no library spectrum has
    query = make_spectrum([42, 68, 77, 82, 94, 105, 420, 455, 470], [250, 180, 200, 999, 300, 420, 900, 800, 700],
                          {"name": "derivative"})
    hits = search_ei(lib, query, top=3)
    assert hits and hits[0].index == 2 and hits[0].match_factor < 500


def test_entropy_similarity_equals_ms_entropy_on_unit_bins():
    ms_entropy = pytest.importorskip("ms_entropy")
    spectra = synthetic(40, seed=3)
    # few-peak, one-ion spectra (entropy < 3) exercise Li et al.'s intensity weighting
    spectra += [make_spectrum([41, 58, 91], [30, 999, 5], {"name": "few"}), make_spectrum([58], [999], {"name": "one"})]
    build_library(spectra, "syn", kind="ei")
    lib = SpectralLibrary.open("syn")
    peaks = []
    for s in spectra:
        b, v = unit_bins(s.mz, s.intensities)
        peaks.append(np.column_stack([b.astype(np.float32), v.astype(np.float32)]))
    everyone = np.arange(len(spectra), dtype=np.int64)
    for i in (0, 7, 40, 41):
        q = prepare_query(spectra[i], lib.weighting, int(lib.ei["colptr"].size - 1))
        ours = score_candidates(lib, q, everyone)["entropy_similarity"]
        theirs = [ms_entropy.calculate_entropy_similarity(peaks[i], p, ms2_tolerance_in_da=0.05) for p in peaks]
        assert np.allclose(ours, theirs, atol=1e-5)
        assert ours[i] == pytest.approx(1.0, abs=1e-5)


def test_hits_report_the_score_they_were_ranked_by(mini_ei_msp):
    import_library(mini_ei_msp, "mini")
    lib = SpectralLibrary.open("mini")
    default = search_ei(lib, lib.spectrum(0), top=1)[0].to_dict()
    assert default["ranked_by"] == DEFAULT_RANK_BY == "match_factor"
    assert default["score"] == default["entropy_similarity"] == pytest.approx(1.0, abs=1e-4)
    composite = search_ei(lib, lib.spectrum(0), top=1, rank_by="match_factor")[0].to_dict()
    assert composite["score"] == round(composite["match_factor"] / 999, 4)


def test_presearch_over_every_peak_is_the_weighted_cosine():
    spectra = synthetic(60, seed=5)
    build_library(spectra, "syn", kind="ei")
    lib = SpectralLibrary.open("syn")
    dense = np.zeros((len(spectra), 1024))
    for i, s in enumerate(spectra):
        b, v = unit_bins(s.mz, s.intensities)
        dense[i, b] = NIST_IDENTITY.weights(b, v)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    for i in (0, 13, 59):
        assert np.allclose(exhaustive_cosines(lib, spectra[i]), dense @ dense[i], atol=1e-5)
