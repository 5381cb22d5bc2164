"""Ordered, bounded, crash-tolerant parallel map over chunks of records.

Why not ``multiprocessing.Pool.imap``: it reads its whole input ahead (memory grows with the file),
and if a worker process dies (a segfault in native code on one pathological structure) the task it
held is lost and ``imap`` waits forever. Here at most ``in_flight`` chunks are submitted at a time and
results come back in submission order, so memory stays flat; when a worker dies, every chunk that was
in flight is re-run one item at a time in a fresh pool, so that only the item that kills a worker is
marked (by ``crashed``) and every other item still gets its result. Workers are also replaced after
``recycle_every`` chunks (once they have finished what they were given), so that memory a native
library keeps per call cannot grow with the size of the input.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from crystal_palace.exceptions import CrystalPalaceError

T = TypeVar("T")
R = TypeVar("R")

MAX_CRASHES = 20
"""Items that may kill a worker before the whole run is stopped (then something systemic is wrong)."""


class WorkersKeepCrashing(CrystalPalaceError):
    """Worker processes die on item after item: a broken installation rather than bad input."""


def fork_context() -> Any:
    """``fork`` where the platform has it (workers then share the parent's loaded data), else the default."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class _Executor:
    """A process pool that can be replaced after a worker dies."""

    def __init__(self, jobs: int, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        self._args = (jobs, initializer, initargs)
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        jobs, initializer, initargs = self._args
        return ProcessPoolExecutor(jobs, mp_context=fork_context(), initializer=initializer, initargs=initargs)

    def renew(self) -> None:
        """Replace a broken pool."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new()

    def recycle(self) -> None:
        """Replace idle workers by fresh ones (forked from the parent as it is now)."""
        self.pool.shutdown(wait=True)
        self.pool = self._new()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def ordered_map(work: Callable[[list[T]], R], chunks: Iterable[list[T]], *, jobs: int, in_flight: int,
                initializer: Callable[..., None], initargs: tuple[Any, ...],
                crashed: Callable[[T], R], merge: Callable[[Sequence[R]], R],
                recycle_every: int | None = None) -> Iterator[R]:
    """Yield ``work(chunk)`` for each chunk, in order, computed on ``jobs`` worker processes.

    Parameters
    ----------
    work
        A module-level function (it is pickled by name) run in the workers.
    in_flight
        Chunks submitted but not yet yielded, at most; bounds memory.
    initializer, initargs
        Run once in each new worker.
    crashed
        The result for an item whose processing killed its worker.
    merge
        Join the per-item results of a chunk re-run after a crash into one chunk result.
    recycle_every
        Chunks after which the workers are replaced by fresh ones (None: never).
    """
    executor = _Executor(jobs, initializer, initargs)
    pending: deque[tuple[list[T], Future[R], ProcessPoolExecutor]] = deque()
    crashes = [0]

    def resolve(chunk: list[T], future: Future[R], pool: ProcessPoolExecutor) -> R:
        try:
            return future.result()
        except BrokenProcessPool:
            if pool is executor.pool:  # not yet replaced by an earlier chunk's crash
                executor.renew()
            return _one_by_one(chunk)

    def _one_by_one(chunk: list[T]) -> R:
        results: list[R] = []
        for item in chunk:
            for _attempt in (1, 2):  # a pool can also break under another chunk: blame an item only twice
                try:
                    results.append(executor.pool.submit(work, [item]).result())
                    break
                except BrokenProcessPool:
                    executor.renew()
            else:
                crashes[0] += 1
                if crashes[0] > MAX_CRASHES:
                    raise WorkersKeepCrashing(f"worker processes died on {crashes[0]} items; stopping (is the "
                                              "installation broken? try --jobs 1 to see the error)") from None
                results.append(crashed(item))
        return merge(results)

    def submit(chunk: list[T]) -> tuple[list[T], Future[R], ProcessPoolExecutor]:
        pool = executor.pool
        try:
            return chunk, pool.submit(work, chunk), pool
        except BrokenProcessPool as exc:  # broke since the last result: resolve() re-runs this chunk
            failed: Future[R] = Future()
            failed.set_exception(exc)
            return chunk, failed, pool

    try:
        for number, chunk in enumerate(chunks, start=1):
            if recycle_every and number % recycle_every == 0:
                while pending:  # let the old workers finish first: two pools at once would raise the peak
                    yield resolve(*pending.popleft())
                executor.recycle()
            pending.append(submit(chunk))
            if len(pending) >= in_flight:
                yield resolve(*pending.popleft())
        while pending:
            yield resolve(*pending.popleft())
    finally:
        executor.shutdown()
