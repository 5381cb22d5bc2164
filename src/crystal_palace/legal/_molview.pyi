"""Type stub of the C extension built from _molview.c (see molview.py)."""

from typing import Any

def read(binary: bytes, bond_types: dict[int, Any], /) -> tuple[Any, ...] | None: ...
def context_key(atoms: frozenset[int], anchors: tuple[tuple[int, int], ...], atom_context: list[int],
                neighbours: list[list[int]], bond_code: dict[tuple[int, int], int],
                atom_rings: list[tuple[frozenset[int], ...]], /) -> tuple[tuple[Any, ...], ...]: ...
def pieces(neighbours: list[list[int]], core: set[int] | frozenset[int], /
           ) -> list[tuple[frozenset[int], tuple[tuple[int, int], ...], list[int]]]: ...
