"""The precursor engines' bounded cache: least recently used out, safe under the API's threads."""

from __future__ import annotations

import threading

import pytest

from crystal_palace.precursors.lru import LRUCache


def test_lru_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 1)
    cache.clear()
    assert len(cache) == 0 and cache.hits == cache.misses == 0
    empty: LRUCache[str, int] = LRUCache(0)
    empty.put("a", 1)
    assert empty.get("a") is None
    with pytest.raises(ValueError):
        LRUCache(-1)


def test_lru_cache_under_threads() -> None:
    """Four threads reading and writing overlapping keys: no wrong value, no lost count, the bound kept."""
    cache: LRUCache[int, int] = LRUCache(64)
    wrong: list[tuple[int, int]] = []  # (an assert in a thread would not fail the test)

    def work(offset: int) -> None:
        for i in range(2000):
            key = (i * 7 + offset) % 200
            value = cache.get(key)
            if value is not None and value != key * 2:
                wrong.append((key, value))
            cache.put(key, key * 2)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(cache) == 64 and cache.hits + cache.misses == 8000
