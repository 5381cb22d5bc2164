"""Issue 5 acceptance on the shared data (skipped without ../shared/data, required under CI=true)."""

import pytest
from spectra_sets import (
    EI_DIR,
    MSMS_DIR,
    SUSPECT_DIR,
    compare_ei_methods,
    evaluate_ei,
    evaluate_msms,
    method_table,
    suspect_spectra,
)

from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.names import name_key
from crystal_palace.spectra.hrms import Feature, screen_features
from sharedpaths import require_shared

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_fentanyl_ei_replicates_family_hint_and_site(shared_data):
    require_shared(shared_data / EI_DIR)
    result = evaluate_ei(shared_data)
    print(result)
    assert result["queries"] == 15 and result["library_spectra"] == 94
    # measured with the default score (NIST composite match factor): 13/15 top-1, 15/15 top-5 -- below the
    # issue's 95 %; both misses are positional isomers whose replicates differ more from each other than from
    # the isomer (docs/spectra.md). No published score compared reaches 15/15 (see the next test).
    assert result["top1"] >= 13 and result["top5"] == 15
    # every replicate in turn as the library spectrum, all 109 spectra in the library: measured 35/52
    assert result["rotated_queries"] == 52 and result["rotated_top1"] >= 35
    assert result["fentanyl_hint_rate"] >= 0.90
    assert result["type1_site_correct"] >= 10 and result["type1_total"] == 11


def test_the_default_ei_score_is_nist_mf_and_every_published_score_is_compared(shared_data):
    require_shared(shared_data / EI_DIR)
    comparison = compare_ei_methods(shared_data)
    print(method_table(comparison))
    composite = "composite MF, I^0.6 m/z^3 (F_R over N_LQ-1 pairs)"
    assert comparison["default"] == composite
    by_name = {r["method"]: r for r in comparison["methods"]}
    # the pre-stated criterion (most broad top-1) picks the entropy similarity, by one query of 75 ...
    assert comparison["criterion_best"] == "entropy similarity, weighted"
    assert by_name["entropy similarity, weighted"]["broad"]["top1"] == 54 and by_name[composite]["broad"]["top1"] == 53
    # ... while the NIST match factor has the best mean rank of all, and the issue asks for it
    assert by_name[composite]["broad"]["mean_rank"] == min(r["broad"]["mean_rank"] for r in comparison["methods"])
    assert by_name[composite]["acceptance"]["top1"] == 13
    assert max(r["acceptance"]["top1"] for r in comparison["methods"]) < 15  # no method reaches 95 % here
    # no retention index on either side of any confused pair: the RI window changes nothing
    with_ri = comparison["default_with_ri_window"]
    assert with_ri["rotated"]["top1"] == by_name[composite]["rotated"]["top1"]
    assert with_ri["acceptance"]["top1"] == by_name[composite]["acceptance"]["top1"]


def test_fentanyl_msms_leave_one_out_analogue_search(shared_data):
    require_shared(shared_data / MSMS_DIR)
    require_shared(shared_data / SUSPECT_DIR)
    result = evaluate_msms(shared_data)
    print(result)
    assert result["queries"] == 423 and result["decoys"] > 50
    assert result["alone_family_first_rate"] >= 0.95  # measured 404/423: the others match no fragment at all
    assert result["alone_fentanyl_first_rate"] >= 0.93  # first hit classified fentanyl_analogue: 398/423
    assert result["fentanyl_first_rate"] >= 0.90  # with 69 non-fentanyl NPS spectra as decoys: 386/423


def test_nps_suspect_list_is_found_by_accurate_mass(shared_data):
    require_shared(shared_data / SUSPECT_DIR)
    library = default_library()
    known = [(name, mz, frags) for name, mz, frags in suspect_spectra(shared_data)
             if name_key(name) in library.by_name]
    results = screen_features([Feature(mz, name, fragments=frags) for name, mz, frags in known], ppm=5)
    found = sum(library.by_name[name_key(r["query"])].id in {c["id"] for c in r["candidates"]} for r in results)
    assert len(known) >= 45
    assert found >= len(known) - 1  # measured: all but Meclonazepam (its listed m/z is 30 ppm off)
