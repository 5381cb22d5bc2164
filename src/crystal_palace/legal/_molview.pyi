"""Type stub of the C extension built from _molview.c (see molview.py)."""

from typing import Any

def read(binary: bytes, bond_types: dict[int, Any], /) -> tuple[Any, ...] | None: ...
