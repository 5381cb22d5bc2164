import json

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput, MissingOptionalDependency
from crystal_palace.workflows.actors import link_actor_sets, resolve_actors

MIXED = [
    {"id": "p1", "schema": "Person", "first_name": "Krzysztof", "last_name": "Wójcik", "birth_date": "1979-04-02",
     "phone": "+48 601 234 567", "country": "PL"},
    {"id": "p2", "schema": "Person", "first_name": "Krzysiek", "last_name": "Wojcik", "birth_date": "02.04.1979",
     "country": "NL"},
    {"id": "p3", "schema": "Person", "name": "Wojcik Krzysztof", "phone": "0048601234567", "country": "IT"},
    {"id": "p4", "schema": "Person", "first_name": "Luca", "last_name": "Bianchi", "birth_date": "1990-01-05",
     "country": "IT"},
    {"id": "t1", "schema": "Phone", "phone": "+48 601 234 567", "country": "PL"},
    {"id": "t2", "schema": "Phone", "phone": "601-234-567", "country": "PL"},
    {"id": "t3", "schema": "Phone", "phone": "12", "country": "PL"},
    {"id": "c1", "schema": "Company", "name": "Chem-Trade Sp. z o.o.", "country": "PL"},
]


def test_mixed_entity_types_are_resolved_each_with_its_model():
    result = resolve_actors(MIXED, dataset="case-17")
    groups = sorted(sorted(r.record_id for r in e.records) for e in result.entities)
    assert groups == [["c1"], ["p1", "p2", "p3"], ["p4"], ["t1", "t2"], ["t3"]]
    assert {m.entity_type for m in result.models} == {"person", "phone"}  # one company: nothing to compare
    assert {r.dataset for e in result.entities for r in e.records} == {"case-17"}
    assert [(p.record_id, p.field) for p in result.problems] == [("t3", "phone")]
    assert result.entity_of()[result.entities[0].records[0]] == result.entities[0].entity_id
    data = json.loads(json.dumps(result.to_dict()))
    assert data["summary"].startswith("8 records -> 5 actors (2 with more than one record)")
    assert data["models"][0]["model"]["link_type"] == "dedupe_only"
    assert "model" not in result.to_dict(include_model=False)["models"][0]


def test_link_two_sets_and_the_top_level_functions():
    assert crystal_palace.resolve_actors is resolve_actors
    assert crystal_palace.link_actor_sets is link_actor_sets
    left = [r for r in MIXED if r["id"] in ("p1", "p4")]
    right = [{**r, "id": r["id"].upper()} for r in MIXED if r["id"] in ("p2", "p3")]
    result = link_actor_sets(left, right, names=("pl", "it"))
    pairs = {(m.left.dataset, m.left.record_id, m.right.dataset, m.right.record_id) for m in result.matches}
    assert pairs == {("it", "P2", "pl", "p1"), ("it", "P3", "pl", "p1")}
    assert sum(len(e.records) for e in result.entities) == 4


def test_a_type_present_on_one_side_only_is_kept_as_single_actors():
    result = link_actor_sets(MIXED[:4], MIXED[4:6], names=("a", "b"))
    kinds = {e.entity_type for e in result.entities}
    assert kinds == {"person", "phone"} and sum(len(e.records) for e in result.entities) == 6


@pytest.mark.parametrize("call, message", [
    (lambda: resolve_actors(MIXED, threshold=1.0), "threshold must be"),
    (lambda: resolve_actors([]), "no records"),
    (lambda: resolve_actors(MIXED, backend="oracle"), "unknown backend 'oracle'"),
    (lambda: link_actor_sets(MIXED, MIXED, names=("x", "x")), "different names"),
    (lambda: resolve_actors([{"id": "1", "schema": "Boat"}]), "unknown entity type 'Boat'"),
])
def test_bad_calls_say_what_is_wrong(call, message):
    with pytest.raises(InvalidInput, match=message):
        call()


def test_spark_missing_says_what_to_install(monkeypatch, tmp_path):
    import sys
    import tempfile

    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(MissingOptionalDependency, match=r"pip install 'crystal-palace\[spark\]'"):
        resolve_actors(MIXED, backend="spark")
    assert list(tmp_path.iterdir()) == []  # the engine's temporary folder is gone too


def test_duckdb_work_stays_in_a_temporary_folder_that_is_removed(monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    resolve_actors(MIXED)
    assert list(tmp_path.iterdir()) == []
