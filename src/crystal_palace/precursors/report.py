"""Write a manifest screen as CSV (one line per row), JSON (rows and totals) or a readable HTML report.

The HTML report is one self-contained page (no scripts, no external files) so that it can be
attached to a case file or e-mailed: the summary by risk, the flagged rows first with their reason
and path, totals per consignee and per target drug with the yield assumption, and the rows that
could not be read with their reason.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import Environment, select_autoescape

CSV_COLUMNS = ("row", "product", "cas", "cn_code", "quantity", "unit", "consignor", "consignee", "structure",
               "risk", "identified_as", "substance_id", "inchikey", "identified_by", "role", "category", "leads_to",
               "path", "quantity_kg", "estimates", "reason", "warnings", "errors")


def _path_text(path: dict[str, Any]) -> str:
    steps = " -> ".join(f"{s['name']} -> {s['substance'] or s['smiles']}" for s in path["steps"])
    return f"{steps} [{path['target']}: {path['target_status']}]"


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV line: lists joined with ' | ', the first path written out."""
    out = {k: row.get(k) for k in CSV_COLUMNS}
    out["leads_to"] = " | ".join(row.get("leads_to") or [])
    out["path"] = _path_text(row["paths"][0]) if row.get("paths") else ""
    out["estimates"] = " | ".join(f"{e['drug']}: {e['estimate_kg']} kg" for e in row.get("estimates") or []
                                  if e.get("estimate_kg") is not None)
    out["warnings"] = " | ".join(row.get("warnings") or [])
    out["errors"] = " | ".join(f"{e['field']}: {e['reason']}" for e in row.get("errors") or [])
    return out


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_row(r) for r in rows)
    return buffer.getvalue()


def result_json(result: dict[str, Any]) -> str:
    """The whole result (source, rows, totals) as JSON text."""
    return json.dumps(result, indent=2, ensure_ascii=False, default=str)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Precursor screen: {{ source }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222} table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f0f0f0} .scheduled{background:#fdd} .drug{background:#f99} .designer{background:#fec}
.pre_precursor{background:#ffd} .unknown{background:#eee} .note{color:#555;font-size:.9em} code{font-size:.85em}
</style></head><body>
<h1>Precursor screen</h1>
<p>File <b>{{ source }}</b>, screened {{ screened_at }} ({{ totals.rows }} rows; legal status as of {{ as_of }};
transformations up to {{ max_steps }} steps).</p>
<h2>Summary</h2>
<table><tr>{% for risk, n in totals.by_risk.items() %}<th class="{{ risk }}">{{ risk }}</th>{% endfor %}
<th>rows with errors</th></tr>
<tr>{% for risk, n in totals.by_risk.items() %}<td>{{ n }}</td>{% endfor %}<td>{{ totals.rows_with_errors }}</td></tr>
</table>
<h2>Flagged rows</h2>
{% if flagged %}<table><tr><th>row</th><th>product</th><th>CAS</th><th>quantity</th><th>consignee</th><th>risk</th>
<th>identified as</th><th>category</th><th>leads to</th><th>why</th><th>estimate</th></tr>
{% for r in flagged %}<tr class="{{ r.risk }}"><td>{{ r.row }}</td><td>{{ r.product }}</td><td>{{ r.cas }}</td>
<td>{{ r.quantity }} {{ r.unit }}</td><td>{{ r.consignee }}</td><td>{{ r.risk }}</td><td>{{ r.identified_as }}</td>
<td>{{ r.category }}</td><td>{{ r.leads_to | join(", ") }}</td>
<td>{{ r.reason }}{% if r.paths %}<br><code>{{ path_text(r.paths[0]) }}</code>{% endif %}
{% for w in r.warnings %}<br><i>{{ w }}</i>{% endfor %}</td>
<td>{% for e in r.estimates if e.estimate_kg is not none %}{{ e.drug }}: {{ "%.3f"|format(e.estimate_kg) }} kg<br>
{% endfor %}</td></tr>
{% endfor %}</table>{% else %}<p>No row is a scheduled, designer or pre-precursor, or a drug.</p>{% endif %}
<h2>Per consignee</h2>
<table><tr><th>consignee</th><th>rows</th><th>flagged rows</th><th>flagged kg</th>
<th>drug that could be made (kg)</th></tr>
{% for c in totals.by_consignee %}<tr><td>{{ c.consignee }}</td><td>{{ c.rows }}</td><td>{{ c.flagged_rows }}</td>
<td>{{ "%.3f"|format(c.flagged_kg) }}</td>
<td>{% for d, kg in c.drug_estimates_kg.items() %}{{ d }}: {{ "%.3f"|format(kg) }}<br>{% endfor %}</td></tr>{% endfor %}
</table>
<h2>Per target drug</h2>
<table><tr><th>drug</th><th>rows</th><th>chemical kg</th><th>estimate kg</th><th>chemicals (rows)</th></tr>
{% for d in totals.by_drug %}<tr><td>{{ d.drug }}</td><td>{{ d.rows }}</td><td>{{ "%.3f"|format(d.chemical_kg) }}</td>
<td>{{ "%.3f"|format(d.estimate_kg) }}</td>
<td>{% for name, n in d.chemicals.items() %}{{ name }} ({{ n }})<br>{% endfor %}</td></tr>{% endfor %}
</table>
<p class="note">{{ totals.yield_assumption }}</p>
<h2>Rows with problems</h2>
{% if problems %}<table><tr><th>row</th><th>product</th><th>CAS</th><th>risk</th><th>problems</th></tr>
{% for r in problems %}<tr class="{{ r.risk }}"><td>{{ r.row }}</td><td>{{ r.product }}</td><td>{{ r.cas }}</td>
<td>{{ r.risk }}</td><td>{% for e in r.errors %}{{ e.field }}: {{ e.reason }}<br>{% endfor %}
{% for w in r.warnings %}<i>{{ w }}</i><br>{% endfor %}</td></tr>{% endfor %}</table>
{% else %}<p>Every row was read.</p>{% endif %}
<p class="note">Crystal Palace {{ version }}. Scheduling from the encoded UN 1988 Tables and EU categories;
roles, routes and transformations from data/precursors (each entry with its source).</p>
</body></html>
"""


def render_html(result: dict[str, Any]) -> str:
    """The readable report of a manifest screen."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(_TEMPLATE)
    rows = result["rows"]
    flagged = [r for r in rows if r["risk"] in ("drug", "scheduled", "designer", "pre_precursor")]
    problems = [r for r in rows if r["errors"] or r["risk"] == "unknown"]
    return template.render(**result, flagged=flagged, problems=problems, path_text=_path_text)
