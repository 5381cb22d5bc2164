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
