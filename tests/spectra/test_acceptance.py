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

from conftest import require_shared
from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.names import name_key
from crystal_palace.spectra.hrms import Feature, screen_features

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_fentanyl_ei_replicates_family_hint_and_site(shared_data):
    require_shared(shared_data / EI_DIR)
    result = evaluate_ei(shared_data)
    print(result)
    assert result["queries"] == 15 and result["library_spectra"] == 94
    # measured with the default score (weighted entropy similarity): 9/15 top-1, 12/15 top-5 -- below the
    # issue's 95 %; every miss is a positional isomer or a replicate from another instrument (docs/spectra.md).
    # The NIST composite MF scores 13/15 and 15/15 here, but fewer top-1 on the broader protocols below.
    assert result["top1"] >= 9 and result["top5"] >= 12
    # every replicate in turn as the library spectrum, all 109 spectra in the library: measured 36/52
    assert result["rotated_queries"] == 52 and result["rotated_top1"] >= 36
    assert result["fentanyl_hint_rate"] >= 0.90
    assert result["type1_site_correct"] >= 10 and result["type1_total"] == 11


def test_default_ei_score_is_the_one_the_stated_criterion_picks(shared_data):
    require_shared(shared_data / EI_DIR)
    comparison = compare_ei_methods(shared_data)
    print(method_table(comparison))
    assert comparison["criterion_best"] == comparison["default"] == "entropy similarity, weighted"
    by_name = {r["method"]: r for r in comparison["methods"]}
    assert by_name["entropy similarity, weighted"]["broad"]["top1"] == 54  # of 75 (52 rotated + 23 LOO)
    composite = by_name["composite MF, I^0.6 m/z^3 (F_R over N_LQ-1 pairs)"]
    assert composite["broad"]["top1"] == 53 and composite["acceptance"]["top1"] == 13
    assert max(r["acceptance"]["top1"] for r in comparison["methods"]) < 15  # no method reaches 95 % here
    # no retention index on either side of any confused pair: the RI window changes nothing
    assert comparison["default_with_ri_window"]["rotated"]["top1"] == by_name["entropy similarity, weighted"]["rotated"]["top1"]


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
