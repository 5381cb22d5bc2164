"""Search queries against an imported library and assemble the hits: scores, structure, verdict, analogue.

This is the part every interface shares: an EI query gets the identity hits (match factor, reverse
match factor) and, for a compound that may be in no library, a family hint and the likely modified
site of its scaffold; an MS/MS query gets identity hits (Flash entropy) and analogue hits (hybrid
search). Each hit whose record carries a structure gets the identify verdict (identity, family,
legal status), cached per structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.analogue import estimate_site, family_hint
from crystal_palace.spectra.hit_identity import identify_record
from crystal_palace.spectra.library import SpectralLibrary
from crystal_palace.spectra.model import Spectrum

RECORD_FIELDS = ("name", "inchikey", "smiles", "formula", "cas", "record", "precursor_mz", "retention_index")


def _hit_dict(library: SpectralLibrary, index: int, rank: int, scores: dict[str, Any], *, identify_hits: bool,
              legal: bool) -> dict[str, Any]:
    record = library.record(index)
    hit: dict[str, Any] = {"rank": rank, **{k: record.get(k) for k in RECORD_FIELDS}, **scores,
                           "library_index": index}
    hit["identity"] = hit["family"] = None
    hit["legal"] = []
    if identify_hits:
        verdict = identify_record(record, legal=legal)
        if verdict is not None:
            hit["identity"] = verdict["identity"]
            hit["family"] = verdict["family"]
            hit["legal"] = verdict["legal"]
            if not hit["inchikey"] and verdict["structure"]:
                hit["inchikey"] = verdict["structure"].get("inchikey")
    return hit


def search_one(library: SpectralLibrary, query: Spectrum, *, top: int = 5, method: str = "auto",
               ri_window: float | None = None, retention_index: float | None = None, analogue: bool = True,
               analogue_hits: int = 10, identify_hits: bool = True, legal: bool = True,
               exclude: frozenset[int] = frozenset(), ms1_tolerance: float = 0.01,
               ms2_tolerance: float = 0.02) -> dict[str, Any]:
    """Hits (and the analogue reading) for one query; see the module docstring."""
    result: dict[str, Any] = {"query": query.name, "record": query.record, "library": library.name,
                              "kind": library.kind, "hits": [], "analogue": None, "errors": []}
    if library.kind == "ei":
        if method not in ("auto", "identity", "reverse"):
            raise InvalidInput(f"EI search method {method!r}; use identity or reverse", field="method")
        from crystal_palace.spectra.ei_search import DEFAULT_RANK_BY, search_ei

        found = search_ei(library, query, top=max(top, analogue_hits if analogue else 0), ri_window=ri_window,
                          retention_index=retention_index, exclude=exclude,
                          rank_by="reverse_match_factor" if method == "reverse" else DEFAULT_RANK_BY)
        hits = [_hit_dict(library, h.index, n, h.to_dict(), identify_hits=identify_hits or analogue, legal=legal)
                for n, h in enumerate(found, start=1)]
        result["hits"] = hits[:top]
        if analogue:
            hint = family_hint([(h["family"], h["score"]) for h in hits[:analogue_hits]])
            site = estimate_site(query, hint.family) if hint is not None else None
            result["analogue"] = {"family_hint": hint.to_dict() if hint else None,
                                  "site": site.to_dict() if site else None,
                                  "based_on": [h["name"] for h in hits[:analogue_hits]]}
        return result
    from crystal_palace.spectra.msms_search import search_msms

    chosen = "identity" if method == "auto" else method
    found_msms = search_msms(library, query, method=chosen, top=top, exclude=exclude, ms1_tolerance=ms1_tolerance,
                             ms2_tolerance=ms2_tolerance)
    result["hits"] = [_hit_dict(library, h.index, n, h.to_dict(), identify_hits=identify_hits, legal=legal)
                      for n, h in enumerate(found_msms, start=1)]
    if analogue:
        similar = search_msms(library, query, method="hybrid", top=analogue_hits, exclude=exclude,
                              ms1_tolerance=ms1_tolerance, ms2_tolerance=ms2_tolerance)
        analogues = [_hit_dict(library, h.index, n, h.to_dict(), identify_hits=True, legal=legal)
                     for n, h in enumerate(similar, start=1)]
        hint = family_hint([(h["family"], h["score"]) for h in analogues])
        result["analogue"] = {"family_hint": hint.to_dict() if hint else None, "site": None,
                              "hits": analogues}
    return result


def search_many(library: SpectralLibrary, queries: Sequence[Spectrum], **options: Any) -> list[dict[str, Any]]:
    """:func:`search_one` for each query; a query that cannot be searched keeps its error and the batch goes on."""
    results = []
    for query in queries:
        try:
            results.append(search_one(library, query, **options))
        except InvalidInput as exc:
            if exc.field in ("method", "top", "rank_by", "library"):
                raise  # the caller's options, not this query
            results.append({"query": query.name, "record": query.record, "library": library.name,
                            "kind": library.kind, "hits": [], "analogue": None,
                            "errors": [{"record": exc.record or query.record, "field": exc.field,
                                        "reason": exc.reason}]})
    return results
