"""The report of a joint operation: seizures, quantities per substance, arrests and sites, by country.

Joint action days (Europol/EMPACT-style operations) end with a results table per participating country.
Seizures and production sites count towards an operation through their ``operation_id``; arrests and
sites dismantled come from each country's ``operation_outcomes`` record (what the country reported), and
the production sites stored with the operation are counted beside them (``sites_recorded``), so a gap
between the two is visible rather than hidden. Quantities are summed per substance in one unit per kind
of measure: masses in kg, volumes in litres, and counted units (tablets, blotters...) as counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from crystal_palace.exceptions import InvalidInput

Records = Mapping[str, Sequence[Mapping[str, Any]]]

UNIT_SCALE: dict[str, tuple[str, float]] = {
    "mg": ("kg", 1e-6), "g": ("kg", 1e-3), "kg": ("kg", 1.0),
    "ml": ("l", 1e-3), "l": ("l", 1.0),
    "tablets": ("tablets", 1.0), "units": ("units", 1.0), "blotters": ("blotters", 1.0),
    "capsules": ("capsules", 1.0),
}
"""Each stored unit, the unit its quantities are reported in, and the factor to get there."""


def find_operation(records: Records, operation: str) -> Mapping[str, Any]:
    """The operation record with this id or name (without case; "Orca" finds "Operation Orca")."""
    wanted = operation.strip().casefold()
    for record in records.get("operations", ()):
        name = str(record.get("name") or "").strip().casefold()
        if record.get("id") == operation or wanted in (name, name.removeprefix("operation "),
                                                        name.removeprefix("operation").strip()):
            return record
    known = ", ".join(sorted(str(r.get("name")) for r in records.get("operations", ()))) or "none"
    raise InvalidInput(f"no such operation (known: {known})", field="operation", record=operation)


def _blank_country() -> dict[str, Any]:
    return {"seizures": 0, "quantities": defaultdict(float), "arrests": 0, "sites_dismantled": 0,
            "sites_recorded": 0, "reported": False}


def report(records: Records, operation: str) -> dict[str, Any]:
    """The operation's results per country and in total (JSON-ready)."""
    op = find_operation(records, operation)
    op_id = str(op["id"])
    countries: dict[str, dict[str, Any]] = defaultdict(_blank_country)
    notes: list[str] = []
    seizures = {str(s["id"]): s for s in records.get("seizures", ()) if s.get("operation_id") == op_id}
    for record in seizures.values():
        countries[str(record.get("country"))]["seizures"] += 1
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for row in records.get("seizure_substances", ()):
        seizure = seizures.get(str(row.get("seizure_id")))
        if seizure is None:
            continue
        substance = str(row.get("inchikey") or row.get("substance"))  # one substance whatever its local name
        names[substance][str(row.get("substance") or row.get("inchikey"))] += 1
        quantity, unit = row.get("quantity"), row.get("unit")
        if quantity is None or unit is None or unit not in UNIT_SCALE:
            notes.append(f"{row.get('id')}: {substance} in seizure {seizure['id']} has no usable quantity "
                         f"({quantity!r} {unit!r}); counted as a seizure, not in the quantities")
            continue
        target, factor = UNIT_SCALE[str(unit)]
        countries[str(seizure.get("country"))]["quantities"][(substance, target)] += float(quantity) * factor
    for site in records.get("production_sites", ()):
        if site.get("operation_id") == op_id:
            countries[str(site.get("country"))]["sites_recorded"] += 1
    for outcome in records.get("operation_outcomes", ()):
        if outcome.get("operation_id") != op_id:
            continue
        entry = countries[str(outcome.get("country"))]
        entry["arrests"] += int(outcome.get("arrests") or 0)
        entry["sites_dismantled"] += int(outcome.get("sites_dismantled") or 0)
        entry["reported"] = True
    for country in op.get("countries") or []:
        countries[str(country)]  # noqa: B018 - a participant with no results still gets its row
    label = {key: counts.most_common(1)[0][0] for key, counts in names.items()}
    rows = [_country_row(code, entry, label) for code, entry in sorted(countries.items())]
    for row in rows:
        if not row["reported"]:
            notes.append(f"{row['country']} reported no outcome (arrests, sites dismantled) for this operation")
    totals = _country_row("total", _sum(countries.values()), label)
    totals.pop("reported")
    return {"operation": {"id": op_id, "name": op.get("name"), "started_on": _iso(op.get("started_on")),
                          "ended_on": _iso(op.get("ended_on")), "countries": list(op.get("countries") or [])},
            "countries": rows, "totals": totals, "notes": notes}


def _iso(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _sum(entries: Any) -> dict[str, Any]:
    total = _blank_country()
    for entry in entries:
        for key in ("seizures", "arrests", "sites_dismantled", "sites_recorded"):
            total[key] += entry[key]
        for key, value in entry["quantities"].items():
            total["quantities"][key] += value
    return total


def _country_row(code: str, entry: dict[str, Any], label: Mapping[str, str]) -> dict[str, Any]:
    quantities = sorted(({"substance": label.get(key, key), "inchikey": key if key != label.get(key, key) else None,
                          "quantity": round(value, 6), "unit": unit}
                         for (key, unit), value in entry["quantities"].items()),
                        key=lambda q: (str(q["substance"]).casefold(), q["unit"]))
    return {"country": code, "seizures": entry["seizures"], "quantities": quantities, "arrests": entry["arrests"],
            "sites_dismantled": entry["sites_dismantled"], "sites_recorded": entry["sites_recorded"],
            "reported": entry["reported"]}


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}: results</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}td.n{text-align:right}</style>
</head><body>
<h1>{{ title }}</h1>
<p>{{ r.operation.started_on or "?" }} to {{ r.operation.ended_on or "?" }};
participants: {{ r.operation.countries | join(", ") or "not recorded" }}</p>
<table>
<thead><tr><th>country</th><th>seizures</th><th>quantities</th><th>arrests</th><th>sites dismantled
(reported)</th><th>sites recorded</th></tr></thead>
<tbody>
{% for c in r.countries + [r.totals] %}<tr{% if c.country == "total" %} style="font-weight:bold"{% endif %}>
<td>{{ c.country }}</td><td class="n">{{ c.seizures }}</td>
<td>{% for q in c.quantities %}{{ q.substance }}: {{ "%.3f"|format(q.quantity) if q.unit in ("kg", "l")
else "%d"|format(q.quantity) }} {{ q.unit }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td class="n">{{ c.arrests }}</td><td class="n">{{ c.sites_dismantled }}</td><td class="n">{{ c.sites_recorded }}</td>
</tr>
{% endfor %}</tbody></table>
{% if r.notes %}<h2>Notes</h2><ul>{% for n in r.notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""


def to_html(result: Mapping[str, Any]) -> str:
    """The report as a standalone HTML page (values escaped)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(TEMPLATE).render(r=result, title=title(result))


def title(result: Mapping[str, Any]) -> str:
    """The operation's title, "Operation Orca", whether it was stored as "Orca" or "Operation Orca"."""
    name = str(result["operation"]["name"] or result["operation"]["id"])
    return name if name.casefold().startswith("operation") else f"Operation {name}"
