"""A bounded, thread-safe least-recently-used cache (the API computes verdicts in a thread pool)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded, thread-safe least-recently-used mapping that counts its hits and misses.

    The API runs identify in a thread pool, so the dictionary is guarded by a lock; values are computed
    outside it (two threads missing the same key both compute it, and the results are the same).
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"size must not be negative, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key``, forgetting the least recently used entry beyond the size."""
        if self.size == 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything, and the counts."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0
