"""ordered_map: results in order, bounded read-ahead, a worker that dies costs only its own item."""

import os
from itertools import count

import pytest

from crystal_palace.screening import parallel
from crystal_palace.screening.parallel import WorkersKeepCrashing, ordered_map


def double(chunk):
    return [x * 2 for x in chunk]


def die_on_13(chunk):
    if 13 in chunk:
        os._exit(1)
    return [x * 2 for x in chunk]


def die_always(chunk):
    os._exit(1)


def noop():
    pass


def run(work, chunks, **kw):
    options = {"jobs": 2, "in_flight": 4, "initializer": noop, "initargs": (),
               "crashed": lambda item: [f"crashed {item}"], "merge": lambda parts: [x for p in parts for x in p]}
    options.update(kw)
    return list(ordered_map(work, chunks, **options))


def test_results_come_back_in_order():
    chunks = [list(range(i, i + 3)) for i in range(0, 60, 3)]
    assert run(double, chunks) == [[x * 2 for x in c] for c in chunks]


def test_recycling_workers_keeps_order():
    chunks = [[i] for i in range(25)]
    assert run(double, chunks, recycle_every=4) == [[2 * i] for i in range(25)]


def test_only_the_item_that_kills_a_worker_is_marked():
    chunks = [list(range(i, i + 4)) for i in range(0, 24, 4)]
    out = [x for c in run(die_on_13, chunks) for x in c]
    assert out == [("crashed 13" if i == 13 else 2 * i) for i in range(24)]


def test_workers_that_always_die_stop_the_run(monkeypatch):
    monkeypatch.setattr(parallel, "MAX_CRASHES", 3)
    with pytest.raises(WorkersKeepCrashing):
        run(die_always, [[i] for i in range(10)])


def test_reads_at_most_in_flight_chunks_ahead():
    pulled = count()

    def chunks():
        for i in count():
            next(pulled)
            yield [i]

    results = ordered_map(double, chunks(), jobs=2, in_flight=4, initializer=noop, initargs=(),
                          crashed=lambda item: [], merge=lambda parts: [])
    assert next(results) == [0]
    assert next(pulled) <= 4 + 1
    results.close()
