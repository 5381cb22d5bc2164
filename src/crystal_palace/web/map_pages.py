"""The map page: the seizures and production sites the user may see, on the outlines of Europe's countries.

Drawn server-side as inline SVG, so the page needs no script: the country outlines are Natural Earth's
1:110m admin-0 countries (public domain), shipped in ``static/vendor/naturalearth/`` (see its
``SOURCE.md``; made by ``tools/make_country_outlines.py``), projected with the Lambert azimuthal
equal-area projection centred on 52 N, 10 E (the projection of the European grid, EPSG:3035, on a
sphere). The points are :func:`crystal_palace.seizure_map` of the records the user may see
(:func:`crystal_palace.web.scoping.scope_records`): each links to its record, countries with seizures
are shaded, and records without coordinates are counted, never hidden.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.network_pages import visible_records
from crystal_palace.web.pages import STATIC, PageRecordReader, render
from crystal_palace.web.security import web_context

OUTLINES = STATIC / "vendor" / "naturalearth" / "europe_110m.geojson"
CENTRE = (10.0, 52.0)
"""Longitude and latitude of the projection's centre."""
VIEW = (-11.0, 34.0, 34.0, 71.0)
"""West, south, east, north (degrees) of the area the map frames."""
WIDTH = 900
MAX_POINTS = 5000
router = APIRouter(include_in_schema=False)


def project(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area (unit sphere) about :data:`CENTRE`: x east, y north."""
    lam0, phi0 = math.radians(CENTRE[0]), math.radians(CENTRE[1])
    lam, phi = math.radians(lon), math.radians(lat)
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2.0 / max(1.0 + cos_c, 1e-12))
    return (k * math.cos(phi) * math.sin(lam - lam0),
            k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0)))


@lru_cache(maxsize=1)
def frame() -> tuple[float, float, float, float]:
    """Projected bounds (x0, y0, x1, y1) of :data:`VIEW` and the pixel height for :data:`WIDTH`."""
    west, south, east, north = VIEW
    edge = [(west + (east - west) * i / 40, lat) for i in range(41) for lat in (south, north)]
    edge += [(lon, south + (north - south) * i / 40) for i in range(41) for lon in (west, east)]
    xy = [project(lon, lat) for lon, lat in edge]
    x0, x1 = min(x for x, _ in xy), max(x for x, _ in xy)
    y0, y1 = min(y for _, y in xy), max(y for _, y in xy)
    return x0, y0, x1, y1


def to_pixels(lon: float, lat: float) -> tuple[float, float]:
    """SVG coordinates (origin top left) of a point."""
    x0, y0, x1, y1 = frame()
    x, y = project(lon, lat)
    scale = WIDTH / (x1 - x0)
    return round((x - x0) * scale, 1), round((y1 - y) * scale, 1)


def height() -> int:
    """The drawing's height in pixels."""
    x0, y0, x1, y1 = frame()
    return round((y1 - y0) * WIDTH / (x1 - x0))


@lru_cache(maxsize=1)
def country_paths() -> tuple[dict[str, str], ...]:
    """Each country of the shipped outlines as an SVG path (``d``), with its ISO-2 code and name."""
    collection = json.loads(OUTLINES.read_text(encoding="utf-8"))
    paths = []
    for feature in collection["features"]:
        rings = []
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                points = [to_pixels(lon, lat) for lon, lat in ring]
                rings.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
        paths.append({"iso": feature["properties"]["iso_a2"], "name": feature["properties"]["name"],
                      "d": "".join(rings)})
    return tuple(paths)


def map_view(db: str | None, user: User, kind: str | None = None) -> dict[str, Any]:
    """What the page draws: countries (shaded by the user's visible seizures), points, counts."""
    from crystal_palace import seizure_map

    collection = seizure_map(visible_records(db, user))
    features = [f for f in collection["features"] if kind is None or f["properties"]["kind"] == kind]
    without = [w for w in collection["without_coordinates"] if kind is None or w["kind"] == kind]
    per_country: dict[str, int] = {}
    for f in features:
        country = str(f["properties"].get("country") or "")
        per_country[country] = per_country.get(country, 0) + 1
    busiest = max(per_country.values(), default=0)
    countries = []
    for path in country_paths():
        count = per_country.get(path["iso"], 0)
        shade = 0 if not count else 1 + min(3, int(4 * count / (busiest + 1)))
        countries.append({**path, "count": count, "shade": shade})
    points = []
    for f in features[:MAX_POINTS]:
        lon, lat = f["geometry"]["coordinates"]
        x, y = to_pixels(lon, lat)
        p = f["properties"]
        table = "seizures" if p["kind"] == "seizure" else "production_sites"
        what = ", ".join(str(s.get("substance")) for s in p.get("substances", []) if s.get("substance")) \
            if p["kind"] == "seizure" else str(p.get("site_type") or "production site")
        points.append({"x": x, "y": y, "kind": p["kind"], "href": f"/records/{table}/{f['id']}",
                       "title": f"{p.get('date') or 'undated'} · {p.get('place') or ''} ({p.get('country')})"
                                f"{' · ' + what if what else ''}"})
    names = {c["iso"]: c["name"] for c in countries if c["iso"]}
    return {"countries": countries, "points": points, "width": WIDTH, "height": height(),
            "per_country": [(code, names.get(code, code), n)
                            for code, n in sorted(per_country.items(), key=lambda kv: (-kv[1], kv[0]))],
            "without": without, "drawn": len(points), "total": len(features),
            "ids": [str(f["id"]) for f in features] + [str(w["id"]) for w in without]}


@router.get("/map", response_class=HTMLResponse)
async def map_page(request: Request, user: PageRecordReader,
                   kind: str | None = Query(None, pattern="^(seizure|site)$")) -> HTMLResponse:
    """The map of the seizures (and production sites) the user may see."""
    from crystal_palace.exceptions import CrystalPalaceError

    try:
        view = await run_in_threadpool(map_view, web_context(request).settings.db, user, kind)
    except CrystalPalaceError as exc:
        return render(request, "map.html", view=None, kind=kind or "", problem=str(getattr(exc, "reason", exc)))
    audit_records(request, view["ids"])
    return render(request, "map.html", view=view, kind=kind or "", problem="", max_points=MAX_POINTS)
