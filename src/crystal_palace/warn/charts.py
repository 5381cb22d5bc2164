"""Charts as inline SVG, written here so that a report needs nothing from the internet.

Three charts serve the report: trend lines (detections per period for a few substances), a heat map
(substances by countries) and a map of Europe (one point per country, sized by its detections, with a
ring where an alert fired). Text is escaped; every chart is a complete ``<svg>`` element with a title,
so that a browser, a PDF renderer and a screen reader all read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22")

COUNTRY_POINTS: dict[str, tuple[float, float]] = {
    "AT": (14.55, 47.52), "BE": (4.47, 50.50), "BG": (25.49, 42.73), "CH": (8.23, 46.82), "CY": (33.43, 35.13),
    "CZ": (15.47, 49.82), "DE": (10.45, 51.17), "DK": (9.50, 56.26), "EE": (25.01, 58.60), "ES": (-3.75, 40.46),
    "FI": (25.75, 61.92), "FR": (2.21, 46.23), "GR": (21.82, 39.07), "HR": (15.20, 45.10), "HU": (19.50, 47.16),
    "IE": (-8.24, 53.41), "IT": (12.57, 41.87), "LT": (23.88, 55.17), "LU": (6.13, 49.82), "LV": (24.60, 56.88),
    "MT": (14.38, 35.94), "NL": (5.29, 52.13), "NO": (8.47, 60.47), "PL": (19.15, 51.92), "PT": (-8.22, 39.40),
    "RO": (24.97, 45.94), "SE": (18.64, 60.13), "SI": (14.99, 46.15), "SK": (19.70, 48.67), "TR": (35.24, 38.96),
    "UK": (-3.44, 55.38), "GB": (-3.44, 55.38), "UA": (31.17, 48.38), "RS": (21.01, 44.02), "AL": (20.17, 41.15),
}
"""Approximate geographic centres (longitude, latitude) of European countries, in degrees; drawing only."""

_LON = (-11.0, 36.0)
_LAT = (34.0, 71.0)


def _text(x: float, y: float, content: str, *, size: int = 11, anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-family="DejaVu Sans, Arial, sans-serif"{extra}>{escape(content)}</text>')


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
            f"<title>{escape(title)}</title>", f'<rect width="{width}" height="{height}" fill="#ffffff"/>']


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def trend_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str,
                width: int = 720, height: int = 300, marks: Mapping[str, Sequence[int]] | None = None) -> str:
    """Lines of counts per period (``labels`` on the x axis), one per series; ``marks`` ring alerted points."""
    left, right, top, bottom = 48, 170, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((max(v) for v in series.values() if len(v)), default=0.0))
    n = max(len(labels), 1)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = _open(width, height, title)
    parts.append(_text(left, 18, title, size=13, extra=' font-weight="bold"'))
    for k in range(5):
        value = peak * k / 4
        y = y_at(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(_text(left - 6, y + 4, f"{value:g}", size=10, anchor="end"))
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        parts.append(_text(x_at(i), top + plot_h + 16, labels[i], size=9, anchor="middle"))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>')
    for j, (name, values) in enumerate(series.items()):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
                     f"<title>{escape(name)}</title></polyline>")
        for i in (marks or {}).get(name, ()):
            if 0 <= i < len(values):
                parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(values[i]):.1f}" r="5" fill="none" '
                             f'stroke="{colour}" stroke-width="2"/>')
        y = top + 14 + 18 * j
        parts.append(f'<line x1="{width - right + 12}" y1="{y - 4}" x2="{width - right + 30}" y2="{y - 4}" '
                     f'stroke="{colour}" stroke-width="3"/>')
        parts.append(_text(width - right + 36, y, name[:22], size=10))
    parts.append("</svg>")
    return "\n".join(parts)


def heat_map(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float]], *, title: str,
             cell: int = 30) -> str:
    """A substances-by-countries grid; darker is more, the count written in each non-empty cell."""
    left, top = 190, 44
    width = left + cell * max(len(columns), 1) + 20
    height = top + cell * max(len(rows), 1) + 20
    peak = max((max(r) for r in values if len(r)), default=0.0) or 1.0
    parts = _open(width, height, title)
    parts.append(_text(8, 18, title, size=13, extra=' font-weight="bold"'))
    for c, column in enumerate(columns):
        parts.append(_text(left + cell * c + cell / 2, top - 8, column, size=11, anchor="middle"))
    for r, row in enumerate(rows):
        y = top + cell * r
        parts.append(_text(left - 8, y + cell / 2 + 4, row[:28], size=11, anchor="end"))
        for c, value in enumerate(values[r]):
            share = value / peak
            shade = int(round(255 - 200 * share)) if value > 0 else 247
            fill = f"rgb({shade},{int(round(255 - 120 * share)) if value > 0 else 247},255)"
            x = left + cell * c
            parts.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                         f"<title>{escape(row)}, {escape(column)}: {value:g}</title></rect>")
            if value > 0:
                colour = "#ffffff" if share > 0.6 else "#111111"
                parts.append(_text(x + (cell - 2) / 2, y + cell / 2 + 3, f"{value:g}", size=10, anchor="middle",
                                   extra=f' fill="{colour}"'))
    parts.append("</svg>")
    return "\n".join(parts)


def europe_map(values: Mapping[str, float], *, title: str, alerted: Sequence[str] = (), width: int = 420,
               height: int = 420) -> str:
    """Europe on a simple equirectangular grid: a point per country sized by its value, alerted ones ringed."""
    squeeze = math.cos(math.radians(sum(_LAT) / 2))  # degrees of longitude are shorter in the north
    scale = min((width - 20) / ((_LON[1] - _LON[0]) * squeeze), (height - 40) / (_LAT[1] - _LAT[0]))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - _LON[0]) * squeeze * scale, 30 + (_LAT[1] - lat) * scale

    parts = _open(width, height, title)
    parts.append(_text(8, 18, title, size=13, extra=' font-weight="bold"'))
    graticule = [((float(m), _LAT[0]), (float(m), _LAT[1])) for m in range(-10, 36, 10)]
    graticule += [((_LON[0], float(p)), (_LON[1], float(p))) for p in range(35, 71, 5)]
    for a, b in graticule:
        x1, y1 = project(*a)
        x2, y2 = project(*b)
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#eeeeee"/>')
    for code, (lon, lat) in sorted(COUNTRY_POINTS.items()):
        if code == "GB":
            continue
        x, y = project(lon, lat)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#bbbbbb"/>')
        if code not in values:
            parts.append(_text(x + 3, y + 3, code, size=8, extra=' fill="#999999"'))
    peak = max(values.values(), default=0.0) or 1.0
    ringed = set(alerted)
    for code, value in sorted(values.items()):
        if code not in COUNTRY_POINTS:
            continue
        x, y = project(*COUNTRY_POINTS[code])
        radius = 4 + 18 * math.sqrt(value / peak) if value > 0 else 3
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#1f77b4" fill-opacity="0.55">'
                     f"<title>{escape(code)}: {value:g}</title></circle>")
        if code in ringed:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius + 4:.1f}" fill="none" stroke="#d62728" '
                         'stroke-width="2.5"/>')
        parts.append(_text(x, y - radius - 3, f"{code} {value:g}", size=10, anchor="middle"))
    parts.append(_text(8, height - 8, "point area: detections in the period; red ring: alert in the period",
                       size=9))
    parts.append("</svg>")
    return "\n".join(parts)
