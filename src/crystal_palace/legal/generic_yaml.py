"""YAML reading that keeps line numbers, so that every problem in a rule file can name its line.

PyYAML's safe loader is used (no object construction); mappings and sequences come back as
:class:`LMap` / :class:`LList`, plain dict/list subclasses that also remember the line of themselves and of
each key or item.
"""

from __future__ import annotations

from typing import Any

import yaml


class LMap(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict[str, int]


class LList(list[Any]):
    """A list that remembers the line of itself and of each item."""

    line: int = 0
    lines: list[int]


#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc,valid-type]  # a variable base
    """Safe loader building :class:`LMap` and :class:`LList`."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LMap:
    out = LMap()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.lines[str(key)] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LList:
    out = LList(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [n.start_mark.line + 1 for n in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def line_of(container: Any, key: str | int, default: int | None) -> int | None:
    """Line of ``container[key]`` when known, else ``default``."""
    if isinstance(container, LMap) and isinstance(key, str):
        return container.lines.get(key, container.line)
    if isinstance(container, LList) and isinstance(key, int) and key < len(container.lines):
        return container.lines[key]
    return default


def load_yaml(text: str) -> Any:
    """Parse YAML text into plain values, :class:`LMap` and :class:`LList` (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
