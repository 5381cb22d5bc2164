"""Benchmark the whole chain on one generated data set: generate, import, link, resolve, analyse.

    python bench/end_to_end.py                   # ~476,000 seizures: about 1,000,000 seizures + actors
    python bench/end_to_end.py --quick           # 5,000 seizures, to check that it runs
    python bench/end_to_end.py --seizures 20000  # any size

One process, one data set, the stages in the order an analyst runs them, each through the public
functions the CLI calls, each reading what the previous one left in a DuckDB file store (a temporary
folder):

1. generate          -- ``crystal_palace.demo.generate(seizures=N)`` (what ``demo generate`` runs)
2. import            -- ``store.write_frames`` of every table and the ground truth into a fresh DuckDB
                        file, one transaction (the two calls ``generate_demo(db=...)`` makes, timed apart)
3. link profiles     -- per target set: ``read_store_profiles`` + ``read_store_truth(db, "batch")`` +
                        ``link_profiles(reference=truth, criterion="f1")`` (``link profiles --db --truth
                        --criterion f1``) on every profile: all pairs within the threshold, found by
                        matrix products (``metrics.close_pairs``); the F1 optimum counts each sampled
                        unlinked calibration pair for all the unlinked pairs it stands for
                        (``--false-share`` sets ``max_fpr`` instead). Every linked pair is scored; the
                        store gets a minimum spanning forest of them (``store_links``): per group of
                        linked profiles the closest pairs that join it, n - 1 links for n profiles
                        instead of up to n(n - 1)/2 (the 7 M linked ATS pairs would not fit the
                        network stage), each a real linked pair with its distance and LR
4. link tablets      -- ``read_store_tablets`` + ``read_store_truth(db, "press")`` + ``link_tablets``
                        (blocked on logo and diameter: ``tablets.candidate_pairs``) on every tablet,
                        ``evidence=False``; the forest's links stored with their evidence
5. resolve actors    -- the store's ``actors`` table through ``resolve_actors(one_record_per="agency")``
                        (Splink on DuckDB, ``--memory-limit 6GB``), every actor at threshold 0.9
                        (``--person-threshold``, ``--actor-threshold``), clustered strongest pairs first without two
                        records of one agency or contradicting dates of birth (``actors_cluster``);
                        each resolved actor's records stored as ``same_actor`` links
6. network           -- ``build_network(db)``: every record and link of the store as one networkx graph
7. centrality, communities -- ``Network.centrality()`` and ``Network.communities()``; on the full graph
                        when it has at most ``--analysis-nodes`` nodes, else on a documented sample (below)

Per stage: wall time, this process's CPU time (the machine is shared: CPU time says what the work
costs), and the process's peak resident memory during the stage (sampled from /proc/self/statm every
20 ms; DuckDB runs in the process, so its memory counts), plus VmHWM, the peak since the process
started. Linkage stages are scored against the generator's ground truth: precision, recall and F1 of
the linked pairs (profiles: same batch; tablets: same press; actors: same true person or entity).

Everything is linked by default. ``--profiles-max N`` (``--tablets-max N``) links a seeded random
sample of N profiles per target set (tablets) instead and scores it against the truth restricted to the
sample (a uniform sample of items is a uniform sample of pairs), for quicker runs.

Betweenness (``Network.centrality``) runs one breadth-first search per source (500 sampled sources),
each over the whole component, in pure Python: it is analysed whole up to ``--centrality-nodes``
nodes, and Louvain communities up to ``--communities-nodes``. Above, the sample is the nodes reached
by a breadth-first walk from the highest-degree seizure, in the order reached, up to that many (a
neighbourhood an analyst would open), and their induced subgraph.

Prints a table; writes bench/results/end_to_end.json (``--out`` elsewhere).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: see docs/linkage.md (tiles of one core)

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "end_to_end.json"
ACTORS_PER_SEIZURE = 1.1  # what the generator makes, about (bench/store.py)
FULL = round(1_000_000 / (1 + ACTORS_PER_SEIZURE))  # 476,190 seizures -> ~1.03 M seizures + actors
QUICK = 5_000
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
OWNER = {"country": "NL", "agency": "bench"}


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_MB


def hwm_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Stages:
    """Times each stage and samples the process's resident memory while it runs."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.after: Callable[[], None] = lambda: None
        self._peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, rss_mb())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        """Measure one stage; the caller adds ``records`` and its own figures to the yielded row."""
        gc.collect()
        before = rss_mb()
        self._peak = before
        row: dict[str, Any] = {"stage": name}
        print(f"  {name} ...", flush=True)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield row
        finally:
            seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
            peak = max(self._peak, rss_mb())
            row.update({"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
                        "rss_before_mb": round(before), "peak_rss_mb": round(peak), "vmhwm_mb": round(hwm_mb())})
            self.rows.append(row)
            print(f"  {name:<16} {seconds:>8.1f} s ({cpu_seconds:>7.1f} s CPU)  peak RSS {peak:>7,.0f} MB"
                  f"{_score_text(row)}", flush=True)
            self.after()


def _score_text(row: dict[str, Any]) -> str:
    score = row.get("score")
    if not score:
        return ""
    return f"  P {score['precision']:.3f} R {score['recall']:.3f} F1 {score['f1']:.3f}"


def _f1(found: int, true: int, hits: int) -> dict[str, Any]:
    precision = hits / found if found else 0.0
    recall = hits / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"found": found, "true": true, "true_positives": hits, "precision": precision, "recall": recall, "f1": f1}


def _pooled(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision, recall and F1 over several target sets: their pair counts added up."""
    return _f1(sum(s["found"] for s in scores), sum(s["true"] for s in scores),
               sum(s["true_positives"] for s in scores))


def _groups(truth: Any, id_column: str) -> dict[str, str | None]:
    """Item -> true group; ``read_store_truth`` names a groupless item ``alone:<id>`` (no true pair)."""
    return {str(i): (None if str(g).startswith("alone:") else str(g))
            for i, g in zip(truth[id_column], truth["group"], strict=True)}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _sample(n: int, cap: int, seed: int) -> np.ndarray | None:
    if cap <= 0 or n <= cap:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def _score_pairs(a: Any, b: Any, groups: dict[str, str | None], items: Any) -> dict[str, Any]:
    """Precision, recall and F1 of found pairs (distinct, each once) against true groups, vectorised.

    ``pair_f1`` with millions of pairs builds a Python set of tuples (gigabytes); this maps ids to group
    codes instead. ``items`` are the ids linked (the true pairs are counted among them).
    """
    import pandas as pd

    codes = pd.Series({i: g for i, g in groups.items() if g is not None})
    index = {g: k for k, g in enumerate(sorted(set(codes)))}
    code = codes.map(index)
    ga = pd.Series(np.asarray(a, dtype=object)).map(code).to_numpy(dtype=float)
    gb = pd.Series(np.asarray(b, dtype=object)).map(code).to_numpy(dtype=float)
    hits = int(np.sum((ga == gb) & ~np.isnan(ga)))
    present = pd.Series(np.asarray(list(items), dtype=object)).map(code).dropna().astype(int)
    sizes = np.bincount(present.to_numpy(), minlength=1).astype(np.int64)
    return _f1(len(ga), int((sizes * (sizes - 1) // 2).sum()), hits)


def _forest(pairs: Any) -> Any:
    """The rows of ``pairs`` (columns a, b, distance) that form a minimum spanning forest of the links.

    Every linked pair is scored; the store gets, per group of linked items, the closest pairs that join
    it (n - 1 links for n items instead of up to n(n - 1)/2): the same groups in the network, each
    stored link a real linked pair with its distance and likelihood ratio.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

    if not len(pairs):
        return pairs
    import pandas as pd

    inverse, ids = pd.factorize(np.r_[pairs["a"].to_numpy(dtype=object), pairs["b"].to_numpy(dtype=object)])
    n, m = len(ids), len(pairs)
    rows, cols = inverse[:m].astype(np.int64), inverse[m:].astype(np.int64)
    # + 1: a zero distance is a missing entry of a sparse matrix; a constant keeps the tree the same
    tree = minimum_spanning_tree(coo_matrix((pairs["distance"].to_numpy() + 1.0, (rows, cols)), shape=(n, n)))
    tree = tree.tocoo()
    chosen = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    selected = pairs[np.isin(np.minimum(rows, cols) * n + np.maximum(rows, cols), chosen)]
    # a pair listed once per orientation is chosen once
    return selected.drop_duplicates(["a", "b"]).reset_index(drop=True)


def _store_forest(db: str, result: Any, pairs: Any, source: str, *, chunk: int = 200_000) -> dict[str, int]:
    """Store the forest's links (``LinkageResult.to_links`` of those rows), a chunk at a time."""
    from dataclasses import replace

    from crystal_palace.workflows.linkage import store_links

    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for start in range(0, len(pairs), chunk):
        part = replace(result, pairs=pairs.iloc[start:start + chunk])
        for key, value in store_links(db, part.to_links(), **OWNER, source=source).items():
            counts[key] += value
    return counts


def link_profile_sets(db: str, args: argparse.Namespace, row: dict[str, Any]) -> list[dict[str, Any]]:
    """``link profiles --db DB --truth --store-links`` for every target set, scored against the batches."""
    from crystal_palace import link_profiles
    from crystal_palace.workflows.linkage import read_store_profiles, read_store_truth
    from crystal_palace.workflows.store import open_store

    with open_store(db, read_only=True) as store:
        target_sets = sorted(store.read_table("target_sets")["name"].astype(str))
    truth = read_store_truth(db, "batch")
    groups = _groups(truth, "sample_id")
    sets, scores, links = [], [], 0
    for name in target_sets:
        started = time.perf_counter()
        profiles = read_store_profiles(db, target_set=name)
        full = len(profiles)
        if full < 2:
            continue
        rows = _sample(full, args.profiles_max, args.seed)
        if rows is not None:
            profiles = profiles.select(rows.tolist())
        read = time.perf_counter() - started
        max_fpr = None
        if args.false_share > 0:
            sizes = Counter(g for g in (groups.get(i) for i in profiles.ids) if g is not None)
            linked_population = sum(_pairs(k) for k in sizes.values())
            max_fpr = args.false_share * linked_population / max(_pairs(len(profiles)) - linked_population, 1)
        result = link_profiles(profiles, reference=truth, max_fpr=max_fpr, criterion=args.profiles_criterion,
                               limit=None)
        linked = result.pairs[result.pairs["linked"]]
        linking = time.perf_counter() - started - read
        score = _score_pairs(linked["a"], linked["b"], groups, profiles.ids)
        forest = _forest(linked)
        stored = _store_forest(db, result, forest, "bench end_to_end link profiles")
        links += stored["inserted"]
        scores.append(score)
        calibration = result.calibration
        compared = _pairs(len(profiles))
        sets.append({"target_set": name, "profiles": full, "linked_profiles": len(profiles),
                     "sampled": rows is not None, "method": result.method, "criterion": args.profiles_criterion,
                     "max_fpr": max_fpr, "auc": calibration.auc if calibration else None,
                     "threshold": result.threshold,
                     "calibration_pairs_sampled": calibration.sampled if calibration else None,
                     "linked_pairs": len(linked), "stored_links": len(forest), "stored": stored,
                     "read_seconds": round(read, 2), "link_seconds": round(linking, 2), "pairs_compared": compared,
                     "pairs_per_second": round(compared / max(linking, 1e-9)),
                     "store_seconds": round(time.perf_counter() - started - read - linking, 2), "score": score})
        print(f"    {name:<16} {len(profiles):>8,} of {full:>8,} profiles  AUC {sets[-1]['auc'] or 0:.4f}  "
              f"{len(linked):>9,} linked pairs ({len(forest):,} stored)  P {score['precision']:.3f} "
              f"R {score['recall']:.3f} F1 {score['f1']:.3f}  ({read:.1f} + {linking:.1f} s, "
              f"{sets[-1]['pairs_per_second']:,} pairs/s)", flush=True)
        del result, linked, forest
    row.update({"records": sum(s["linked_profiles"] for s in sets), "links_stored": links, "target_sets": sets,
                "score": _pooled(scores)})
    return sets


def link_store_tablets(db: str, args: argparse.Namespace, row: dict[str, Any]) -> None:
    """``link tablets --db DB --truth --store-links``, scored against the presses."""
    from crystal_palace import link_tablets
    from crystal_palace.linkage.tablets import explain_pairs, read_tablets
    from crystal_palace.workflows.linkage import read_store_tablets, read_store_truth

    started = time.perf_counter()
    tablets = read_store_tablets(db)
    truth = read_store_truth(db, "press")
    full = len(tablets)
    rows = _sample(full, args.tablets_max, args.seed)
    if rows is not None:
        tablets = tablets.iloc[rows].reset_index(drop=True)
    read = time.perf_counter() - started
    # the evidence (a dict per pair) of millions of pairs would not fit: it is added to the stored links only
    result = link_tablets(tablets, reference=truth, criterion=args.tablets_criterion, limit=None, evidence=False)
    linking = time.perf_counter() - started - read
    groups = _groups(truth, "id")
    score = _score_pairs(result.pairs["a"], result.pairs["b"], groups, tablets["id"].astype(str))
    forest = _forest(result.pairs)
    table = read_tablets(tablets)
    position = {t: k for k, t in enumerate(table.ids)}
    forest["evidence"] = explain_pairs(table, np.array([position[a] for a in forest["a"]], dtype=np.intp),
                                       np.array([position[b] for b in forest["b"]], dtype=np.intp))
    stored = _store_forest(db, result, forest, "bench end_to_end link tablets")
    calibration = result.calibration
    compared = _pairs(len(tablets))
    row.update({"records": len(tablets), "tablets": full, "sampled": rows is not None,
                "auc": calibration.auc if calibration else None, "threshold": result.threshold,
                "linked_pairs": len(result.pairs), "stored_links": len(forest), "links_stored": stored["inserted"],
                "read_seconds": round(read, 2), "link_seconds": round(linking, 2), "pairs_in_table": compared,
                "pairs_per_second": round(compared / max(linking, 1e-9)),
                "store_seconds": round(time.perf_counter() - started - read - linking, 2), "score": score})
    print(f"    {len(tablets):,} tablets  AUC {row['auc'] or 0:.4f}  {len(result.pairs):,} linked pairs "
          f"({len(forest):,} stored)  ({read:.1f} + {linking:.1f} s, {row['pairs_per_second']:,} pairs/s of the "
          f"table)", flush=True)


def resolve_store_actors(db: str, args: argparse.Namespace, row: dict[str, Any]) -> None:
    """Resolve the store's actors (Splink on DuckDB), store each actor as links, score against the truth."""
    from crystal_palace import resolve_actors
    from crystal_palace.workflows.linkage import store_links
    from crystal_palace.workflows.store import open_store

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    with open_store(db, read_only=True) as store:
        actors = store.read_table("actors")
    read = time.perf_counter() - started
    one_record_per = None if args.one_record_per in ("", "none") else args.one_record_per
    persons = (actors["schema"] == "Person").to_numpy()
    results = [resolve_actors(part, dataset="store", one_record_per=one_record_per, threshold=threshold,
                              explain=not args.no_explain, memory_limit=args.memory_limit)
               for part, threshold in ((actors[persons], args.person_threshold),
                                       (actors[~persons], args.actor_threshold)) if len(part)]
    entities = [entity for result in results for entity in result.entities]
    resolving = time.perf_counter() - started - read
    links = []
    for entity in entities:
        first, *others = [r.record_id for r in entity.records]
        links.extend({"type": "same_actor", "from_id": first, "to_id": other, "score": None,
                      "method": "actors:splink", "explanation": json.dumps({"entity_id": entity.entity_id})}
                     for other in others)
    stored = store_links(db, links, **OWNER, source="bench end_to_end resolve actors")
    storing = time.perf_counter() - started - read - resolving
    row.update({"records": len(actors), "resolved_actors": len(entities),
                "matched_pairs": sum(len(r.matches) for r in results), "links_stored": stored["inserted"],
                "problems": sum(len(r.problems) for r in results), "summary": [r.summary() for r in results],
                "read_seconds": round(read, 2), "resolve_seconds": round(resolving, 2),
                "store_seconds": round(storing, 2)})
    # all-pairs precision and recall against the generator's truth (truth_actors: record -> true entity)
    with open_store(db, read_only=True) as store:
        truth = store.read_table("truth_actors", order_by="actor_id")
    true_of = dict(zip(truth["actor_id"].astype(str), truth["entity_id"].astype(str), strict=True))
    schema = dict(zip(actors["id"].astype(str), actors["schema"].astype(str), strict=True))
    del actors
    found: dict[str, int] = defaultdict(int)
    hits: dict[str, int] = defaultdict(int)
    for entity in entities:
        ids = [r.record_id for r in entity.records]
        for a, b in itertools.combinations(ids, 2):
            found[schema[a]] += 1
            hits[schema[a]] += true_of.get(a) is not None and true_of.get(a) == true_of.get(b)
    members: dict[tuple[str, str], int] = defaultdict(int)
    for record, entity_id in true_of.items():
        if record in schema:
            members[(schema[record], entity_id)] += 1
    true: dict[str, int] = defaultdict(int)
    for (kind, _), n in members.items():
        true[kind] += n * (n - 1) // 2
    kinds = sorted(set(true) | set(found))
    row["by_schema"] = {kind: _f1(found[kind], true[kind], hits[kind]) for kind in kinds}
    row["score"] = _f1(sum(found.values()), sum(true.values()), sum(hits.values()))
    for kind, score in row["by_schema"].items():
        print(f"    {kind:<12} P {score['precision']:.3f} R {score['recall']:.3f} F1 {score['f1']:.3f} "
              f"({score['true']:,} true pairs)", flush=True)


def analysis_sample(graph: Any, limit: int) -> tuple[Any, str]:
    """The whole graph when small enough, else the first ``limit`` nodes of a walk from the busiest seizure."""
    if graph.number_of_nodes() <= limit:
        return graph, "the whole network"
    seizures = [(d, n) for n, d in graph.degree() if graph.nodes[n].get("kind") == "seizure"]
    _, start = max(seizures) if seizures else max((d, n) for n, d in graph.degree())
    seen = {start: None}
    frontier = [start]
    while frontier and len(seen) < limit:
        following = []
        for node in frontier:
            for neighbour in graph.adj[node]:
                if neighbour not in seen:
                    seen[neighbour] = None
                    following.append(neighbour)
                    if len(seen) >= limit:
                        break
            if len(seen) >= limit:
                break
        frontier = following
    return graph.subgraph(list(seen)).copy(), f"{len(seen):,} nodes reached breadth-first from seizure {start}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seizures", type=int, default=None, help=f"seizures to generate (default {FULL:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} seizures (unless --seizures)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profiles-criterion", default="f1", help="profile threshold criterion (f1, youden)")
    parser.add_argument("--false-share", type=float, default=0.0,
                        help="instead of the criterion: max_fpr = this x (true pairs / unlinked pairs), i.e. false "
                             "links at most about this share of the true ones (0, the default: the criterion)")
    parser.add_argument("--tablets-criterion", default="f1", help="tablet threshold criterion (youden, f1)")
    parser.add_argument("--one-record-per", default="agency",
                        help="resolve_actors(one_record_per=...): agency (the default: an agency keeps one record "
                             "per person it meets, so an actor never takes two records of one agency) or none")
    parser.add_argument("--person-threshold", type=float, default=0.9,
                        help="match probability from which two person records are one person")
    parser.add_argument("--actor-threshold", type=float, default=0.9,
                        help="the same for the other actors (companies, phones, vehicles, accounts, addresses)")
    parser.add_argument("--profiles-max", type=int, default=0,
                        help="profiles per target set linked at most (a seeded random sample above; 0, the "
                             "default: all)")
    parser.add_argument("--tablets-max", type=int, default=0,
                        help="tablets linked at most (a seeded random sample above; 0, the default: all)")
    parser.add_argument("--centrality-nodes", type=int, default=5_000,
                        help="largest network whose betweenness is computed whole (a sample above)")
    parser.add_argument("--communities-nodes", type=int, default=200_000,
                        help="largest network whose communities are computed whole (a sample above)")
    parser.add_argument("--no-explain", action="store_true", help="resolve actors without per-pair explanations")
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit of the actor resolution")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the DuckDB store (its path is printed)")
    args = parser.parse_args()
    seizures = args.seizures or (QUICK if args.quick else FULL)

    from crystal_palace import build_network
    from crystal_palace.demo import generate
    from crystal_palace.workflows.analysis import Network
    from crystal_palace.workflows.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="cp-bench-e2e-"))
    db = str(folder / "store.duckdb")
    print(f"end-to-end benchmark: {seizures:,} seizures, seed {args.seed}, store {db}", flush=True)
    stages = Stages()
    summary: dict[str, Any] = {
        "benchmark": "end_to_end", "seizures": seizures, "seed": args.seed, "complete": False,
        "options": {"profiles_criterion": args.profiles_criterion, "false_share": args.false_share,
                    "tablets_criterion": args.tablets_criterion,
                    "one_record_per": args.one_record_per, "person_threshold": args.person_threshold,
                    "actor_threshold": args.actor_threshold,
                    "profiles_max": args.profiles_max,
                    "tablets_max": args.tablets_max, "centrality_nodes": args.centrality_nodes,
                    "communities_nodes": args.communities_nodes, "explain": not args.no_explain,
                    "memory_limit": args.memory_limit},
        "command": "python " + " ".join(sys.argv)}

    def save() -> None:
        """Write what is measured so far (a stage that never ends still leaves the earlier ones)."""
        store_file = folder / "store.duckdb"
        if store_file.exists():
            summary["duckdb_file_mb"] = round(store_file.stat().st_size / 2**20)
        summary.update({
            "stages": stages.rows, "total_seconds": round(sum(r["seconds"] for r in stages.rows), 1),
            "total_cpu_seconds": round(sum(r["cpu_seconds"] for r in stages.rows), 1),
            "peak_rss_mb": max((r["peak_rss_mb"] for r in stages.rows), default=0),
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
                        "load_average": os.getloadavg()}})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")

    stages.after = save
    try:
        with stages.stage("generate") as row:
            data = generate(seizures=seizures, seed=args.seed)
            row["records"] = data.records
            summary["seizures_and_actors"] = len(data.tables["seizures"]) + len(data.tables["actors"])
            summary["counts"] = data.counts()
        print(f"    {data.records:,} records, seizures + actors {summary['seizures_and_actors']:,}: "
              f"{', '.join(f'{k} {v:,}' for k, v in summary['counts'].items())}", flush=True)
        with stages.stage("import") as row, open_store(db) as store:
            report = store.write_frames({**data.tables, **data.truth}, action="demo", target=f"seed {args.seed}")
            row["records"] = report.total_inserted
        del data, store
        with stages.stage("link profiles") as row:
            link_profile_sets(db, args, row)
        with stages.stage("link tablets") as row:
            link_store_tablets(db, args, row)
        with stages.stage("resolve actors") as row:
            resolve_store_actors(db, args, row)
        with stages.stage("network") as row:
            graph = build_network(db).graph
            graph_summary = Network(graph).summary()
            row.update({"records": graph.number_of_nodes(), "nodes": graph.number_of_nodes(),
                        "edges": graph.number_of_edges(),
                        "summary": {k: v for k, v in graph_summary.items() if k != "skipped"}})
        with stages.stage("centrality") as row:
            part, how = analysis_sample(graph, args.centrality_nodes)
            central = Network(part).centrality(top=10)
            row.update({"records": part.number_of_nodes(), "nodes": part.number_of_nodes(),
                        "edges": part.number_of_edges(), "analysed": how,
                        "top": [{k: r[k] for k in ("id", "kind", "degree", "betweenness")} for r in central[:5]]})
            del part
        with stages.stage("communities") as row:
            part, how = analysis_sample(graph, args.communities_nodes)
            del graph
            found = Network(part).communities()
            row.update({"records": part.number_of_nodes(), "nodes": part.number_of_nodes(),
                        "edges": part.number_of_edges(), "analysed": how, "communities": len(found),
                        "largest": [c.get("size") for c in found[:5]]})
        summary["complete"] = True
    finally:
        stages.close()
        save()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print_table(summary)
    print(f"wrote {args.out}")


def print_table(summary: dict[str, Any]) -> None:
    print(f"\n{summary['seizures']:,} seizures, {summary.get('seizures_and_actors', 0):,} seizures + actors; "
          f"DuckDB file {summary.get('duckdb_file_mb', 0):,} MB")
    print(f"{'stage':<16} {'records':>10} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'precision':>9} "
          f"{'recall':>7} {'F1':>6}")
    for row in summary["stages"]:
        score = row.get("score") or {}
        cells = (f"{score['precision']:>9.3f} {score['recall']:>7.3f} {score['f1']:>6.3f}" if score else "")
        print(f"{row['stage']:<16} {row.get('records', 0):>10,} {row['seconds']:>8.1f} {row['cpu_seconds']:>8.1f} "
              f"{row['peak_rss_mb']:>12,} {cells}")
    print(f"{'total':<16} {'':>10} {summary['total_seconds']:>8.1f} {summary['total_cpu_seconds']:>8.1f} "
          f"{summary['peak_rss_mb']:>12,}")


if __name__ == "__main__":
    main()
