"""Head-to-tail plot of a query spectrum against a library hit, as a self-contained SVG.

The query is drawn upwards and the hit downwards on a shared m/z axis, both scaled to their base peak,
with the highest peaks labelled; peaks the two share are drawn darker, so a chemist sees at a glance
which ions agree. The SVG is written by hand (no plotting library), so it works on a server without a
display and embeds in the HTML report and the web page as it is.
"""

from __future__ import annotations

from html import escape

import numpy as np

from crystal_palace.spectra.model import Spectrum

WIDTH, HEIGHT = 900, 520
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 50, 40


def _nice_ticks(lo: float, hi: float, count: int = 8) -> list[float]:
    span = max(hi - lo, 1e-9)
    raw = span / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), default=raw)
    start = np.ceil(lo / step) * step
    return [float(t) for t in np.arange(start, hi + step / 2, step)]


def head_to_tail_svg(query: Spectrum, hit: Spectrum, *, title: str = "", tolerance: float = 0.5,
                     labels: int = 6) -> str:
    """The SVG text of the plot (``tolerance``: m/z distance within which a peak counts as shared)."""
    lo = float(min(query.mz.min(), hit.mz.min())) - 5
    hi = float(max(query.mz.max(), hit.mz.max())) + 5
    lo = max(0.0, lo)
    plot_w = WIDTH - LEFT - RIGHT
    half = (HEIGHT - TOP - BOTTOM) / 2
    axis_y = TOP + half

    def x(mz: float) -> float:
        return LEFT + (mz - lo) / (hi - lo) * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
             f'<text x="{LEFT + 4}" y="{TOP + 12}" fill="#1f4e9a">query: {escape(query.name[:80])}</text>',
             f'<text x="{LEFT + 4}" y="{HEIGHT - BOTTOM - 6}" fill="#b3261e">library: {escape(hit.name[:80])}</text>']
    for sign, spectrum, colour, light in ((-1, query, "#1f4e9a", "#8fa9d6"), (1, hit, "#b3261e", "#e0a39e")):
        other = hit if spectrum is query else query
        top = float(spectrum.intensities.max())
        shared = np.zeros(spectrum.mz.size, dtype=bool)
        if other.mz.size:
            pos = np.clip(np.searchsorted(other.mz, spectrum.mz), 1, other.mz.size - 1)
            near = np.minimum(np.abs(other.mz[pos] - spectrum.mz), np.abs(other.mz[pos - 1] - spectrum.mz))
            shared = near <= tolerance
        for mz, height, is_shared in zip(spectrum.mz, spectrum.intensities, shared, strict=True):
            y = axis_y + sign * (float(height) / top) * (half - 10)
            parts.append(f'<line x1="{x(float(mz)):.1f}" y1="{axis_y:.1f}" x2="{x(float(mz)):.1f}" y2="{y:.1f}" '
                         f'stroke="{colour if is_shared else light}" stroke-width="1.2"/>')
        for i in np.argsort(-spectrum.intensities)[:labels]:
            y = axis_y + sign * (float(spectrum.intensities[i]) / top) * (half - 10) + (-3 if sign < 0 else 11)
            parts.append(f'<text x="{x(float(spectrum.mz[i])):.1f}" y="{y:.1f}" text-anchor="middle" '
                         f'fill="{colour}">{float(spectrum.mz[i]):g}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="black"/>')
    for tick in _nice_ticks(lo, hi):
        parts.append(f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 4}" stroke="black"/>')
        parts.append(f'<text x="{x(tick):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle">m/z</text>')
    parts.append(f'<text x="14" y="{axis_y}" transform="rotate(-90 14 {axis_y})" text-anchor="middle">'
                 'relative intensity (query up, library down)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
