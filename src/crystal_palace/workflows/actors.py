"""Resolve actors: deduplicate one set of actor records, or link two sets.

Actors are persons, companies, phones, vehicles and bank accounts; two sets are, say, a Polish and an
Italian file, or a seizure file and a registry extract.

Both return an :class:`ActorResolution`: the matched pairs with their scores and explanations, the
resolved actors (clusters) each keeping the ids of all its source records, the per-record problems met
while reading, and, per entity type, the model that produced the scores (blocking rules with their pair
counts, training notes, the trained Splink model). Every input record belongs to exactly one resolved
actor, so nothing is lost between input and output.

Records may mix entity types (an ``entity_type`` or FtM ``schema`` column); each type is resolved with
its own model. ``backend="spark"`` runs the same pipeline on Spark (optional extra
``crystal-palace[spark]``) for data that outgrows one machine; pass ``spark=`` an existing session to
use a cluster.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.actors import (
    ActorMatch,
    ModelReport,
    RecordRef,
    ResolvedActor,
    RunOptions,
    run_splink,
)
from crystal_palace.linkage.actors_backends import open_engine
from crystal_palace.linkage.actors_records import (
    ENTITY_TYPES,
    PreparedRecords,
    RecordProblem,
    as_frame,
    entity_types,
    prepare,
    record_ids,
)


@dataclass
class ActorResolution:
    """Matched pairs, resolved actors and how they were obtained."""

    matches: list[ActorMatch]
    entities: list[ResolvedActor]
    problems: list[RecordProblem]
    models: list[ModelReport]
    threshold: float
    backend: str
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    elapsed: float = 0.0

    def entity_of(self) -> dict[RecordRef, str]:
        """Each source record's resolved actor id."""
        return {record: entity.entity_id for entity in self.entities for record in entity.records}

    def summary(self) -> str:
        """One line: records, actors, matched pairs, problems, time."""
        records = sum(len(e.records) for e in self.entities)
        merged = sum(1 for e in self.entities if len(e.records) > 1)
        return (f"{records:,} records -> {len(self.entities):,} actors ({merged:,} with more than one record), "
                f"{len(self.matches):,} matched pairs at p >= {self.threshold}, {len(self.problems):,} value "
                f"problems, {self.elapsed:.1f} s on {self.backend}")

    def to_dict(self, *, include_model: bool = True) -> dict[str, Any]:
        """JSON-ready form."""
        models = [m.to_dict() for m in self.models]
        if not include_model:
            for model in models:
                model.pop("model", None)
        return {"summary": self.summary(), "threshold": self.threshold, "backend": self.backend,
                "entities": [e.to_dict() for e in self.entities], "matches": [m.to_dict() for m in self.matches],
                "problems": [p.to_dict() for p in self.problems], "ignored_columns": self.ignored_columns,
                "models": models, "elapsed": round(self.elapsed, 3)}


def _check_options(threshold: float) -> None:
    if not 0.0 < threshold < 1.0:
        raise InvalidInput(f"threshold must be a match probability between 0 and 1 (exclusive), got {threshold}",
                           field="threshold")


def _split_by_type(records: Any, name: str, entity_type: str, columns: Mapping[str, str] | None,
                   default_country: str | None, one_record_per: str | None = None,
                   ) -> tuple[dict[str, PreparedRecords], list[str], dict[str, list[str | None]]]:
    frame = as_frame(records)
    source = Path(records).name if isinstance(records, (str, PathLike)) else name  # errors name the file
    if frame.empty:
        raise InvalidInput("no records", field="records", record=source)
    ids = record_ids(frame, source)
    types = entity_types(frame, ids, entity_type, source)
    if one_record_per is not None and one_record_per not in frame.columns:
        raise InvalidInput(f"no column {one_record_per!r} (given as one_record_per) in {list(frame.columns)}",
                           field="one_record_per", record=source)
    prepared = {}
    sources: dict[str, list[str | None]] = {}
    ignored: list[str] = []
    for kind in ENTITY_TYPES:
        mask = types == kind
        if mask.any():
            part = prepare(frame[mask], ids[mask], kind, columns=columns, default_country=default_country)
            prepared[kind] = part
            ignored = [c for c in part.ignored_columns if c != one_record_per]
            if one_record_per is not None:
                sources[kind] = list(frame.loc[mask, one_record_per])
    return prepared, ignored, sources


_NO_SOURCE = "(no source)"


def _by_source(part: PreparedRecords, sources: list[str | None],
               ) -> tuple[list[tuple[str, PreparedRecords]], dict[str, str]]:
    """The records of one type split by their source (records without one form a group of their own).

    Groups get SQL-safe names (``source_0``...) because Splink writes them into column names; the
    second value maps them back to the sources.
    """
    labels = [_NO_SOURCE if s is None else str(s) for s in sources]
    groups, names = [], {}
    for i, label in enumerate(sorted(set(labels))):
        keep = [value == label for value in labels]
        name = "source_none" if label == _NO_SOURCE else f"source_{i}"
        names[name] = label
        groups.append((name, PreparedRecords(part.entity_type, part.table[keep].reset_index(drop=True))))
    return groups, names


def _singletons(entity_type: str, name: str, part: PreparedRecords) -> list[ResolvedActor]:
    """Actors of one record each, for a type that has nothing to be compared with."""
    import hashlib

    actors = []
    for record_id in part.table["unique_id"]:
        digest = hashlib.sha1(f"{name}\t{record_id}".encode()).hexdigest()
        actors.append(ResolvedActor(f"{entity_type}-{digest[:16]}", entity_type, [RecordRef(name, str(record_id))],
                                    {}))
    return actors


def resolve_actors(records: Any, *, entity_type: str = "person", columns: Mapping[str, str] | None = None,
                   threshold: float = 0.9, backend: str = "duckdb", spark: Any = None,
                   default_country: str | None = None, seed: int = 42, pair_budget: int = 20_000_000,
                   explain: bool = True, dataset: str = "records", one_record_per: str | None = None,
                   memory_limit: str | None = None) -> ActorResolution:
    """Deduplicate actor records: which records are the same person, company, phone, vehicle or account.

    Parameters
    ----------
    records
        A pandas DataFrame, a list of dicts or a CSV path; needs an id column (``record_id``, ``rec_id``,
        ``id``); field columns are recognised by their usual names (see ``actors_records.FIELD_ALIASES``).
    entity_type
        Type of records without an ``entity_type``/``schema`` column: person, company, phone, vehicle,
        bank_account.
    columns
        Extra column renames, input name -> field (``{"nazwisko_matki": "surname"}``).
    threshold
        Match probability from which two records are the same actor.
    backend
        ``duckdb`` (default, one machine) or ``spark`` (needs ``crystal-palace[spark]``).
    spark
        An existing SparkSession (a cluster's); without it a local one is started.
    default_country
        ISO code (PL, IT, NL) for phone numbers written without a country code.
    seed
        Seed of the random sampling that estimates u probabilities: the same input gives the same result.
    pair_budget
        Largest number of pairs one blocking rule may generate; looser rules are dropped above it.
    explain
        Keep the per-comparison evidence of every matched pair (turn off for very large runs).
    dataset
        Name of the data set in record references.
    one_record_per
        A column (``agency``) whose every value holds at most one record per actor: an agency that keeps
        one record per person it meets. Clusters then never take two records of one value (pairs are
        clustered strongest first; see ``linkage/actors_cluster.py``).
    memory_limit
        DuckDB memory limit (``"16GB"``); DuckDB spills to a temporary folder above it.

    Returns
    -------
    ActorResolution
        Matches with explanations, resolved actors keeping their source record ids, problems, models.
    """
    _check_options(threshold)
    start = time.perf_counter()
    prepared, ignored, sources = _split_by_type(records, dataset, entity_type, columns, default_country,
                                                one_record_per)
    options = RunOptions(threshold=threshold, seed=seed, pair_budget=pair_budget, explain=explain)
    result = ActorResolution([], [], [], [], threshold, backend, {dataset: ignored})
    engine = open_engine(backend, spark=spark, memory_limit=memory_limit)
    try:
        for kind, part in prepared.items():
            result.problems.extend(part.problems)
            if len(part.table) < 2:
                result.entities.extend(_singletons(kind, dataset, part))
                continue
            groups, labels = _by_source(part, sources[kind]) if kind in sources else ([], {})
            if len(groups) > 1:
                free = tuple(name for name, _ in groups if name != "source_none")
                run = RunOptions(**{**options.__dict__, "duplicate_free": free, "within": True, "label": dataset})
                matches, entities, report = run_splink(engine, groups, run)
                report.records = {labels[name]: n for name, n in report.records.items()}
                report.training.append(f"at most one record per {one_record_per} in an actor")
            else:
                matches, entities, report = run_splink(engine, [(dataset, part)], options)
            result.matches.extend(matches)
            result.entities.extend(entities)
            result.models.append(report)
    finally:
        engine.close()
    result.elapsed = time.perf_counter() - start
    return result


def link_actor_sets(left: Any, right: Any, *, names: tuple[str, str] = ("left", "right"),
                    entity_type: str = "person", columns: Mapping[str, str] | None = None,
                    threshold: float = 0.9, backend: str = "duckdb", spark: Any = None,
                    default_country: str | None = None, seed: int = 42, pair_budget: int = 20_000_000,
                    explain: bool = True, one_to_one: bool = False,
                    memory_limit: str | None = None) -> ActorResolution:
    """Link two sets of actor records: which record of ``left`` is which of ``right``.

    Records are compared across the sets only (each set is taken as already deduplicated); the
    resolved actors group the linked records, and every record of both sets belongs to one of them.
    Parameters are those of :func:`resolve_actors`, with ``names`` naming the two data sets;
    ``one_to_one`` keeps only mutual best links, so an actor has at most one record in each set.
    """
    _check_options(threshold)
    if names[0] == names[1]:
        raise InvalidInput(f"the two data sets need different names, got {names[0]!r} twice", field="names")
    start = time.perf_counter()
    left_parts, left_ignored, _ = _split_by_type(left, names[0], entity_type, columns, default_country)
    right_parts, right_ignored, _ = _split_by_type(right, names[1], entity_type, columns, default_country)
    options = RunOptions(threshold=threshold, seed=seed, pair_budget=pair_budget, explain=explain,
                         duplicate_free=tuple(names) if one_to_one else ())
    result = ActorResolution([], [], [], [], threshold, backend, {names[0]: left_ignored, names[1]: right_ignored})
    engine = open_engine(backend, spark=spark, memory_limit=memory_limit)
    try:
        for kind in ENTITY_TYPES:
            parts = [(n, p[kind]) for n, p in ((names[0], left_parts), (names[1], right_parts)) if kind in p]
            for _, part in parts:
                result.problems.extend(part.problems)
            if len(parts) < 2:
                for name, part in parts:
                    result.entities.extend(_singletons(kind, name, part))
                continue
            matches, entities, report = run_splink(engine, parts, options)
            result.matches.extend(matches)
            result.entities.extend(entities)
            result.models.append(report)
    finally:
        engine.close()
    result.elapsed = time.perf_counter() - start
    return result
