"""The identify verdict (identity, family, legal status) for a library hit's structure, once per structure.

A library record may carry a SMILES, an InChIKey, or only a name; the structure is taken in that order
(an InChIKey is only resolved when the reference library knows it). Verdicts are cached per structure
key for the life of the process, because the same compounds come back as hits for query after query.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from crystal_palace.chemistry.structures import looks_like_inchikey


def hit_query(record: dict[str, Any]) -> str | None:
    """The text to identify for a library record: its SMILES, else its InChIKey, else a known name.

    Only names the reference library knows are used; they are not sent to OPSIN here, since a library
    of 10^5 names must not start Java for each hit.
    """
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.chemistry.names import name_key

    smiles = (record.get("smiles") or "").strip()
    if smiles:
        return smiles
    key = (record.get("inchikey") or "").strip()
    if looks_like_inchikey(key) and (key in default_library().by_inchikey
                                     or key[:14] in default_library().by_connectivity):
        return key
    name = (record.get("name") or "").strip()
    return name if name and name_key(name) in default_library().by_name else None


@lru_cache(maxsize=20_000)
def _verdict(query: str, legal: bool) -> dict[str, Any]:
    from crystal_palace.workflows.identify import identify

    result = identify(query, analogues=0, explain=False, legal=legal).to_dict()
    return {"identity": result.get("identity"), "family": result.get("family"),
            "structure": result.get("structure"), "legal": result.get("legal") or [],
            "errors": result.get("errors") or []}


def identify_record(record: dict[str, Any], *, legal: bool = True) -> dict[str, Any] | None:
    """The cached verdict for a record's structure (None when the record has no usable structure)."""
    query = hit_query(record)
    if query is None:
        return None
    verdict = _verdict(query, legal)
    if verdict["structure"] is None:
        return None
    return verdict
