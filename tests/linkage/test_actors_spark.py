"""The same actor pipeline on a local Spark session (the optional ``spark`` extra)."""

import importlib.util
import os
import time

import pandas as pd
import pytest

from crystal_palace.workflows.actors import link_actor_sets

if importlib.util.find_spec("pyspark") is None:  # make test installs it; CI must run this test, never skip it
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true: pyspark (the spark extra) must be installed for the Spark test")
    pytest.skip("the optional spark extra (pip install 'crystal-palace[spark]') is absent", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_febrl4_sample_links_on_spark_as_on_duckdb(shared_data):
    folder = shared_data / "febrl"

    def sample(name: str) -> pd.DataFrame:
        frame = pd.read_csv(folder / name, skipinitialspace=True, dtype=str)
        return frame[frame["rec_id"].str.split("-").str[1].astype(int) < 150]

    left, right = sample("dataset4a.csv"), sample("dataset4b.csv")
    start = time.perf_counter()
    spark = link_actor_sets(left, right, names=("a", "b"), backend="spark")
    elapsed = time.perf_counter() - start
    duckdb = link_actor_sets(left, right, names=("a", "b"))

    def pairs(result):
        return {(m.left.record_id, m.right.record_id) for m in result.matches}

    truth = {(r, r.replace("-org", "-dup-0")) for r in left["rec_id"]} & {
        (f"rec-{r.split('-')[1]}-org", r) for r in right["rec_id"]}
    true_positives = len(pairs(spark) & truth)
    precision, recall = true_positives / len(pairs(spark)), true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"Spark: {len(left)} x {len(right)} records, precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}, "
          f"{elapsed:.1f} s")
    assert f1 >= 0.99
    assert spark.backend == "spark" and spark.models[0].trained
    # the same pipeline: the same pairs as on DuckDB, with the same explanation structure
    assert pairs(spark) == pairs(duckdb)
    assert [e.field for e in spark.matches[0].evidence] == [e.field for e in duckdb.matches[0].evidence]
    assert sum(len(e.records) for e in spark.entities) == len(left) + len(right)
