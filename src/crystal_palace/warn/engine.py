"""One pass of the early-warning engine over a detections table: every alert for a window of periods."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pandas as pd

from crystal_palace.warn.alerts import Alert
from crystal_palace.warn.signals import WarnSettings, evaluation_window, first_detection_alerts, rise_alerts


@dataclass
class Detection:
    """What one pass found: the alerts (new or not), the window, and how many rise tests were made."""

    alerts: list[Alert]
    since: pd.Timestamp
    until: pd.Timestamp
    rise_tests: int
    detections: int
    settings: WarnSettings = field(default_factory=WarnSettings)

    def by_kind(self) -> dict[str, int]:
        """How many alerts of each kind."""
        counts: dict[str, int] = {}
        for alert in self.alerts:
            counts[alert.kind] = counts.get(alert.kind, 0) + 1
        return counts


def detect(detections: pd.DataFrame, settings: WarnSettings | None = None, *,
           since: datetime.date | str | None = None, until: datetime.date | str | None = None) -> Detection:
    """Every alert for the periods from ``since`` to ``until`` (default: the latest period of the data).

    ``detections`` must have passed :func:`~crystal_palace.warn.detections.require_detections`.
    """
    chosen = settings or WarnSettings()
    first, last = evaluation_window(detections, chosen.period, since, until)
    known: set[str] = set()
    if not detections.empty:
        from crystal_palace.chemistry.library import default_library

        known = set(default_library().by_inchikey)
    alerts = first_detection_alerts(detections, chosen, first, last, known)
    if chosen.analogues:
        from crystal_palace.warn.analogues import analogue_alerts

        new = [a for a in alerts if a.kind == "new_substance"]
        alerts += analogue_alerts(new, detections, similarity=chosen.analogue_similarity,
                                  recent_years=chosen.recent_years)
    rises, tests = rise_alerts(detections, chosen, first, last)
    alerts += rises
    alerts.sort(key=lambda a: (a.period_start, a.kind, a.subject, a.country))
    return Detection(alerts, first, last, tests, len(detections), chosen)
