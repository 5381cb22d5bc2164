"""A self-contained HTML report of a spectrum search, for the case file.

One section per query: the hits with their scores, identity, family and the jurisdictions that
control them, the analogue reading (family hint and modified site), and the head-to-tail plot of
the query against its best hit embedded as SVG, so the file can be archived and opened anywhere
without its folder.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape
from typing import Any


def _hit_row(hit: dict[str, Any]) -> str:
    scores = (f"{hit['match_factor']} / {hit['reverse_match_factor']}" if "match_factor" in hit
              else f"{hit['score']:.3f} ({hit.get('method', '')})")
    controlled = sorted({v.get("jurisdiction") for v in hit.get("legal") or [] if v.get("controlled")})
    identity = (hit.get("identity") or {}).get("name") or ""
    return (f"<tr><td>{hit['rank']}</td><td>{escape(str(hit['name']))}</td><td>{escape(scores)}</td>"
            f"<td>{escape(identity)}</td><td>{escape(str(hit.get('family') or ''))}</td>"
            f"<td>{escape(', '.join(c for c in controlled if c))}</td><td><code>{escape(hit.get('inchikey') or '')}"
            "</code></td></tr>")


def render_report(results: Sequence[dict[str, Any]], *, library: str, svgs: Sequence[str | None] = ()) -> str:
    """The HTML text; ``svgs[i]`` is the head-to-tail plot of query ``i`` (or None)."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Spectrum search report</title><style>"
             "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:left}h2{margin-top:2em}</style></head><body>",
             f"<h1>Spectrum search: library {escape(library)}</h1>",
             f"<p>{len(results)} queries, {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}. "
             "EI scores are NIST-style match factor / reverse match factor (0-999); MS/MS scores are entropy "
             "similarities (0-1).</p>"]
    for n, result in enumerate(results):
        parts.append(f"<h2>{n + 1}. {escape(str(result['query']))}</h2><p><small>{escape(str(result['record']))}"
                     "</small></p>")
        for error in result.get("errors") or []:
            parts.append(f"<p><b>error</b> {escape(str(error.get('field')))}: {escape(str(error.get('reason')))}</p>")
        if result.get("hits"):
            parts.append("<table><tr><th>#</th><th>library record</th><th>score</th><th>identity</th>"
                         "<th>family</th><th>controlled in</th><th>InChIKey</th></tr>")
            parts.extend(_hit_row(h) for h in result["hits"])
            parts.append("</table>")
        elif not result.get("errors"):
            parts.append("<p>no hits</p>")
        analogue = result.get("analogue") or {}
        if analogue.get("family_hint"):
            hint = analogue["family_hint"]
            parts.append(f"<p>Family hint: <b>{escape(hint['family'])}</b> (support {hint['support']:.2f}).")
            site = analogue.get("site")
            if site:
                parts.append(f" If the compound is new: modified at site <b>{escape(site['site'])}</b> "
                             f"({escape(site['description'])}), mass shift {site['shift']:+d} Da from "
                             f"{escape(site['scaffold'])}.")
            parts.append("</p>")
        svg = svgs[n] if n < len(svgs) else None
        if svg:
            parts.append(svg)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
