"""Actor resolution with Splink: which person, company, phone, vehicle or account records are one actor.

The pipeline for one entity type, on DuckDB or Spark alike:

1. the normalised records (:mod:`.actors_records`) are registered with the backend;
2. blocking keys are chosen under a pair budget (:func:`choose_blocking`);
3. the model (:mod:`.actors_settings`) starts from prior m/u values and, when there are enough records,
   is trained: the match prior from near-certain rules, u by random sampling (seeded), m by expectation
   maximisation on blocks (Splink samples EM pairs by hashing, so a run is repeatable);
4. pairs are scored; each pair above the threshold is kept with its evidence (:mod:`.actors_explain`);
5. pairs are clustered into resolved actors, strongest first, never joining records that contradict
   each other (two dates of birth, two identity numbers) or two records of a source that keeps one
   record per actor (:mod:`.actors_cluster`; connected components chain common names through sparse
   records); each actor keeps the ids of all its source records, and an unmatched record is an actor
   of one record, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.actors_backends import Engine
from crystal_palace.linkage.actors_cluster import ClusterReport, cluster_frame
from crystal_palace.linkage.actors_explain import (
    Evidence,
    comparisons_from_model,
    explain_pair,
    prior_weight,
    summarise,
)
from crystal_palace.linkage.actors_records import PreparedRecords
from crystal_palace.linkage.actors_settings import MODELS, build_settings, comparisons_for, usable

logger = logging.getLogger("crystal_palace.linkage.actors")

SUMMARY_FIELDS = {
    "person": ("first_name", "surname", "birth_date", "nationality", "id_number", "phone", "city"),
    "company": ("name", "registration_number", "city"),
    "phone": ("phone", "owner_name"),
    "vehicle": ("plate", "vin", "make", "model", "colour"),
    "bank_account": ("iban", "holder_name", "bic"),
    "address": ("street", "postcode", "city"),
}
"""The fields shown for a resolved actor (each its most frequent value among the actor's records)."""


@dataclass(frozen=True, order=True)
class RecordRef:
    """A source record: the data set it came from and its id there."""

    dataset: str
    record_id: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"dataset": self.dataset, "record_id": self.record_id}


@dataclass
class ActorMatch:
    """Two records scored as the same actor, with the evidence for it."""

    entity_type: str
    left: RecordRef
    right: RecordRef
    match_probability: float
    match_weight: float
    evidence: list[Evidence]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"entity_type": self.entity_type, "left": self.left.to_dict(), "right": self.right.to_dict(),
                "match_probability": round(self.match_probability, 6), "match_weight": round(self.match_weight, 3),
                "explanation": self.explanation, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class ResolvedActor:
    """One actor: every source record resolved to it, and its most frequent values."""

    entity_id: str
    entity_type: str
    records: list[RecordRef]
    attributes: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"entity_id": self.entity_id, "entity_type": self.entity_type, "size": len(self.records),
                "records": [r.to_dict() for r in self.records], "attributes": self.attributes}


@dataclass
class ModelReport:
    """How one entity type was resolved: data, blocking, training and the trained model itself."""

    entity_type: str
    records: dict[str, int]
    comparisons: list[str]
    blocking: list[dict[str, Any]]
    training: list[str]
    trained: bool
    model: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the Splink model included, so a result can be audited and re-run)."""
        return {"entity_type": self.entity_type, "records": self.records, "comparisons": self.comparisons,
                "blocking": self.blocking, "training": self.training, "trained": self.trained,
                "timings": {k: round(v, 3) for k, v in self.timings.items()}, "model": self.model}


def estimate_pairs(tables: Sequence[pd.DataFrame], key: tuple[str, ...]) -> int:
    """Pairs a blocking key alone generates (within one table, or across two), from group sizes."""
    sizes = [t.dropna(subset=list(key)).groupby(list(key)).size() for t in tables]
    if len(sizes) == 1:
        return int((sizes[0] * (sizes[0] - 1) // 2).sum())
    joined = sizes[0].to_frame("a").join(sizes[1].to_frame("b"), how="inner")
    return int((joined["a"] * joined["b"]).sum())


def choose_blocking(entity_type: str, tables: Sequence[pd.DataFrame], populated: set[str],
                    budget: int) -> tuple[list[tuple[str, ...]], list[dict[str, Any]]]:
    """The blocking keys kept under ``budget`` pairs each, and a report of every candidate."""
    kept: list[tuple[str, ...]] = []
    report: list[dict[str, Any]] = []
    for key in usable(MODELS[entity_type].blocking, populated):
        pairs = estimate_pairs(tables, key)
        keep = pairs <= budget
        report.append({"rule": "block_on(" + ", ".join(key) + ")", "pairs": pairs, "kept": keep})
        if keep:
            kept.append(key)
    if not kept:
        raise InvalidInput(f"no blocking key for {entity_type} records stays under {budget:,} pairs "
                           f"(candidates: {report}); raise the pair budget or add identifying fields",
                           field="blocking")
    return kept, report


@dataclass
class RunOptions:
    """Settings of one resolution run (see :func:`crystal_palace.resolve_actors` for their meaning)."""

    threshold: float = 0.9
    seed: int = 42
    pair_budget: int = 20_000_000
    min_records_to_train: int = 200
    u_max_pairs: float = 1.5e6
    em_max_pairs: float = 2e6
    explain: bool = True
    duplicate_free: tuple[str, ...] = ()
    """Inputs (by name) that hold at most one record per actor: clusters take one record of each at most."""
    within: bool = False
    """Also compare records within each input (several inputs that are parts of one data set)."""
    label: str | None = None
    """Data-set name for record references, when the inputs are parts of one data set."""
    on_stage: Callable[[str], None] | None = None
    """Called with each stage's name as it ends (register, train, predict, cluster, explain): benchmarks
    measure memory per stage with it."""


def run_splink(engine: Engine, inputs: Sequence[tuple[str, PreparedRecords]], options: RunOptions,
               ) -> tuple[list[ActorMatch], list[ResolvedActor], ModelReport]:
    """Resolve one entity type: ``inputs`` is one (dedupe) or several (link) named prepared tables."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    entity_type = inputs[0][1].entity_type
    link = len(inputs) >= 2
    # parts of one data set have the same columns: a field held in any part is compared; two data sets
    # are compared on the fields both hold
    fields = [p.populated_fields for _, p in inputs]
    populated = set.union(*fields) if options.within else set.intersection(*fields)
    comparisons = comparisons_for(entity_type, populated)
    if not comparisons:
        raise InvalidInput(f"the {entity_type} records share no field that can be compared "
                           f"(populated: {sorted(populated) or 'none'})", field="columns")
    columns = ["unique_id", *sorted(populated)]
    tables = [p.table[columns] for _, p in inputs]
    link_type = ("link_and_dedupe" if options.within else "link_only") if link else "dedupe_only"
    counted = [pd.concat(tables)] if options.within or not link else tables
    if len(counted) > 2:  # several sources linked: the pairs across them are all pairs less those within
        counted = [pd.concat(tables)]
    blocking, blocking_report = choose_blocking(entity_type, counted, populated, options.pair_budget)
    sizes = [len(t) for t in tables]
    prior = None
    small = sum(sizes) < options.min_records_to_train
    if small:
        # too few records to estimate the prior: assume each record has at most one other record of the
        # same actor, i.e. 1/n of the pairs match (1/max(n_left, n_right) for a link)
        prior = max(MODELS[entity_type].prior, 1.0 / max(2, max(sizes) if len(sizes) == 2 else sum(sizes)))
    settings = build_settings(entity_type, populated, link_type, blocking, prior, term_frequencies=not small)
    api = engine.new_api()
    registered = [api.register(_for_backend(t, engine), dataset_display_name=name,
                                      table_name=f"cp_actors_{entity_type}_{i}_{time.time_ns()}")
                  for i, ((name, _), t) in enumerate(zip(inputs, tables, strict=True))]
    linker = Linker(registered if link else registered[0], settings, log_level=None)
    timings["register"] = time.perf_counter() - start
    _stage(options, "register")

    start = time.perf_counter()
    notes, trained = _train(linker, entity_type, populated, sizes, options)
    timings["train"] = time.perf_counter() - start
    _stage(options, "train")

    start = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=options.threshold, warning_mode="never")
    pairs: pd.DataFrame = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    timings["predict"] = time.perf_counter() - start
    _stage(options, "predict")

    start = time.perf_counter()
    names = [name for name, _ in inputs]
    records = (pd.concat([t.assign(source_dataset=name) for name, t in zip(names, tables, strict=True)],
                         ignore_index=True) if link else tables[0])
    exclusive = None
    if options.duplicate_free:
        # a source that keeps one record per actor: never two records of it in one actor
        free = set(options.duplicate_free)
        records = records.assign(_exclusive=[s if s in free else None for s in records["source_dataset"]])
        exclusive = "_exclusive"
    clusters, clustering = cluster_frame(records, pairs, entity_type, exclusive=exclusive)
    clusters = clusters.drop(columns=["_exclusive"], errors="ignore")
    del records
    timings["cluster"] = time.perf_counter() - start
    _stage(options, "cluster")

    start = time.perf_counter()
    model = linker.misc.save_model_to_json()
    if options.label is not None:
        pairs = pairs.drop(columns=[c for c in ("source_dataset_l", "source_dataset_r") if c in pairs.columns])
        clusters = clusters.drop(columns=["source_dataset"], errors="ignore")
        names = [options.label]
    matches = _matches(pairs, model, entity_type, names, options.explain)
    entities = _entities(clusters, entity_type, names)
    timings["explain"] = time.perf_counter() - start
    _stage(options, "explain")
    notes.append(_clustering_note(clustering, exclusive is not None))
    report = ModelReport(entity_type, {name: len(t) for (name, _), t in zip(inputs, tables, strict=True)},
                         [c for c, _ in comparisons], blocking_report, notes, trained, model, timings)
    predictions.drop_table_from_database_and_remove_from_cache()
    for sdf in registered:
        sdf.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    return matches, entities, report


def _clustering_note(report: ClusterReport, exclusive: bool) -> str:
    """What the clustering did, for the model report."""
    refused = ", ".join(f"{n:,} by {'one record per source' if why == 'exclusive' else f'contradicting {why}'}"
                        for why, n in sorted(report.refused.items()))
    rule = "at most one record per duplicate-free source, " if exclusive else ""
    return (f"clustered strongest pairs first ({rule}no contradicting values of checked fields): "
            f"{report.joined:,} of {report.pairs:,} pairs joined clusters"
            + (f"; refused {refused}" if refused else ""))


def _stage(options: RunOptions, name: str) -> None:
    if options.on_stage is not None:
        options.on_stage(name)


def _for_backend(table: pd.DataFrame, engine: Engine) -> Any:
    """Every matching column as text (Arrow for DuckDB; Spark gets a schema so empty columns type well)."""
    if engine.name == "duckdb":
        import pyarrow as pa

        schema = pa.schema([(c, pa.string()) for c in table.columns])
        return pa.Table.from_pandas(table, schema=schema, preserve_index=False)
    from pyspark.sql.types import StringType, StructField, StructType

    # a frame made from Python rows is re-read through Python workers on every query: write it once to
    # Parquet (in the engine's temporary folder) so that Spark reads it natively from then on
    schema = StructType([StructField(c, StringType(), True) for c in table.columns])
    spark = engine.connection
    path = f"{engine.workdir}/input-{time.time_ns()}"
    spark.createDataFrame(table.astype(object).where(table.notna(), None), schema=schema).write.parquet(path)
    return spark.read.parquet(path)


def _train(linker: Linker, entity_type: str, populated: set[str], sizes: list[int],
           options: RunOptions) -> tuple[list[str], bool]:
    """Train what the data allows; every step that cannot run leaves the priors and says why."""
    spec = MODELS[entity_type]
    n_records = sum(sizes)
    if n_records < options.min_records_to_train:
        return [f"{n_records} records (< {options.min_records_to_train}): prior m and u probabilities used, "
                "not trained; match prior 1/n (each record has at most one other record of its actor)"], False
    notes: list[str] = []
    trained = False
    deterministic: list[str | BlockingRuleCreator] = [block_on(*k) for k in usable(spec.deterministic, populated)]
    if deterministic:
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
            estimated = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
            ceiling = min(0.5, 10.0 / max(2, max(sizes) if len(sizes) == 2 else n_records))
            if estimated > ceiling:  # more than ten records per actor on average: the rules misfired
                # Splink has no public setter for the prior once the linker exists
                linker._settings_obj._probability_two_random_records_match = spec.prior
                notes.append(f"match prior from near-certain rules ({estimated:.3g}) is implausible (above "
                             f"{ceiling:.3g}): kept at {spec.prior}")
            else:
                notes.append(f"match prior {estimated:.3g} estimated from near-certain rules (recall 0.7)")
        except Exception as exc:  # noqa: BLE001 - Splink raises several types; the prior stays
            notes.append(f"match prior kept at {spec.prior}: {exc}")
    try:
        # when every pair fits in the sample, one pass does it (Splink's probing in chunks is for big data)
        chunks = 1 if _all_pairs(sizes) <= options.u_max_pairs else 10
        linker.training.estimate_u_using_random_sampling(max_pairs=options.u_max_pairs, seed=options.seed,
                                                         num_chunks=chunks)
        notes.append(f"u estimated by random sampling ({options.u_max_pairs:,.0f} pairs, seed {options.seed})")
        trained = True
    except Exception as exc:  # noqa: BLE001
        notes.append(f"u kept at priors: {exc}")
    compared = [set(c.fields) for c in spec.comparisons if set(c.fields) <= populated]
    for key in usable(spec.training_blocks, populated):
        rule = "block_on(" + ", ".join(key) + ")"
        if not any(fields.isdisjoint(key) for fields in compared):
            notes.append(f"no expectation maximisation on {rule}: it would leave no comparison to train")
            continue
        try:
            # below ~100,000 records every blocked pair is used; above, Splink samples them by hashing
            sample = options.em_max_pairs if n_records > 100_000 else None
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*key), max_pairs=sample)
            notes.append(f"m estimated by expectation maximisation on {rule}")
            trained = True
        except Exception as exc:  # noqa: BLE001
            notes.append(f"expectation maximisation on {rule} failed, priors kept: {exc}")
    return notes, trained


def _all_pairs(sizes: Sequence[int]) -> int:
    """Number of possible pairs: n(n-1)/2 for deduplication, n_left * n_right for a link."""
    return sizes[0] * (sizes[0] - 1) // 2 if len(sizes) == 1 else sizes[0] * sizes[1]


def _matches(pairs: pd.DataFrame, model: dict[str, Any], entity_type: str, names: list[str],
             explain: bool) -> list[ActorMatch]:
    comparisons = comparisons_from_model(model)
    prior = prior_weight(model)
    default = names[0]
    has_source = "source_dataset_l" in pairs.columns
    matches = []
    for row in pairs.to_dict("records"):
        left = RecordRef(str(row["source_dataset_l"]) if has_source else default, str(row["unique_id_l"]))
        right = RecordRef(str(row["source_dataset_r"]) if has_source else default, str(row["unique_id_r"]))
        if right < left:
            left, right = right, left
        weight, probability = float(row["match_weight"]), float(row["match_probability"])
        evidence = explain_pair(row, comparisons) if explain else []
        text = summarise(evidence, weight, probability, prior) if explain else ""
        matches.append(ActorMatch(entity_type, left, right, probability, weight, evidence, text))
    matches.sort(key=lambda m: (-m.match_probability, m.left, m.right))
    return matches


def _entities(clusters: pd.DataFrame, entity_type: str, names: list[str]) -> list[ResolvedActor]:
    """Clusters to actors, vectorised: a million records must not mean a million pandas group calls."""
    frame = clusters.copy()
    frame["dataset"] = frame["source_dataset"].astype(str) if "source_dataset" in frame.columns else names[0]
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame = frame.sort_values(["cluster_id", "dataset", "unique_id"], kind="stable")
    attributes: dict[Any, dict[str, str]] = {}
    for column in SUMMARY_FIELDS[entity_type]:
        if column not in frame.columns:
            continue
        counts = frame.dropna(subset=[column]).groupby(["cluster_id", column]).size().reset_index(name="n")
        counts = counts.sort_values(["cluster_id", "n", column], ascending=[True, False, True], kind="stable")
        for cluster_id, value in counts.drop_duplicates("cluster_id")[["cluster_id", column]].itertuples(
                index=False, name=None):
            attributes.setdefault(cluster_id, {})[column] = str(value)
    cluster_ids = frame["cluster_id"].to_numpy()
    refs = [RecordRef(d, u) for d, u in zip(frame["dataset"], frame["unique_id"], strict=True)]
    starts = [0, *(np.flatnonzero(cluster_ids[1:] != cluster_ids[:-1]) + 1).tolist()]
    ends = [*starts[1:], len(refs)]
    entities = []
    for begin, end in zip(starts, ends, strict=True):
        if begin == end:
            continue
        cluster_id, records = cluster_ids[begin], refs[begin:end]
        digest = hashlib.sha1("\n".join(f"{r.dataset}\t{r.record_id}" for r in records).encode()).hexdigest()
        entities.append(ResolvedActor(f"{entity_type}-{digest[:16]}", entity_type, records,
                                      attributes.get(cluster_id, {})))
    entities.sort(key=lambda e: (-len(e.records), e.records[0]))
    return entities
