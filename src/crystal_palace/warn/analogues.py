"""``analogue`` alerts: a new substance that is a close analogue of a recently controlled one.

When a substance is controlled, the market often moves to a neighbour that the listing does not
cover (3-MMC to 3-CMC, then to 3-CEC). For each new substance with a structure, the identify workflow
gives its nearest reference substances; any of them at or above ``analogue_similarity`` that was
listed in some jurisdiction within ``recent_years`` before the detection fires an alert, naming the
listing (jurisdiction, instrument, date) and what differs.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import pandas as pd

from crystal_palace.warn.alerts import Alert, alert_key


def _listings_by_substance() -> dict[str, list[dict[str, Any]]]:
    from crystal_palace import list_legal

    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in list_legal(None, None):
        if row.get("basis") == "listed" and row.get("substance_id") and row.get("since"):
            by_id.setdefault(str(row["substance_id"]), []).append(row)
    return by_id


def analogue_alerts(new_substances: Sequence[Alert], detections: pd.DataFrame, *, similarity: float,
                    recent_years: float) -> list[Alert]:
    """One alert per new substance whose close analogues include a recently listed substance."""
    from crystal_palace import identify_many

    todo: list[tuple[Alert, str]] = []
    for alert in new_substances:
        rows = detections[detections["inchikey"] == alert.subject]
        structures = [s for s in rows["smiles"] if s]
        todo.append((alert, structures[0] if structures else alert.subject))
    if not todo:
        return []
    verdicts = identify_many([query for _, query in todo], analogues=5, explain=False, legal=False,
                             records=[a.subject for a, _ in todo])
    listings = _listings_by_substance()
    alerts: list[Alert] = []
    for (alert, _), verdict in zip(todo, verdicts, strict=True):
        if verdict.errors:
            continue
        day = alert.event_date
        earliest = day - datetime.timedelta(days=round(365.25 * recent_years))
        matches = []
        for analogue in verdict.analogues:
            if analogue["similarity"] < similarity:
                continue
            recent = [r for r in listings.get(analogue["id"], [])
                      if earliest <= datetime.date.fromisoformat(str(r["since"])) <= day]
            if recent:
                matches.append({"analogue": analogue["name"], "analogue_id": analogue["id"],
                                "analogue_inchikey": analogue["inchikey"], "similarity": analogue["similarity"],
                                "formula_delta": analogue.get("formula_delta"),
                                "listings": [{"jurisdiction": r["jurisdiction"], "instrument": r["instrument"],
                                              "category": r["category"], "since": r["since"]}
                                             for r in sorted(recent, key=lambda r: str(r["since"]))]})
        if not matches:
            continue
        best = matches[0]
        first = best["listings"][0]
        why = (f"{alert.substance}, first detected on {day}, is a close analogue (Tanimoto {best['similarity']:.2f}, "
               f"{best['formula_delta']}) of {best['analogue']}, listed in {first['jurisdiction']} "
               f"({first['instrument']}, {first['category']}) since {first['since']}"
               + (f"; {len(matches) - 1} more recently listed analogue(s)" if len(matches) > 1 else ""))
        figures = {"analogues": matches, "similarity_threshold": similarity, "recent_years": recent_years,
                   "family": verdict.family, "structure": verdict.structure,
                   "in_reference_library": verdict.identity is not None}
        alerts.append(Alert(key=alert_key("analogue", alert.subject), kind="analogue", subject=alert.subject,
                            substance=alert.substance, family=alert.family, country=alert.country,
                            period=alert.period, period_start=alert.period_start, event_date=day,
                            title=f"{alert.substance}: analogue of recently controlled {best['analogue']}",
                            why=why, figures=figures, record_ids=list(alert.record_ids)))
    return alerts
