"""The acceptance evaluations on the shared spectra sets, used by the tests and by bench/spectra.py.

Data are read from ../shared/data by path, never copied: fentanyl-ei-nist (109 EI spectra, index.csv
with InChIKeys and the Type 1 A-E site labels), fentanyl-msms (423 MS/MS spectra) and nps-hrms-suspect
(85 NPS with [M+H]+ and fragments, the non-fentanyl decoys of the MS/MS evaluation).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from crystal_palace.spectra.library import SpectralLibrary, build_library
from crystal_palace.spectra.model import Spectrum, make_spectrum
from crystal_palace.spectra.msp import load_from_msp
from crystal_palace.spectra.search import search_one

EI_DIR = "fentanyl-ei-nist"
MSMS_DIR = "fentanyl-msms"
SUSPECT_DIR = "nps-hrms-suspect"


def fentanyl_smiles(shared: Path) -> dict[str, str]:
    """SMILES by InChIKey connectivity block, from the MS/MS set's table (structures for the EI records)."""
    found: dict[str, str] = {}
    with (shared / MSMS_DIR / "Fentanyl_lib_noNIST.csv").open(encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            key, smiles = (row.get("InChlKey") or "").strip(), (row.get("SMILES") or "").strip()
            if len(key) == 27 and smiles:
                found.setdefault(key[:14], smiles)
    return found


def ei_records(shared: Path) -> list[tuple[Spectrum, dict[str, str]]]:
    """Each EI spectrum with its index.csv row; SMILES added from the MS/MS table where the key is known."""
    spectra = load_from_msp(shared / EI_DIR / "fentanyl_ei_example_spectra.msp")
    with (shared / EI_DIR / "index.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    smiles = fentanyl_smiles(shared)
    out = []
    for spectrum, row in zip(spectra, rows, strict=True):
        key = row["inchikey"] or spectrum.get("inchikey") or ""
        extra = {"inchikey": key} if key else {}
        if key and key[:14] in smiles:
            extra["smiles"] = smiles[key[:14]]
        elif row["name"] == "Fentanyl":
            extra["smiles"] = "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
        out.append((spectrum.with_metadata(**extra), row))
    return out


def compound_key(spectrum: Spectrum, row: dict[str, str]) -> str:
    """One compound: its full InChIKey (isotopologues and stereoisomers apart), else its name."""
    return row["inchikey"] or spectrum.get("inchikey") or f"name:{row['name'].lower()}"


def evaluate_ei(shared: Path, library_name: str = "fentanyl-ei-eval") -> dict[str, Any]:
    """Acceptance 1: replicate identity (top-1, top-5), family hint and modified site with the compound left out."""
    records = ei_records(shared)
    keys = [compound_key(s, r) for s, r in records]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    library_rows = sorted(first.values())
    build_library([records[i][0] for i in library_rows], library_name, kind="ei", replace=True)
    library = SpectralLibrary.open(library_name)
    lib_keys = [keys[i] for i in library_rows]
    top1 = top5 = queries = 0
    for i, (spectrum, _row) in enumerate(records):
        if i in first.values():
            continue
        queries += 1
        result = search_one(library, spectrum, top=5, analogue=False, identify_hits=False)
        ranked = [lib_keys[h["library_index"]] for h in result["hits"]]
        top1 += bool(ranked) and ranked[0] == keys[i]
        top5 += keys[i] in ranked
    rotated = _rotated_identity(records, keys, library_name + "-all")
    hint_ok = site_ok = site_total = type2_ok = type2_total = 0
    families: Counter[str] = Counter()
    for i, (spectrum, row) in enumerate(records):
        own = frozenset(j for j, k in enumerate(lib_keys) if k == keys[i])
        result = search_one(library, spectrum, top=5, analogue=True, legal=False, exclude=own)
        analogue = result["analogue"] or {}
        family = (analogue.get("family_hint") or {}).get("family")
        families[str(family)] += 1
        hint_ok += family == "fentanyl_analogue"
        site = (analogue.get("site") or {}).get("site")
        label = row["subtype"].removeprefix("Type")
        if row["group"] == "Type1FentanylReplicates":
            site_total += 1
            site_ok += site == label
        elif label:
            type2_total += 1
            type2_ok += site is not None and site in label
    return {"library_spectra": len(library_rows), "queries": queries, "top1": top1, "top5": top5,
            "top1_rate": top1 / queries, "top5_rate": top5 / queries, **rotated,
            "left_out": len(records), "fentanyl_hint": hint_ok, "fentanyl_hint_rate": hint_ok / len(records),
            "hint_families": dict(families), "type1_site_correct": site_ok, "type1_total": site_total,
            "type1_site_accuracy": site_ok / site_total if site_total else None,
            "type2_site_in_label": type2_ok, "type2_total": type2_total}


def _rotated_identity(records: list[tuple[Spectrum, dict[str, str]]], keys: list[str], name: str) -> dict[str, Any]:
    """Top-1 with every replicate in turn as the compound's library spectrum (not only the first one)."""
    build_library([s for s, _ in records], name, kind="ei", replace=True)
    library = SpectralLibrary.open(name)
    from crystal_palace.spectra.ei_search import search_ei

    right = total = 0
    for i, key in enumerate(keys):
        mine = [j for j, k in enumerate(keys) if k == key]
        for chosen in mine:
            if chosen == i:
                continue
            hits = search_ei(library, records[i][0], top=1, exclude=frozenset(set(mine) - {chosen}))
            total += 1
            right += bool(hits) and keys[hits[0].index] == key
    return {"rotated_top1": right, "rotated_queries": total, "rotated_top1_rate": right / total if total else None}


def suspect_spectra(shared: Path) -> list[tuple[str, float, list[float]]]:
    """(name, [M+H]+ m/z, fragment m/z) for each compound of the NPS suspect list."""
    with (shared / SUSPECT_DIR / "NPS_DATABASE-NOV2022.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    peaks: dict[str, tuple[float, list[float]]] = {}
    for row in rows[6:]:
        if not row or not row[0] or row[1] not in ("TargetPeak", "Fragment"):
            continue
        if row[1] == "TargetPeak":
            peaks.setdefault(row[0], (float(row[6]), []))
        else:
            peaks.setdefault(row[0], (float(row[4]), []))[1].append(float(row[5]))
    return [(name, mz, frags) for name, (mz, frags) in peaks.items()]


def evaluate_msms(shared: Path, library_name: str = "fentanyl-msms-eval") -> dict[str, Any]:
    """Acceptance 2: leave-one-compound-out hybrid search, with the NPS suspect list's spectra as decoys."""
    fentanyls = load_from_msp(shared / MSMS_DIR / "Fentanyllibrary_noNIST.msp")
    decoys = [make_spectrum(frags, [100.0] * len(frags), {"name": name, "precursormz": str(mz)},
                            record=f"nps-suspect {name!r}")
              for name, mz, frags in suspect_spectra(shared) if frags and "fentanyl" not in name.lower()]
    build_library([*fentanyls, *decoys], library_name, kind="msms", replace=True)
    library = SpectralLibrary.open(library_name)
    keys = [library.record(i)["inchikey"] or library.record(i)["name"] for i in range(library.count)]
    is_fentanyl = [i < len(fentanyls) for i in range(library.count)]
    from crystal_palace.spectra.msms_search import search_msms

    first_fentanyl = no_hit = 0
    for i, query in enumerate(fentanyls):
        own = frozenset(j for j, k in enumerate(keys) if k == keys[i])
        hits = search_msms(library, query, method="hybrid", top=1, exclude=own)
        if not hits:
            no_hit += 1
        elif is_fentanyl[hits[0].index]:
            first_fentanyl += 1
    n = len(fentanyls)
    alone = _fentanyl_library_only(fentanyls, keys[:n], library_name + "-alone")
    return {"queries": n, "decoys": len(decoys), "fentanyl_first": first_fentanyl, "no_hit": no_hit,
            "fentanyl_first_rate": first_fentanyl / n, **alone}


def _fentanyl_library_only(fentanyls: list[Spectrum], keys: list[str], name: str) -> dict[str, Any]:
    """The literal criterion: library = the MS/MS set alone (all fentanyl family by its SOURCE.md).

    Also counted: the first hit's structure classified ``fentanyl_analogue`` by the family rules
    (stricter: nor- compounds, metabolites and 4-ANPP-type precursors fall outside that rule).
    """
    from rdkit import Chem

    from crystal_palace.chemistry.classify import classify
    from crystal_palace.chemistry.standardize import standardize
    from crystal_palace.spectra.msms_search import search_msms

    build_library(fentanyls, name, kind="msms", replace=True)
    library = SpectralLibrary.open(name)
    families = []
    for s in fentanyls:
        mol = Chem.MolFromSmiles(s.get("smiles") or "")
        families.append(classify(standardize(mol).mol).family if mol is not None else "none")
    first = any_hit = 0
    for i, query in enumerate(fentanyls):
        own = frozenset(j for j, k in enumerate(keys) if k == keys[i])
        hits = search_msms(library, query, method="hybrid", top=1, exclude=own)
        any_hit += bool(hits)  # SOURCE.md: every record of the set is fentanyl family (analogues, nor-, metabolites)
        first += bool(hits) and families[hits[0].index] == "fentanyl_analogue"
    return {"alone_family_first": any_hit, "alone_family_first_rate": any_hit / len(fentanyls),
            "alone_fentanyl_first": first, "alone_fentanyl_first_rate": first / len(fentanyls),
            "library_classified_fentanyl": sum(f == "fentanyl_analogue" for f in families)}


# --- EI similarity methods side by side (issue 5: is there a principled score that separates the isomers?) ---
#
# Each method scores every spectrum of the set against every other (a full query x library matrix); the
# three protocols then read the matrix. The composite and dot-product figures come from the production
# scorer (``score_candidates`` over a library built with that weighting); the entropy similarity is the
# production one as well (checked against ms-entropy's ``calculate_entropy_similarity`` in
# tests/spectra/test_ei_search.py). Only published, untuned settings are compared.

EI_METHODS: list[tuple[str, str, dict[str, Any]]] = [
    ("composite MF, I^0.6 m/z^3 (F_R over N_LQ-1 pairs)", "Stein & Scott 1994 (NIST identity)",
     {"score": "match_factor"}),
    ("entropy similarity, weighted", "Li et al., Nat. Methods 2021", {"score": "entropy_similarity"}),
    ("entropy similarity, unweighted", "Li et al., Nat. Methods 2021", {"score": "unweighted_entropy"}),
    ("composite MF, I^0.6 m/z^3 (F_R / N_LQ as printed)", "Stein & Scott 1994", {"score": "mf_printed"}),
    ("reverse MF, I^0.6 m/z^3", "Stein & Scott 1994 / NIST MS Search", {"score": "reverse_match_factor"}),
    ("(MF + RMF) / 2, I^0.6 m/z^3", "forward and reverse combined", {"score": "mf_rmf"}),
    ("dot product, I^0.6 m/z^3 (no ratio term)", "Stein & Scott 1994 (NIST dot product)", {"score": "cosine"}),
    ("dot product, I^0.5 m/z^3", "Stein & Scott 1994 abstract (sqrt I, cube m/z)",
     {"score": "cosine", "weighting": (0.5, 3.0)}),
    ("composite MF, I^0.5 m/z^3", "Stein & Scott 1994 abstract", {"score": "match_factor", "weighting": (0.5, 3.0)}),
    ("dot product, I^0.5 m/z^2", "Horai et al. 2010 (MassBank)", {"score": "cosine", "weighting": (0.5, 2.0)}),
    ("composite MF, I^0.5 m/z^2", "MassBank weights in the composite",
     {"score": "match_factor", "weighting": (0.5, 2.0)}),
    ("dot product, I^0.53 m/z^1.3", "Kim et al., Bioinformatics 2012", {"score": "cosine", "weighting": (0.53, 1.3)}),
    ("composite MF, I^0.53 m/z^1.3", "Kim et al. 2012 weights in the composite",
     {"score": "match_factor", "weighting": (0.53, 1.3)}),
    ("dot product, I^0.5 m/z", "the library's SIMPLE weighting", {"score": "cosine", "weighting": (0.5, 1.0)}),
    ("dot product, I^0.5 (no m/z weight)", "square-root cosine", {"score": "cosine", "weighting": (0.5, 0.0)}),
    ("dot product, I (plain cosine)", "unweighted cosine", {"score": "cosine", "weighting": (1.0, 0.0)}),
    ("composite MF, I^0.6 m/z^3, peaks < 0.5 % removed", "noise threshold", {"score": "match_factor", "noise": 0.005}),
    ("composite MF, I^0.6 m/z^3, peaks < 1 % removed", "noise threshold", {"score": "match_factor", "noise": 0.01}),
    ("composite MF, I^0.6 m/z^3, peaks < 2 % removed", "noise threshold", {"score": "match_factor", "noise": 0.02}),
    ("composite MF, I^0.6 m/z^3, peaks < 5 % removed", "noise threshold", {"score": "match_factor", "noise": 0.05}),
]
PROTOCOLS = ("acceptance", "rotated", "leave_one_out")


def _method_matrix(spectra: list[Spectrum], options: dict[str, Any], name: str) -> Any:
    import numpy as np

    from crystal_palace.spectra.ei_search import prepare_query, score_candidates
    from crystal_palace.spectra.weighting import Weighting, unit_bins

    score = options["score"]
    if score == "unweighted_entropy":
        import ms_entropy

        peaks = []
        for s in spectra:
            b, v = unit_bins(s.mz, s.intensities)
            peaks.append(np.column_stack([b.astype(np.float32), v.astype(np.float32)]))
        return np.array([[ms_entropy.calculate_unweighted_entropy_similarity(p, r, ms2_tolerance_in_da=0.05)
                          for r in peaks] for p in peaks])
    noise = options.get("noise", 0.0)
    if noise:
        cleaned = []
        for s in spectra:
            b, v = unit_bins(s.mz, s.intensities)
            keep = v >= noise * 999.0
            cleaned.append(make_spectrum(b[keep].astype(float), v[keep].astype(float), dict(s.metadata),
                                         record=s.record))
        spectra = cleaned
    weighting = Weighting(*options.get("weighting", (0.6, 3.0)))
    build_library(spectra, name, kind="ei", replace=True, weighting=weighting)
    library = SpectralLibrary.open(name)
    n_cols = int(library.ei["colptr"].size - 1)
    everyone = np.arange(len(spectra), dtype=np.int64)
    rows = []
    for s in spectra:
        q = prepare_query(s, weighting, n_cols)
        r = score_candidates(library, q, everyone)
        if score == "mf_printed":  # undo the N_LQ - 1 averaging of F_R: Stein and Scott divide by N_LQ
            n_u, n_s, f_d = float(q.bins.size), r["shared_peaks"], r["cosine"] ** 2
            f_r = np.where(n_s > 0, (r["match_factor"] / 999.0 * (n_u + n_s) - n_u * f_d) / np.maximum(n_s, 1), 0.0)
            rows.append(999.0 * (n_u * f_d + f_r * np.maximum(n_s - 1, 0)) / (n_u + n_s))
        elif score == "mf_rmf":
            rows.append((r["match_factor"] + r["reverse_match_factor"]) / 2.0)
        else:
            rows.append(r[score])
    return np.array(rows)


def protocol_ranks(scores: Any, keys: list[str], allowed: Any = None) -> dict[str, list[int]]:
    """Rank of the right compound per query in each protocol (1 = first; ties count against it).

    ``acceptance``: the first spectrum of each compound is the library, the other spectra are queries.
    ``rotated``: every other replicate of the query's compound in turn is its library spectrum; every
    other compound's spectra are all in the library. ``leave_one_out``: each spectrum against all the
    others (only queries whose compound has another spectrum can be right). Ranks count compounds, not
    spectra. ``allowed[i, j]`` False removes library spectrum j for query i (a retention-index window).
    """
    n = len(keys)
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)

    def rank(i: int, right: float, library: list[int]) -> int:
        best: dict[str, float] = {}
        for j in library:
            if keys[j] != keys[i] and (allowed is None or allowed[i, j]):
                best[keys[j]] = max(best.get(keys[j], -1.0), float(scores[i, j]))
        return 1 + sum(v >= right for v in best.values())

    library_rows = sorted(first.values())
    out: dict[str, list[int]] = {p: [] for p in PROTOCOLS}
    for i in range(n):
        mine = [j for j in range(n) if keys[j] == keys[i] and j != i]
        if first[keys[i]] != i:
            out["acceptance"].append(rank(i, float(scores[i, first[keys[i]]]), library_rows))
        for chosen in mine:
            out["rotated"].append(rank(i, float(scores[i, chosen]), [j for j in range(n) if j != i and
                                                                       (keys[j] != keys[i] or j == chosen)]))
        if mine:
            others = [j for j in range(n) if j != i]
            out["leave_one_out"].append(rank(i, max(float(scores[i, j]) for j in mine), others))
    return out


def _summary(ranks: dict[str, list[int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p, r in ranks.items():
        out[p] = {"queries": len(r), "top1": sum(x == 1 for x in r), "top5": sum(x <= 5 for x in r),
                  "mean_rank": round(sum(r) / len(r), 3) if r else None}
    broad = ranks["rotated"] + ranks["leave_one_out"]
    out["broad"] = {"queries": len(broad), "top1": sum(x == 1 for x in broad),
                    "mean_rank": round(sum(broad) / len(broad), 3)}
    return out


def semi_standard_ri(spectrum: Spectrum) -> float | None:
    """The semi-standard non-polar RI of a NIST record (``Retention_index: SemiStdNP=2811 StdNP=2864``)."""
    import re

    found = re.search(r"SemiStdNP=(\d+(?:\.\d+)?)", spectrum.get("retention_index") or "")
    return float(found.group(1)) if found else spectrum.retention_index


def compare_ei_methods(shared: Path, ri_window: float = 20.0) -> dict[str, Any]:
    """Every method of :data:`EI_METHODS` on every protocol, plus the default with a retention-index window.

    The first method is the default (NIST's identity match factor). ``criterion_best`` is the pick of the
    criterion fixed before the comparison (docs/spectra.md): most top-1 over the two broader protocols
    (rotated and leave-one-out), then the lower mean rank; the 15-query acceptance figure plays no part.
    The RI window applies only where query and library spectrum both carry a retention index (13 of the 109 records do).
    """
    import numpy as np

    records = ei_records(shared)
    spectra = [s for s, _ in records]
    keys = [compound_key(s, r) for s, r in records]
    rows = []
    matrices = {}
    for k, (label, citation, options) in enumerate(EI_METHODS):
        matrices[label] = _method_matrix(spectra, options, f"ei-method-{k}")
        rows.append({"method": label, "citation": citation, **_summary(protocol_ranks(matrices[label], keys))})
    ri = np.array([semi_standard_ri(s) or np.nan for s in spectra])
    far = np.abs(ri[:, None] - ri[None, :]) > ri_window  # NaN compares False: kept
    default = EI_METHODS[0][0]
    with_ri = _summary(protocol_ranks(matrices[default], keys, allowed=~far))
    ranked = sorted(rows, key=lambda r: (-r["broad"]["top1"], r["broad"]["mean_rank"]))
    return {"methods": rows, "criterion_best": ranked[0]["method"], "default": default,
            "default_with_ri_window": {"window": ri_window, "records_with_ri": int(np.isfinite(ri).sum()), **with_ri}}


def method_table(comparison: dict[str, Any]) -> str:
    """The comparison as a fixed-width text table (bench/spectra.py --accuracy prints it)."""
    lines = [f"{'method':<52} {'broad top-1':>11} {'mean rank':>9} | {'rotated':>7} {'LOO':>5} | "
             f"{'15q top-1':>9} {'top-5':>5}  citation"]
    for r in sorted(comparison["methods"], key=lambda r: (-r["broad"]["top1"], r["broad"]["mean_rank"])):
        b, rot, loo, acc = r["broad"], r["rotated"], r["leave_one_out"], r["acceptance"]
        lines.append(f"{r['method']:<52} {b['top1']:>4}/{b['queries']:<6} {b['mean_rank']:>9.2f} | "
                     f"{rot['top1']:>3}/{rot['queries']:<3} {loo['top1']:>2}/{loo['queries']:<2} | "
                     f"{acc['top1']:>5}/{acc['queries']:<3} {acc['top5']:>2}/{acc['queries']}  {r['citation']}")
    ri = comparison["default_with_ri_window"]
    lines.append(f"default + RI window {ri['window']:g} (both spectra with an RI; {ri['records_with_ri']} records): "
                 f"rotated {ri['rotated']['top1']}/{ri['rotated']['queries']}, LOO {ri['leave_one_out']['top1']}/"
                 f"{ri['leave_one_out']['queries']}, 15q {ri['acceptance']['top1']}/{ri['acceptance']['queries']}")
    return "\n".join(lines)
