from __future__ import annotations

import json

import pytest

from crystal_palace.analysis.network import build_graph, centrality, communities, shortest_path, summary, to_node_link
from crystal_palace.exceptions import InvalidInput


def test_nodes_and_edges_with_merged_evidence(records) -> None:
    graph = build_graph(records)
    info = summary(graph)
    assert info["kinds"] == {"seizure": 4, "sample": 3, "tablet": 2, "site": 1, "actor": 4}
    assert info["evidence_types"]["sample_of"] == 3 and info["evidence_types"]["same_batch"] == 1
    assert graph.edges["ac-1", "sz-1"]["types"] == ["arrested_at", "suspect_in"]
    assert len(graph.edges["ac-1", "sz-1"]["evidence"]) == 2
    assert graph.edges["sa-1", "sa-2"]["evidence"][0]["explanation"] == {"distance": 0.01, "lr": 120.0}
    assert graph.nodes["ac-2"]["label"] == "+48 600 000 000"
    assert info["components"] == 2  # the Limburg site and its company stand apart
    json.dumps(to_node_link(graph))  # node-link JSON is serialisable (dates became text)


def test_shortest_path_carries_the_evidence_of_each_step(records) -> None:
    graph = build_graph(records)
    path = shortest_path(graph, "sz-4", "sz-3")
    assert [n["id"] for n in path["nodes"]] == ["sz-4", "tb-2", "tb-1", "sz-1", "ac-1", "ac-2", "ac-3", "sz-3"]
    assert path["length"] == 7
    assert path["steps"][1]["types"] == ["same_press"]
    assert path["steps"][1]["evidence"][0]["explanation"] == "same logo and diameter"
    with pytest.raises(InvalidInput, match="nothing connects"):
        shortest_path(graph, "sz-1", "ps-1")
    with pytest.raises(InvalidInput) as error:
        shortest_path(graph, "sz-1", "nobody")
    assert error.value.record == "nobody"


def test_the_phone_shared_across_borders_is_the_most_between(records) -> None:
    graph = build_graph(records)
    ranking = centrality(graph, top=3)
    assert ranking[0]["id"] in {"ac-1", "ac-2", "sz-1"}
    actors = centrality(graph, kinds=["actor"], top=None)
    assert [r["id"] for r in actors][:2] == ["ac-1", "ac-2"] or [r["id"] for r in actors][:2] == ["ac-2", "ac-1"]
    assert actors[-1]["id"] == "ac-4" and actors[-1]["betweenness"] == 0.0


def test_betweenness_is_estimated_on_large_networks(records, monkeypatch) -> None:
    import crystal_palace.analysis.network as network

    graph = build_graph(records)
    exact = {r["id"]: r["betweenness"] for r in centrality(graph, top=None)}
    monkeypatch.setattr(network, "BETWEENNESS_EXACT_UP_TO", 5)
    monkeypatch.setattr(network, "BETWEENNESS_SOURCES", 14)  # every node as a source: the estimate is exact
    assert {r["id"]: r["betweenness"] for r in centrality(graph, top=None)} == pytest.approx(exact)


def test_communities_are_repeatable_and_cover_linked_records(records) -> None:
    graph = build_graph(records)
    first = communities(graph, seed=1)
    assert first == communities(graph, seed=1)
    members = {m for c in first for m in c["members"]}
    assert members == set(graph.nodes)  # nothing here is isolated
    assert any(c["members"] == ["ac-4", "ps-1"] for c in first)
    assert [c["community"] for c in first] == list(range(1, len(first) + 1))


def test_dangling_links_are_errors_or_listed(records) -> None:
    records["links"].append({"id": "ln-9", "type": "uses_phone", "from_id": "ac-1", "to_id": "ac-99"})
    with pytest.raises(InvalidInput) as error:
        build_graph(records)
    assert error.value.record == "ln-9" and "ac-99" in error.value.reason
    graph = build_graph(records, strict=False)
    assert summary(graph)["skipped"] == [{"record": "ln-9", "field": "from_id/to_id",
                                          "reason": "points to 'ac-99', which is not among the records"}]


def test_network_of_generated_data_with_linkage_links() -> None:
    from crystal_palace import build_network, link_tablets, operation_report, seizure_map, seizure_timeline
    from crystal_palace.demo import generate

    data = generate(seizures=100, seed=4)
    press_links = link_tablets(data.tables["tablets"]).to_links()
    network = build_network(data, links=press_links)
    info = network.summary()
    assert info["kinds"]["seizure"] == 100 and info["evidence_types"]["same_press"] == len(press_links) > 0
    assert info["skipped"] == []
    top = network.centrality(top=5)
    assert len(top) == 5 and top[0]["betweenness"] >= top[-1]["betweenness"]
    # a press link joins two seizures through their tablets: the path shows the evidence
    link = press_links[0]
    tablets = data.tables["tablets"].set_index("id")
    a, b = tablets.loc[link["from_id"], "seizure_id"], tablets.loc[link["to_id"], "seizure_id"]
    if a != b:
        steps = network.path(a, b)["steps"]
        assert any("same_press" in step["types"] for step in steps)
    assert network.communities()[0]["size"] >= network.communities()[-1]["size"]
    assert len(seizure_timeline(data)["events"]) >= 100
    assert len(seizure_map(data)["features"]) + len(seizure_map(data)["without_coordinates"]) >= 100
    name = data.tables["operations"]["name"].iloc[0]
    report = operation_report(data, name).to_dict()
    assert report["totals"]["seizures"] == int((data.tables["seizures"]["operation_id"]
                                                == data.tables["operations"]["id"].iloc[0]).sum())
