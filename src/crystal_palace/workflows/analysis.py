"""Analyse seizure intelligence: the network, its central records and communities, paths, timeline, map, reports.

Each function takes a *source* of records: a mapping from store table names to lists of records, a JSON
file holding such a mapping, or a store (see :func:`load_records`). The CLI's ``graph`` and
``operation`` commands and the API call only these functions.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crystal_palace.analysis import geo, network, operation, timeline
from crystal_palace.exceptions import InvalidInput

Records = Mapping[str, Sequence[Mapping[str, Any]]]
Source = Mapping[str, Sequence[Mapping[str, Any]]] | str | Path

ANALYSIS_TABLES = ("operations", "operation_outcomes", "seizures", "seizure_substances", "samples", "tablets",
                   "production_sites", "actors", "links")
"""The store tables the analyses read."""


def load_records(source: Any, *, tables: Sequence[str] = ANALYSIS_TABLES) -> Records:
    """Records per table from a mapping, a JSON file (``{"seizures": [...], ...}``), generated demo data or a store.

    Demo data is what :func:`crystal_palace.demo.generate` returns (DataFrames per table); a store is a
    :class:`crystal_palace.store.backend.Store`, a store URL or a DuckDB file path (None: the default store).
    """
    if source is None:
        return _records_from_store(None, tables)
    if isinstance(source, Mapping):
        return {name: frame_records(rows, name) if isinstance(rows, pd.DataFrame) else rows
                for name, rows in source.items()}
    frames = getattr(source, "tables", None)
    if isinstance(frames, Mapping):
        return {name: frame_records(frames[name], name) for name in tables if name in frames}
    if hasattr(source, "read_table"):
        return {name: frame_records(source.read_table(name), name) for name in tables}
    path = Path(str(source))
    if path.suffix.lower() == ".json":
        if not path.is_file():
            raise InvalidInput("no such file", field="source", record=str(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not JSON: {exc}", field="source", record=str(path)) from None
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise InvalidInput("expected an object of table name to list of records", field="source",
                               record=str(path))
        return data
    return _records_from_store(str(source), tables)


def frame_records(frame: pd.DataFrame, table: str | None = None) -> list[dict[str, Any]]:
    """Plain records from a DataFrame: missing values become None, arrays lists, numpy scalars Python ones.

    With the store ``table`` named, its ``date`` columns become dates (pandas reads them as timestamps).
    """
    from crystal_palace.store.model import TABLES

    dates = {c.name for c in TABLES[table].columns if c.type == "date"} if table in TABLES else set()
    columns: list[list[Any]] = []
    for name in frame.columns:
        column = frame[name]
        missing = column.isna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(column):
            values = list(column.dt.date if name in dates else column.dt.to_pydatetime())
        else:
            values = column.astype(object).tolist()
            if column.dtype == object:
                values = [v.tolist() if isinstance(v, np.ndarray) else v.item() if isinstance(v, np.generic) else v
                          for v in values]
        columns.append([None if gone else v for v, gone in zip(values, missing, strict=True)])
    names = [str(c) for c in frame.columns]
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return records


def _records_from_store(url: str | None, tables: Sequence[str]) -> Records:
    from crystal_palace.store.backend import open_store, parse_url

    dialect, location = parse_url(url)
    if dialect == "duckdb" and location != ":memory:" and not Path(location).is_file():
        raise InvalidInput("no such store (create one with `crystal-palace db init` or `demo generate`)",
                           field="db", record=location)
    store = open_store(url, init=False, read_only=dialect == "duckdb")
    try:
        return {table: frame_records(store.read_table(table), table) for table in tables}
    finally:
        store.close()


@dataclass
class Network:
    """The network of records and links, with the analyses an intelligence analyst runs on it."""

    graph: nx.Graph

    def summary(self) -> dict[str, Any]:
        """Counts of nodes per kind, evidence per type, connected components, skipped links."""
        return network.summary(self.graph)

    def centrality(self, *, top: int | None = 20, kinds: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The records that tie the network together: degree and betweenness, most between first."""
        return network.centrality(self.graph, top=top, kinds=kinds)

    def communities(self, *, seed: int = 0, resolution: float = 1.0, min_size: int = 2) -> list[dict[str, Any]]:
        """Louvain communities, largest first."""
        return network.communities(self.graph, seed=seed, resolution=resolution, min_size=min_size)

    def path(self, source: str, target: str) -> dict[str, Any]:
        """The shortest path between two records with the evidence of each step."""
        return network.shortest_path(self.graph, source, target)

    def to_dict(self) -> dict[str, Any]:
        """Node-link JSON of the whole network."""
        return network.to_node_link(self.graph)


def build_network(source: Source, *, links: Sequence[Mapping[str, Any]] = (), strict: bool = True) -> Network:
    """The network of seizures, samples, tablets, production sites and actors, joined by evidence.

    ``links`` adds links not (yet) stored, e.g. ``link_profiles(...).to_links()``. A link to an unknown
    record is an error unless ``strict=False`` (then it is listed in ``summary()["skipped"]``).
    """
    records = load_records(source)
    if links:
        records = {**records, "links": [*records.get("links", ()), *links]}
    return Network(network.build_graph(records, strict=strict))


def seizure_timeline(source: Source, *, ids: Collection[str] | None = None, start: str | None = None,
                     end: str | None = None) -> dict[str, Any]:
    """Every dated event (seizures, samples, sites dismantled, operations) in time order."""
    return timeline.timeline(load_records(source), ids=ids, start=start, end=end)


def seizure_map(source: Source, *, ids: Collection[str] | None = None) -> dict[str, Any]:
    """Seizures and production sites as a GeoJSON FeatureCollection."""
    return geo.feature_collection(load_records(source), ids=ids)


@dataclass
class OperationReport:
    """A joint operation's results by country (:meth:`to_dict`) and as a web page (:meth:`to_html`)."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return self.data

    def to_html(self) -> str:
        """The report as a standalone HTML page."""
        return operation.to_html(self.data)


def operation_report(source: Source, operation_name: str) -> OperationReport:
    """The report of a joint operation (by id or name): seizures, quantities, arrests, sites, by country."""
    return OperationReport(operation.report(load_records(source), operation_name))
