"""The intelligence network: seizures, samples, tablets, production sites and actors, joined by evidence.

Nodes are records; edges come from the records' own references (a sample was taken from a seizure, a
tablet comes from a seizure) and from the store's ``links`` (same batch, same press, suspect in, uses
phone...). Two records joined by several links get one edge that keeps every link as a piece of
evidence (type, method, score, explanation), so a path between two entities can be shown with the
reason for each step. Centrality (degree, betweenness) points at the records that tie cases together;
Louvain communities (Blondel et al. 2008, as implemented by networkx) group them into likely networks.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from crystal_palace.exceptions import InvalidInput

Records = Mapping[str, Sequence[Mapping[str, Any]]]

NODE_TABLES: dict[str, str] = {
    "seizures": "seizure",
    "samples": "sample",
    "tablets": "tablet",
    "production_sites": "site",
    "actors": "actor",
}
"""Record tables drawn as nodes, and the node kind each becomes."""

REFERENCE_EDGES: tuple[tuple[str, str, str], ...] = (
    ("samples", "seizure_id", "sample_of"),
    ("tablets", "seizure_id", "tablet_of"),
    ("tablets", "sample_id", "measured_as"),
)
"""``(table, column, edge type)``: references between records that become edges."""

BETWEENNESS_EXACT_UP_TO = 1000
"""Nodes up to which betweenness is exact; beyond, it is estimated from :data:`BETWEENNESS_SOURCES` sources."""
BETWEENNESS_SOURCES = 500
"""Source nodes sampled (with a fixed seed) to estimate betweenness on larger networks (Brandes and Pich
2007); networkx's exact algorithm is pure Python and takes about 10 ms per source on a few thousand
edges, so this bounds the time near 5 s whatever the size of the network."""


def _label(kind: str, record: Mapping[str, Any]) -> str:
    if kind == "actor":
        return str(record.get("name") or record.get("phone") or record.get("iban") or record.get("address")
                   or record.get("registration_number") or record["id"])
    if kind == "seizure":
        day = str(record.get("seized_on"))[:10]
        return f"seizure {record.get('ref') or record['id']} ({record.get('country')}, {day})"
    if kind == "site":
        return f"{record.get('site_type') or 'production'} site {record.get('place') or record['id']}"
    if kind == "tablet":
        return f"tablet {record.get('logo') or record['id']}"
    return f"{kind} {record.get('ref') or record['id']}"


def _plain(value: Any) -> Any:
    """Values safe for JSON and for GraphML-like exports (dates become ISO text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def build_graph(records: Records, *, strict: bool = True) -> nx.Graph:
    """The network of records and links.

    A link or reference to a record that is not in ``records`` raises
    :class:`~crystal_palace.exceptions.InvalidInput` naming the link; with ``strict=False`` it is left out
    and listed in ``graph.graph["skipped"]`` with its reason.
    """
    graph = nx.Graph()
    graph.graph["skipped"] = []
    for table, kind in NODE_TABLES.items():
        for record in records.get(table, ()):
            node_id = record.get("id")
            if not node_id:
                raise InvalidInput("record without an id", field="id", record=f"{table}: {dict(record)}")
            attributes = {k: _plain(v) for k, v in record.items() if k not in ("content_hash",)}
            graph.add_node(str(node_id), kind=kind, table=table, label=_label(kind, record), **{
                k: v for k, v in attributes.items() if k not in ("kind", "label", "table")})
    for table, column, edge_type in REFERENCE_EDGES:
        for record in records.get(table, ()):
            target = record.get(column)
            if target:
                _add_evidence(graph, str(record["id"]), str(target),
                              {"type": edge_type, "method": "recorded", "score": None,
                               "explanation": f"{table}.{column}"}, f"{record['id']}", column, strict)
    for link in records.get("links", ()):
        explanation = link.get("explanation")
        if isinstance(explanation, str) and explanation.startswith("{"):
            try:
                explanation = json.loads(explanation)
            except json.JSONDecodeError:
                pass
        evidence = {"type": link.get("type"), "method": link.get("method"), "score": link.get("score"),
                    "explanation": explanation, "link_id": link.get("id")}
        _add_evidence(graph, str(link.get("from_id")), str(link.get("to_id")), evidence,
                      str(link.get("id") or f"{link.get('from_id')}->{link.get('to_id')}"), "from_id/to_id", strict)
    return graph


def _add_evidence(graph: nx.Graph, a: str, b: str, evidence: dict[str, Any], record: str, field: str,
                  strict: bool) -> None:
    missing = [n for n in (a, b) if n not in graph]
    if missing:
        reason = f"points to {missing[0]!r}, which is not among the records"
        if strict:
            raise InvalidInput(reason, field=field, record=record)
        graph.graph["skipped"].append({"record": record, "field": field, "reason": reason})
        return
    if a == b:
        return
    if graph.has_edge(a, b):
        graph.edges[a, b]["evidence"].append(evidence)
        graph.edges[a, b]["types"] = sorted({*graph.edges[a, b]["types"], str(evidence["type"])})
    else:
        graph.add_edge(a, b, evidence=[evidence], types=[str(evidence["type"])])


def _node_summary(graph: nx.Graph, node: str) -> dict[str, Any]:
    data = graph.nodes[node]
    return {"id": node, "kind": data.get("kind"), "label": data.get("label"), "country": data.get("country")}


def centrality(graph: nx.Graph, *, top: int | None = 20, kinds: Iterable[str] | None = None,
               exact: bool = False) -> list[dict[str, Any]]:
    """Degree and betweenness of each node, the most between first (optionally only some kinds of node).

    Betweenness is exact up to :data:`BETWEENNESS_EXACT_UP_TO` nodes and estimated from a seeded sample
    of :data:`BETWEENNESS_SOURCES` source nodes beyond (Brandes and Pich 2007), which keeps large graphs
    tractable; ``exact=True`` insists on the exact figure.
    """
    n = graph.number_of_nodes()
    sample = None if exact or n <= BETWEENNESS_EXACT_UP_TO else BETWEENNESS_SOURCES
    betweenness = nx.betweenness_centrality(graph, k=sample, seed=0 if sample else None)
    degree = nx.degree_centrality(graph) if n > 1 else dict.fromkeys(graph, 0.0)
    wanted = set(kinds) if kinds else None
    rows = [{**_node_summary(graph, node), "degree": graph.degree[node], "degree_centrality": degree[node],
             "betweenness": betweenness[node]}
            for node in graph if wanted is None or graph.nodes[node].get("kind") in wanted]
    rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["id"]))
    return rows[:top] if top is not None else rows


def communities(graph: nx.Graph, *, seed: int = 0, resolution: float = 1.0,
                min_size: int = 2) -> list[dict[str, Any]]:
    """Louvain communities, largest first, with the kinds and countries of their members.

    Communities smaller than ``min_size`` (by default the records linked to nothing) are not listed;
    ``min_size=1`` lists them too. The seed makes the result repeatable.
    """
    found = nx.community.louvain_communities(graph, seed=seed, resolution=resolution) if len(graph) else []
    rows: list[dict[str, Any]] = []
    for members in found:
        if len(members) < min_size:
            continue
        ordered = sorted(members)
        rows.append({"size": len(ordered),
                     "kinds": dict(Counter(str(graph.nodes[m].get("kind")) for m in ordered)),
                     "countries": sorted({str(c) for m in ordered if (c := graph.nodes[m].get("country"))}),
                     "members": ordered})
    rows.sort(key=lambda r: (-r["size"], r["members"][0]))
    for number, row in enumerate(rows, start=1):
        row["community"] = number
    return rows


def shortest_path(graph: nx.Graph, source: str, target: str) -> dict[str, Any]:
    """The shortest path between two records, each step with the evidence of its edge.

    Raises :class:`~crystal_palace.exceptions.InvalidInput` when a record is unknown or nothing connects
    them.
    """
    for name, node in (("source", source), ("target", target)):
        if node not in graph:
            raise InvalidInput("no such record in the network", field=name, record=node)
    try:
        nodes = nx.shortest_path(graph, source, target)
    except nx.NetworkXNoPath:
        raise InvalidInput(f"nothing connects {source} and {target}", field="target", record=target) from None
    steps = [{"from": _node_summary(graph, a), "to": _node_summary(graph, b),
              "types": graph.edges[a, b]["types"], "evidence": graph.edges[a, b]["evidence"]}
             for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
    return {"source": source, "target": target, "length": len(nodes) - 1,
            "nodes": [_node_summary(graph, n) for n in nodes], "steps": steps}


def summary(graph: nx.Graph) -> dict[str, Any]:
    """Counts of nodes per kind, edges per type, and connected components."""
    edge_types: Counter[str] = Counter()
    for _, _, data in graph.edges(data=True):
        edge_types.update(str(e["type"]) for e in data["evidence"])
    components = [len(c) for c in nx.connected_components(graph)]
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "kinds": dict(Counter(str(d.get("kind")) for _, d in graph.nodes(data=True))),
            "evidence_types": dict(edge_types), "components": len(components),
            "largest_component": max(components, default=0), "skipped": list(graph.graph.get("skipped", []))}


def to_node_link(graph: nx.Graph) -> dict[str, Any]:
    """The graph as node-link JSON (d3, Cytoscape and the web pages read it)."""
    data: dict[str, Any] = nx.node_link_data(graph, edges="links")
    return data
