"""Make the map page's country outlines from Natural Earth's 1:110m admin-0 countries (public domain).

The shapefile is the one geopandas 0.14 shipped as its ``naturalearth_lowres`` dataset (Natural Earth
``ne_110m_admin_0_countries``; geopandas dropped its bundled datasets in 1.0). Get it without the internet
beyond the package registry::

    pip download --no-deps -d /tmp/ne "geopandas==0.14.4"
    unzip -q /tmp/ne/geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/naturalearth_lowres/*' -d /tmp/ne
    python tools/make_country_outlines.py /tmp/ne/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp

It keeps every country with a part in the map's frame (Europe and its neighbours: longitude -25..45,
latitude 33..72), rounds coordinates to 0.01 degree, thins each ring with Douglas-Peucker
(``--tolerance`` degrees), and writes a GeoJSON FeatureCollection (RFC 7946) with ``iso_a2``, ``iso_a3``
and ``name`` per country to ``src/crystal_palace/web/static/vendor/naturalearth/europe_110m.geojson``.
The shapefile and its attribute table are read with the standard library only (``struct``): polygons
(shape type 5) and a dBASE III table are all this file holds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "crystal_palace" / "web" / "static" / "vendor" / "naturalearth" / "europe_110m.geojson"
FRAME = (-25.0, 33.0, 45.0, 72.0)
"""Longitude and latitude bounds (west, south, east, north) of what the map shows."""

ISO3_TO_ISO2 = {
    "ALB": "AL", "AUT": "AT", "BEL": "BE", "BGR": "BG", "BIH": "BA", "BLR": "BY", "CHE": "CH", "CYP": "CY",
    "CZE": "CZ", "DEU": "DE", "DNK": "DK", "ESP": "ES", "EST": "EE", "FIN": "FI", "FRA": "FR", "GBR": "GB",
    "GRC": "GR", "HRV": "HR", "HUN": "HU", "IRL": "IE", "ISL": "IS", "ITA": "IT", "LTU": "LT", "LUX": "LU",
    "LVA": "LV", "MDA": "MD", "MKD": "MK", "MNE": "ME", "NLD": "NL", "NOR": "NO", "POL": "PL", "PRT": "PT",
    "ROU": "RO", "RUS": "RU", "SRB": "RS", "SVK": "SK", "SVN": "SI", "SWE": "SE", "UKR": "UA", "TUR": "TR",
    "KOS": "XK", "GRL": "GL", "GEO": "GE", "ARM": "AM", "AZE": "AZ", "KAZ": "KZ", "MAR": "MA", "DZA": "DZ",
    "TUN": "TN", "LBY": "LY", "EGY": "EG", "SYR": "SY", "LBN": "LB", "ISR": "IL", "PSE": "PS", "JOR": "JO",
    "IRQ": "IQ", "IRN": "IR", "SAU": "SA", "ESH": "EH", "MRT": "MR", "MLI": "ML", "NER": "NE", "TCD": "TD",
    "SDN": "SD", "CYN": "", "TKM": "TM", "UZB": "UZ", "MLT": "MT", "AND": "AD", "MCO": "MC", "LIE": "LI",
    "SMR": "SM", "VAT": "VA", "-99": "",
}
"""ISO 3166-1 alpha-3 to alpha-2 for the countries in the frame (the store keys countries by alpha-2)."""
BY_NAME = {"Kosovo": "XK"}
"""Countries Natural Earth gives no ISO code (``-99``): the code the store uses for them."""


def read_polygons(path: Path) -> list[list[list[tuple[float, float]]]]:
    """The rings of each record of a polygon shapefile (``.shp``), in record order."""
    data = path.read_bytes()
    code, = struct.unpack(">i", data[:4])
    if code != 9994:
        raise SystemExit(f"{path}: not a shapefile (file code {code})")
    shapes = []
    offset = 100
    while offset < len(data):
        _number, words = struct.unpack(">ii", data[offset:offset + 8])
        content = data[offset + 8:offset + 8 + 2 * words]
        offset += 8 + 2 * words
        kind, = struct.unpack("<i", content[:4])
        if kind == 0:
            shapes.append([])
            continue
        if kind != 5:
            raise SystemExit(f"{path}: shape type {kind}, expected polygons (5)")
        parts_count, points_count = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{parts_count}i", content[44:44 + 4 * parts_count]))
        start = 44 + 4 * parts_count
        flat = struct.unpack(f"<{2 * points_count}d", content[start:start + 16 * points_count])
        points = list(zip(flat[0::2], flat[1::2], strict=True))
        bounds = [*parts, points_count]
        shapes.append([points[bounds[i]:bounds[i + 1]] for i in range(parts_count)])
    return shapes


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a dBASE III table (``.dbf``) as text."""
    data = path.read_bytes()
    count, header, size = struct.unpack("<IHH", data[4:12])
    fields = []
    at = 32
    while data[at] != 0x0D:
        name = data[at:at + 11].split(b"\0", 1)[0].decode("ascii")
        fields.append((name, data[at + 16]))
        at += 32
    rows = []
    for n in range(count):
        record = data[header + n * size:header + (n + 1) * size]
        position, row = 1, {}
        for name, length in fields:
            row[name] = record[position:position + length].decode("utf-8", "replace").strip()
            position += length
        rows.append(row)
    return rows


def thin(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: drop points closer than ``tolerance`` to the line kept (the ends stay)."""
    if tolerance <= 0 or len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = ring[first], ring[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = ring[i]
            distance = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(ring, keep, strict=True) if kept]


def in_frame(ring: list[tuple[float, float]]) -> bool:
    west, south, east, north = FRAME
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs) <= east and max(xs) >= west and min(ys) <= north and max(ys) >= south


def convert(shp: Path, tolerance: float) -> dict[str, object]:
    """The FeatureCollection of the countries in :data:`FRAME`."""
    rows = read_table(shp.with_suffix(".dbf"))
    shapes = read_polygons(shp)
    if len(rows) != len(shapes):
        raise SystemExit(f"{shp}: {len(shapes)} shapes but {len(rows)} attribute rows")
    features = []
    for row, rings in zip(rows, shapes, strict=True):
        kept = [r for r in rings if r and in_frame(r)]
        if not kept:
            continue
        polygons: list[list[list[list[float]]]] = []
        for ring in kept:
            rounded: list[tuple[float, float]] = []
            for x, y in thin(ring, tolerance):
                point = (round(x, 2), round(y, 2))
                if not rounded or rounded[-1] != point:
                    rounded.append(point)
            if len(rounded) >= 4:
                polygons.append([[list(p) for p in rounded]])
        if not polygons:
            continue
        iso3 = row.get("iso_a3", "")
        iso2 = ISO3_TO_ISO2.get(iso3, "") or BY_NAME.get(row["name"], "")
        features.append({"type": "Feature", "id": iso3 if iso3 != "-99" else row["name"],
                         "properties": {"iso_a2": iso2, "iso_a3": iso3, "name": row["name"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    features.sort(key=lambda f: str(f["id"]))
    source = hashlib.sha256(shp.read_bytes()).hexdigest()
    return {"type": "FeatureCollection", "bbox": list(FRAME), "features": features,
            "source": {"data": "Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (public domain)",
                       "via": "geopandas 0.14.4 wheel, geopandas/datasets/naturalearth_lowres",
                       "shp_sha256": source, "tool": "tools/make_country_outlines.py",
                       "tolerance_degrees": tolerance, "rounding_degrees": 0.01}}


def main() -> None:
    """Read the shapefile named on the command line and write the GeoJSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapefile", type=Path, help="naturalearth_lowres.shp (its .dbf beside it)")
    parser.add_argument("--tolerance", type=float, default=0.02, help="Douglas-Peucker tolerance in degrees")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    collection = convert(args.shapefile, args.tolerance)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    missing = [f["properties"]["name"] for f in collection["features"] if not f["properties"]["iso_a2"]]  # type: ignore[index]
    print(f"{args.out}: {len(collection['features'])} countries, {args.out.stat().st_size:,} bytes"  # type: ignore[arg-type]
          + (f"; no ISO-2 code for {', '.join(missing)}" if missing else ""))


if __name__ == "__main__":
    main()
