"""Charts are complete, well-formed SVG with their values, titles and escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from crystal_palace.warn.charts import europe_map, heat_map, trend_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title") is not None
    return root


def test_trend_chart_has_a_line_per_series_and_rings_marked_points():
    root = parse(trend_chart(["W1", "W2", "W3"], {"MDMA": [1, 4, 9], "3-CEC <new>": [0, 0, 2]}, title="Trend",
                             marks={"MDMA": [2]}))
    lines = root.findall(f"{SVG}polyline")
    assert [line.find(f"{SVG}title").text for line in lines] == ["MDMA", "3-CEC <new>"]
    assert len(lines[0].get("points").split()) == 3
    assert len(root.findall(f"{SVG}circle")) == 1


def test_heat_map_writes_each_non_empty_count():
    root = parse(heat_map(["MDMA", "Cocaine"], ["NL", "PL"], [[3, 0], [7, 1]], title="Heat"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"3", "7", "1"} <= set(texts) and "0" not in texts
    assert len(root.findall(f"{SVG}rect")) == 1 + 4  # background and one cell each


def test_europe_map_places_countries_and_rings_alerted_ones():
    root = parse(europe_map({"PL": 30, "NL": 10, "XX": 5}, title="Map", alerted=["PL"]))
    titles = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert sorted(titles) == ["NL: 10", "PL: 30"]  # an unknown code has no place on the map
    rings = [c for c in root.iter(f"{SVG}circle") if c.get("stroke") == "#d62728"]
    assert len(rings) == 1
    pl = next(c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None
              and c.find(f"{SVG}title").text == "PL: 30")
    nl = next(c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None
              and c.find(f"{SVG}title").text == "NL: 10")
    assert float(pl.get("cx")) > float(nl.get("cx"))  # Poland is east of the Netherlands
    assert float(pl.get("r")) > float(nl.get("r"))
