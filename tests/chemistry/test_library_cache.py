"""The on-disk copy of the packaged library: the same library, rebuilt when anything it depends on changes."""

from __future__ import annotations

import pickle

import pytest
from rdkit import Chem

from crystal_palace.chemistry import library_cache
from crystal_palace.chemistry.library import Library, packaged_library_files


def _build() -> Library:
    return Library.from_paths(packaged_library_files())


def test_the_cached_library_is_the_library(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path))
    files = packaged_library_files()
    built = library_cache.cached(files, "library", _build)
    calls = []
    again = library_cache.cached(files, "library", lambda: calls.append(1) or _build())
    assert calls == []  # read back, not rebuilt
    assert again is not built and len(again) == len(built) >= 600
    for a, b in zip(built.entries, again.entries, strict=True):
        assert (a.id, a.inchikey, a.cas, a.synonyms, a.controlled_under) == (b.id, b.inchikey, b.cas, b.synonyms,
                                                                            b.controlled_under)
        assert Chem.MolToSmiles(a.mol) == Chem.MolToSmiles(b.mol)
    assert again.by_name.keys() == built.by_name.keys()
    hits = again.similar_many([[1, 2, 3, 80, 650]], 3)
    assert [(e.id, s) for e, s in hits[0]] == [(e.id, s) for e, s in built.similar_many([[1, 2, 3, 80, 650]], 3)[0]]


def test_a_change_to_a_file_is_a_new_key_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))
    a = tmp_path / "a.csv"
    a.write_text("one", encoding="utf-8")
    key = library_cache.cache_key([a], "thing")
    a.write_text("two", encoding="utf-8")
    assert library_cache.cache_key([a], "thing") != key
    assert library_cache.cached([a], "thing", lambda: {"v": 1}) == {"v": 1}
    [stored] = (tmp_path / "home" / "cache").glob("thing-*.pickle")
    assert pickle.loads(stored.read_bytes()) == {"v": 1}
    stored.write_bytes(b"\x80\x05 not a pickle")
    assert library_cache.cached([a], "thing", lambda: {"v": 2}) == {"v": 2}  # rebuilt, not an error
    assert pickle.loads(stored.read_bytes()) == {"v": 2}


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path))
    monkeypatch.setenv("CRYSTAL_PALACE_NO_CACHE", "1")
    a = tmp_path / "a.csv"
    a.write_text("x", encoding="utf-8")
    assert library_cache.cached([a], "thing", lambda: 5) == 5
    assert not (tmp_path / "cache").exists()


def test_bad_data_is_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path))
    a = tmp_path / "a.csv"
    a.write_text("x", encoding="utf-8")

    def broken() -> int:
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        library_cache.cached([a], "thing", broken)
    assert list(tmp_path.rglob("*.pickle")) == []
